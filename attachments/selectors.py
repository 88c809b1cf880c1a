"""Reads: a ticket's attachments as a party or the buyer may see them (the comment rule)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tenants.models import Party
from tickets.models import Ticket, Visibility

from .models import Attachment


def attachment_qs_for_party(ticket: Ticket, party: Party) -> QuerySet[Attachment]:
    """The ticket must come from a party selector; internal files only for their own party."""
    return ticket.attachments.filter(
        Q(visibility__in=[Visibility.PARTIES, Visibility.PUBLIC])
        | Q(visibility=Visibility.INTERNAL, author_party=party)
    ).select_related("author_party", "author_user")
