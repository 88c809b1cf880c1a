"""Ticket creation reads categories, routing rules, partners, SLA policies, calendars, webhook
endpoints and products by SKU from a cache (``collab.config_cache``): a change made through the
models or the services counts from the next create on, as if read from the database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from collab import config_cache
from integrations.delivery import endpoint_disable
from integrations.models import WebhookDelivery, WebhookEndpoint
from tenants.models import Partnership
from tests.conftest import make_ticket
from tickets.models import Custody, Product, RoutingAction, TicketCategory

from .sla_kit import policy, round_the_clock, rule

pytestmark = pytest.mark.django_db


def test_a_changed_routing_rule_decides_the_next_create(cast):
    to_brand = rule(cast.streamer, action=RoutingAction.ROUTE_TO_BRAND)
    assert make_ticket(cast)[0].handler == cast.brand
    to_brand.is_active = False
    to_brand.save()
    assert make_ticket(cast)[0].state == "new"
    to_brand.delete()
    rule(cast.streamer, target=cast.merchant)
    assert make_ticket(cast)[0].handler == cast.merchant


def test_an_ended_partnership_is_no_longer_a_routing_target(cast):
    rule(cast.streamer, target=cast.brand)
    assert make_ticket(cast)[0].handler == cast.brand
    Partnership.objects.get(streamer=cast.streamer, partner=cast.brand).delete()
    assert make_ticket(cast)[0].handler is None


def test_a_renamed_partner_is_routed_to_under_its_new_name(cast):
    rule(cast.streamer, target=cast.brand)
    make_ticket(cast)
    cast.brand.name = "North Peak Outdoor"
    cast.brand.save()
    ticket = make_ticket(cast)[0]
    assert ticket.events.get(kind="ticket.routed").data["to_party"]["name"] == "North Peak Outdoor"


def test_changed_sla_policies_and_calendars_set_the_next_deadlines(cast):
    rule(cast.streamer, target=cast.brand)
    brands = policy(cast.platform, accept_h=2, party_kind="brand", calendar=round_the_clock())

    def accept_within() -> timedelta:
        ticket = make_ticket(cast)[0]
        period = Custody.objects.get(ticket=ticket, party=cast.brand)
        return period.accept_by - period.started_at

    assert accept_within() == timedelta(hours=2)
    brands.accept_within = timedelta(hours=5)
    brands.save()
    assert accept_within() == timedelta(hours=5)
    brands.calendar.always_open = False
    brands.calendar.weekly_hours = {str(day): [["09:00", "10:00"]] for day in range(1, 8)}
    brands.calendar.save()
    assert accept_within() > timedelta(hours=24)


def test_a_deactivated_category_is_refused_by_the_api(cast, api):
    client = api(cast.streamer.slug)
    body = {
        "category": "size_colour_change",
        "subject": "Shoes: change size",
        "form_data": {"new_size": "42", "new_colour": "black"},
    }
    assert client.post("/api/v1/tickets/", body, format="json").status_code == 201
    category = TicketCategory.objects.get(code="size_colour_change")
    category.is_active = False
    category.save()
    response = client.post("/api/v1/tickets/", body, format="json")
    assert response.status_code == 400
    assert "category" in response.json()["field_errors"]


def test_a_disabled_or_added_webhook_endpoint_counts_from_the_next_create(cast):
    rule(cast.streamer, target=cast.brand)
    hook = WebhookEndpoint.objects.create(party=cast.brand, url="http://127.0.0.1:9/hook")
    first = make_ticket(cast)[0]
    assert WebhookDelivery.objects.filter(ticket_id=first.pk, endpoint=hook).exists()
    endpoint_disable(hook, "410 Gone")
    second = make_ticket(cast)[0]
    assert not WebhookDelivery.objects.filter(ticket_id=second.pk).exists()
    streamer_hook = WebhookEndpoint.objects.create(party=cast.streamer, url="http://127.0.0.1:9/s")
    third = make_ticket(cast)[0]
    assert set(
        WebhookDelivery.objects.filter(ticket_id=third.pk).values_list("endpoint", flat=True)
    ) == {streamer_hook.pk}


def test_a_products_brand_changed_by_the_bulk_upsert_routes_the_next_create(cast, api):
    rule(cast.streamer, action=RoutingAction.ROUTE_TO_BRAND)

    def handler():
        return make_ticket(cast, sku="NP-1", brand=None, merchant=None)[0].handler

    def upsert(brand: str) -> None:
        body = {"products": [{"sku": "NP-1", "name": "Shoe", "brand": brand}]}
        response = api(cast.streamer.slug).post("/api/v1/products/", body, format="json")
        assert response.status_code == 200, response.content

    assert handler() is None  # no such product yet: nothing names a brand
    upsert(cast.brand.slug)
    assert handler() == cast.brand
    upsert(cast.other_brand.slug)
    assert handler() == cast.other_brand
    Product.objects.get(owner=cast.streamer, sku="NP-1").delete()
    assert handler() is None


def test_a_product_whose_sku_is_changed_no_longer_routes_its_old_sku(cast, api):
    rule(cast.streamer, action=RoutingAction.ROUTE_TO_BRAND)
    product = Product.objects.create(owner=cast.streamer, sku="NP-1", name="Shoe", brand=cast.brand)

    def handler(sku: str):
        return make_ticket(cast, sku=sku, brand=None, merchant=None)[0].handler

    assert handler("NP-1") == cast.brand
    product.sku = "NP-2"  # as the admin's change form saves it
    product.save()
    assert handler("NP-1") is None
    assert handler("NP-2") == cast.brand


def test_the_in_process_cache_stays_bounded_however_many_skus_are_read(monkeypatch, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    monkeypatch.setattr(config_cache, "_LOCAL_MAX", 50)
    for n in range(500):
        assert config_cache.config_cached(config_cache.PRODUCTS, f"1:SKU-{n}", lambda: [None])
    assert len(config_cache._local) <= 50
