"""The buyer's campaign page refuses a flood of registrations from one address (HTTP 429) while
other addresses and plain page views go on."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from buyer.ratelimit import CAMPAIGN_LIMIT
from campaigns.models import Registration

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()  # the counters live in the cache, which outlives a test
    yield
    cache.clear()


def _post(client: Client, order: str, **extra):
    return client.post(
        "/c/d11-shoes",
        {
            "order_number": order,
            "phone": "13812345678",
            "size": "42",
            "colour": "white",
            "address_confirmed": "on",
        },
        HTTP_ACCEPT_LANGUAGE="en",
        **extra,
    )


def test_registrations_are_rate_limited_per_address(campaign):
    allowed, _window = CAMPAIGN_LIMIT
    flood = Client()
    for attempt in range(allowed):
        assert _post(flood, f"DY9{attempt:04d}").status_code == 302
    blocked = _post(flood, "DY0001")
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.content.decode()
    assert not Registration.objects.filter(order_number="DY0001").exists()
    assert flood.get("/c/d11-shoes").status_code == 200
    other = _post(Client(), "DY0001", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302
    assert Registration.objects.filter(order_number="DY0001").exists()
