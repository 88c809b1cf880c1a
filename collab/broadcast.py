"""Pushes committed ticket events to the channel-layer groups allowed to see them (DESIGN §6).

Groups: ``party.<id>`` for each party that sees the event, ``ticket.<id>.party.<id>`` for that
party's open detail views, ``buyer.<ticket id>`` for public events in the buyer projection.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from tickets.models import Participant, TicketEvent, Visibility
from tickets.projections import event_for_buyer, event_for_party
from tickets.selectors import event_visible_to_party


def party_group(party_id: int) -> str:
    return f"party.{party_id}"


def ticket_group(ticket_id: int, party_id: int) -> str:
    return f"ticket.{ticket_id}.party.{party_id}"


def buyer_group(ticket_id: int) -> str:
    return f"buyer.{ticket_id}"


def audiences_of(event: TicketEvent) -> list[int]:
    """The parties that may see this event: participants, plus a strong-oversight platform."""
    ticket = event.ticket
    party_ids = set(Participant.objects.filter(ticket=ticket).values_list("party_id", flat=True))
    if ticket.platform_id is not None and ticket.platform.has_strong_oversight:
        party_ids.add(ticket.platform_id)
    return sorted(pid for pid in party_ids if event_visible_to_party(event, pid))


def events_committed(event_ids: list[int]) -> None:
    """Called from ``transaction.on_commit``: the events exist for every reader by now."""
    layer = get_channel_layer()
    if layer is None:
        return
    events = TicketEvent.objects.filter(pk__in=event_ids).select_related(
        "ticket__platform", "actor_party", "actor_user"
    )
    for event in events:
        party_payload = {"type": "ticket.event", "event": event_for_party(event)}
        for party_id in audiences_of(event):
            async_to_sync(layer.group_send)(party_group(party_id), party_payload)
            async_to_sync(layer.group_send)(ticket_group(event.ticket_id, party_id), party_payload)
        if event.visibility == Visibility.PUBLIC:
            async_to_sync(layer.group_send)(
                buyer_group(event.ticket_id),
                {"type": "ticket.event", "event": event_for_buyer(event)},
            )
