"""Who is acting in a portal request: the signed-in person, as their acting party.

Every portal view is wrapped in ``party_view``: it requires a login and a membership, sets
``request.party`` and ``request.actor`` and shows times in the party's time zone. Pages that
only some kinds of party or only party admins may open say so in the decorator.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tenants.actors import Actor
from tenants.models import Role
from tenants.selectors import membership_qs_for_user


def _party_zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("Asia/Shanghai")


def party_view(
    view: Callable | None = None, *, kinds: Iterable[str] | None = None, admin: bool = False
):
    """Decorate a portal view. ``kinds``: the party kinds the page is for (others get 403);
    ``admin``: only the party's admins (others get 403)."""
    allowed_kinds = frozenset(kinds) if kinds else None

    def decorate(func: Callable) -> Callable:
        @login_required
        @wraps(func)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            membership = request.membership
            if not membership:
                return render(request, "portal/no_party.html", status=403)
            request.party = membership.party
            request.actor = Actor.for_membership(membership)
            if allowed_kinds is not None and request.party.kind not in allowed_kinds:
                return forbidden(request)
            if admin and membership.role != Role.ADMIN:
                return forbidden(request)
            timezone.activate(_party_zone(request.party.time_zone))
            try:
                return func(request, *args, **kwargs)
            finally:
                timezone.deactivate()

        return wrapped

    return decorate(view) if view is not None else decorate


def forbidden(request: HttpRequest) -> HttpResponse:
    return portal_render(request, "portal/forbidden.html", {}, status=403)


def portal_render(
    request: HttpRequest, template: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """Render a page with the header's facts: the acting party and the parties to switch to."""
    membership = request.membership
    context = {
        "acting": membership,
        "party": membership.party,
        "memberships": list(membership_qs_for_user(request.user)),
        "is_party_admin": membership.role == Role.ADMIN,
        **context,
    }
    return render(request, template, context, status=status)


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request wants a fragment of the page, not the whole page."""
    return request.headers.get("HX-Request") == "true"
