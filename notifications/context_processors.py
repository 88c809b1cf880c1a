"""The bell's unread count for every page a signed-in person sees. Lazy: a page that does not
show the bell (the buyer's) runs no query."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def bell(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        from .selectors import unread_count

        return unread_count(user)

    return {"notifications_unread": SimpleLazyObject(count)}
