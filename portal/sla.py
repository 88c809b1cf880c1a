"""The deadline a party should look at on a ticket, and how urgent it is (DESIGN §4).

While the custody party has not accepted, its clock is the accept-by; afterwards the resolve-by;
a ticket without a custody clock shows the promise made to the buyer. Amber once the SLA engine
has warned, red once it has breached (or the time has simply passed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import Custody, Ticket
from tickets.workflow import OPEN_STATES

DUE_SOON = timedelta(hours=4)


@dataclass(frozen=True)
class Deadline:
    label: str
    at: datetime
    status: str  # "ok", "warning" or "breached"


def deadline_for(ticket: Ticket, custody: Custody | None) -> Deadline | None:
    if ticket.state not in OPEN_STATES:
        return None
    now = timezone.now()
    label, at, warned, breached = _("Promised by"), ticket.resolve_by, False, ticket.sla_breached
    if custody is not None:
        if custody.accepted_at is None and custody.accept_by is not None:
            label, at = _("Accept by"), custody.accept_by
        elif custody.resolve_by is not None:
            label, at = _("Resolve by"), custody.resolve_by
        warned = custody.warned_at is not None
        breached = custody.breached_at is not None
    if at is None:
        return None
    if breached or at <= now:
        status = "breached"
    elif warned:
        status = "warning"
    else:
        status = "ok"
    return Deadline(label=str(label), at=at, status=status)
