"""``/metrics``: installation-wide figures for operators, in the Prometheus text format.

Only aggregates (no party, ticket or buyer data), read from the database at scrape time so every
process reports the same truth. When ``COLLAB_METRICS_TOKEN`` is set the scraper must send it as
``Authorization: Bearer <token>``; otherwise the endpoint is open (keep it on an internal network).
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import CollectorRegistry, GaugeMetricFamily

from integrations.models import WebhookDelivery
from tickets.models import Ticket, TicketEvent
from tickets.workflow import State


class CollabCollector:
    def collect(self):
        by_state = GaugeMetricFamily("collab_tickets", "Tickets by state.", labels=["state"])
        counts = dict(Ticket.objects.order_by().values_list("state").annotate(n=Count("id")))
        for state in State.values:
            by_state.add_metric([state], counts.get(state, 0))
        yield by_state

        yield GaugeMetricFamily(
            "collab_tickets_sla_breached",
            "Open tickets whose SLA is breached.",
            value=Ticket.objects.filter(sla_breached=True, closed_at__isnull=True).count(),
        )
        oldest_due = Ticket.objects.filter(next_sla_check_at__lte=timezone.now()).aggregate(
            at=Min("next_sla_check_at")
        )["at"]
        yield GaugeMetricFamily(
            "collab_sla_sweep_lag_seconds",
            "How overdue the oldest pending SLA check is (0 when the sweeper keeps up).",
            value=(timezone.now() - oldest_due).total_seconds() if oldest_due else 0.0,
        )
        yield GaugeMetricFamily(
            "collab_ticket_events", "Ticket events written.", value=TicketEvent.objects.count()
        )
        deliveries = GaugeMetricFamily(
            "collab_webhook_deliveries", "Webhook deliveries by status.", labels=["status"]
        )
        for status, n in (
            WebhookDelivery.objects.order_by().values_list("status").annotate(n=Count("id"))
        ):
            deliveries.add_metric([status], n)
        yield deliveries


_registry = CollectorRegistry(auto_describe=False)
_registry.register(CollabCollector())


def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.COLLAB_METRICS_TOKEN
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return HttpResponse(status=401, headers={"WWW-Authenticate": "Bearer"})
    return HttpResponse(generate_latest(_registry), content_type=CONTENT_TYPE_LATEST)
