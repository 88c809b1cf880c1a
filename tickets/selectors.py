"""Reads. Every ticket queryset that reaches a party goes through ``ticket_qs_for_party``."""

from __future__ import annotations

import hashlib

from django.db.models import Exists, OuterRef, Q, QuerySet

from tenants.models import Party

from .errors import TicketNotFound
from .models import Comment, Participant, Ticket, TicketEvent, Visibility


def buyer_token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ticket_qs_for_party(party: Party) -> QuerySet[Ticket]:
    """The tickets ``party`` may see (DESIGN §2): those it takes part in, and, for a platform in
    strong oversight, every ticket on that platform. Nothing else, ever."""
    takes_part = Exists(Participant.objects.filter(ticket=OuterRef("pk"), party=party))
    visible = Q(takes_part)
    if party.has_strong_oversight:
        visible |= Q(platform=party)
    return Ticket.objects.filter(visible)


def ticket_get_for_party(party: Party, reference: str) -> Ticket:
    """The ticket with this reference if ``party`` may see it; otherwise ``TicketNotFound``, so
    an invisible ticket and a missing one look the same."""
    ticket = (
        ticket_qs_for_party(party)
        .select_related("category", "originator", "handler", "custody_party", "platform")
        .filter(reference=reference)
        .first()
    )
    if ticket is None:
        raise TicketNotFound()
    return ticket


def ticket_get_for_buyer(token: str) -> Ticket:
    ticket = (
        Ticket.objects.select_related("category")
        .filter(buyer_token_hash=buyer_token_digest(token))
        .first()
    )
    if ticket is None:
        raise TicketNotFound()
    return ticket


def ticket_qs_for_buyer_lookup(*, order_number: str, phone_last4: str) -> QuerySet[Ticket]:
    """The tickets of an order whose buyer phone ends in these four digits: both must match,
    so a wrong pair finds nothing, exactly like an order that does not exist."""
    if not order_number or len(phone_last4) != 4:
        return Ticket.objects.none()
    return (
        Ticket.objects.filter(order_number=order_number, buyer_phone_last4=phone_last4)
        .select_related("category")
        .order_by("-created_at")
    )


def party_can_see_ticket(party: Party, ticket: Ticket, participant_party_ids) -> bool:
    """The visibility rule on an already loaded ticket (used under the service's row lock)."""
    return party.pk in participant_party_ids or (
        party.has_strong_oversight and ticket.platform_id == party.pk
    )


def _visible_to_party(party: Party) -> Q:
    return Q(visibility__in=[Visibility.PARTIES, Visibility.PUBLIC]) | Q(
        visibility=Visibility.INTERNAL, actor_party=party
    )


def event_qs_for_party(ticket: Ticket, party: Party) -> QuerySet[TicketEvent]:
    """The ticket's events a party may see; the ticket must come from a party selector."""
    return ticket.events.filter(_visible_to_party(party)).order_by("seq")


def event_qs_for_party_feed(party: Party, *, after_id: int) -> QuerySet[TicketEvent]:
    """Every event ``party`` may see, on every ticket it may see, with an id above ``after_id``,
    in id order: the catch-up of a party's inbox socket."""
    return (
        TicketEvent.objects.filter(ticket__in=ticket_qs_for_party(party), pk__gt=after_id)
        .filter(_visible_to_party(party))
        .select_related("ticket", "actor_party", "actor_user")
        .order_by("pk")
    )


def event_qs_for_buyer(ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.filter(visibility=Visibility.PUBLIC).order_by("seq")


def comment_qs_for_party(ticket: Ticket, party: Party) -> QuerySet[Comment]:
    return ticket.comments.filter(
        Q(visibility__in=[Visibility.PARTIES, Visibility.PUBLIC])
        | Q(visibility=Visibility.INTERNAL, author_party=party)
    ).select_related("author_party", "author_user")


def comment_qs_for_buyer(ticket: Ticket) -> QuerySet[Comment]:
    return ticket.comments.filter(visibility=Visibility.PUBLIC)


def event_visible_to_party(event: TicketEvent, party_id: int) -> bool:
    """Same rule as ``event_qs_for_party`` for an event already in memory."""
    return event.visibility != Visibility.INTERNAL or event.actor_party_id == party_id
