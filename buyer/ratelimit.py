"""A fixed-window limiter per client address in the shared cache (Redis in production, so every
server process counts together; local memory in the embedded default)."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest

# Looking a request up by order number and phone digits is the one page a stranger could use to
# probe for orders, so it gets the tightest limit; submitting is limited against floods.
TRACK_LIMIT = (10, 600)  # attempts per 10 minutes
SUBMIT_LIMIT = (20, 600)
# A giveaway brings thousands of registrations within minutes, many through a mobile carrier's
# shared addresses, so a campaign page allows more than the request form before refusing.
CAMPAIGN_LIMIT = (60, 600)


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: a forwarded-for header is the client's to forge unless a trusted proxy
    # rewrites it, and that proxy then sets REMOTE_ADDR for us.
    return request.META.get("REMOTE_ADDR", "unknown")


def limit_exceeded(request: HttpRequest, scope: str, limit: tuple[int, int]) -> bool:
    """Count this request against ``scope``; True once more than the allowed number arrived
    from this address in the current window."""
    allowed, window = limit
    key = f"ratelimit:{scope}:{client_address(request)}:{int(time.time() // window)}"
    if cache.add(key, 1, timeout=window):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > allowed
