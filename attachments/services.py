"""Writes: attach a file to a ticket, with size and type limits, recorded as a ticket event."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from tenants.actors import Actor
from tickets.errors import TicketValidationError
from tickets.models import Ticket, Visibility
from tickets.services import ticket_event_record

from .models import Attachment


def attachment_add(
    *, ticket: Ticket, actor: Actor, upload: UploadedFile, visibility: str
) -> Attachment:
    """Store ``upload`` via Django's storage. Buyers always attach publicly. Refuses files over
    ``COLLAB_ATTACHMENT_MAX_BYTES`` or of a type not in ``COLLAB_ATTACHMENT_TYPES``; the ticket
    checks are ``ticket_event_record``'s."""
    if actor.is_buyer:
        visibility = Visibility.PUBLIC
    errors: dict[str, list[str]] = {}
    if upload.size > settings.COLLAB_ATTACHMENT_MAX_BYTES:
        errors["file"] = [
            _("At most %(mb)d MB.") % {"mb": settings.COLLAB_ATTACHMENT_MAX_BYTES // 2**20}
        ]
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    if content_type not in settings.COLLAB_ATTACHMENT_TYPES:
        errors["file"] = [_("This file type is not accepted.")]
    if visibility not in Visibility.values:
        errors["visibility"] = [_("Choose internal, parties or public.")]
    if errors:
        raise TicketValidationError(field_errors=errors)
    filename = (upload.name or "file")[-200:]
    with transaction.atomic():
        event = ticket_event_record(
            ticket=ticket,
            actor=actor,
            kind="attachment.added",
            visibility=visibility,
            data={"filename": filename, "size": upload.size, "content_type": content_type},
        )
        attachment = Attachment(
            ticket=ticket,
            filename=filename,
            content_type=content_type,
            size=upload.size,
            visibility=visibility,
            author_kind=event.actor_kind,
            author_party=actor.party,
            author_user=actor.user,
        )
        attachment.file.save(filename, upload, save=False)
        attachment.save()
    return attachment
