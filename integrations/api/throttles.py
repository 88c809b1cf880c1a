"""Rate limits on the cache (Redis in production): per API key or person, and per IP for the
public buyer endpoints."""

from __future__ import annotations

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from tenants.models import ApiKey


class PartyCallerThrottle(SimpleRateThrottle):
    scope = "caller"

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiKey):
            ident = f"key:{request.auth.pk}"
        elif request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class PublicIpThrottle(AnonRateThrottle):
    """Buyers have no account: a budget per client address."""

    scope = "public"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
