"""Integrator plumbing: webhook endpoints, the webhook outbox and its attempts, and the records
that make a retried POST with the same ``Idempotency-Key`` safe."""

from __future__ import annotations

import base64
import secrets
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from collab.config_cache import WEBHOOK_ENDPOINTS, config_forget
from tenants.models import Party


def webhook_secret_new() -> str:
    """Standard Webhooks secrets: ``whsec_`` + base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class EndpointKind(models.TextChoices):
    """What sits behind the URL: an integrator's receiver (Standard Webhooks, the ticket as JSON)
    or a chat tool's group robot, which gets a translated message in its own format and signing
    (``integrations.robots``)."""

    STANDARD = "standard", _("Standard webhook")
    DINGTALK = "dingtalk", _("DingTalk robot")
    WECOM = "wecom", _("WeCom robot")
    FEISHU = "feishu", _("Feishu / Lark robot")


class WebhookEndpoint(models.Model):
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="webhook_endpoints")
    kind = models.CharField(
        _("kind"), max_length=10, choices=EndpointKind.choices, default=EndpointKind.STANDARD
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Standard endpoints get a generated ``whsec_`` secret; a robot's is the one its chat tool
    # shows (DingTalk ``SEC…``, Feishu), empty when the robot does not sign (WeCom).
    secret = models.CharField(
        _("signing secret"), max_length=80, default=webhook_secret_new, blank=True
    )
    event_types = models.JSONField(
        _("event types"),
        default=list,
        blank=True,
        help_text=_("Event kinds to send, e.g. ticket.resolved; empty means every kind."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("Robots: the language of the messages; empty means the site default."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["id"]
        indexes = [models.Index(fields=["party", "is_active"], name="webhook_party_active")]

    def __str__(self) -> str:
        return f"{self.party}: {self.url}"

    def wants(self, kind: str) -> bool:
        return not self.event_types or kind in self.event_types

    @property
    def is_robot(self) -> bool:
        return self.kind != EndpointKind.STANDARD


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint: an outbox row written in the event's own transaction.

    ``message_id`` is the ``webhook-id`` header and stays the same across retries, so receivers
    can drop duplicates; ``ticket_id`` and ``seq`` keep each ticket's events in order.
    """

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    message_id = models.CharField(max_length=40, editable=False)
    event = models.ForeignKey(
        "tickets.TicketEvent", on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    ticket_id = models.BigIntegerField()
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=40)
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        # A constraint rather than ``unique=True``, which on PostgreSQL also builds a
        # ``varchar_pattern_ops`` index for LIKE that no query uses: one index fewer to write
        # for every outbox row (four per API create).
        constraints = [
            models.UniqueConstraint(fields=["message_id"], name="delivery_unique_message_id")
        ]
        indexes = [
            # The claim query: due pending rows, and "is an earlier one of this ticket pending?".
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="delivery_pending_due",
            ),
            models.Index(
                fields=["endpoint", "ticket_id", "seq"],
                condition=models.Q(status="pending"),
                name="delivery_pending_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.kind} → {self.endpoint_id} ({self.status})"

    @staticmethod
    def message_id_new() -> str:
        return f"msg_{uuid.uuid4().hex}"


class WebhookAttempt(models.Model):
    """Every HTTP attempt, kept for the delivery log."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    started_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    succeeded = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"


class IdempotencyRecord(models.Model):
    """The stored response of a POST made with an ``Idempotency-Key`` (kept 24 hours).

    Written in the same transaction as the effect, so either both exist or neither does.
    """

    scope = models.CharField(max_length=80)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(encoder=DjangoJSONEncoder, null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "method", "path", "key"], name="idempotency_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.method} {self.path} {self.key}"


# The outbox reads a party's active endpoints, with the party, through ``collab.config_cache``.


@receiver([post_save, post_delete], sender=WebhookEndpoint)
def _endpoint_changed(sender, instance: WebhookEndpoint, **kwargs) -> None:
    config_forget(WEBHOOK_ENDPOINTS, [instance.party_id])


@receiver(post_save, sender=Party)
def _endpoint_party_saved(sender, instance: Party, **kwargs) -> None:
    config_forget(WEBHOOK_ENDPOINTS, [instance.pk])
