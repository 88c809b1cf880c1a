"""What each audience sees of a ticket and its events: built here and nowhere else, so the API,
the portal, live pushes, exports and webhooks agree (DESIGN §2 and §6)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tenants.models import Party, PartyKind

from .masking import mask_address, mask_form_data, mask_name, mask_phone
from .models import Comment, Ticket, TicketEvent
from .workflow import BUYER_STEP_OF_STATE, State


def buyer_data_visible_to(ticket: Ticket, party: Party) -> bool:
    """Full buyer data for the originating party, and for the merchant fulfilling the order only
    if the buyer consented to sharing (PIPL Art. 23). Everyone else sees it masked."""
    return buyer_data_visible(
        party,
        originator_id=ticket.originator_id,
        merchant_id=ticket.merchant_id,
        handler_id=ticket.handler_id,
        consent=ticket.buyer_consent,
    )


def buyer_data_visible(
    party: Party,
    *,
    originator_id: int,
    merchant_id: int | None,
    handler_id: int | None,
    consent: bool,
) -> bool:
    """``buyer_data_visible_to`` from the ticket's columns alone, for readers (the export) that
    stream column values instead of building a ``Ticket`` per row."""
    if party.pk == originator_id:
        return True
    fulfils = party.kind == PartyKind.MERCHANT and party.pk in (merchant_id, handler_id)
    return fulfils and consent


def _party_ref(party: Party | None) -> dict | None:
    if party is None:
        return None
    return {"slug": party.slug, "name": party.name, "kind": party.kind}


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def ticket_for_party(ticket: Ticket, party: Party) -> dict:
    """The ticket as ``party`` may see it. Expects related parties and category loaded."""
    full = buyer_data_visible_to(ticket, party)
    schema = ticket.category.form_schema
    return {
        "reference": ticket.reference,
        "state": ticket.state,
        "buyer_step": BUYER_STEP_OF_STATE[ticket.state],
        "category": ticket.category.code,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "subject": ticket.subject,
        "description": ticket.description,
        "order": {
            "number": ticket.order_number,
            "sku": ticket.sku,
            "product": ticket.product_name,
            "livestream_session": ticket.livestream_session,
            "brand": _party_ref(ticket.brand),
            "merchant": _party_ref(ticket.merchant),
        },
        "buyer": {
            "name": ticket.buyer_name if full else mask_name(ticket.buyer_name),
            "phone": ticket.buyer_phone if full else mask_phone(ticket.buyer_phone),
            "address": ticket.buyer_address if full else mask_address(ticket.buyer_address),
            "consent": ticket.buyer_consent,
            "masked": not full,
        },
        "form_data": ticket.form_data if full else mask_form_data(ticket.form_data, schema),
        "platform": _party_ref(ticket.platform),
        "originator": _party_ref(ticket.originator),
        "handler": _party_ref(ticket.handler),
        "custody": _party_ref(ticket.custody_party),
        "assignee": ticket.assignee.get_username() if ticket.assignee_id else None,
        "outcome": ticket.outcome,
        "resolution_note": ticket.resolution_note,
        "resolve_by": _iso(ticket.resolve_by),
        "sla_breached": ticket.sla_breached,
        "rating": ticket.rating,
        "last_event_seq": ticket.last_event_seq,
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
        "resolved_at": _iso(ticket.resolved_at),
        "closed_at": _iso(ticket.closed_at),
    }


def event_for_party(event: TicketEvent) -> dict:
    """An event as a party sees it; callers filter with the party event selectors first."""
    return {
        "ticket": event.ticket.reference,
        "seq": event.seq,
        "kind": event.kind,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "visibility": event.visibility,
        "actor": {
            "kind": event.actor_kind,
            "party": _party_ref(event.actor_party),
            "user": event.actor_user.get_username() if event.actor_user_id else None,
        },
        "data": event.data,
        "created_at": _iso(event.created_at),
    }


# The buyer never learns which company acts: every party is "the seller" (DESIGN §1, §6).
def _seller() -> str:
    return _("the seller")


BUYER_EVENT_TEXT = {
    "ticket.created": lambda data: _("We received your request."),
    "ticket.accepted": lambda data: (
        _("%(seller)s is working on your request.") % {"seller": _seller()}
    ),
    "ticket.info_requested": lambda data: (
        _("%(seller)s needs more information: %(question)s")
        % {"seller": _seller(), "question": data.get("question", "")}
    ),
    "ticket.buyer_replied": lambda data: (
        _("You replied: %(answer)s") % {"answer": data.get("answer", "")}
    ),
    "ticket.resolved": lambda data: _("Your request was resolved."),
    "ticket.reopened": lambda data: _("Your request was reopened."),
    "ticket.closed": lambda data: _("Your request is closed."),
    "ticket.cancelled": lambda data: _("Your request was withdrawn."),
    "comment.added": lambda data: data.get("body", ""),
    "ticket.rated": lambda data: _("You rated this %(rating)s of 5.") % {"rating": data["rating"]},
}


def event_for_buyer(event: TicketEvent) -> dict:
    """A public event as the buyer sees it: the step reached and a sentence, no company names,
    no agent names, no internal data."""
    text = BUYER_EVENT_TEXT.get(event.kind, lambda data: "")(event.data)
    payload = {
        "seq": event.seq,
        "kind": event.kind,
        "text": text,
        "created_at": _iso(event.created_at),
    }
    if event.to_state:
        payload["step"] = BUYER_STEP_OF_STATE[State(event.to_state)]
    if event.kind == "ticket.resolved":
        payload["outcome"] = event.data.get("outcome", "")
    if event.kind == "comment.added":
        payload["from"] = _("You") if event.actor_kind == "buyer" else _seller()
    return payload


def ticket_for_buyer(ticket: Ticket) -> dict:
    return {
        "reference": ticket.reference,
        "step": BUYER_STEP_OF_STATE[ticket.state],
        "category": ticket.category.label,
        "subject": ticket.subject,
        "order_number": ticket.order_number,
        "promised_by": _iso(ticket.resolve_by),
        "outcome": ticket.outcome,
        "rating": ticket.rating,
        "last_event_seq": ticket.last_event_seq,
        "created_at": _iso(ticket.created_at),
    }


def comment_for_party(comment: Comment) -> dict:
    return {
        "id": comment.pk,
        "body": comment.body,
        "visibility": comment.visibility,
        "author": {
            "kind": comment.author_kind,
            "party": _party_ref(comment.author_party),
            "user": comment.author_user.get_username() if comment.author_user_id else None,
        },
        "created_at": _iso(comment.created_at),
    }
