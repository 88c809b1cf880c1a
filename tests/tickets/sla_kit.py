"""Builders for routing and SLA tests: policies, rules and products on the shared cast."""

from __future__ import annotations

from datetime import timedelta

from tickets.models import (
    BreachAction,
    BusinessCalendar,
    RoutingAction,
    RoutingRule,
    SlaPolicy,
    Ticket,
    TicketEvent,
)


def policy(owner, *, accept_h=None, resolve_h=None, action=BreachAction.NOTIFY_SUPERVISOR, **kw):
    return SlaPolicy.objects.create(
        owner=owner,
        name=kw.pop("name", f"policy {SlaPolicy.objects.count() + 1}"),
        accept_within=timedelta(hours=accept_h) if accept_h is not None else None,
        resolve_within=timedelta(hours=resolve_h) if resolve_h is not None else None,
        breach_action=action,
        **kw,
    )


def round_the_clock(owner=None) -> BusinessCalendar:
    return BusinessCalendar.objects.create(owner=owner, name="24×7", always_open=True)


def rule(owner, *, action=RoutingAction.ROUTE_TO_PARTY, position=0, **kw) -> RoutingRule:
    return RoutingRule.objects.create(
        owner=owner, name=kw.pop("name", f"rule {position}"), action=action, position=position, **kw
    )


def kinds(ticket: Ticket) -> list[str]:
    return list(
        TicketEvent.objects.filter(ticket=ticket).order_by("seq").values_list("kind", flat=True)
    )


def event(ticket: Ticket, kind: str) -> TicketEvent:
    return TicketEvent.objects.get(ticket=ticket, kind=kind)
