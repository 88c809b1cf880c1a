"""Files attached to a ticket, visible like comments (internal, parties, public)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Party
from tickets.models import ActorKindField, Ticket, Visibility


def _upload_to(instance: Attachment, filename: str) -> str:
    # A random name: the original one is kept in a column, never trusted as a path.
    return f"attachments/{instance.ticket_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=_upload_to, max_length=200)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    visibility = models.CharField(_("visibility"), max_length=8, choices=Visibility.choices)
    author_kind = models.CharField(max_length=8, choices=ActorKindField.choices)
    author_party = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.filename}"
