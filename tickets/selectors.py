"""Reads. Every ticket queryset that reaches a party goes through ``ticket_qs_for_party``."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from tenants.models import Party

from .errors import TicketNotFound
from .models import Comment, Participant, Ticket, TicketCategory, TicketEvent, Visibility


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


def participant_party_ids(tickets: Iterable[Ticket]) -> dict[int, set[int]]:
    """The ids of the parties taking part in each ticket, by ticket id. A ticket the services
    have just created carries its participants (``participants`` prefetched), so pushing,
    notifying and answering about it reads nothing; one query for the others."""
    found: dict[int, set[int]] = defaultdict(set)
    missing = []
    for ticket in tickets:
        held = getattr(ticket, "_prefetched_objects_cache", {}).get("participants")
        if held is None:
            missing.append(ticket.pk)
        else:
            found[ticket.pk] = {participant.party_id for participant in held}
    if missing:
        rows = Participant.objects.filter(ticket_id__in=missing)
        for ticket_id, party_id in rows.values_list("ticket_id", "party_id"):
            found[ticket_id].add(party_id)
    return found


_PARTY_RELATIONS = ("platform", "originator", "brand", "merchant", "handler", "custody_party")


def ticket_relations_load(tickets: list[Ticket]) -> None:
    """Attach the parties, category and assignee that ``ticket_for_party`` reads to a page of
    tickets: one query per related table for the whole page. Joining the eight relations into
    the page query instead cost PostgreSQL 50-80 ms of planning per page, at any table size."""
    party_ids = {
        getattr(ticket, f"{name}_id") for ticket in tickets for name in _PARTY_RELATIONS
    } - {None}
    parties = Party.objects.in_bulk(party_ids) if party_ids else {}
    categories = TicketCategory.objects.in_bulk({ticket.category_id for ticket in tickets})
    assignee_ids = {ticket.assignee_id for ticket in tickets} - {None}
    people = get_user_model().objects.in_bulk(assignee_ids) if assignee_ids else {}
    for ticket in tickets:
        for name in _PARTY_RELATIONS:
            party_id = getattr(ticket, f"{name}_id")
            setattr(ticket, name, parties[party_id] if party_id is not None else None)
        ticket.category = categories[ticket.category_id]
        ticket.assignee = people[ticket.assignee_id] if ticket.assignee_id else None


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
