"""A person's notifications and their choices about them.

A ``Notification`` is written in the same transaction as the ticket event it is about
(``notifications.services.notifications_write``, called from ``tickets.services``), so a crash
after the commit loses neither the bell entry nor the e-mail: the row is the e-mail's outbox too
(``email_state`` pending until sent).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Party


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("Ticket assigned to me")
    ROUTED = "routed", _("Ticket routed to my party")
    SLA_WARNING = "sla_warning", _("SLA warning on my ticket")
    SLA_BREACHED = "sla_breached", _("SLA breached on my ticket")
    BUYER_REPLIED = "buyer_replied", _("The buyer replied")
    ESCALATED = "escalated", _("Escalation opened")
    ESCALATION_DECIDED = "escalation_decided", _("Escalation decided")


class EmailState(models.TextChoices):
    NONE = "none", _("Not e-mailed")
    PENDING = "pending", _("To be e-mailed")
    SENT = "sent", _("E-mailed")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # The party the recipient was notified as: the ticket is shown as that party sees it, and
    # the notification disappears if the person leaves that party.
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(
        "tickets.TicketEvent", on_delete=models.CASCADE, related_name="notifications"
    )
    # False when the person turned the bell off for this kind but wants the e-mail.
    in_app = models.BooleanField(default=True)
    email_state = models.CharField(
        max_length=8, choices=EmailState.choices, default=EmailState.NONE
    )
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event"], name="notification_once_per_event"
            )
        ]
        indexes = [
            # The bell: a person's unread count and newest-first list.
            models.Index(
                fields=["recipient", "-id"],
                condition=models.Q(in_app=True, read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["recipient", "-id"], name="notification_recipient"),
            models.Index(
                fields=["id"],
                condition=models.Q(email_state="pending"),
                name="notification_email_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.ticket_id}"


class NotificationSettings(models.Model):
    """One row per person who changed the defaults: every kind in the bell, no e-mail, no
    digest. Kinds are listed, so a kind added later starts with the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    muted_kinds = models.JSONField(_("not in the bell"), default=list, blank=True)
    email_kinds = models.JSONField(_("e-mailed at once"), default=list, blank=True)
    digest = models.BooleanField(_("daily digest by e-mail"), default=False)
    digest_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.user_id)

    def in_app(self, kind: str) -> bool:
        return kind not in self.muted_kinds

    def email(self, kind: str) -> bool:
        return kind in self.email_kinds
