from __future__ import annotations

import pytest
from django.core.management import call_command

from tickets.models import Ticket, TicketEvent


@pytest.mark.django_db
def test_healthz_reports_database_and_channel_layer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": True, "channel_layer": True},
    }


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    call_command("seed_demo", tickets=30)
    tickets, events = Ticket.objects.count(), TicketEvent.objects.count()
    states = set(Ticket.objects.values_list("state", flat=True))
    call_command("seed_demo", tickets=30)
    assert (
        (Ticket.objects.count(), TicketEvent.objects.count()) == (tickets, events) == (30, events)
    )
    assert states >= {
        "new",
        "routed",
        "in_progress",
        "awaiting_buyer",
        "resolved",
        "closed",
        "escalated",
        "cancelled",
    }
