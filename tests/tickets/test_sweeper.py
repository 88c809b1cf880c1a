"""The SLA sweeper end to end, with time travel: warnings, breaches, breach actions applied once,
paused clocks, auto-close, and two sweepers racing on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from integrations.models import WebhookDelivery, WebhookEndpoint
from tenants.actors import Actor
from tests.conftest import drive, make_ticket, requires_postgres
from tickets.models import Custody, RoutingAction, Ticket, TicketEvent
from tickets.projections import ticket_for_party
from tickets.selectors import ticket_relations_load
from tickets.services import ticket_perform
from tickets.sweeper import sla_sweep

from .sla_kit import event, kinds, policy, round_the_clock, rule

HOUR = timedelta(hours=1)


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.mark.django_db
def test_a_brand_that_never_accepts_is_warned_then_breached_and_escalated(cast, clock):
    policy(
        cast.platform,
        accept_h=4,
        resolve_h=24,
        party_kind="brand",
        action="escalate",
        calendar=round_the_clock(),
    )
    rule(cast.streamer, action=RoutingAction.ROUTE_TO_BRAND)
    ticket, _t = make_ticket(cast)
    period = Custody.objects.get(ticket=ticket, ended_at__isnull=True)
    assert (ticket.state, period.party) == ("routed", cast.brand)
    assert ticket.next_sla_check_at == period.accept_warn_by == period.started_at + 3 * HOUR

    clock.shift(2 * HOUR)
    assert sla_sweep().checked == 0  # nothing due: nothing touched
    clock.shift(HOUR + timedelta(minutes=1))
    assert sla_sweep().warned == 1
    warning = event(ticket, "sla.warning")
    assert warning.data["party"]["slug"] == cast.brand.slug and warning.data["clock"] == "accept"
    assert sla_sweep().checked == 0  # warned once

    clock.shift(HOUR)
    report = sla_sweep()
    assert (report.breached, report.warned) == (1, 0)
    ticket.refresh_from_db()
    assert (ticket.state, ticket.custody_party, ticket.sla_breached) == (
        "escalated",
        cast.platform,
        True,
    )
    breached = event(ticket, "sla.breached")
    assert breached.actor_kind == "system"
    assert breached.data["party"]["slug"] == cast.brand.slug
    assert breached.data["action"] == "escalate"
    escalated = event(ticket, "ticket.escalated")
    assert escalated.actor_kind == "system" and escalated.seq == breached.seq + 1
    assert kinds(ticket)[-3:] == ["sla.warning", "sla.breached", "ticket.escalated"]
    brand_period, platform_period = Custody.objects.filter(ticket=ticket).order_by("id")[1:]
    assert brand_period.party == cast.brand and brand_period.breached_at is not None
    assert brand_period.warned_at is not None and brand_period.ended_at is not None
    assert platform_period.party == cast.platform and platform_period.breached_at is None
    # Sweeping again applies nothing twice.
    clock.shift(HOUR)
    sla_sweep()
    assert TicketEvent.objects.filter(ticket=ticket, kind="sla.breached").count() == 1


@pytest.mark.django_db
def test_a_warning_webhook_carries_the_whole_ticket_the_sweeper_did_not_load(cast, clock):
    # The sweeper loads only the columns it reads; the outbox must still send the ticket whole.
    policy(cast.platform, accept_h=4, party_kind="brand", calendar=round_the_clock())
    rule(cast.streamer, action=RoutingAction.ROUTE_TO_BRAND)
    WebhookEndpoint.objects.create(party=cast.brand, url="https://brand.example/hook")
    ticket, _t = make_ticket(cast)
    clock.shift(3 * HOUR + timedelta(minutes=1))
    assert sla_sweep().warned == 1
    delivery = WebhookDelivery.objects.get(kind="sla.warning")
    swept = Ticket.objects.get(pk=ticket.pk)
    ticket_relations_load([swept])
    assert delivery.payload["data"]["ticket"] == ticket_for_party(swept, cast.brand)
    assert delivery.payload["data"]["ticket"]["subject"] == ticket.subject


@pytest.mark.django_db
def test_a_ticket_waiting_for_the_buyer_is_not_breached_and_resumes_shifted(cast, clock):
    policy(cast.platform, resolve_h=8, party_kind="brand", calendar=round_the_clock())
    ticket, _t = make_ticket(cast)
    ticket = drive(cast, ticket, "in_progress")
    first = Custody.objects.get(ticket=ticket, ended_at__isnull=True)
    promise = ticket.resolve_by
    assert first.resolve_by == promise == first.started_at + 8 * HOUR

    clock.shift(2 * HOUR)
    ticket = ticket_perform(
        ticket=ticket, action="request_info", actor=cast.actor(cast.brand.slug), question="Photo?"
    )
    assert ticket.next_sla_check_at is None  # the buyer holds it: no clock runs
    clock.shift(30 * HOUR)
    assert sla_sweep().checked == 0
    ticket = ticket_perform(ticket=ticket, action="buyer_reply", actor=Actor.buyer(), answer="ok")
    resumed = Custody.objects.get(ticket=ticket, ended_at__isnull=True)
    assert resumed.party == cast.brand
    assert resumed.resolve_by == promise + 30 * HOUR == ticket.resolve_by
    assert not ticket.sla_breached
    clock.shift(5 * HOUR)
    assert sla_sweep().breached == 0
    clock.shift(HOUR + timedelta(seconds=1))
    assert sla_sweep().breached == 1


@pytest.mark.django_db
def test_breach_actions_raise_priority_and_notify_supervisors(cast, clock):
    calendar = round_the_clock()
    policy(cast.streamer, resolve_h=1, party=cast.brand, action="raise_priority", calendar=calendar)
    policy(cast.streamer, resolve_h=1, party=cast.merchant, calendar=calendar)
    raised, _t = make_ticket(cast, priority="high")
    drive(cast, raised, "in_progress")
    notified, _t = make_ticket(cast)
    ticket_perform(
        ticket=notified,
        action="route",
        actor=cast.actor(cast.streamer.slug),
        to_party=cast.merchant,
    )
    clock.shift(2 * HOUR)
    assert sla_sweep().breached == 2
    raised.refresh_from_db()
    assert raised.priority == "urgent"
    assert event(raised, "sla.breached").data["priority"] == {"from": "high", "to": "urgent"}
    data = event(notified, "sla.breached").data
    assert data["action"] == "notify_supervisor"
    assert data["notify"] == ["swift-ship-admin", "swift-ship-supervisor"]


@pytest.mark.django_db
def test_a_resolved_ticket_closes_itself_after_the_confirm_window(cast, clock, settings):
    settings.COLLAB_CONFIRM_WINDOW_HOURS = 72
    ticket, _t = make_ticket(cast)
    ticket = drive(cast, ticket, "resolved")
    assert ticket.next_sla_check_at == ticket.resolved_at + 72 * HOUR
    clock.shift(71 * HOUR)
    assert sla_sweep().closed == 0
    clock.shift(2 * HOUR)
    assert sla_sweep().closed == 1
    ticket.refresh_from_db()
    assert (ticket.state, ticket.next_sla_check_at) == ("closed", None)
    assert event(ticket, "ticket.closed").actor_kind == "system"


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_in_parallel_apply_each_breach_once(cast):
    policy(cast.platform, accept_h=1, party_kind="brand", action="escalate")
    rule(cast.streamer, action=RoutingAction.ROUTE_TO_BRAND)
    tickets = [make_ticket(cast)[0] for _ in range(40)]
    # Every accept deadline and warning is already past: all 40 are due for a breach.
    past = timezone.now() - HOUR
    Custody.objects.filter(ticket__in=tickets, ended_at__isnull=True).update(
        accept_by=past, accept_warn_by=past
    )
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(next_sla_check_at=past)
    start = threading.Barrier(2)
    reports = []

    def sweeper():
        try:
            start.wait()
            reports.append(sla_sweep(batch_size=5))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.breached for r in reports) == 40
    assert TicketEvent.objects.filter(kind="sla.breached").count() == 40
    assert TicketEvent.objects.filter(kind="ticket.escalated").count() == 40
    assert set(Ticket.objects.values_list("state", flat=True)) == {"escalated"}
