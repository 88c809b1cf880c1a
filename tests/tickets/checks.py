"""Assertions shared by the ticket tests: what a ticket's stored history must look like."""

from __future__ import annotations

from itertools import pairwise

from tickets.models import Custody, Ticket
from tickets.workflow import State


def snapshot(ticket: Ticket) -> tuple:
    """Everything a transition may write; equal snapshots before and after mean nothing was."""
    ticket.refresh_from_db()
    return (
        ticket.state,
        ticket.last_event_seq,
        ticket.handler_id,
        ticket.custody_party_id,
        ticket.events.count(),
        list(ticket.custodies.values_list("pk", "party_id", "ended_at", "accepted_at")),
        list(ticket.participants.values_list("party_id", "role").order_by("party_id")),
    )


def assert_event_seq_gapless(ticket: Ticket) -> None:
    ticket.refresh_from_db()
    seqs = list(ticket.events.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, ticket.last_event_seq + 1))


def assert_custody_ledger_consistent(ticket: Ticket) -> None:
    """One open period unless the ticket is done, held by the ticket's custody party, and the
    periods follow each other without gap or overlap."""
    ticket.refresh_from_db()
    periods = list(Custody.objects.filter(ticket=ticket).order_by("started_at", "pk"))
    open_periods = [p for p in periods if p.ended_at is None]
    if ticket.state in (State.CLOSED, State.CANCELLED):
        assert open_periods == []
    else:
        assert len(open_periods) == 1
        assert open_periods[0] == periods[-1]
        assert open_periods[0].party_id == ticket.custody_party_id
    for earlier, later in pairwise(periods):
        assert earlier.ended_at == later.started_at
