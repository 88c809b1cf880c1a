"""Phrases a party (or its platform, for every ticket on it) does not want in buyer-visible
replies, and the record of every time one was caught."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import ApiKey, Party


class Severity(models.TextChoices):
    BLOCK = "block", _("Block: the reply is refused")
    WARN = "warn", _("Warn: sent only if the author confirms")


class HitOutcome(models.TextChoices):
    BLOCKED = "blocked", _("Blocked")
    # A warned reply is held; unless its author confirms, it never went out.
    WITHDRAWN = "withdrawn", _("Warned, not sent")
    SENT = "sent", _("Warned, sent anyway")


class QualityPhrase(models.Model):
    """One listed phrase. A platform's phrases apply to every ticket on that platform, whoever
    writes; any other party's apply to what its own people and keys write."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="quality_phrases")
    phrase = models.CharField(_("phrase"), max_length=200)
    # The form the matcher compares (quality.matching.phrase_normalise); unique per party.
    normalised = models.CharField(max_length=200, editable=False)
    severity = models.CharField(
        _("severity"), max_length=8, choices=Severity.choices, default=Severity.WARN
    )
    note = models.CharField(
        _("why"), max_length=200, blank=True, help_text=_("Shown to your admins only.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("quality phrase")
        verbose_name_plural = _("quality phrases")
        ordering = ["party", "normalised"]
        constraints = [
            models.UniqueConstraint(
                fields=["party", "normalised"], name="qualityphrase_unique_per_party"
            )
        ]

    def __str__(self) -> str:
        return f"{self.phrase} ({self.severity})"


class QualityHit(models.Model):
    """A listed phrase found in a buyer-visible text a party wrote, and what became of the
    text. Kept for the writing party's supervisors; the phrase is copied so the record survives
    the phrase's removal."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="quality_hits")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="quality_hits"
    )
    phrase = models.CharField(_("phrase"), max_length=200)
    from_platform = models.BooleanField(
        _("platform's list"), default=False, help_text=_("The phrase is on the platform's list.")
    )
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    outcome = models.CharField(_("outcome"), max_length=12, choices=HitOutcome.choices)
    field = models.CharField(_("field"), max_length=32)
    excerpt = models.CharField(_("excerpt"), max_length=300)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("quality hit")
        verbose_name_plural = _("quality hits")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["party", "-created_at"], name="qualityhit_party_created")]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.outcome}"
