"""The acting party of a person's request: chosen in the portal, kept in the session."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from .selectors import membership_get, membership_qs_for_user

ACTING_PARTY_SESSION_KEY = "acting_party_id"


def acting_membership(request: HttpRequest):
    """The membership the person acts as: the session's choice if still valid, else their first."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    chosen = request.session.get(ACTING_PARTY_SESSION_KEY)
    membership = membership_get(user=user, party_id=chosen) if chosen else None
    return membership or membership_qs_for_user(user).first()


def acting_party_set(request: HttpRequest, party_id: int) -> bool:
    """Switch the acting party; refuses (returns False) a party the person is not a member of."""
    if membership_get(user=request.user, party_id=party_id) is None:
        return False
    request.session[ACTING_PARTY_SESSION_KEY] = party_id
    return True


class ActingPartyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = SimpleLazyObject(lambda: acting_membership(request))
        return self.get_response(request)
