"""Tenancy (DESIGN §2): who sees which tickets, which notes and events reach which audience, and
how much of the buyer's personal data each party sees."""

from __future__ import annotations

import pytest

from collab.broadcast import audiences_of
from tenants.actors import Actor
from tickets.errors import TicketNotFound
from tickets.models import Comment, TicketCategory, Visibility
from tickets.projections import ticket_for_party
from tickets.selectors import (
    comment_qs_for_buyer,
    comment_qs_for_party,
    event_qs_for_buyer,
    event_qs_for_party,
    ticket_get_for_party,
    ticket_qs_for_party,
)
from tickets.services import comment_add, ticket_perform

from ..conftest import drive, make_ticket


@pytest.fixture
def tickets(cast) -> dict:
    """Tickets on both platforms in the shapes that matter for visibility."""

    def fresh(streamer=None):
        return make_ticket(cast, streamer=streamer)[0]

    handed = drive(cast, fresh(), "in_progress")
    handed = ticket_perform(
        ticket=handed, action="route", actor=cast.actor(cast.brand.slug), to_party=cast.merchant
    )
    weak = cast.weak_streamer
    return {
        "new": fresh(),
        "with_brand": drive(cast, fresh(), "routed"),
        "handed_to_merchant": handed,
        "escalated": drive(cast, fresh(), "escalated"),
        "weak_new": fresh(weak),
        "weak_with_brand": drive(cast, fresh(weak), "routed", streamer=weak),
        "weak_escalated": drive(cast, fresh(weak), "escalated", streamer=weak),
    }


STRONG_PLATFORM_TICKETS = {"new", "with_brand", "handed_to_merchant", "escalated"}

VISIBLE = {
    "streamer": STRONG_PLATFORM_TICKETS,
    "weak_streamer": {"weak_new", "weak_with_brand", "weak_escalated"},
    "brand": {
        "with_brand",
        "handed_to_merchant",
        "escalated",
        "weak_with_brand",
        "weak_escalated",
    },
    "other_brand": set(),
    "merchant": {"handed_to_merchant"},
    "platform": STRONG_PLATFORM_TICKETS,  # strong oversight: every ticket on it
    "weak_platform": {"weak_escalated"},  # weak: only what it arbitrates
    "outsider": set(),
}


@pytest.mark.parametrize("who", VISIBLE)
def test_party_sees_exactly_the_tickets_it_may(cast, tickets, who):
    party = getattr(cast, who)
    expected = {tickets[name].pk for name in VISIBLE[who]}
    seen = list(ticket_qs_for_party(party).values_list("pk", flat=True))
    assert sorted(seen) == sorted(expected)  # and each only once
    for name, ticket in tickets.items():
        if name in VISIBLE[who]:
            assert ticket_get_for_party(party, ticket.reference).pk == ticket.pk
        else:
            with pytest.raises(TicketNotFound):
                ticket_get_for_party(party, ticket.reference)


def test_unknown_reference_and_invisible_ticket_look_the_same(cast, tickets):
    with pytest.raises(TicketNotFound) as invisible:
        ticket_get_for_party(cast.outsider, tickets["new"].reference)
    with pytest.raises(TicketNotFound) as missing:
        ticket_get_for_party(cast.outsider, "AS-20000101-000001")
    assert (invisible.value.code, invisible.value.message) == (
        missing.value.code,
        missing.value.message,
    )


def test_weak_platform_keeps_seeing_what_it_arbitrated(cast, tickets):
    ticket = ticket_perform(
        ticket=tickets["weak_escalated"],
        action="resolve",
        actor=cast.actor(cast.weak_platform.slug),
        outcome="compensation",
    )
    assert ticket_get_for_party(cast.weak_platform, ticket.reference).pk == ticket.pk


@pytest.mark.parametrize("who", ["outsider", "other_brand", "weak_platform"])
def test_invisible_party_cannot_comment(cast, tickets, who):
    ticket = tickets["with_brand"]
    with pytest.raises(TicketNotFound):
        comment_add(
            ticket=ticket, actor=cast.actor(getattr(cast, who).slug), body="Hi", visibility="public"
        )
    assert not Comment.objects.filter(ticket=ticket).exists()


@pytest.fixture
def conversation(cast, tickets):
    """Notes of every visibility on the ticket the merchant fulfils (the brand handed it on)."""
    ticket = tickets["handed_to_merchant"]
    brand, streamer = cast.actor(cast.brand.slug), cast.actor(cast.streamer.slug)
    for actor, body, visibility in [
        (brand, "brand internal", Visibility.INTERNAL),
        (brand, "brand to parties", Visibility.PARTIES),
        (brand, "brand to everyone", Visibility.PUBLIC),
        (streamer, "streamer internal", Visibility.INTERNAL),
        (Actor.buyer(), "buyer tries internal", Visibility.INTERNAL),
    ]:
        comment_add(ticket=ticket, actor=actor, body=body, visibility=visibility)
    return ticket


SHARED = {"brand to parties", "brand to everyone", "buyer tries internal"}
NOTES_SEEN = {
    "brand": SHARED | {"brand internal"},
    "streamer": SHARED | {"streamer internal"},
    "merchant": SHARED,
    "platform": SHARED,
}


