"""The SLA sweeper (DESIGN §4): a service that finds tickets whose ``next_sla_check_at`` has come,
warns, breaches and applies breach actions, auto-closes resolved tickets after the confirm window
and sets the next check.

Rows are taken with ``SELECT … FOR UPDATE SKIP LOCKED`` in batches, so several sweepers (Celery
workers, the embedded loop) share the work and never apply a breach twice: a ticket is handled
by whoever locked it, and what it records (``warned_at``, ``breached_at``, the next check) makes
a second look a no-op. Work is proportional to the tickets falling due. Writes reuse the private
helpers of ``tickets.services`` so events, sequence numbers and outbox rows stay one door.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.collector import collector_paused
from tenants.actors import Actor
from tenants.models import Membership, Party, Role

from . import deadlines, sla
from .errors import TicketError
from .models import (
    BreachAction,
    Custody,
    Priority,
    SlaPolicy,
    Ticket,
    TicketEvent,
    Visibility,
)
from .recordsets import rows_insert, rows_update
from .services.custody import _auto_assign
from .services.events import _Change, _event_build
from .services.transitions import _perform_locked
from .workflow import State

_HIGHER = {
    Priority.LOW: Priority.NORMAL,
    Priority.NORMAL: Priority.HIGH,
    Priority.HIGH: Priority.URGENT,
}


@dataclass
class SweepReport:
    checked: int = 0
    warned: int = 0
    breached: int = 0
    closed: int = 0


# What the sweep and the side effects of its events read of a due ticket. The rest (texts,
# buyer details, the form's JSON, five timestamps Django decodes in Python) made loading the
# due rows a fifth of a sweep; a ticket that goes through a transition is completed first
# (``_Batch.transition``), the outbox completes those it sends (``integrations.outbox``).
_SWEPT_FIELDS = (
    "reference",
    "platform",
    "originator",
    "category",
    "priority",
    "brand",
    "merchant",
    "state",
    "handler",
    "custody_party",
    "assignee",
    "sla_breached",
    "last_event_seq",
    "resolved_at",
)
# What the sweeper reads of an open custody period: its clocks and what was recorded on them.
_PERIOD_FIELDS = (
    "ticket",
    "party",
    "sla_policy",
    "accepted_at",
    "accept_by",
    "accept_warn_by",
    "resolve_by",
    "resolve_warn_by",
    "warned_at",
    "breached_at",
)


def due_tickets(now: datetime, limit: int):
    """The due-row query: an index range scan on ``next_sla_check_at``, oldest first, loading
    the columns of ``_SWEPT_FIELDS``."""
    return (
        Ticket.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(next_sla_check_at__lte=now)
        .only(*_SWEPT_FIELDS)
        .order_by("next_sla_check_at")[:limit]
    )


def sla_sweep(
    *,
    now: datetime | None = None,
    batch_size: int | None = None,
    on_backlog: Callable[[], None] | None = None,
) -> SweepReport:
    """Handle every ticket due at ``now`` (default: the current time), one transaction per
    batch of ``batch_size`` (default ``COLLAB_SLA_SWEEP_BATCH``), and return what was done. Safe
    to run in several processes at once.

    ``on_backlog`` is called once, before the first batch, when more than one batch is due:
    the Celery task uses it to ask more workers to sweep beside this one."""
    report = SweepReport()
    batch_size = batch_size or settings.COLLAB_SLA_SWEEP_BATCH
    if on_backlog is not None and _backlog(now or timezone.now(), batch_size):
        on_backlog()
    while _sweep_batch(now or timezone.now(), batch_size, report) == batch_size:
        pass
    return report


def _backlog(now: datetime, batch_size: int) -> bool:
    """More than ``batch_size`` due: an index-only range scan, empty when nothing is due."""
    due = Ticket.objects.filter(next_sla_check_at__lte=now).order_by("next_sla_check_at")
    return bool(due.values_list("next_sla_check_at")[batch_size : batch_size + 1])


def _party_ref(party) -> dict:
    return {"slug": party.slug, "name": party.name, "kind": party.kind}


class _Batch:
    """One transaction's worth of due tickets and the writes they produce."""

    def __init__(self, now: datetime, report: SweepReport) -> None:
        self.now = now
        self.report = report
        self.events: list[TicketEvent] = []
        self.published: list[TicketEvent] = []
        self.periods: list[Custody] = []
        self.tickets: list[Ticket] = []
        self.supervisors: dict[int, list[str]] = {}

    def supervisors_of(self, party_id: int) -> list[str]:
        if party_id not in self.supervisors:
            self.supervisors[party_id] = sorted(
                Membership.objects.filter(
                    party_id=party_id, role__in=[Role.SUPERVISOR, Role.ADMIN]
                ).values_list("user__username", flat=True)
            )
        return self.supervisors[party_id]

    def sla_event(self, ticket: Ticket, period: Custody, kind: str, **data) -> TicketEvent:
        clock, deadline, _warn = sla.current_clock(period)
        event = _event_build(
            ticket,
            kind=kind,
            actor=Actor.system(),
            visibility=Visibility.PARTIES,
            data={
                "party": _party_ref(period.party),
                "clock": clock,
                "deadline": deadline.isoformat() if deadline else None,
                **data,
            },
        )
        self.events.append(event)
        return event

    def handle(self, ticket: Ticket, period: Custody | None) -> None:
        self.report.checked += 1
        now = self.now
        moved = False  # a transition has moved the ticket and set its next check itself
        if ticket.state == State.RESOLVED:
            window_over = ticket.resolved_at + deadlines.confirm_window() <= now
            if window_over and self.transition(ticket, "close", {}):
                self.report.closed += 1
                moved = True
        elif period is not None and sla.breach_due(period, now):
            moved = self.breach(ticket, period)
        elif period is not None and sla.warning_due(period, now):
            period.warned_at = now
            self.sla_event(ticket, period, "sla.warning")
            self.periods.append(period)
            self.report.warned += 1
        if not moved:
            ticket.next_sla_check_at = deadlines.next_check_for(ticket, period)
        ticket.updated_at = now
        self.tickets.append(ticket)

    def breach(self, ticket: Ticket, period: Custody) -> bool:
        """Record the breach and apply the policy's action; True when a transition has saved
        the ticket already."""
        action = period.sla_policy.breach_action if period.sla_policy else ""
        period.breached_at = self.now
        ticket.sla_breached = True
        self.periods.append(period)
        self.report.breached += 1
        data: dict = {"action": action}
        if action == BreachAction.NOTIFY_SUPERVISOR:
            data["notify"] = self.supervisors_of(period.party_id)
        elif action == BreachAction.RAISE_PRIORITY and ticket.priority in _HIGHER:
            data["priority"] = {"from": ticket.priority, "to": _HIGHER[ticket.priority]}
            ticket.priority = _HIGHER[ticket.priority]
        self.sla_event(ticket, period, "sla.breached", **data)
        if action == BreachAction.ESCALATE and ticket.state != State.ESCALATED:
            # One sentence per clock: a translated sentence, not a clock code spliced into one.
            missed = {
                "accept": _("%(party)s missed the deadline to accept."),
                "resolve": _("%(party)s missed the deadline to resolve."),
            }[sla.current_clock(period)[0]]
            reason = missed % {"party": period.party.name}
            return self.transition(ticket, "escalate", {"reason": reason})
        if action == BreachAction.REASSIGN:
            ticket.custody_party = period.party
            assigned = _auto_assign(ticket, period.party, self.now)
            if assigned is not None:
                self.events.append(assigned)
        return False

    def transition(self, ticket: Ticket, action: str, args: dict) -> bool:
        """Run a transition as the system on the locked ticket, after flushing what this batch
        wrote about it so far (its events come first in the ticket's sequence)."""
        self.flush_periods()
        self.flush_events()
        ticket.refresh_from_db(fields=ticket.get_deferred_fields())
        seq = ticket.last_event_seq
        try:
            with transaction.atomic():
                self.published += _perform_locked(ticket, action, Actor.system(), args)
        except TicketError:
            # E.g. a ticket without a platform cannot escalate: the breach stands on its own.
            # The checks run before anything changes, so only the sequence needs restoring.
            ticket.last_event_seq = seq
            return False
        return True

    def flush_events(self) -> None:
        rows_insert(TicketEvent, self.events)
        self.published += self.events
        self.events = []

    def flush_periods(self) -> None:
        rows_update(Custody, self.periods, ["warned_at", "breached_at"])
        self.periods = []

    def finish(self) -> None:
        self.flush_periods()
        self.flush_events()
        rows_update(
            Ticket,
            self.tickets,
            [
                "next_sla_check_at",
                "last_event_seq",
                "sla_breached",
                "priority",
                "assignee",
                "updated_at",
            ],
        )
        _Change(self.published).publish_on_commit()


def _open_periods(ticket_ids: list[int]) -> dict[int, Custody]:
    """The open custody period of each ticket, by ticket id, with its party and policy. The few
    parties and policies are read once and shared: joining them built two more models per row."""
    periods = list(
        Custody.objects.filter(ticket_id__in=ticket_ids, ended_at__isnull=True).only(
            *_PERIOD_FIELDS
        )
    )
    parties = Party.objects.in_bulk({p.party_id for p in periods if p.party_id is not None})
    policies = SlaPolicy.objects.in_bulk(
        {p.sla_policy_id for p in periods if p.sla_policy_id is not None}
    )
    for period in periods:
        period.party = parties.get(period.party_id)
        period.sla_policy = policies.get(period.sla_policy_id)
    return {period.ticket_id: period for period in periods}


def _sweep_batch(now: datetime, batch_size: int, report: SweepReport) -> int:
    with collector_paused(), transaction.atomic():
        tickets = list(due_tickets(now, batch_size))
        if not tickets:
            return 0
        periods = _open_periods([t.pk for t in tickets])
        batch = _Batch(now, report)
        for ticket in tickets:
            batch.handle(ticket, periods.get(ticket.pk))
        batch.finish()
    return len(tickets)
