"""Keyset (cursor) pagination on (created_at, id) descending: the deep pages cost what the first
one does, since the database seeks to the cursor in the index instead of counting rows."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from .bodies import Body

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def cursor_encode(created_at: datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{pk}".encode()).decode()


def cursor_decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        stamp, pk = raw.rsplit("|", 1)
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None:
            raise ValueError
        return when, int(pk)
    except (ValueError, UnicodeError, binascii.Error) as exc:
        raise ValidationError({"cursor": [_("Invalid cursor.")]}) from exc


def keyset_after(qs: QuerySet, cursor: str | None) -> QuerySet:
    """The rows after the cursor in (created_at, id) descending order."""
    if not cursor:
        return qs
    when, pk = cursor_decode(cursor)
    # The ``lte`` bound is what the index scan seeks to; the OR only trims the ties.
    return qs.filter(Q(created_at__lt=when) | Q(id__lt=pk), created_at__lte=when)


def keyset_page(qs: QuerySet, *, cursor: str | None, size: int) -> tuple[list, str | None]:
    """Up to ``size`` rows after the cursor, and the cursor of the next page (None at the end)."""
    qs = keyset_after(qs.order_by("-created_at", "-id"), cursor)
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    following = cursor_encode(rows[-1].created_at, rows[-1].pk) if more else None
    return rows, following


class PageQuery(Body):
    cursor = serializers.CharField(required=False, help_text="`next_cursor` of the previous page.")
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE
    )
