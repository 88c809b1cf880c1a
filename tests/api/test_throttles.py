"""The rate limits: per key, refused with 429 and ``Retry-After`` once the window is full, the
request times kept compactly; per address on the public endpoints, whatever forwarded-for header
the caller sends (``integrations.api.throttles``)."""

from __future__ import annotations

from array import array

import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from integrations.api.throttles import PartyCallerThrottle
from tenants.models import ApiKey


@pytest.fixture
def three_a_minute(monkeypatch):
    # The throttles read the rates from their class, bound when DRF loaded its settings.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"caller": "3/min", "public": "60/min"}
    )


def test_a_key_is_refused_once_its_window_is_full(cast, api, three_a_minute):
    client = api(cast.brand.slug)
    responses = [client.get("/api/v1/tickets/") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert 0 < int(responses[-1]["Retry-After"]) <= 60
    assert responses[-1].json()["code"] == "throttled"
    key = ApiKey.objects.get(party=cast.brand)
    history = cache.get(
        PartyCallerThrottle.cache_format % {"scope": "caller", "ident": f"key:{key.pk}"}
    )
    assert isinstance(history, array) and len(history) == 3
    assert list(history) == sorted(history, reverse=True)


def test_a_forged_forwarded_for_buys_no_fresh_budget(db, client, monkeypatch):
    """The public endpoints' budget is per address: the connection's, as buyer pages count it
    (``buyer.ratelimit``), never an ``X-Forwarded-For`` the caller writes itself."""
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"caller": "1000/min", "public": "3/min"}
    )
    codes = [
        client.get(
            "/api/v1/public/tickets/nope/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        ).status_code
        for n in range(4)
    ]
    assert codes == [404, 404, 404, 429]
