"""The streamer's partner leaderboard: per brand and merchant over a period, from the custody
ledger (``tickets.stats.party_sla_stats``) plus the median times to accept and to resolve."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from statistics import median

from tenants.models import Party
from tenants.selectors import partner_qs_for_streamer
from tickets.models import Custody
from tickets.selectors import ticket_qs_for_party
from tickets.stats import party_sla_stats


def _medians(pairs) -> dict[int, timedelta]:
    spans: dict[int, list[timedelta]] = defaultdict(list)
    for party_id, began, done in pairs:
        spans[party_id].append(done - began)
    return {party_id: median(values) for party_id, values in spans.items()}


def partner_leaderboard(streamer: Party, *, start: datetime, end: datetime) -> list[dict]:
    """One row per partner that held any of the streamer's tickets in [start, end), best SLA
    compliance first. Time to accept: from the custody period's start to its acceptance (those
    accepted in the window); time to resolve: from the ticket's creation to its resolution by
    that partner (those resolved in the window)."""
    partners = {p.pk: p for p in partner_qs_for_streamer(streamer)}
    visible = ticket_qs_for_party(streamer).values("pk")
    accepted = Custody.objects.filter(
        ticket__in=visible,
        party_id__in=partners,
        accepted_at__gte=start,
        accepted_at__lt=end,
    ).values_list("party_id", "started_at", "accepted_at")
    resolved = (
        ticket_qs_for_party(streamer)
        .filter(handler_id__in=partners, resolved_at__gte=start, resolved_at__lt=end)
        .values_list("handler_id", "created_at", "resolved_at")
    )
    to_accept, to_resolve = _medians(accepted), _medians(resolved)
    rows = []
    for stat in party_sla_stats(streamer, start=start, end=end):
        if stat.party_id not in partners:
            continue
        rows.append(
            {
                "party": partners[stat.party_id],
                "held": stat.periods,
                "held_time": stat.held,
                "median_accept": to_accept.get(stat.party_id),
                "median_resolve": to_resolve.get(stat.party_id),
                "compliance": stat.compliance_percent,
                "breaches": stat.breaches,
            }
        )
    rows.sort(
        key=lambda r: (
            -(r["compliance"] if r["compliance"] is not None else -1),
            r["breaches"],
            r["party"].name,
        )
    )
    return rows
