"""Messages, ratings and events recorded for other apps' changes on a ticket."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from quality.checks import refusals_recorded, reply_screen
from tenants.actors import Actor

from ..errors import (
    TicketConflict,
    TicketNotFound,
    TicketPermissionDenied,
    TicketValidationError,
)
from ..models import (
    Comment,
    Ticket,
    TicketEvent,
    Visibility,
)
from ..selectors import party_can_see_ticket
from ..workflow import State
from .events import _Change, _event_build
from .transitions import ticket_caller


def comment_add(
    *, ticket: Ticket, actor: Actor, body: str, visibility: str, confirm_warnings: bool = False
) -> Comment:
    """Add a message. Buyers always write publicly; parties choose internal (their own party),
    parties (every participating party) or public (also the buyer).

    A party's public message passes the reply check (``quality.checks``): a blocking phrase
    raises ``QualityBlocked``, a warning one ``QualityConfirmationRequired`` unless
    ``confirm_warnings``; the hits are recorded either way."""
    body = body.strip()
    errors: dict[str, list[str]] = {}
    if not body:
        errors["body"] = [_("A message is required.")]
    if len(body) > 10_000:
        errors["body"] = [_("At most 10,000 characters.")]
    if actor.is_buyer:
        visibility = Visibility.PUBLIC
    if visibility not in Visibility.values:
        errors["visibility"] = [_("Choose internal, parties or public.")]
    if errors:
        raise TicketValidationError(field_errors=errors)
    if not actor.can_act:
        raise TicketPermissionDenied(_("Read-only access cannot write messages."))
    public = visibility == Visibility.PUBLIC
    screen = reply_screen(
        ticket=ticket,
        actor=actor,
        texts={"body": body} if public else {},
        confirmed=confirm_warnings,
    )
    with refusals_recorded(), transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if actor.party is not None:
            caller = ticket_caller(locked, actor)
            if not party_can_see_ticket(actor.party, locked, caller.participant_party_ids):
                raise TicketNotFound()
        screen.enforce(locked)
        screen.record_sent(locked)
        comment = Comment.objects.create(
            ticket=locked,
            author_kind=actor.kind.value,
            author_party=actor.party,
            author_user=actor.user,
            body=body,
            visibility=visibility,
        )
        event = _event_build(
            locked,
            kind="comment.added",
            actor=actor,
            visibility=visibility,
            data={"comment_id": comment.pk, "body": body},
        )
        event.save()
        locked.save(update_fields=["last_event_seq", "updated_at"])
        _Change([event]).publish_on_commit()
    return comment


RATABLE_STATES = (State.RESOLVED, State.CLOSED)


def ticket_rate(*, ticket: Ticket, actor: Actor, rating: int, comment: str = "") -> Ticket:
    """The buyer rates the handling, 1 to 5, once the request is resolved or closed. A second
    rating replaces the first (buyers change their mind after the parcel arrives). Raises
    ``TicketValidationError`` for a rating outside 1..5, ``TicketPermissionDenied`` for anyone
    but the buyer and ``TicketConflict`` before the request is resolved."""
    errors: dict[str, list[str]] = {}
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        errors["rating"] = [_("Choose 1 to 5.")]
    if len(comment) > 2000:
        errors["comment"] = [_("At most 2,000 characters.")]
    if errors:
        raise TicketValidationError(field_errors=errors)
    if not actor.is_buyer:
        raise TicketPermissionDenied(_("Only the buyer rates a request."))
    with transaction.atomic():
        locked = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
        if locked.state not in RATABLE_STATES:
            raise TicketConflict(
                _("A request can be rated once it is resolved."), current_state=locked.state
            )
        locked.rating = rating
        locked.rating_comment = comment.strip()
        event = _event_build(
            locked,
            kind="ticket.rated",
            actor=actor,
            visibility=Visibility.PUBLIC,
            data={"rating": rating, "comment": locked.rating_comment},
        )
        event.save()
        locked.save(update_fields=["rating", "rating_comment", "last_event_seq", "updated_at"])
        _Change([event]).publish_on_commit()
    return locked


def ticket_event_record(
    *, ticket: Ticket, actor: Actor, kind: str, visibility: str, data: dict
) -> TicketEvent:
    """Append an event for a change another app owns (e.g. an attachment), inside the caller's
    transaction: locks the ticket, refuses a party that may not see it (``TicketNotFound``) or
    may not act (``TicketPermissionDenied``), and publishes like every other event."""
    if not actor.can_act:
        raise TicketPermissionDenied()
    locked = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    if actor.party is not None:
        caller = ticket_caller(locked, actor)
        if not party_can_see_ticket(actor.party, locked, caller.participant_party_ids):
            raise TicketNotFound()
    event = _event_build(locked, kind=kind, actor=actor, visibility=visibility, data=data)
    event.save()
    locked.save(update_fields=["last_event_seq", "updated_at"])
    _Change([event]).publish_on_commit()
    return event
