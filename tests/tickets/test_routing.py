"""Routing rules on ticket creation: each condition and action, dynamic targets, non-partners
skipped with a reason, review-first holding, and the timeline saying which rule decided."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tenants.models import Partnership, Party, RoutingMode
from tests.conftest import make_ticket
from tickets.models import Custody, Participant, Product, RoutingAction, TicketCategory
from tickets.services import ticket_create

from .sla_kit import event, kinds, policy, round_the_clock, rule

pytestmark = pytest.mark.django_db


def category(code: str) -> TicketCategory:
    return TicketCategory.objects.get(code=code)


# condition name -> (value that matches the default test ticket, value that does not)
CONDITIONS = {
    "category": (lambda c: category("size_colour_change"), lambda c: category("quality")),
    "brand": (lambda c: c.brand, lambda c: c.other_brand),
    "merchant": (lambda c: c.merchant, lambda c: c.outsider),
    "sku": (lambda c: "NP-SHOE-01", lambda c: "GL-SERUM-01"),
    "product_category": (lambda c: "shoes", lambda c: "skincare"),
    "channel": (lambda c: "api", lambda c: "portal"),
    "priority": (lambda c: "high", lambda c: "low"),
    "keywords": (lambda c: ["nothing", "坏了"], lambda c: ["refund"]),
}


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("matches", [True, False], ids=["matches", "differs"])
def test_each_condition_decides_whether_a_rule_applies(cast, condition, matches):
    Product.objects.create(
        owner=cast.streamer, sku="NP-SHOE-01", brand=cast.brand, product_category="shoes"
    )
    value = CONDITIONS[condition][0 if matches else 1](cast)
    rule(cast.streamer, target=cast.other_brand, **{condition: value})
    ticket, _token = make_ticket(
        cast, sku="NP-SHOE-01", channel="api", priority="high", description="鞋底坏了"
    )
    if matches:
        assert (ticket.state, ticket.handler, ticket.custody_party) == (
            "routed",
            cast.other_brand,
            cast.other_brand,
        )
    else:
        assert (ticket.state, ticket.custody_party) == ("new", cast.streamer)
        assert kinds(ticket) == ["ticket.created"]


def test_routed_event_names_the_rule_and_the_ledger_shows_the_hand_over(cast):
    chosen = rule(cast.streamer, name="Shoes go to North Peak", target=cast.brand)
    ticket, _token = make_ticket(cast)
    assert kinds(ticket) == ["ticket.created", "ticket.routed"]
    routed = event(ticket, "ticket.routed")
    assert routed.actor_kind == "system"
    assert routed.data["rule"] == {
        "id": chosen.pk,
        "name": "Shoes go to North Peak",
        "action": "route_to_party",
    }
    assert routed.data["to_party"]["slug"] == cast.brand.slug
    periods = list(Custody.objects.filter(ticket=ticket).values_list("party", "ended_at"))
    assert periods[0][0] == cast.streamer.pk and periods[0][1] is not None
    assert periods[1] == (cast.brand.pk, None)
    roles = dict(Participant.objects.filter(ticket=ticket).values_list("party", "role"))
    assert roles == {cast.streamer.pk: "originator", cast.brand.pk: "handler"}


def test_route_to_the_products_brand_prefers_the_product_record(cast):
    Product.objects.create(owner=cast.streamer, sku="GL-1", brand=cast.other_brand)
    rule(cast.streamer, action=RoutingAction.ROUTE_TO_BRAND)
    with_product, _t = make_ticket(cast, sku="GL-1", brand=cast.brand)
    without_product, _t = make_ticket(cast, sku="UNKNOWN", brand=cast.brand)
    assert with_product.handler == cast.other_brand
    assert without_product.handler == cast.brand


def test_route_to_the_orders_merchant(cast):
    rule(cast.streamer, action=RoutingAction.ROUTE_TO_MERCHANT)
    ticket, _token = make_ticket(cast)
    assert (ticket.state, ticket.handler) == ("routed", cast.merchant)


def test_a_dynamic_target_nobody_recorded_is_skipped(cast):
    rule(cast.streamer, action=RoutingAction.ROUTE_TO_BRAND, position=0)
    rule(cast.streamer, target=cast.merchant, position=1)
    with translation.override("en"):  # reasons are written in the acting request's language
        ticket, _token = make_ticket(cast, brand=None)
    assert ticket.handler == cast.merchant
    assert event(ticket, "routing.rule_skipped").data["reason"] == "No brand or merchant is known."


def test_a_target_that_is_not_a_partner_is_skipped_with_the_reason(cast):
    stale = rule(cast.streamer, name="Old supplier", target=cast.other_brand, position=0)
    rule(cast.streamer, name="Stranger", target=cast.outsider, position=1)
    rule(cast.streamer, name="Fallback", target=cast.brand, position=2)
    Partnership.objects.filter(streamer=cast.streamer, partner=cast.other_brand).update(
        is_active=False
    )
    with translation.override("en"):  # reasons are written in the acting request's language
        ticket, _token = make_ticket(cast)
    assert ticket.handler == cast.brand
    assert kinds(ticket) == [
        "ticket.created",
        "routing.rule_skipped",
        "routing.rule_skipped",
        "ticket.routed",
    ]
    skipped = [e.data for e in ticket.events.filter(kind="routing.rule_skipped").order_by("seq")]
    assert [s["rule"]["name"] for s in skipped] == ["Old supplier", "Stranger"]
    assert {s["reason"] for s in skipped} == {"The target is not a partner."}
    assert skipped[0]["rule"]["id"] == stale.pk
    assert event(ticket, "ticket.routed").data["rule"]["name"] == "Fallback"


def test_hold_for_manual_triage_keeps_it_new_and_says_why(cast):
    held = rule(cast.streamer, name="Quality checked by us", action=RoutingAction.HOLD)
    rule(cast.streamer, target=cast.brand, position=1)
    ticket, _token = make_ticket(cast)
    assert (ticket.state, ticket.custody_party) == ("new", cast.streamer)
    assert event(ticket, "routing.held").data["rule"]["id"] == held.pk


def test_set_priority_without_routing(cast):
    rule(cast.streamer, action=RoutingAction.NONE, keywords=["burn"], set_priority="urgent")
    ticket, _token = make_ticket(cast, description="The pan burns food")
    assert (ticket.state, ticket.priority) == ("new", "urgent")
    assert event(ticket, "routing.applied").data["priority"] == "urgent"


def test_set_policy_gives_the_handler_that_clock(cast):
    calendar = round_the_clock()
    policy(cast.streamer, resolve_h=48, party_kind="brand", calendar=calendar)
    fast = policy(cast.streamer, resolve_h=4, calendar=calendar, name="VIP")
    rule(cast.streamer, target=cast.brand, set_policy=fast)
    ticket, _token = make_ticket(cast)
    period = Custody.objects.get(ticket=ticket, ended_at__isnull=True)
    assert ticket.sla_policy == fast and period.sla_policy == fast
    assert period.resolve_by - period.started_at == fast.resolve_within
    assert ticket.resolve_by == period.resolve_by


def test_review_first_holds_every_ticket(cast):
    cast.streamer.routing_mode = RoutingMode.REVIEW_FIRST
    cast.streamer.save()
    rule(cast.streamer, target=cast.brand)
    ticket, _token = make_ticket(cast)
    assert (ticket.state, kinds(ticket)) == ("new", ["ticket.created"])


def test_the_platforms_rules_come_after_the_streamers(cast):
    rule(cast.platform, target=cast.merchant, position=0)
    rule(cast.streamer, target=cast.brand, position=5)
    first, _token = make_ticket(cast)
    assert first.handler == cast.brand
    rule(cast.streamer, target=cast.brand, position=6, channel="api", name="api only")
    cast.streamer.routing_rules.filter(position=5).delete()
    second, _token = make_ticket(cast)
    assert second.handler == cast.merchant


def test_routing_and_sla_on_create_stay_within_a_few_queries(cast):
    Product.objects.create(owner=cast.streamer, sku="NP-1", brand=cast.brand)
    policy(cast.platform, accept_h=2, resolve_h=24, party_kind="brand", calendar=round_the_clock())
    rule(cast.streamer, action=RoutingAction.ROUTE_TO_BRAND)
    make_ticket(cast)  # today's reference counter exists from now on
    actor = cast.actor(cast.streamer.slug)
    streamer = Party.objects.select_related("platform").get(pk=cast.streamer.pk)
    size = category("size_colour_change")
    with CaptureQueriesContext(connection) as queries:
        ticket, _token = ticket_create(
            actor=actor,
            originator=streamer,
            category=size,
            subject="Shoes",
            sku="NP-1",
            form_data={"new_size": "42", "new_colour": "black"},
        )
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    # reference, rules, product, partners, policies (with calendars), ticket, events,
    # participants, custody periods, webhook endpoints, the routed-to desk's people and their
    # notifications (the participants are known from the insert, not read back).
    assert len(statements) <= 12, statements
    assert ticket.state == "routed" and ticket.resolve_by is not None
