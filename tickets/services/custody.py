"""Custody moves: who holds the ticket, its SLA deadlines, participants and assignment."""

from __future__ import annotations

from tenants.actors import Actor, ActorKind
from tenants.models import Membership, Party

from .. import deadlines
from ..assignment import assignee_choose
from ..models import (
    Custody,
    Participant,
    ParticipantRole,
    Ticket,
    TicketEvent,
    Visibility,
)
from ..workflow import State
from .events import _event_build


def _custody_move(ticket: Ticket, *, party: Party | None, state: str, now) -> Custody | None:
    """Close the open custody period and open the next one with its deadlines (none once the
    ticket is done). Sets ``resolve_by`` and ``next_sla_check_at`` on the ticket; the caller
    saves them. Returns the new period."""
    recent = list(
        Custody.objects.filter(ticket=ticket)
        .select_related("sla_policy")
        .order_by("-started_at", "-id")[:2]
    )
    open_period = recent[0] if recent and recent[0].ended_at is None else None
    if open_period is not None:
        Custody.objects.filter(pk=open_period.pk).update(ended_at=now)
    period = None
    if state not in (State.CLOSED, State.CANCELLED):
        resuming = open_period is not None and open_period.party_id is None and len(recent) > 1
        period = deadlines.custody_period_build(
            ticket,
            party=party,
            state=state,
            now=now,
            paused=open_period if resuming else None,
            before_pause=recent[1] if resuming else None,
        )
        period.save()
    ticket.next_sla_check_at = deadlines.next_check_for(ticket, period)
    return period


def _auto_assign(ticket: Ticket, party: Party, now) -> TicketEvent | None:
    """Give the ticket to one of ``party``'s agents by the party's strategy; returns the unsaved
    ``ticket.assigned`` event, or None (manual strategy, or nobody fits)."""
    membership = assignee_choose(
        party=party, category_code=ticket.category.code, exclude_user_id=ticket.assignee_id
    )
    if membership is None:
        return None
    Membership.objects.filter(pk=membership.pk).update(last_assigned_at=now)
    return _assignment_set(
        ticket,
        membership.user,
        Actor(kind=ActorKind.SYSTEM, party=party),
        strategy=party.assignment_strategy,
    )


def _assignment_set(ticket: Ticket, user, actor: Actor, *, strategy: str) -> TicketEvent:
    """Set the assignee and build the ``ticket.assigned`` event. Internal to the custody party:
    other companies do not learn who works on it."""
    previous = ticket.assignee.get_username() if ticket.assignee_id else None
    ticket.assignee = user
    return _event_build(
        ticket,
        kind="ticket.assigned",
        actor=actor,
        visibility=Visibility.INTERNAL,
        data={
            "assignee": user.get_username() if user is not None else None,
            "previous": previous,
            "strategy": strategy,
        },
    )


def _participant_ensure(ticket: Ticket, party: Party, role: str) -> None:
    participant, created = Participant.objects.get_or_create(
        ticket=ticket, party=party, defaults={"role": role}
    )
    # The originator keeps its role; a new handler or arbiter takes over the role.
    if not created and participant.role not in (role, ParticipantRole.ORIGINATOR):
        participant.role = role
        participant.save(update_fields=["role"])