@pytest.mark.parametrize("who", NOTES_SEEN)
def test_notes_reach_exactly_their_audience(cast, conversation, who):
    party = getattr(cast, who)
    bodies = set(comment_qs_for_party(conversation, party).values_list("body", flat=True))
    assert bodies == NOTES_SEEN[who]
    comment_events = event_qs_for_party(conversation, party).filter(kind="comment.added")
    assert {e.data["body"] for e in comment_events} == NOTES_SEEN[who]


def test_buyer_sees_public_notes_and_events_only(conversation):
    assert set(comment_qs_for_buyer(conversation).values_list("body", flat=True)) == {
        "brand to everyone",
        "buyer tries internal",  # a buyer always writes publicly
    }
    events = list(event_qs_for_buyer(conversation))
    assert {e.visibility for e in events} == {Visibility.PUBLIC}
    # Routing between companies is the parties' business; the buyer sees progress.
    assert [e.kind for e in events] == [
        "ticket.created",
        "ticket.accepted",
        "comment.added",
        "comment.added",
    ]


def test_party_events_include_transitions_and_own_internal_notes(cast, conversation):
    kinds = [e.kind for e in event_qs_for_party(conversation, cast.merchant)]
    assert kinds == [
        "ticket.created",
        "ticket.routed",
        "ticket.accepted",
        "ticket.routed",
        "comment.added",
        "comment.added",
        "comment.added",
    ]
    seqs = list(event_qs_for_party(conversation, cast.brand).values_list("seq", flat=True))
    assert seqs == sorted(seqs)


def test_live_push_audiences_follow_the_same_rule(cast, conversation, tickets):
    everyone = sorted([cast.streamer.pk, cast.brand.pk, cast.merchant.pk, cast.platform.pk])
    by_body = {e.data.get("body"): e for e in conversation.events.filter(kind="comment.added")}
    assert audiences_of(by_body["brand internal"]) == [cast.brand.pk]
    assert audiences_of(by_body["streamer internal"]) == [cast.streamer.pk]
    assert audiences_of(by_body["brand to parties"]) == everyone
    assert audiences_of(by_body["brand to everyone"]) == everyone
    # The weak platform hears of a ticket only once it arbitrates it.
    weak_routed = tickets["weak_with_brand"].events.get(kind="ticket.routed")
    assert audiences_of(weak_routed) == sorted([cast.weak_streamer.pk, cast.brand.pk])
    weak_escalated = tickets["weak_escalated"].events.get(kind="ticket.escalated")
    assert audiences_of(weak_escalated) == sorted(
        [cast.weak_streamer.pk, cast.brand.pk, cast.weak_platform.pk]
    )


FULL_BUYER = {
    "name": "张三丰",
    "phone": "13812345678",
    "address": {
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "detail": "文三路 90 号 502 室",
    },
}
MASKED_BUYER = {
    "name": "张*",
    "phone": "*******5678",
    "address": {"province": "浙江省", "city": "杭州市", "district": "西湖区"},
}


def _buyer_view(ticket, party) -> dict:
    buyer = ticket_for_party(ticket, party)["buyer"]
    return {key: buyer[key] for key in ("name", "phone", "address")}


@pytest.mark.parametrize(
    ("who", "consent", "full"),
    [
        ("streamer", True, True),  # the originator
        ("streamer", False, True),
        ("merchant", True, True),  # fulfils the order, buyer consented
        ("merchant", False, False),  # PIPL Art. 23: no consent, no data
        ("brand", True, False),
        ("platform", True, False),
    ],
)
def test_buyer_data_is_masked_for_everyone_but_originator_and_consented_fulfiller(
    cast, who, consent, full
):
    ticket, _token = make_ticket(cast, buyer_consent=consent)
    ticket = drive(cast, ticket, "in_progress")
    ticket = ticket_perform(
        ticket=ticket, action="route", actor=cast.actor(cast.brand.slug), to_party=cast.merchant
    )
    view = _buyer_view(ticket, getattr(cast, who))
    assert view == (FULL_BUYER if full else MASKED_BUYER)
    assert ticket_for_party(ticket, getattr(cast, who))["buyer"]["masked"] is not full


def test_order_merchant_sees_full_data_with_consent_before_it_handles_the_ticket(cast):
    ticket = drive(cast, make_ticket(cast, buyer_consent=True)[0], "routed")
    assert _buyer_view(ticket, cast.merchant) == FULL_BUYER
    other_merchant_ticket = make_ticket(cast, buyer_consent=True, merchant=None)[0]
    assert _buyer_view(other_merchant_ticket, cast.merchant) == MASKED_BUYER


def test_personal_form_fields_are_masked_like_the_buyer_data(cast):
    new_address = {
        "province": "广东省",
        "city": "深圳市",
        "district": "南山区",
        "detail": "科技园 8 栋 1203",
    }
    ticket, _token = make_ticket(
        cast,
        buyer_consent=False,
        category=TicketCategory.objects.get(code="address_change"),
        form_data={"new_address": new_address},
    )
    assert ticket_for_party(ticket, cast.streamer)["form_data"] == {"new_address": new_address}
    for party in (cast.brand, cast.merchant, cast.platform):
        assert ticket_for_party(ticket, party)["form_data"] == {
            "new_address": {"province": "广东省", "city": "深圳市", "district": "南山区"}
        }
    # Fields not marked personal are shown as they are.
    sized, _token = make_ticket(cast, buyer_consent=False)
    assert ticket_for_party(sized, cast.brand)["form_data"] == {
        "new_size": "42",
        "new_colour": "black",
    }
