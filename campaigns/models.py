"""Giveaway campaigns: a streamer's registration window whose registrations are prize-claim
tickets, handled (shipped) by a partner brand or merchant."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import Party, PartyKind

PRIZE_CLAIM = "prize_claim"  # the ticket category of every registration


class Eligibility(models.TextChoices):
    ANYONE = "anyone", _("Every order (the team checks)")
    LIST = "list", _("Orders on the winners' list")
    PATTERN = "pattern", _("Order numbers matching a pattern")


class Campaign(models.Model):
    streamer = models.ForeignKey(
        Party,
        on_delete=models.CASCADE,
        related_name="campaigns",
        limit_choices_to={"kind": PartyKind.STREAMER},
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("link name"), max_length=60, unique=True)
    description = models.TextField(_("what buyers read"), blank=True)
    prize = models.CharField(_("prize"), max_length=200)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    eligibility = models.CharField(
        _("eligibility"), max_length=8, choices=Eligibility.choices, default=Eligibility.ANYONE
    )
    order_pattern = models.CharField(
        _("order number pattern"),
        max_length=200,
        blank=True,
        help_text=_("A regular expression the whole order number must match."),
    )
    form_fields = models.JSONField(
        _("form fields"),
        default=list,
        blank=True,
        help_text=_("Which prize-claim fields buyers fill in: size, colour, address_confirmed."),
    )
    size_options = models.JSONField(_("sizes offered"), default=list, blank=True)
    colour_options = models.JSONField(_("colours offered"), default=list, blank=True)
    handling_party = models.ForeignKey(
        Party,
        verbose_name=_("ships the prizes"),
        on_delete=models.PROTECT,
        related_name="handled_campaigns",
        limit_choices_to={"kind__in": [PartyKind.BRAND, PartyKind.MERCHANT]},
    )
    livestream_session = models.CharField(_("livestream session"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="campaign_closes_after_opening",
                condition=models.Q(closes_at__gt=models.F("opens_at")),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def window_state(self, now=None) -> str:
        """``upcoming``, ``open`` or ``closed``."""
        now = now or timezone.now()
        if now < self.opens_at:
            return "upcoming"
        if now >= self.closes_at:
            return "closed"
        return "open"


class EligibleOrder(models.Model):
    """One order on a campaign's winners' list (the list can reach thousands of orders)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="eligible_orders")
    order_number = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("eligible order")
        verbose_name_plural = _("eligible orders")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "order_number"], name="eligibleorder_unique"
            )
        ]

    def __str__(self) -> str:
        return self.order_number


class Registration(models.Model):
    """A buyer's registration: one per order and campaign (the unique constraint is what refuses
    a second one, even when two arrive at the same moment)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="registrations")
    order_number = models.CharField(_("order number"), max_length=64)
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="campaign_registration"
    )
    eligible = models.BooleanField(_("eligible"), default=False)
    eligibility_note = models.CharField(_("eligibility check"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "order_number"], name="registration_one_per_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.order_number}"
