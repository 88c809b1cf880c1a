"""The hook on the hot path stays cheap: nothing for events that notify nobody, and a constant
number of queries per batch however many tickets it holds (one insert at most)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from notifications.services import notifications_write
from tests.conftest import drive, make_ticket
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def _routed_events(cast, count: int) -> list[TicketEvent]:
    events = []
    for n in range(count):
        ticket, _token = make_ticket(cast, order_number=f"DY{count}-{n}")
        drive(cast, ticket, "routed")
        events.append(
            TicketEvent.objects.select_related("ticket__category").get(
                ticket=ticket, kind="ticket.routed"
            )
        )
    Notification.objects.all().delete()
    return events


def _queries(events: list[TicketEvent]) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        written = notifications_write(events)
    assert written == 2 * len(events)  # the brand's admin and supervisor, per ticket
    return [q["sql"] for q in captured.captured_queries]


def test_constant_queries_per_batch(cast):
    few, many = _queries(_routed_events(cast, 2)), _queries(_routed_events(cast, 12))
    assert len(few) == len(many)
    assert sum(sql.lstrip().upper().startswith("INSERT") for sql in many) == 1


def test_events_that_notify_nobody_cost_nothing(cast):
    ticket, _token = make_ticket(cast)
    created = list(TicketEvent.objects.filter(ticket=ticket))
    with CaptureQueriesContext(connection) as captured:
        assert notifications_write(created) == 0
    assert captured.captured_queries == []
