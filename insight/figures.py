"""The dashboard's figures for the acting party: reads of the rollups (``insight.rollups``) plus
one live count of the backlog. Never scans the event log. Each rollup is read from its daily rows
for the whole UTC days of a period and from its hourly rows for the hours around them, so a
30-day page sums about 60 rows per key instead of 1,440.

Definitions (where the issue is silent):

* intake: tickets created in the period; backlog: open tickets now, by state and by age;
* time to accept: from a routing to its acceptance; time to resolve: from creation (or the latest
  reopening) to the resolution, without the time the buyer held it; both as median and p90 on
  the bucket grid of ``insight.durations``;
* SLA per holding party: custody periods it began (created for the originator, routed to a
  handler, escalated to the platform) and SLA breaches it incurred; compliance = share of begun
  periods without a breach, over the same period; "own" is the acting party as holder;
* reopen rate = reopenings / resolutions; escalation rate = escalations / intake;
* CSAT: the buyers' 1–5 ratings given in the period.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import models
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from tenants.models import Party, PartyKind
from tickets.models import Outcome, TicketCategory
from tickets.selectors import ticket_qs_for_party
from tickets.workflow import OPEN_STATES

from . import durations
from .models import (
    SUMMARY_COUNTERS,
    DailyFigures,
    DailySummary,
    HolderDaily,
    HolderHourly,
    HourlyFigures,
    HourlySummary,
)
from .periods import Period
from .rollups import COUNTERS, hour_of

AGE_BANDS: tuple[tuple[str, timedelta | None], ...] = (
    ("under_4h", timedelta(hours=4)),
    ("4h_1d", timedelta(days=1)),
    ("1d_3d", timedelta(days=3)),
    ("over_3d", None),
)
PARTNER_KINDS = (PartyKind.STREAMER, PartyKind.PLATFORM)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _compliance(received: int, breached: int) -> float | None:
    return round(100 * max(received - breached, 0) / received, 1) if received else None


def _midnight(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _spans(period: Period) -> tuple[list[tuple], list[tuple]]:
    """The ``[from, to)`` ranges of hourly rows and of daily rows that together cover this
    period and the previous one: the whole UTC days inside either half from the daily rows, the
    hours before and after them from the hourly rows. No day straddles the two halves."""
    hours, days = [], []
    halves = (
        (hour_of(period.previous.start), hour_of(period.start)),
        (hour_of(period.start), period.end),
    )
    for low, high in halves:
        first = _midnight(low) if _midnight(low) == low else _midnight(low) + timedelta(days=1)
        last = _midnight(high)
        if first < last:
            days.append((first, last))
            hours.extend([(low, first), (last, high)])
        else:
            hours.append((low, high))
    return hours, days


def _rollup(
    party: Party,
    period: Period,
    hourly: type[models.Model],
    daily: type[models.Model],
    group: tuple[str, ...],
    sums: tuple[str, ...],
) -> QuerySet:
    """One statement: the sums of ``sums`` per ``current`` (1 for rows of the period, 0 for the
    previous one) and ``group``, over the hourly and daily rows of ``_spans``; a group may
    come twice (once per grain), so callers add rows up."""
    start = hour_of(period.start)
    parts = []
    for model, field, ranges in zip((hourly, daily), ("hour", "day"), _spans(period), strict=True):
        within = Q(pk__in=[])  # no range: no rows (the union leaves the part out)
        for low, high in ranges:
            within |= Q(**{f"{field}__gte": low, f"{field}__lt": high})
        current = Case(
            When(**{f"{field}__gte": start}, then=1), default=0, output_field=IntegerField()
        )
        parts.append(
            model.objects.filter(within, party=party)
            .annotate(current=current)
            .values("current", *group)
            .annotate(**{name: Sum(name) for name in sums})
        )
    return parts[0].union(parts[1], all=True)


def _counts(party: Party, period: Period) -> dict:
    rows = _rollup(party, period, HourlyFigures, DailyFigures, ("category_id", "channel"), COUNTERS)
    totals = {flag: dict.fromkeys(COUNTERS, 0) for flag in (0, 1)}
    by_category: dict[int, list[int]] = {}
    by_channel: dict[str, list[int]] = {}
    for row in rows:
        flag = row["current"]
        for name in COUNTERS:
            totals[flag][name] += row[name]
        by_category.setdefault(row["category_id"], [0, 0])[flag] += row["intake"]
        by_channel.setdefault(row["channel"], [0, 0])[flag] += row["intake"]
    return {"totals": totals, "by_category": by_category, "by_channel": by_channel}


def _summaries(party: Party, period: Period) -> dict:
    """Histograms, ratings and outcomes of both periods (one aggregate), and intake per local
    day of this period (summed in SQL from the hourly rows: local days are not UTC days)."""
    rows = _rollup(party, period, HourlySummary, DailySummary, (), SUMMARY_COUNTERS)
    sums = {flag: dict.fromkeys(SUMMARY_COUNTERS, 0) for flag in (0, 1)}
    for row in rows:
        for name in SUMMARY_COUNTERS:
            sums[row["current"]][name] += row[name] or 0
    merged = {}
    for flag, values in sums.items():
        merged[flag] = {
            "accept": [values[f"accept_{i}"] for i in range(durations.BUCKETS)],
            "resolve": [values[f"resolve_{i}"] for i in range(durations.BUCKETS)],
            "ratings": {str(stars): values[f"rating_{stars}"] for stars in range(1, 6)},
            "outcomes": {
                code: values[f"outcome_{code}"]
                for code in Outcome.values
                if values[f"outcome_{code}"]
            },
        }
    days = (
        HourlySummary.objects.filter(
            party=party, hour__gte=hour_of(period.start), hour__lt=period.end, intake__gt=0
        )
        .annotate(date=TruncDate("hour", tzinfo=timezone.get_current_timezone()))
        .values("date")
        .annotate(count=Sum("intake"))
    )
    daily = {row["date"].isoformat(): row["count"] for row in days}
    return {"merged": merged, "daily": daily}


def _holders(party: Party, period: Period) -> list[dict]:
    rows = _rollup(
        party, period, HolderHourly, HolderDaily, ("holder_id",), ("received", "breached")
    )
    by_holder: dict[int, dict] = {}
    for row in rows:
        entry = by_holder.setdefault(row["holder_id"], {0: (0, 0), 1: (0, 0)})
        received, breached = entry[row["current"]]
        entry[row["current"]] = (received + row["received"], breached + row["breached"])
    parties = Party.objects.only("slug", "name", "kind").in_bulk(by_holder)
    result = []
    for holder_id, entry in by_holder.items():
        holder = parties[holder_id]
        (p_received, p_breached), (received, breached) = entry[0], entry[1]
        result.append(
            {
                "party": {"slug": holder.slug, "name": holder.name, "kind": holder.kind},
                "received": received,
                "breached": breached,
                "compliance_percent": _compliance(received, breached),
                "previous_compliance_percent": _compliance(p_received, p_breached),
                "own": holder_id == party.pk,
            }
        )
    result.sort(key=lambda r: (-r["breached"], -r["received"], r["party"]["name"]))
    return result


def _duration(hist: list[int], previous: list[int]) -> dict:
    return {
        "count": sum(hist),
        "median_seconds": durations.quantile(hist, 0.5),
        "p90_seconds": durations.quantile(hist, 0.9),
        "previous_median_seconds": durations.quantile(previous, 0.5),
        "previous_p90_seconds": durations.quantile(previous, 0.9),
    }


def _csat(ratings: dict) -> tuple[float | None, int, dict[str, int]]:
    distribution = {str(stars): ratings.get(str(stars), 0) for stars in range(1, 6)}
    count = sum(distribution.values())
    total = sum(int(stars) * n for stars, n in distribution.items())
    return (round(total / count, 2) if count else None), count, distribution


def backlog_figures(party: Party, *, now: datetime) -> dict:
    """Open tickets the party may see, by state and by age (one query: the ``ticket_open``
    partial index joined to the party's participant rows, not a scan of every ticket)."""
    aggregates = {}
    lower = None
    for band, upper in AGE_BANDS:
        condition = Q()
        if upper is not None:
            condition &= Q(created_at__gt=now - upper)
        if lower is not None:
            condition &= Q(created_at__lte=now - lower)
        aggregates[band] = Count("id", filter=condition)
        lower = upper
    rows = (
        ticket_qs_for_party(party)
        .filter(state__in=OPEN_STATES)
        .order_by()
        .values("state")
        .annotate(total=Count("id"), **aggregates)
    )
    by_state = {row["state"]: row["total"] for row in rows}
    by_age = {band: sum(row[band] for row in rows) for band, _upper in AGE_BANDS}
    return {"total": sum(by_state.values()), "by_state": by_state, "by_age": by_age}


def dashboard_figures(party: Party, period: Period, *, now: datetime | None = None) -> dict:
    """Every figure of the dashboard for ``party`` over ``period`` and the previous period of
    the same length. Callers may rely on: only tickets the party may see count; per-partner
    SLA rows only for streamers and platforms (others get their own row only)."""
    now = now or timezone.now()
    counts = _counts(party, period)
    summaries = _summaries(party, period)
    now_totals, before = counts["totals"][1], counts["totals"][0]
    merged, previous = summaries["merged"][1], summaries["merged"][0]
    holders = _holders(party, period)
    own = next((row for row in holders if row["own"]), None)
    partners = [row for row in holders if not row["own"]] if party.kind in PARTNER_KINDS else []
    average, rated, distribution = _csat(merged["ratings"])
    previous_average, _count, _dist = _csat(previous["ratings"])
    categories = {c.pk: c for c in TicketCategory.objects.all()}
    return {
        "period": {
            "name": period.name,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "previous_start": period.previous.start.isoformat(),
            "previous_end": period.previous.end.isoformat(),
        },
        "intake": {
            "total": now_totals["intake"],
            "previous": before["intake"],
            "by_category": sorted(
                (
                    {
                        "category": categories[pk].code,
                        "label": categories[pk].label,
                        "count": pair[1],
                        "previous": pair[0],
                    }
                    for pk, pair in counts["by_category"].items()
                ),
                key=lambda r: (-r["count"], r["category"]),
            ),
            "by_channel": sorted(
                (
                    {"channel": channel, "count": pair[1], "previous": pair[0]}
                    for channel, pair in counts["by_channel"].items()
                ),
                key=lambda r: (-r["count"], r["channel"]),
            ),
            "daily": [{"date": day, "count": n} for day, n in sorted(summaries["daily"].items())],
        },
        "backlog": backlog_figures(party, now=now),
        "time_to_accept": _duration(merged["accept"], previous["accept"]),
        "time_to_resolve": _duration(merged["resolve"], previous["resolve"]),
        "sla": {
            "breaches": now_totals["breached"],
            "previous_breaches": before["breached"],
            "own_breaches": now_totals["breached_own"],
            "previous_own_breaches": before["breached_own"],
            "own_compliance_percent": own["compliance_percent"] if own else None,
            "previous_own_compliance_percent": own["previous_compliance_percent"] if own else None,
            "partners": partners,
        },
        "rates": {
            "resolved": now_totals["resolved"],
            "reopened": now_totals["reopened"],
            "escalated": now_totals["escalated"],
            "reopen_rate_percent": _rate(now_totals["reopened"], now_totals["resolved"]),
            "previous_reopen_rate_percent": _rate(before["reopened"], before["resolved"]),
            "escalation_rate_percent": _rate(now_totals["escalated"], now_totals["intake"]),
            "previous_escalation_rate_percent": _rate(before["escalated"], before["intake"]),
        },
        "csat": {
            "average": average,
            "previous_average": previous_average,
            "count": rated,
            "distribution": distribution,
        },
        "outcomes": sorted(
            (
                {"outcome": code, "count": merged["outcomes"].get(code, 0), "previous": prev}
                for code, prev in {
                    **dict.fromkeys(merged["outcomes"], 0),
                    **previous["outcomes"],
                }.items()
            ),
            key=lambda r: (-r["count"], r["outcome"]),
        ),
    }
