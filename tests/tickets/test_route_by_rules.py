"""Let the rules decide, on a new ticket held for review: the rules re-run as at creation,
a routing rule performs a real route (custody, deadlines, events naming the rule), a hold or no
match leaves the ticket new with the explaining event; only the originator's actors may ask."""

from __future__ import annotations

import pytest

from tenants.models import RoutingMode
from tests.conftest import drive, make_ticket
from tickets.errors import TicketConflict, TicketNotFound, TicketPermissionDenied
from tickets.models import Custody, Participant, RoutingAction
from tickets.services import ticket_perform, ticket_route_by_rules

from .sla_kit import event, kinds, policy, rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(cast):
    """A new ticket the streamer holds for review (no rule existed when it arrived)."""
    cast.streamer.routing_mode = RoutingMode.REVIEW_FIRST
    cast.streamer.save()
    return make_ticket(cast)[0]


def test_a_routing_rule_routes_like_a_person_and_names_the_rule(cast, held):
    rule(cast.streamer, action=RoutingAction.HOLD, brand=cast.other_brand, name="Glow waits")
    chosen = rule(
        cast.streamer,
        name="Shoes to North Peak",
        target=cast.brand,
        set_priority="high",
        position=1,
    )
    ticket = ticket_route_by_rules(ticket=held, actor=cast.actor(cast.streamer.slug))
    ticket.refresh_from_db()
    assert (ticket.state, ticket.handler, ticket.custody_party, ticket.priority) == (
        "routed",
        cast.brand,
        cast.brand,
        "high",
    )
    assert kinds(ticket) == ["ticket.created", "ticket.routed"]
    routed = event(ticket, "ticket.routed")
    assert routed.data["rule"] == {
        "id": chosen.pk,
        "name": "Shoes to North Peak",
        "action": RoutingAction.ROUTE_TO_PARTY,
    }
    assert routed.data["to_party"]["slug"] == cast.brand.slug
    assert routed.actor_user == cast.user(cast.streamer.slug)
    assert (routed.from_state, routed.to_state, routed.seq) == ("new", "routed", 2)
    assert ticket.last_event_seq == 2
    periods = list(Custody.objects.filter(ticket=ticket).order_by("started_at", "id"))
    assert [(p.party, p.ended_at is None) for p in periods] == [
        (cast.streamer, False),
        (cast.brand, True),
    ]
    assert Participant.objects.get(ticket=ticket, party=cast.brand).role == "handler"


def test_skipped_rules_are_explained_before_the_route(cast, held):
    rule(cast.streamer, name="To a stranger", target=cast.outsider)
    rule(cast.streamer, name="To Glow", target=cast.other_brand, position=1)
    ticket = ticket_route_by_rules(ticket=held, actor=cast.actor(cast.streamer.slug))
    assert ticket.handler == cast.other_brand
    assert kinds(ticket) == ["ticket.created", "routing.rule_skipped", "ticket.routed"]


def test_the_platforms_rules_come_after_the_originators(cast, held):
    rule(cast.platform, name="Platform default", target=cast.merchant)
    ticket = ticket_route_by_rules(ticket=held, actor=cast.actor(cast.streamer.slug))
    assert (ticket.state, ticket.handler) == ("routed", cast.merchant)


def test_a_hold_leaves_the_ticket_new_with_the_rule_and_its_policy(cast, held):
    slow = policy(cast.streamer, accept_h=48)
    rule(cast.streamer, action=RoutingAction.HOLD, name="VIP by hand", set_policy=slow)
    ticket = ticket_route_by_rules(ticket=held, actor=cast.actor(cast.streamer.slug))
    ticket.refresh_from_db()
    assert (ticket.state, ticket.custody_party, ticket.sla_policy) == (
        "new",
        cast.streamer,
        slow,
    )
    assert kinds(ticket) == ["ticket.created", "routing.held"]
    assert event(ticket, "routing.held").data["rule"]["name"] == "VIP by hand"
    assert Custody.objects.filter(ticket=ticket).count() == 1


def test_no_matching_rule_says_so(cast, held):
    rule(cast.streamer, name="Glow only", brand=cast.other_brand, target=cast.other_brand)
    ticket = ticket_route_by_rules(ticket=held, actor=cast.actor(cast.streamer.slug))
    assert ticket.state == "new"
    assert kinds(ticket) == ["ticket.created", "routing.unmatched"]
    assert event(ticket, "routing.unmatched").actor_party == cast.streamer


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("outsider", TicketNotFound),
        ("weak_streamer", TicketNotFound),
        ("platform", TicketPermissionDenied),
    ],
)
def test_only_the_originator_may_ask(cast, held, who, error):
    rule(cast.streamer, target=cast.brand)
    with pytest.raises(error):
        ticket_route_by_rules(ticket=held, actor=cast.actor(getattr(cast, who).slug))
    held.refresh_from_db()
    assert (held.state, held.last_event_seq) == ("new", 1)


def test_a_viewer_of_the_originator_is_refused(cast, held):
    rule(cast.streamer, target=cast.brand)
    with pytest.raises(TicketPermissionDenied):
        ticket_route_by_rules(ticket=held, actor=cast.actor(cast.streamer.slug, "viewer"))
    assert kinds(held) == ["ticket.created"]


def test_a_declining_brand_cannot_ask_the_streamers_rules(cast, held):
    routed = drive(cast, held, "routed")
    ticket = ticket_perform(
        ticket=routed, action="decline", actor=cast.actor(cast.brand.slug), reason="Not ours"
    )
    assert ticket.state == "new"
    rule(cast.streamer, target=cast.other_brand)
    with pytest.raises(TicketPermissionDenied):
        ticket_route_by_rules(ticket=ticket, actor=cast.actor(cast.brand.slug))


def test_a_ticket_no_longer_new_is_a_conflict(cast, held):
    routed = drive(cast, held, "routed")
    rule(cast.streamer, target=cast.other_brand)
    with pytest.raises(TicketConflict) as caught:
        ticket_route_by_rules(ticket=routed, actor=cast.actor(cast.streamer.slug))
    assert caught.value.current_state == "routed"
