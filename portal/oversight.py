"""The platform's oversight figures: numbers per party, never tickets.

A platform in weak oversight may not see its sellers' tickets (DESIGN §1), but it watches every
party's SLA; so these reads count tickets on the platform without returning any of them.
"""

from __future__ import annotations

from django.db.models import Count, Q

from tenants.models import Party
from tickets.models import Ticket
from tickets.workflow import OPEN_STATES, State


def oversight_figures(platform: Party) -> list[dict]:
    """Per holding party: open tickets, those breached and those escalated, worst first."""
    return list(
        Ticket.objects.filter(platform=platform, state__in=OPEN_STATES, custody_party__isnull=False)
        .values("custody_party__name", "custody_party__kind")
        .annotate(
            open=Count("id"),
            breached=Count("id", filter=Q(sla_breached=True)),
            escalated=Count("id", filter=Q(state=State.ESCALATED)),
        )
        .order_by("-breached", "-open", "custody_party__name")
    )
