"""The triage console's "Let the rules decide": one ticket from its row, many in bulk; the
timeline says which rule decided; the queue is the streamer's alone."""

from __future__ import annotations

import pytest

from tenants.models import RoutingMode
from tests.conftest import make_ticket
from tests.tickets.sla_kit import kinds, rule
from tickets.models import RoutingAction

pytestmark = pytest.mark.django_db


@pytest.fixture
def review_first(cast):
    cast.streamer.routing_mode = RoutingMode.REVIEW_FIRST
    cast.streamer.save()
    return cast


def test_each_row_offers_the_rules(review_first, login):
    ticket = make_ticket(review_first)[0]
    text = login(review_first.streamer.slug).get("/portal/console/").content.decode()
    assert "Let the rules decide" in text
    assert f'name="tickets" value="{ticket.reference}"' in text


def test_one_ticket_routed_by_the_rules_shows_the_rule_on_its_page(review_first, login):
    cast = review_first
    ticket = make_ticket(cast)[0]
    rule(cast.streamer, name="Shoes to North Peak", target=cast.brand)
    client = login(cast.streamer.slug)
    response = client.post(
        "/portal/console/bulk/",
        {"tickets": [ticket.reference], "operation": "rules"},
        follow=True,
    )
    assert "1 tickets done" in response.content.decode()
    ticket.refresh_from_db()
    assert (ticket.state, ticket.custody_party) == ("routed", cast.brand)
    page = client.get(f"/portal/t/{ticket.reference}/").content.decode()
    assert "Routed to North Peak by the rule “Shoes to North Peak”" in page


def test_bulk_rules_route_hold_and_refuse_per_ticket(review_first, login):
    cast = review_first
    shoes = make_ticket(cast)[0]
    vip = make_ticket(cast, subject="VIP: wrong colour")[0]
    foreign = make_ticket(cast, streamer=cast.weak_streamer)[0]
    rule(cast.streamer, action=RoutingAction.HOLD, keywords=["VIP"], name="VIP by hand")
    rule(cast.streamer, name="Rest to North Peak", target=cast.brand, position=1)
    response = login(cast.streamer.slug).post(
        "/portal/console/bulk/",
        {"tickets": [shoes.reference, vip.reference, foreign.reference], "operation": "rules"},
        follow=True,
    )
    text = response.content.decode()
    assert f"{vip.reference} stays in the queue: no rule routed it." in text
    assert f"Refused {foreign.reference}: No such ticket" in text
    for ticket, state in ((shoes, "routed"), (vip, "new"), (foreign, "new")):
        ticket.refresh_from_db()
        assert ticket.state == state
    assert kinds(vip) == ["ticket.created", "routing.held"]
    assert kinds(foreign) == ["ticket.created"]


def test_viewers_and_other_kinds_cannot_run_the_rules(review_first, login):
    cast = review_first
    ticket = make_ticket(cast)[0]
    rule(cast.streamer, target=cast.brand)
    brand = login(cast.brand.slug).post(
        "/portal/console/bulk/", {"tickets": [ticket.reference], "operation": "rules"}
    )
    assert brand.status_code == 403
    login(cast.streamer.slug, "viewer").post(
        "/portal/console/bulk/", {"tickets": [ticket.reference], "operation": "rules"}
    )
    ticket.refresh_from_db()
    assert ticket.state == "new"
