"""Per-party SLA accounting from the custody ledger (DESIGN §4): how long each party held tickets,
how often it breached, and its compliance, over a period. Feeds the API's stats endpoint and the
portal's leaderboards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from tenants.models import Party

from .models import Custody, Ticket
from .selectors import ticket_qs_for_party
from .workflow import OPEN_STATES, State


@dataclass(frozen=True)
class PartySlaRow:
    """One party's (and, when grouped, one category's) share of the window.

    ``periods``: custody periods overlapping the window; ``held``: their time inside the window
    (wall-clock); ``with_clock``: those that had an SLA deadline; ``breaches`` / ``warnings``:
    those that breached / were warned; ``compliance_percent``: share of clocked periods without
    a breach (None when none had a clock).
    """

    party_id: int
    party_slug: str
    party_name: str
    party_kind: str
    category: str | None
    periods: int
    held: timedelta
    with_clock: int
    breaches: int
    warnings: int
    compliance_percent: float | None


def party_sla_stats(
    viewer: Party,
    *,
    start: datetime,
    end: datetime,
    by_category: bool = False,
    party: Party | None = None,
    now: datetime | None = None,
) -> list[PartySlaRow]:
    """SLA figures per holding party over [start, end), most compliant first.

    Scope: a platform (strong or weak oversight: aggregate figures are what a weak platform may
    see) counts every ticket on it; any other party counts the tickets it may see
    (``ticket_qs_for_party``). ``party`` narrows to one holder; ``by_category`` adds one row per
    ticket category. Periods held by the buyer are not counted. Two queries at most.
    """
    now = now or timezone.now()
    tickets = ticket_qs_for_party(viewer)
    if viewer.is_platform:
        tickets = tickets.model.objects.filter(platform=viewer)
    periods = Custody.objects.filter(
        ticket__in=tickets.values("pk"),
        party__isnull=False,
        started_at__lt=end,
    ).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
    if party is not None:
        periods = periods.filter(party=party)
    inside = ExpressionWrapper(
        Least(Coalesce("ended_at", Value(now, DateTimeField())), Value(end, DateTimeField()))
        - Greatest(F("started_at"), Value(start, DateTimeField())),
        output_field=DurationField(),
    )
    clocked = Q(accept_by__isnull=False) | Q(resolve_by__isnull=False)
    group = ["party_id", "ticket__category__code"] if by_category else ["party_id"]
    rows = (
        periods.values(*group)
        .annotate(
            n=Count("id"),
            held=Sum(inside),
            with_clock=Count("id", filter=clocked),
            breaches=Count("id", filter=Q(breached_at__isnull=False)),
            warnings=Count("id", filter=Q(warned_at__isnull=False)),
        )
        .order_by(*group)
    )
    rows = list(rows)
    parties = Party.objects.in_bulk({row["party_id"] for row in rows})
    result = []
    for row in rows:
        holder = parties[row["party_id"]]
        with_clock = row["with_clock"]
        compliance = (
            round(100 * (with_clock - min(row["breaches"], with_clock)) / with_clock, 1)
            if with_clock
            else None
        )
        result.append(
            PartySlaRow(
                party_id=holder.pk,
                party_slug=holder.slug,
                party_name=holder.name,
                party_kind=holder.kind,
                category=row.get("ticket__category__code"),
                periods=row["n"],
                held=row["held"] or timedelta(0),
                with_clock=with_clock,
                breaches=row["breaches"],
                warnings=row["warnings"],
                compliance_percent=compliance,
            )
        )
    result.sort(key=lambda r: (-(r.compliance_percent or 0), r.party_name, r.category or ""))
    return result


def platform_oversight_figures(platform: Party) -> list[dict]:
    """Per holding party on ``platform``: open tickets, those breached and those escalated,
    worst first. Counts only, never tickets: a platform in weak oversight may not see its
    sellers' tickets (DESIGN §1) but watches every party's SLA."""
    return list(
        Ticket.objects.filter(platform=platform, state__in=OPEN_STATES, custody_party__isnull=False)
        .values("custody_party__name", "custody_party__kind")
        .annotate(
            open=Count("id"),
            breached=Count("id", filter=Q(sla_breached=True)),
            escalated=Count("id", filter=Q(state=State.ESCALATED)),
        )
        .order_by("-breached", "-open", "custody_party__name")
    )
