"""Races on real PostgreSQL (DESIGN §3): parties acting on one ticket at once; one wins, the
others get a conflict with the current state, and nothing is lost or applied twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection

from tickets.errors import TicketConflict
from tickets.models import Outcome, Ticket
from tickets.services import comment_add, ticket_perform

from ..conftest import drive, make_ticket, requires_postgres
from .checks import assert_custody_ledger_consistent, assert_event_seq_gapless

pytestmark = [
    requires_postgres,
    pytest.mark.django_db(transaction=True),
]


def run_together(jobs: list) -> list:
    """Run each job in its own thread (its own database connection), released together; returns
    each job's result or the exception it raised, in job order."""
    results: list = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def work(index: int, job) -> None:
        try:
            start.wait()
            results[index] = job()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _perform(ticket: Ticket, action: str, actor, **args):
    return lambda: ticket_perform(ticket=ticket, action=action, actor=actor, **args)


@pytest.mark.parametrize(
    ("state", "contenders"),
    [
        # The brand's agents click accept and decline on one routed ticket at once.
        ("routed", [("accept", "brand", {}), ("decline", "brand", {"reason": "Not ours"})]),
        # The originator's agents close and reopen one resolved ticket at once.
        ("resolved", [("close", "streamer", {}), ("reopen", "streamer", {"reason": "Again"})]),
    ],
)
def test_conflicting_transitions_one_wins_the_rest_conflict(cast, state, contenders):
    ticket = drive(cast, make_ticket(cast)[0], state)
    seq_before = ticket.last_event_seq
    jobs = [
        _perform(ticket, action, cast.actor(getattr(cast, who).slug), **args)
        for _round in range(10)
        for action, who, args in contenders
    ]

    results = run_together(jobs)

    winners = [r for r in results if isinstance(r, Ticket)]
    losers = [r for r in results if not isinstance(r, Ticket)]
    assert len(winners) == 1
    assert len(losers) == 19
    assert all(isinstance(r, TicketConflict) for r in losers), losers
    ticket.refresh_from_db()
    assert ticket.state == winners[0].state
    assert {r.current_state for r in losers} == {ticket.state}
    assert ticket.last_event_seq == seq_before + 1
    assert_event_seq_gapless(ticket)
    assert_custody_ledger_consistent(ticket)


def test_concurrent_transitions_on_different_tickets_all_apply(cast):
    """Row locks are per ticket: a busy ticket does not hold back another."""
    tickets = [drive(cast, make_ticket(cast)[0], "routed") for _ in range(5)]
    brand = cast.actor(cast.brand.slug)
    results = run_together([_perform(t, "accept", brand) for t in tickets])
    assert all(isinstance(r, Ticket) and r.state == "in_progress" for r in results), results
    for ticket in tickets:
        assert_event_seq_gapless(ticket)
        assert_custody_ledger_consistent(ticket)


def test_comment_and_transition_racing_keep_the_sequence(cast):
    """Events of any kind share the ticket's sequence: no number drawn twice."""
    ticket = drive(cast, make_ticket(cast)[0], "in_progress")
    brand = cast.actor(cast.brand.slug)
    jobs = [
        lambda i=i: comment_add(ticket=ticket, actor=brand, body=f"note {i}", visibility="parties")
        for i in range(10)
    ]
    jobs.append(_perform(ticket, "resolve", brand, outcome=Outcome.EXCHANGE))
    results = run_together(jobs)
    assert not [r for r in results if isinstance(r, Exception)]
    ticket.refresh_from_db()
    assert ticket.state == "resolved"
    assert_event_seq_gapless(ticket)
    assert ticket.events.filter(kind="comment.added").count() == 10


# A fixed day well away from midnight, so all 50 references share one day's counter.
@time_machine.travel(datetime(2026, 11, 11, 4, 0, tzinfo=UTC), tick=True)
def test_fifty_concurrent_creates_draw_fifty_consecutive_references(cast):
    results = run_together([lambda: make_ticket(cast)[0] for _ in range(50)])
    assert not [r for r in results if isinstance(r, Exception)], results
    references = [ticket.reference for ticket in results]
    assert len(set(references)) == 50
    assert {ref[:12] for ref in references} == {"AS-20261111-"}
    numbers = sorted(int(ref[-6:]) for ref in references)
    assert numbers == list(range(numbers[0], numbers[0] + 50))
    assert Ticket.objects.filter(reference__in=references).count() == 50
