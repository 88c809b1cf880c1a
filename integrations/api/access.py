"""Who is calling: an API key (its party is fixed) or a portal session (the acting party)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from tenants.actors import Actor
from tenants.models import ApiKey, ApiKeyScope, Party, Role

_READ_METHODS = ("GET", "HEAD", "OPTIONS")


def request_actor(request) -> Actor | None:
    """The actor of an authenticated API request, or None if it acts for no party."""
    cached = getattr(request, "_collab_actor", None)
    if cached is not None:
        return cached
    actor = None
    if isinstance(request.auth, ApiKey):
        actor = Actor.for_api_key(request.auth)
    elif request.user.is_authenticated:
        membership = getattr(request._request, "membership", None)
        if membership:
            actor = Actor.for_membership(membership)
    request._collab_actor = actor
    return actor


def request_party(request) -> Party:
    actor = request_actor(request)
    assert actor is not None and actor.party is not None  # PartyAccess ran first
    return actor.party


def _is_admin(request) -> bool:
    if isinstance(request.auth, ApiKey):
        return request.auth.has_scope(ApiKeyScope.ADMIN)
    membership = getattr(request._request, "membership", None)
    return bool(membership) and membership.role == Role.ADMIN


class PartyAccess(permissions.BasePermission):
    """A key needs ``tickets:read`` to read and ``tickets:write`` to write; a person needs an
    acting party. Views with ``admin_only = True`` need ``party:admin`` or the admin role."""

    message = _("This key or person may not do this.")

    def has_permission(self, request, view) -> bool:
        actor = request_actor(request)
        if actor is None or actor.party is None:
            return False
        if getattr(view, "admin_only", False):
            return _is_admin(request)
        if isinstance(request.auth, ApiKey):
            scope = ApiKeyScope.READ if request.method in _READ_METHODS else ApiKeyScope.WRITE
            return request.auth.has_scope(scope)
        return True
