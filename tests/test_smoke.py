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


@pytest.mark.django_db
def test_metrics_report_ticket_states_and_sla_figures(client):
    call_command("seed_demo", tickets=18)
    body = client.get("/metrics").content.decode()
    for state in ("new", "routed", "in_progress", "resolved", "closed", "cancelled"):
        count = Ticket.objects.filter(state=state).count()
        assert f'collab_tickets{{state="{state}"}} {float(count)}' in body
    assert "collab_sla_sweep_lag_seconds" in body
    assert "collab_webhook_deliveries" in body
    # Aggregates only: no party, reference or buyer data.
    reference = Ticket.objects.first().reference
    assert reference not in body and "lucy" not in body


@pytest.mark.django_db
def test_metrics_require_the_token_when_one_is_set(client, settings):
    settings.COLLAB_METRICS_TOKEN = "scrape-secret"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert ok.status_code == 200 and b"collab_tickets" in ok.content
