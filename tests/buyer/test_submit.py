"""``/r/<streamer>/<category>``: the form from the category's schema, errors beside fields."""

from __future__ import annotations

import pytest

from tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db

URL = "/r/lucy-live/size_colour_change"
GOOD = {
    "order_number": "DY2026111100042",
    "buyer_phone": "138 1234 5678",
    "fd_new_size": "42",
    "fd_new_colour": "black",
    "buyer_name": "张三丰",
    "address__province": "浙江省",
    "address__city": "杭州市",
    "address__district": "西湖区",
    "address__detail": "文三路 90 号 502 室",
}


def test_form_is_built_from_the_schema_in_chinese_by_default(client, cast):
    page = client.get(URL).content.decode()
    assert 'name="fd_new_size"' in page and 'name="fd_new_colour"' in page
    assert "新尺码" in page and "新颜色" in page
    assert 'name="buyer_consent"' in page and "checked" not in page


def test_address_form_has_the_address_parts(client, cast):
    page = client.get("/r/lucy-live/address_change").content.decode()
    for part in ("province", "city", "district", "detail"):
        assert f'name="fd_new_address__{part}"' in page


def test_bad_input_shows_errors_beside_fields_and_writes_nothing(client, cast):
    response = client.post(
        URL, {"order_number": "", "buyer_phone": "call me", "fd_new_size": "", "fd_new_colour": "x"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {"order_number", "buyer_phone", "fd_new_size"}
    page = response.content.decode()
    assert 'id="order_number-error"' in page and 'id="fd_new_size-error"' in page
    assert Ticket.objects.count() == 0


def test_half_an_address_is_refused(client, cast):
    data = {**GOOD, "address__detail": ""}
    response = client.post(URL, data)
    assert response.status_code == 400
    assert "address__detail" in response.context["form"].errors
    assert Ticket.objects.count() == 0


def test_schema_rules_beyond_the_html_field_are_shown_beside_the_field(client, cast):
    response = client.post(URL, {**GOOD, "fd_new_size": "x" * 21})
    assert response.status_code == 400
    assert "fd_new_size" in response.context["form"].errors


def test_submit_creates_the_ticket_and_shows_reference_and_link(client, cast):
    response = client.post(URL, {**GOOD, "buyer_consent": "on"})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.originator == cast.streamer
    assert ticket.channel == Channel.BUYER_FORM
    assert ticket.form_data == {"new_size": "42", "new_colour": "black"}
    assert (ticket.buyer_phone, ticket.buyer_phone_last4) == ("13812345678", "5678")
    assert ticket.buyer_address["district"] == "西湖区"
    assert ticket.buyer_consent is True
    assert ticket.events.first().actor_kind == "buyer"

    saved = client.get(response["Location"])
    page = saved.content.decode()
    assert ticket.reference in page
    token = response["Location"].split("/")[2]
    assert f"http://testserver/t/{token}" in page
    assert client.get(f"/t/{token}").context["ticket"]["reference"] == ticket.reference


def test_consent_is_separate_and_off_unless_given(client, cast):
    client.post(URL, GOOD)
    assert Ticket.objects.get().buyer_consent is False


@pytest.mark.parametrize(
    "url", ["/r/nobody/size_colour_change", "/r/lucy-live/no_such_kind", "/r/north-peak/refund"]
)
def test_unknown_streamer_or_category_is_a_friendly_404(client, cast, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "buyer/not_found.html" in [t.name for t in response.templates]


def test_english_on_request(client, cast):
    client.post("/i18n/setlang/", {"language": "en", "next": URL})
    page = client.get(URL).content.decode()
    assert '<html lang="en">' in page and "New size" in page
