"""Products (bulk upsert), routing rules, SLA policies, calendars and SLA stats."""

from __future__ import annotations

import pytest

from tests.conftest import drive, make_ticket
from tickets.models import Product, RoutingRule

pytestmark = pytest.mark.django_db


def test_products_bulk_upsert(api, cast):
    client = api("lucy-live")
    body = {
        "products": [
            {"sku": "NP-1", "name": "Shoe", "brand": "north-peak", "merchant": "swift-ship"},
            {"sku": "GL-1", "name": "Serum", "brand": "glow-lab"},
        ]
    }
    assert client.post("/api/v1/products/", body, format="json").status_code == 200
    body["products"][0]["name"] = "Trail shoe"
    again = client.post("/api/v1/products/", body, format="json")
    assert again.status_code == 200
    assert Product.objects.filter(owner=cast.streamer).count() == 2
    assert Product.objects.get(sku="NP-1").name == "Trail shoe"
    bad = client.post("/api/v1/products/", {"products": [{"sku": "X", "brand": "nobody"}]})
    assert bad.status_code == 400
    assert api("north-peak").post("/api/v1/products/", body, format="json").status_code == 400
    assert (
        api("lucy-live", "tickets:read", "tickets:write").get("/api/v1/products/").status_code
        == 403
    )


def test_routing_rules_crud_within_the_party(api, cast):
    client = api("lucy-live")
    created = client.post(
        "/api/v1/routing-rules/",
        {
            "name": "Shoes to North Peak",
            "sku": "NP-1",
            "action": "route_to_party",
            "target": "north-peak",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    url = f"/api/v1/routing-rules/{created.json()['id']}/"
    assert client.patch(url, {"position": 3}, format="json").json()["position"] == 3
    assert api("quiet-live").get(url).status_code == 404
    assert client.delete(url).status_code == 204
    assert not RoutingRule.objects.exists()


def test_sla_policy_and_calendar(api):
    client = api("lucy-live")
    calendar = client.post(
        "/api/v1/calendars/",
        {"name": "Office", "weekly_hours": {"1": [["09:00", "18:00"]]}},
        format="json",
    )
    assert calendar.status_code == 201, calendar.content
    policy = client.post(
        "/api/v1/sla-policies/",
        {
            "name": "Brands accept in 4h",
            "party_kind": "brand",
            "accept_within": "04:00:00",
            "resolve_within": "2 00:00:00",
            "calendar": calendar.json()["id"],
        },
        format="json",
    )
    assert policy.status_code == 201, policy.content
    assert [p["name"] for p in client.get("/api/v1/sla-policies/").json()] == [
        "Brands accept in 4h"
    ]


def test_sla_stats_cover_only_visible_tickets(api, cast):
    ticket, _token = make_ticket(cast)
    drive(cast, ticket, "in_progress")
    rows = api("north-peak").get("/api/v1/stats/sla/").json()
    assert {r["party"]["slug"] for r in rows} <= {"lucy-live", "north-peak"}
    assert api("stranger-brand").get("/api/v1/stats/sla/").json() == []
    assert api("north-peak").get("/api/v1/stats/sla/", {"start": "x"}).status_code == 400
