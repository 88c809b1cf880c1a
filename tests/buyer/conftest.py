from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache and are keyed by address; tests share 127.0.0.1."""
    cache.clear()
    yield
    cache.clear()
