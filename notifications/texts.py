"""What a notification says, in the reader's language (texts are built when shown, not stored,
so a person who switches language reads their whole list in it)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Notification, NotificationKind


def notification_text(kind: str, reference: str, subject: str, data: dict) -> str:
    facts = {"reference": reference, "subject": subject}
    if kind == NotificationKind.ASSIGNED:
        return _("%(reference)s was assigned to you: %(subject)s") % facts
    if kind == NotificationKind.ROUTED:
        return _("%(reference)s was routed to your party: %(subject)s") % facts
    if kind == NotificationKind.SLA_WARNING:
        return _("%(reference)s: the SLA deadline is near") % facts
    if kind == NotificationKind.SLA_BREACHED:
        return _("%(reference)s: the SLA deadline was missed") % facts
    if kind == NotificationKind.BUYER_REPLIED:
        return _("The buyer replied on %(reference)s: %(subject)s") % facts
    if kind == NotificationKind.ESCALATED:
        return _("%(reference)s was escalated to the platform: %(reason)s") % {
            **facts,
            "reason": data.get("reason", ""),
        }
    return _("The platform decided the escalation of %(reference)s") % facts


def text_of(notification: Notification) -> str:
    """Needs ``ticket`` and ``event`` loaded."""
    return notification_text(
        notification.kind,
        notification.ticket.reference,
        notification.ticket.subject,
        notification.event.data or {},
    )


def payload_of(notification: Notification) -> dict:
    """The notification as its recipient's sockets get it, with the text in every shipped
    language (the socket picks its page's, as the buyer's does)."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = text_of(notification)
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "ticket": notification.ticket.reference,
        "party": notification.party.slug,
        "created_at": notification.created_at.isoformat(),
        "texts": texts,
    }
