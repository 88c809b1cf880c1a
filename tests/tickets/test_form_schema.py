"""Form data is checked against the category's schema before anything is written."""

from __future__ import annotations

import pytest
from django.utils import translation

from tickets.errors import TicketValidationError
from tickets.forms_schema import form_data_validate
from tickets.models import ReferenceCounter, Ticket, TicketCategory, TicketEvent

from ..conftest import make_ticket

ADDRESS = {"province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路 90 号"}


def _written() -> tuple:
    return (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        list(ReferenceCounter.objects.values_list("day", "last")),
    )


@pytest.mark.parametrize(
    ("category", "form_data", "errors"),
    [
        pytest.param(
            "size_colour_change",
            {"new_size": "42"},
            {"form_data.new_colour": ["New colour is required."]},
            id="missing-required",
        ),
        pytest.param(
            "size_colour_change",
            {"new_size": "42", "new_colour": "black", "gift_wrap": True},
            {"form_data.gift_wrap": ["Unknown field."]},
            id="unknown-field",
        ),
        pytest.param(
            "price_protection",
            {"paid_price": "199 yuan", "current_price": 159},
            {"form_data.paid_price": ["Price paid is not valid: expected number"]},
            id="wrong-type",
        ),
        pytest.param(
            "size_colour_change",
            {"new_size": "", "new_colour": "black"},
            {"form_data.new_size": ["New size is not valid: too short"]},
            id="empty-string",
        ),
        pytest.param(
            "address_change",
            {"new_address": {"province": "浙江省", "city": "杭州市", "detail": "文三路 90 号"}},
            {"form_data.new_address.district": ["New address / district is required."]},
            id="address-missing-district",
        ),
        pytest.param(
            "address_change",
            {"new_address": {**ADDRESS, "postcode": "310000"}},
            {"form_data.new_address.postcode": ["Unknown field."]},
            id="address-unknown-part",
        ),
        pytest.param(
            "address_change",
            {"new_address": "文三路 90 号"},
            {"form_data.new_address": ["New address is not valid: expected object"]},
            id="address-not-an-object",
        ),
        pytest.param(
            "exchange",
            {"reason": "Too small", "photos": ["a.jpg", 3]},
            {"form_data.photos.1": ["Photos is not valid: expected string"]},
            id="wrong-item-type",
        ),
    ],
)
def test_invalid_form_data_is_refused_with_field_errors_and_nothing_written(
    cast, category, form_data, errors
):
    written = _written()
    with translation.override("en"), pytest.raises(TicketValidationError) as raised:
        make_ticket(cast, category=TicketCategory.objects.get(code=category), form_data=form_data)
    assert raised.value.field_errors == errors
    assert _written() == written


def test_form_data_must_be_an_object(cast):
    with pytest.raises(TicketValidationError) as raised:
        make_ticket(cast, form_data=["42", "black"])
    assert set(raised.value.field_errors) == {"form_data"}
    assert Ticket.objects.count() == 0


def test_field_errors_are_labelled_in_chinese_too(cast):
    with translation.override("zh-hans"), pytest.raises(TicketValidationError) as raised:
        make_ticket(cast, form_data={"new_size": "42"})
    # The message itself is translated later; the field's label comes from the schema.
    [message] = raised.value.field_errors["form_data.new_colour"]
    assert "新颜色" in message


def test_several_errors_are_reported_together(cast):
    with translation.override("en"), pytest.raises(TicketValidationError) as raised:
        make_ticket(cast, subject=" ", form_data={"colour": "black"})
    assert set(raised.value.field_errors) == {
        "subject",
        "form_data.new_size",
        "form_data.new_colour",
        "form_data.colour",
    }


@pytest.mark.parametrize(
    ("category", "form_data"),
    [
        ("size_colour_change", {"new_size": "42", "new_colour": "black"}),
        ("address_change", {"new_address": ADDRESS}),
        ("price_protection", {"paid_price": 199, "current_price": 159.5}),
        ("exchange", {"reason": "Too small", "photos": ["a.jpg"]}),
        ("urge_shipment", {}),
    ],
)
def test_valid_form_data_is_accepted_and_stored(cast, category, form_data):
    ticket, _token = make_ticket(
        cast, category=TicketCategory.objects.get(code=category), form_data=form_data
    )
    ticket.refresh_from_db()
    assert ticket.form_data == form_data
    assert ticket.events.get().kind == "ticket.created"


@pytest.mark.parametrize(
    ("schema", "accepted", "refused"),
    [
        pytest.param(
            # 2020-12 only: the fast draft-7 check would not know it, so jsonschema decides.
            {"type": "object", "dependentRequired": {"size": ["colour"]}},
            {"size": "42", "colour": "black"},
            {"size": "42"},
            id="2020-12-keyword",
        ),
        pytest.param(
            {"type": "object", "properties": {"photos": {"type": "array", "maxItems": 1}}},
            {"photos": ["a"]},
            {"photos": ["a", "b"]},
            id="keywords-both-drafts-know",
        ),
        pytest.param(
            {"type": "object", "properties": {"code": {"type": "string", "pattern": "^[0-9]+$"}}},
            {"code": "12\n"},  # "$" matches before a final newline in both; fast path says no
            {"code": "1a"},
            id="pattern-with-final-newline",
        ),
    ],
)
def test_every_schema_keyword_is_enforced_whichever_check_runs(schema, accepted, refused):
    assert form_data_validate(schema, accepted) == accepted
    with pytest.raises(TicketValidationError):
        form_data_validate(schema, refused)
