"""Events and their side effects: the next event of a ticket, the webhook outbox rows written
in the same transaction, and the live push after commit (optionally batched per block)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connection, transaction

from collab.broadcast import events_committed
from integrations.outbox import deliveries_write
from notifications.services import notifications_write
from tenants.actors import Actor

from ..models import (
    Ticket,
    TicketEvent,
)
from ..selectors import participant_party_ids


def _publish(events: list[TicketEvent], outbox: list[TicketEvent] | None = None) -> None:
    """Outbox rows and notifications now, in the events' transaction (a crash after commit
    must not lose them); the live push after commit, once for all the events. The three ask
    who takes part in the tickets once between them: each reading it for itself cost a batch
    of a few hundred tickets two more queries and as many Python-side IN lists. ``outbox``:
    the events whose deliveries are still to be written (default: all of them)."""
    if not events:
        return
    participants = participant_party_ids(
        {event.ticket_id: event.ticket for event in events}.values()
    )
    deliveries_write(events if outbox is None else outbox, participants=participants)
    notifications_write(events, participants=participants)
    transaction.on_commit(lambda: events_committed(events, participants=participants))


class _Pending:
    """The events of one service call inside a ``side_effects_batched`` scope. Registered with
    ``on_commit`` only so that Django drops it, as it drops every callback, when the call's
    savepoint rolls back; the scope publishes the survivors itself and this runs as a no-op."""

    def __init__(self, events: list[TicketEvent], outbox_written: bool) -> None:
        self.events = events
        self.outbox_written = outbox_written

    def __call__(self) -> None:
        pass


# The open ``side_effects_batched`` scope of this thread (or task): its pending calls.
_batched: ContextVar[list[_Pending] | None] = ContextVar("tickets_batched", default=None)


@dataclass
class _Change:
    """Events written by one service call: published at once, or at the end of the enclosing
    ``side_effects_batched`` scope."""

    events: list[TicketEvent]
    # Their webhook deliveries are written already (``tickets_insert``, with the tickets).
    outbox_written: bool = False

    def publish_on_commit(self) -> None:
        batched = _batched.get()
        if batched is None or not connection.in_atomic_block:
            _publish(self.events, [] if self.outbox_written else None)
            return
        pending = _Pending(self.events, self.outbox_written)
        transaction.on_commit(pending)
        batched.append(pending)


@contextmanager
def side_effects_batched() -> Iterator[None]:
    """Publish the events of every service call made inside this block together when it ends:
    one outbox write and one live push (one ``on_commit``) instead of one per call. Use it
    inside the ``transaction.atomic()`` that holds the calls (a bulk chunk); the outbox rows
    are still written in that transaction.

    Callers may rely on: events of a call whose savepoint rolled back are dropped; if the block
    raises, nothing is published; a rolled-back transaction never pushes (``on_commit``)."""
    if _batched.get() is not None:
        yield  # an outer scope publishes
        return
    pending: list[_Pending] = []
    token = _batched.set(pending)
    try:
        yield
    finally:
        _batched.reset(token)
    # Django has removed the callbacks of rolled-back savepoints; what is left was kept.
    kept = {id(callback) for _savepoints, callback, _robust in connection.run_on_commit}
    alive = [call for call in pending if id(call) in kept]
    _publish(
        [event for call in alive for event in call.events],
        [event for call in alive if not call.outbox_written for event in call.events],
    )


def _event_build(
    ticket: Ticket,
    *,
    kind: str,
    actor: Actor,
    visibility: str,
    from_state: str = "",
    to_state: str = "",
    data: dict | None = None,
) -> TicketEvent:
    """The ticket's next event, unsaved. The caller holds the ticket's row lock, saves the event
    and saves ``last_event_seq`` with the ticket."""
    ticket.last_event_seq += 1
    event = TicketEvent(
        ticket=ticket,
        seq=ticket.last_event_seq,
        kind=kind,
        actor_kind=actor.kind.value,
        actor_party=actor.party,
        actor_user=actor.user,
        actor_api_key=actor.api_key,
        from_state=from_state,
        to_state=to_state,
        data=data or {},
        visibility=visibility,
    )
    return event
