"""API tests: webhooks sent by the test itself, fresh rate limits, and a ticket body to create
(the `api` fixture of key-holding clients is in tests/conftest.py)."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _local_receivers_allowed(settings) -> None:
    # The tests' receivers listen on 127.0.0.1.
    settings.COLLAB_WEBHOOK_ALLOW_PRIVATE_URLS = True


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # Throttle counters live in the cache, which outlives a test.
    cache.clear()


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
