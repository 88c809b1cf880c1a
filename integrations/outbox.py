"""The webhook outbox writer: called by ``tickets.services`` inside the transaction that writes
the events, so a crash between commit and send cannot lose a delivery (DESIGN §7)."""

from __future__ import annotations

from itertools import groupby

from django.db import transaction
from django.db.models import Q

from tenants.models import Oversight, Party, PartyKind
from tickets.models import Ticket, TicketEvent
from tickets.projections import event_for_party, ticket_for_party
from tickets.selectors import event_visible_to_party

from .models import WebhookDelivery, WebhookEndpoint
from .worker import kick

_PARTY_RELATIONS = ("originator", "platform", "brand", "merchant", "handler", "custody_party")


def _endpoints_for(ticket: Ticket) -> list[WebhookEndpoint]:
    """Active endpoints of the parties that may see the ticket, in one query: participants, and
    the ticket's platform if it oversees strongly (the visibility rule of DESIGN §2)."""
    sees = Q(party__participations__ticket_id=ticket.pk)
    if ticket.platform_id is not None:
        sees |= Q(
            party_id=ticket.platform_id,
            party__kind=PartyKind.PLATFORM,
            party__oversight=Oversight.STRONG,
        )
    return list(
        WebhookEndpoint.objects.filter(sees, is_active=True, party__is_active=True)
        .select_related("party")
        .distinct()
    )


def _relations_load(ticket: Ticket) -> None:
    """Fill the ticket's party relations the projection reads, with one query for those that
    the service did not already hold in memory."""
    missing = {
        name: getattr(ticket, f"{name}_id")
        for name in _PARTY_RELATIONS
        if getattr(ticket, f"{name}_id") is not None
        and not Ticket._meta.get_field(name).is_cached(ticket)
    }
    if missing:
        parties = Party.objects.in_bulk(set(missing.values()))
        for name, party_id in missing.items():
            setattr(ticket, name, parties[party_id])


def payload_for(event: TicketEvent, party: Party) -> dict:
    """What an endpoint of ``party`` receives: the event and the ticket as that party sees it
    (masking included), with the per-ticket sequence so receivers can order them."""
    return {
        "type": event.kind,
        "timestamp": event.created_at.isoformat(),
        "data": {
            "seq": event.seq,
            "event": event_for_party(event),
            "ticket": ticket_for_party(event.ticket, party),
        },
    }


def deliveries_write(events: list[TicketEvent]) -> int:
    """Write one pending delivery per (event, endpoint whose party may see the event and wants
    its kind). Must run inside the events' transaction. Returns how many rows were written."""
    rows: list[WebhookDelivery] = []
    for _ticket_id, group in groupby(events, key=lambda event: event.ticket_id):
        ticket_events = list(group)
        ticket = ticket_events[0].ticket
        endpoints = _endpoints_for(ticket)
        if not endpoints:
            continue
        _relations_load(ticket)
        for event in ticket_events:
            event.ticket = ticket
            for endpoint in endpoints:
                if not endpoint.wants(event.kind):
                    continue
                if not event_visible_to_party(event, endpoint.party_id):
                    continue
                rows.append(
                    WebhookDelivery(
                        endpoint=endpoint,
                        message_id=WebhookDelivery.message_id_new(),
                        event=event,
                        ticket_id=ticket.pk,
                        seq=event.seq,
                        kind=event.kind,
                        payload=payload_for(event, endpoint.party),
                        next_attempt_at=event.created_at,
                    )
                )
    if rows:
        WebhookDelivery.objects.bulk_create(rows)
        transaction.on_commit(kick)
    return len(rows)
