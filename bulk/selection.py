"""Which tickets a transition or export job works on: a filter over the owner's visible tickets
(always through ``ticket_qs_for_party``) or a list of references."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tenants.models import Party
from tickets.errors import TicketValidationError
from tickets.models import Ticket
from tickets.selectors import ticket_qs_for_party
from tickets.workflow import State

FILTERS = ("state", "category", "campaign", "eligible", "created_after", "created_before")


def _date(value: object, name: str, errors: dict) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[name] = [_("Use a date like 2026-11-11.")]
        return None


def filters_clean(filters: dict | None) -> dict:
    """Checked filters, or ``TicketValidationError`` naming each bad one."""
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "", [])}
    errors: dict[str, list[str]] = {}
    for name in sorted(set(filters) - set(FILTERS)):
        errors[name] = [_("Unknown filter.")]
    states = filters.get("state")
    if states is not None:
        states = [states] if isinstance(states, str) else list(states)
        if not set(states) <= set(State.values):
            errors["state"] = [_("Unknown state.")]
        filters["state"] = states
    if "eligible" in filters:
        value = filters["eligible"]
        filters["eligible"] = value in (True, "true", "1", "yes")
    for name in ("created_after", "created_before"):
        if name in filters:
            _date(filters[name], name, errors)
    if errors:
        raise TicketValidationError(field_errors=errors)
    return filters


def ticket_qs_selected(party: Party, filters: dict) -> QuerySet[Ticket]:
    """The party's visible tickets matching already cleaned filters, oldest first."""
    qs = ticket_qs_for_party(party)
    if "state" in filters:
        qs = qs.filter(state__in=filters["state"])
    if "category" in filters:
        qs = qs.filter(category__code=filters["category"])
    if "campaign" in filters:
        qs = qs.filter(campaign_registration__campaign__slug=filters["campaign"])
    if "eligible" in filters:
        qs = qs.filter(campaign_registration__eligible=filters["eligible"])
    if "created_after" in filters:
        qs = qs.filter(created_at__date__gte=filters["created_after"])
    if "created_before" in filters:
        qs = qs.filter(created_at__date__lte=filters["created_before"])
    return qs.order_by("id")
