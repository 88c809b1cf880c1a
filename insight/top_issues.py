"""Live top issues: the categories, products (SKU) and subject keywords rising fastest among new
tickets the party sees, in the last 15 minutes or hour against the window before it.

Read from ``TopIssueMinute`` (one aggregate over at most two windows of minute rows), so a refresh
costs the same at a million tickets as at ten. "Rising" ranks by growth (count now − count in the
previous window), then by count now; an item needs at least ``MIN_COUNT`` tickets in the window
to show, so one stray ticket is not a trend. The rollup job pushes the result to every party
with fresh intake over its party socket (``insight.top_issues``), right after folding events in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db.models import Case, F, IntegerField, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.broadcast import party_group
from tenants.models import Party
from tickets.models import TicketCategory

from .models import Dimension, TopIssueMinute
from .periods import InsightWindowError
from .rollups import minute_of

WINDOWS = {"15m": timedelta(minutes=15), "1h": timedelta(hours=1)}
MIN_COUNT = 2
FRESH = timedelta(minutes=2)
LIMIT = 10
MESSAGE_TYPE = "insight.top_issues"  # consumers handle it as ``insight_top_issues``


def top_issues(party: Party, *, window: str, now: datetime | None = None) -> dict:
    """``{"window", "start", "end", "categories", "products", "keywords"}``, each list holding
    ``{"key", "label", "count", "previous", "growth"}`` rising fastest first. An unknown window
    raises ``InsightWindowError`` (400, ``invalid_window``)."""
    now = now or timezone.now()
    if window not in WINDOWS:
        raise InsightWindowError(field_errors={"window": [_("Choose 15m or 1h.")]})
    length = WINDOWS[window]
    end = minute_of(now) + timedelta(minutes=1)
    start = end - length
    rows = (
        TopIssueMinute.objects.filter(party=party, minute__gte=start - length, minute__lt=end)
        .values("dimension", "key")
        .annotate(
            in_window=Sum(
                Case(When(minute__gte=start, then="count"), default=0, output_field=IntegerField())
            ),
            before=Sum(
                Case(When(minute__lt=start, then="count"), default=0, output_field=IntegerField())
            ),
        )
        .filter(in_window__gte=MIN_COUNT, in_window__gt=F("before"))
    )
    found: dict[str, list[dict]] = {d.value: [] for d in Dimension}
    for row in rows:
        found[row["dimension"]].append(
            {
                "key": row["key"],
                "label": row["key"],
                "count": row["in_window"],
                "previous": row["before"],
                "growth": row["in_window"] - row["before"],
            }
        )
    categories = {str(c.pk): c for c in TicketCategory.objects.all()}
    for item in found[Dimension.CATEGORY]:
        category = categories.get(item["key"])
        item["key"], item["label"] = (
            (category.code, category.label) if category else (item["key"],) * 2
        )
    for items in found.values():
        items.sort(key=lambda r: (-r["growth"], -r["count"], r["key"]))
        del items[LIMIT:]
    return {
        "window": window,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "categories": found[Dimension.CATEGORY],
        "products": found[Dimension.PRODUCT],
        "keywords": found[Dimension.KEYWORD],
    }


def _send(party_id: int, payload: dict) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(party_group(party_id), {"type": MESSAGE_TYPE, **payload})


def top_issues_push(*, now: datetime | None = None) -> int:
    """Send both windows to every party that had new tickets in the last ``FRESH`` (the others'
    figures only age, and their pages reload them); returns how many parties got a push."""
    now = now or timezone.now()
    party_ids = set(
        TopIssueMinute.objects.filter(minute__gte=minute_of(now - FRESH)).values_list(
            "party_id", flat=True
        )
    )
    for party in Party.objects.filter(pk__in=party_ids):
        _send(
            party.pk,
            {"top_issues": {name: top_issues(party, window=name, now=now) for name in WINDOWS}},
        )
    return len(party_ids)
