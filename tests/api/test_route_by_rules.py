"""POST /api/v1/tickets/{reference}/actions/route_by_rules/: the originator's rules decide."""

from __future__ import annotations

import pytest

from tenants.models import RoutingMode
from tests.conftest import make_ticket
from tests.tickets.sla_kit import rule

pytestmark = pytest.mark.django_db


def _url(ticket) -> str:
    return f"/api/v1/tickets/{ticket.reference}/actions/route_by_rules/"


@pytest.fixture
def held(cast):
    cast.streamer.routing_mode = RoutingMode.REVIEW_FIRST
    cast.streamer.save()
    ticket = make_ticket(cast)[0]
    rule(cast.streamer, name="Shoes to North Peak", target=cast.brand)
    return ticket


def test_the_rules_route_and_the_answer_is_the_ticket(api, cast, held):
    response = api("lucy-live").post(_url(held), {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["custody"]["slug"]) == ("routed", "north-peak")
    events = api("lucy-live").get(f"/api/v1/tickets/{held.reference}/events/").json()["results"]
    assert events[-1]["kind"] == "ticket.routed"
    assert events[-1]["data"]["rule"]["name"] == "Shoes to North Peak"


def test_twice_is_a_conflict_with_the_state(api, held):
    client = api("lucy-live")
    assert client.post(_url(held), {}, format="json").status_code == 200
    again = client.post(_url(held), {}, format="json")
    assert again.status_code == 409
    assert again.json()["current_state"] == "routed"


def test_read_only_keys_and_other_parties_are_refused(api, held):
    assert api("lucy-live", "tickets:read").post(_url(held), {}, format="json").status_code == 403
    assert api("starmall").post(_url(held), {}, format="json").status_code == 403
    assert api("stranger-brand").post(_url(held), {}, format="json").status_code == 404
    held.refresh_from_db()
    assert held.state == "new"
