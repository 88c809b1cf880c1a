"""The webhook outbox writer: called by ``tickets.services`` inside the transaction that writes
the events, so a crash between commit and send cannot lose a delivery (DESIGN §7)."""

from __future__ import annotations

from django.db import transaction

from collab.config_cache import WEBHOOK_ENDPOINTS, config_cached
from tenants.models import Party
from tickets.models import Ticket, TicketEvent
from tickets.projections import event_for_party, ticket_for_party
from tickets.recordsets import values_insert
from tickets.selectors import (
    event_visible_to_party,
    participant_party_ids,
    party_can_see_ticket,
)

from .models import WebhookDelivery, WebhookEndpoint
from .worker import kick

_PARTY_RELATIONS = ("originator", "platform", "brand", "merchant", "handler", "custody_party")


def _ticket_key(ticket: Ticket) -> int | str:
    """How the outbox tells tickets apart: the id, or the reference of one not inserted yet."""
    return ticket.pk if ticket.pk is not None else ticket.reference


def _endpoints_by_ticket(
    tickets: dict[int | str, Ticket], participants: dict[int | str, set[int]]
) -> dict[int | str, list[WebhookEndpoint]]:
    """Active endpoints of the parties that may see each ticket (the visibility rule of DESIGN
    §2: ``participants``, and the ticket's platform if it oversees strongly), in id order. The
    endpoints come from the configuration cache."""
    party_ids = {t.platform_id for t in tickets.values() if t.platform_id is not None}
    party_ids.update(*participants.values())
    endpoints_of = {party_id: _party_endpoints(party_id) for party_id in sorted(party_ids)}
    found = {
        key: sorted(
            (
                endpoint
                for party_id in participants[key] | {ticket.platform_id}
                for endpoint in endpoints_of.get(party_id, [])
                if party_can_see_ticket(endpoint.party, ticket, participants[key])
            ),
            key=lambda endpoint: endpoint.pk,
        )
        for key, ticket in tickets.items()
    }
    return {key: endpoints for key, endpoints in found.items() if endpoints}


def _party_endpoints(party_id: int) -> list[WebhookEndpoint]:
    return config_cached(
        WEBHOOK_ENDPOINTS,
        party_id,
        lambda: list(
            WebhookEndpoint.objects.filter(
                party_id=party_id, is_active=True, party__is_active=True
            ).select_related("party")
        ),
    )


def _relations_load(tickets: list[Ticket]) -> None:
    """Fill what the projection reads and the services did not hold in memory: the columns a
    writer loaded the ticket without (the SLA sweeper loads only what it reads) and the party
    relations, with one query each."""
    deferred = [ticket for ticket in tickets if ticket.get_deferred_fields()]
    if deferred:
        complete = Ticket.objects.in_bulk([ticket.pk for ticket in deferred])
        for ticket in deferred:
            for name in ticket.get_deferred_fields():
                setattr(ticket, name, getattr(complete[ticket.pk], name))
    missing = [
        (ticket, name, getattr(ticket, f"{name}_id"))
        for ticket in tickets
        for name in _PARTY_RELATIONS
        if getattr(ticket, f"{name}_id") is not None
        and not Ticket._meta.get_field(name).is_cached(ticket)
    ]
    if missing:
        parties = Party.objects.in_bulk({party_id for _t, _n, party_id in missing})
        for ticket, name, party_id in missing:
            setattr(ticket, name, parties[party_id])


def _payload(event: TicketEvent, party: Party, projected: dict) -> dict:
    """What an endpoint of ``party`` receives: the event and the ticket as that party sees it
    (masking included), with the per-ticket sequence so receivers can order them.

    ``projected`` memoises the projections over one batch: the events of a batch share their
    ticket's state, so each event and each (ticket, party) is projected once."""
    event_key = ("event", id(event))  # events not inserted yet have no id
    ticket_key = ("ticket", _ticket_key(event.ticket), party.pk)
    if event_key not in projected:
        projected[event_key] = event_for_party(event)
    if ticket_key not in projected:
        projected[ticket_key] = ticket_for_party(event.ticket, party)
    return {
        "type": event.kind,
        "timestamp": event.created_at.isoformat(),
        "data": {"seq": event.seq, "event": projected[event_key], "ticket": projected[ticket_key]},
    }


def deliveries_write(
    events: list[TicketEvent], *, participants: dict[int, set[int]] | None = None
) -> int:
    """Write one pending delivery per (event, endpoint whose party may see the event and wants
    its kind). Must run inside the events' transaction. ``participants`` (party ids by ticket
    id) is read with ``participant_party_ids`` when the caller does not hold it. Returns how
    many rows were written."""
    if participants is None:
        participants = participant_party_ids(
            {event.ticket_id: event.ticket for event in events}.values()
        )
    rows = deliveries_rows(events, participants=participants)
    values_insert(WebhookDelivery, rows)
    return len(rows)


def deliveries_rows(
    events: list[TicketEvent], *, participants: dict[int | str, set[int]]
) -> list[dict]:
    """The delivery rows of ``events`` (``values_insert`` rows), and the sender asked to look
    once the transaction commits. The events and their tickets need not be inserted yet:
    ``participants`` holds each ticket's party ids by ticket id, or by reference for a ticket not
    inserted yet, whose rows carry its reference as ``ticket_reference`` instead of an
    ``event_id`` and a ``ticket_id`` (``tickets_insert`` writes them with the ticket)."""
    if not events:
        return []
    tickets = {_ticket_key(event.ticket): event.ticket for event in events}
    endpoints_of = _endpoints_by_ticket(tickets, participants)
    if not endpoints_of:
        return []
    _relations_load([tickets[key] for key in endpoints_of])
    rows: list[dict] = []
    projected: dict = {}
    for event in events:
        key = _ticket_key(event.ticket)
        ticket = tickets[key]
        event.ticket = ticket
        for endpoint in endpoints_of.get(key, []):
            if not endpoint.wants(event.kind):
                continue
            if not event_visible_to_party(event, endpoint.party_id):
                continue
            row = {
                "endpoint_id": endpoint.pk,
                "message_id": WebhookDelivery.message_id_new(),
                "event_id": event.pk,
                "ticket_id": ticket.pk,
                "seq": event.seq,
                "kind": event.kind,
                "payload": _payload(event, endpoint.party, projected),
                "next_attempt_at": event.created_at,
            }
            if ticket.pk is None:
                row["ticket_reference"] = ticket.reference
            rows.append(row)
    if rows:
        transaction.on_commit(kick)
    return rows
