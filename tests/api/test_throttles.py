"""The per-key rate limit: refuses with 429 and ``Retry-After`` once the window is full; the
request times are kept compactly (``integrations.api.throttles``)."""

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
