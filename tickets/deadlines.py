"""Deadlines of custody periods: which SLA policy and calendar apply to the party taking a ticket,
the period row with its accept-by and resolve-by, and when the sweeper looks next.

Reads only; ``tickets.services`` calls these under the ticket's row lock and saves the results.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from tenants.models import Party

from . import sla
from .models import BusinessCalendar, Custody, SlaPolicy, Ticket
from .sla import SlaFacts, SlaTerms, WorkingCalendar
from .workflow import DONE_STATES, State


class SlaLookups:
    """Policies and party calendars read once and reused for many tickets (one bulk chunk, one
    originator): the answers the per-ticket queries would give within the same transaction."""

    def __init__(self) -> None:
        self._policies: dict[tuple[int, ...], list[SlaPolicy]] = {}
        self._calendars: dict[int, BusinessCalendar | None] = {}

    def policies(self, owners: list[int]) -> list[SlaPolicy]:
        key = tuple(owners)
        if key not in self._policies:
            self._policies[key] = list(
                SlaPolicy.objects.filter(is_active=True, owner_id__in=owners).select_related(
                    "calendar"
                )
            )
        return self._policies[key]

    def party_calendar(self, party: Party) -> BusinessCalendar | None:
        if party.pk not in self._calendars:
            self._calendars[party.pk] = BusinessCalendar.objects.filter(
                owner=party, is_default=True
            ).first()
        return self._calendars[party.pk]


def calendar_for(
    party: Party | None, calendar_id: int | None, lookups: SlaLookups | None = None
) -> WorkingCalendar:
    """The policy's calendar, else the party's own, else 24×7 in the party's time zone."""
    if calendar_id is not None:
        return BusinessCalendar.objects.get(pk=calendar_id).schedule()
    own = (lookups or SlaLookups()).party_calendar(party) if party else None
    if own is not None:
        return own.schedule()
    return WorkingCalendar.round_the_clock(party.time_zone if party else settings.TIME_ZONE)


def sla_terms_load(
    ticket: Ticket, party: Party, lookups: SlaLookups | None = None
) -> tuple[SlaTerms, WorkingCalendar] | None:
    """The effective clock for ``party`` holding ``ticket`` and the calendar it runs on: one
    query for the policies with their calendars, one more only for the party's own calendar
    (none when ``lookups`` already holds them)."""
    lookups = lookups or SlaLookups()
    owners = [pk for pk in (ticket.platform_id, ticket.originator_id) if pk is not None]
    policies = lookups.policies(owners)
    facts = SlaFacts(
        category_id=ticket.category_id,
        priority=ticket.priority,
        party_id=party.pk,
        party_kind=party.kind,
        platform_id=ticket.platform_id,
        originator_id=ticket.originator_id,
    )
    terms = sla.sla_terms_for(policies, facts, chosen_policy_id=ticket.sla_policy_id)
    if terms is None:
        return None
    named = next((p.calendar for p in policies if p.pk == terms.policy_id and p.calendar), None)
    return terms, named.schedule() if named else calendar_for(party, None, lookups)


def custody_period_build(
    ticket: Ticket,
    *,
    party: Party | None,
    state: str,
    now: datetime,
    paused: Custody | None = None,
    before_pause: Custody | None = None,
    lookups: SlaLookups | None = None,
) -> Custody:
    """The unsaved period that starts now, with its deadlines in business time.

    Only a period entering "routed" has an accept-by (the party must accept). When the party
    that held the ticket before the buyer did takes it back (``paused`` is the buyer's period,
    ``before_pause`` the one before it), its clock continues: the deadlines move by the working
    time the clock stood still, and a warning or breach already recorded is not repeated. The
    buyer-facing promise (``ticket.resolve_by``) is set by the first period held by another
    party than the originator and afterwards only moved by pauses.
    """
    period = Custody(ticket=ticket, party=party, state=state, started_at=now)
    if party is None:
        return period
    if paused is not None and before_pause is not None and before_pause.party_id == party.pk:
        policy_calendar = before_pause.sla_policy.calendar_id if before_pause.sla_policy else None
        calendar = calendar_for(party, policy_calendar)

        def shifted(moment: datetime | None) -> datetime | None:
            if moment is None or moment <= paused.started_at:
                return moment
            return calendar.shift_after_pause(moment, paused_at=paused.started_at, resumed_at=now)

        period.sla_policy_id = before_pause.sla_policy_id
        period.accepted_at = before_pause.accepted_at
        if before_pause.breached_at is None:
            period.resolve_by = shifted(before_pause.resolve_by)
            if before_pause.warned_at is None:
                period.resolve_warn_by = shifted(before_pause.resolve_warn_by)
        ticket.resolve_by = shifted(ticket.resolve_by)
        return period
    loaded = sla_terms_load(ticket, party, lookups)
    if loaded is None:
        return period
    terms, calendar = loaded
    deadlines = sla.deadlines_for(terms, calendar, now)
    period.sla_policy_id = terms.policy_id
    if state == State.ROUTED:
        period.accept_by = deadlines.accept_by
        period.accept_warn_by = deadlines.accept_warn_by
    period.resolve_by = deadlines.resolve_by
    period.resolve_warn_by = deadlines.resolve_warn_by
    if ticket.resolve_by is None and party.pk != ticket.originator_id and deadlines.resolve_by:
        ticket.resolve_by = deadlines.resolve_by
    return period


def confirm_window() -> timedelta:
    return timedelta(hours=settings.COLLAB_CONFIRM_WINDOW_HOURS)


def next_check_for(ticket: Ticket, period: Custody | None) -> datetime | None:
    """When the sweeper should look at the ticket next: the current clock's warning or deadline,
    or, for a resolved ticket, the end of the buyer's confirm window (then it closes)."""
    if ticket.state == State.RESOLVED and ticket.resolved_at is not None:
        return ticket.resolved_at + confirm_window()
    if ticket.state in DONE_STATES:
        return None
    return sla.next_check(period)
