"""API clients holding a key of each party of the shared cast."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tenants.models import ApiKey, ApiKeyScope


@pytest.fixture(autouse=True)
def _webhooks_sent_by_the_test(settings) -> None:
    # Tests drive delivery themselves (deliver_due) against a real receiver; no thread.
    settings.COLLAB_WEBHOOK_INPROCESS_WORKER = False
    settings.COLLAB_WEBHOOK_ALLOW_PRIVATE_URLS = True


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # Throttle counters live in the cache, which outlives a test.
    cache.clear()


class KeyClients:
    def __init__(self, cast) -> None:
        self.cast = cast
        self._clients: dict[tuple[str, tuple[str, ...]], APIClient] = {}

    def __call__(self, slug: str, *scopes: str) -> APIClient:
        scopes = scopes or tuple(s.value for s in ApiKeyScope)
        if (slug, scopes) not in self._clients:
            party = next(p for p in self._parties() if p.slug == slug)
            _key, raw = ApiKey.issue(party=party, name=f"test {slug}", scopes=list(scopes))
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
            self._clients[(slug, scopes)] = client
        return self._clients[(slug, scopes)]

    def _parties(self):
        c = self.cast
        return [
            c.platform,
            c.weak_platform,
            c.streamer,
            c.weak_streamer,
            c.brand,
            c.other_brand,
            c.merchant,
            c.outsider,
        ]


@pytest.fixture
def api(cast) -> KeyClients:
    return KeyClients(cast)


CREATE_BODY = {
    "category": "size_colour_change",
    "subject": "Shoes: change size",
    "order_number": "DY2026111100001",
    "sku": "NP-SHOE-01",
    "brand": "north-peak",
    "merchant": "swift-ship",
    "buyer_name": "张三丰",
    "buyer_phone": "13812345678",
    "buyer_address": {
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "detail": "文三路 90 号",
    },
    "buyer_consent": True,
    "form_data": {"new_size": "42", "new_colour": "black"},
}
