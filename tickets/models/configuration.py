"""Routing and SLA configuration (DESIGN §4–§5): what the parties set up. The arithmetic lives
in tickets/sla.py and the rules in tickets/routing.py."""

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from collab.config_cache import (
    CATEGORIES,
    PARTY_CALENDAR,
    PRODUCTS,
    ROUTING_RULES,
    SLA_POLICIES,
    config_cached,
    config_forget,
)
from tenants.models import Party

from .ticket import Channel, Priority, TicketCategory


class Product(models.Model):
    """A streamer's SKU and who made and ships it; routing rules may target "the product's
    brand". Upserted by integrators through the API."""

    owner = models.ForeignKey(
        Party,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="products",
        limit_choices_to={"kind": "streamer"},
    )
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200, blank=True)
    brand = models.ForeignKey(
        Party,
        verbose_name=_("brand"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "brand"},
    )
    merchant = models.ForeignKey(
        Party,
        verbose_name=_("merchant"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "merchant"},
    )
    product_category = models.CharField(_("product category"), max_length=60, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["owner_id", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "sku"], name="product_unique_owner_sku")
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}".strip()


class BusinessCalendar(models.Model):
    """When a party's clock runs. ``weekly_hours`` maps ISO weekday numbers ("1" = Monday) to
    ``[["09:00", "18:00"], …]``; an interval whose end is not after its start runs past midnight
    into the next day. Holidays close the intervals that start on them; an extra working day (a
    weekend made a working day) takes the hours of the first configured weekday."""

    owner = models.ForeignKey(
        Party,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendars",
        help_text=_("Empty: available to every party."),
    )
    name = models.CharField(_("name"), max_length=80)
    is_default = models.BooleanField(
        _("the owner's calendar"),
        default=False,
        help_text=_("Used for the owner's clocks when a policy names no calendar."),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    always_open = models.BooleanField(_("24×7"), default=False)
    weekly_hours = models.JSONField(_("weekly hours"), default=dict, blank=True)
    holidays = models.JSONField(_("holidays"), default=list, blank=True)
    extra_working_days = models.JSONField(_("extra working days"), default=list, blank=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(is_default=True),
                name="calendar_one_default_per_owner",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def schedule(self):
        """The pure calendar that does the arithmetic (``tickets.sla.WorkingCalendar``)."""
        from ..sla import WorkingCalendar

        return WorkingCalendar.from_config(
            time_zone=self.time_zone,
            always_open=self.always_open,
            weekly_hours=self.weekly_hours,
            holidays=self.holidays,
            extra_working_days=self.extra_working_days,
        )

    def add_business_time(self, start, duration):
        return self.schedule().add_business_time(start, duration)

    def business_time_between(self, start, end):
        return self.schedule().business_time_between(start, end)


class BreachAction(models.TextChoices):
    NOTIFY_SUPERVISOR = "notify_supervisor", _("Notify the supervisors")
    RAISE_PRIORITY = "raise_priority", _("Raise the priority")
    ESCALATE = "escalate", _("Escalate to the platform")
    REASSIGN = "reassign", _("Reassign to another agent")


class SlaPolicy(models.Model):
    """Accept-within and resolve-within for the party holding a ticket. The most specific active
    policy wins; a platform's matching policy is a floor a streamer's may tighten, not loosen."""

    owner = models.ForeignKey(
        Party,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="sla_policies",
        limit_choices_to={"kind__in": ["platform", "streamer"]},
    )
    name = models.CharField(_("name"), max_length=80)
    category = models.ForeignKey(
        TicketCategory, verbose_name=_("category"), on_delete=models.CASCADE, null=True, blank=True
    )
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, blank=True)
    party_kind = models.CharField(
        _("custody party kind"),
        max_length=16,
        blank=True,
        choices=[(k, k) for k in ("platform", "streamer", "brand", "merchant")],
    )
    party = models.ForeignKey(
        Party,
        verbose_name=_("custody party"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    accept_within = models.DurationField(_("accept within"), null=True, blank=True)
    resolve_within = models.DurationField(_("resolve within"), null=True, blank=True)
    warn_at_percent = models.PositiveSmallIntegerField(_("warn at (%)"), default=75)
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Empty: the custody party's calendar."),
    )
    breach_action = models.CharField(
        _("on breach"),
        max_length=20,
        choices=BreachAction.choices,
        default=BreachAction.NOTIFY_SUPERVISOR,
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["owner_id", "id"]
        constraints = [
            models.CheckConstraint(
                name="sla_policy_warn_percent_range",
                condition=models.Q(warn_at_percent__gte=1, warn_at_percent__lte=100),
            )
        ]

    def __str__(self) -> str:
        return self.name


class RoutingAction(models.TextChoices):
    ROUTE_TO_PARTY = "route_to_party", _("Route to a fixed party")
    ROUTE_TO_BRAND = "route_to_brand", _("Route to the product's brand")
    ROUTE_TO_MERCHANT = "route_to_merchant", _("Route to the order's merchant")
    HOLD = "hold", _("Hold for manual triage")
    NONE = "none", _("Do not route (only set priority or policy)")


class RoutingRule(models.Model):
    """An ordered "if the ticket looks like this, send it there" rule. Empty conditions match
    everything; keywords match if any appears in the subject or description."""

    owner = models.ForeignKey(
        Party,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="routing_rules",
        limit_choices_to={"kind__in": ["platform", "streamer"]},
    )
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Conditions.
    category = models.ForeignKey(
        TicketCategory, verbose_name=_("category"), on_delete=models.CASCADE, null=True, blank=True
    )
    brand = models.ForeignKey(
        Party,
        verbose_name=_("brand"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    merchant = models.ForeignKey(
        Party,
        verbose_name=_("merchant"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    product_category = models.CharField(_("product category"), max_length=60, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    # Actions.
    action = models.CharField(
        _("action"), max_length=20, choices=RoutingAction.choices, default=RoutingAction.NONE
    )
    target = models.ForeignKey(
        Party,
        verbose_name=_("target party"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    set_priority = models.CharField(
        _("set priority"), max_length=8, choices=Priority.choices, blank=True
    )
    set_policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("set SLA policy"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["owner_id", "position", "id"]
        indexes = [models.Index(fields=["owner", "position"], name="routing_rule_owner_pos")]

    def __str__(self) -> str:
        return self.name


def categories_by_code() -> dict[str, TicketCategory]:
    """Every category (active or not) by code, from the configuration cache: the API reads one
    for every ticket it creates."""
    return config_cached(
        CATEGORIES, "all", lambda: TicketCategory.objects.in_bulk(field_name="code")
    )


# Ticket creation reads these through ``collab.config_cache``; a change drops the cached copy.


@receiver([post_save, post_delete], sender=TicketCategory)
def _category_changed(sender, instance: TicketCategory, **kwargs) -> None:
    config_forget(CATEGORIES, ["all"])


@receiver([post_save, post_delete], sender=RoutingRule)
def _routing_rule_changed(sender, instance: RoutingRule, **kwargs) -> None:
    config_forget(ROUTING_RULES, [instance.owner_id])


def products_forget(owner_id: int, skus) -> None:
    """Drop the cached products ``skus`` of ``owner_id``: after a save, a delete or the bulk
    upsert (which sends no signals)."""
    config_forget(PRODUCTS, [f"{owner_id}:{sku}" for sku in skus])


@receiver([post_save, post_delete], sender=Product)
def _product_changed(sender, instance: Product, **kwargs) -> None:
    products_forget(instance.owner_id, [instance.sku])


@receiver(pre_save, sender=Product)
def _product_rekeyed(sender, instance: Product, **kwargs) -> None:
    # A product given another SKU or owner (the admin's change form) leaves its old key behind.
    if instance.pk is None:
        return
    before = Product.objects.filter(pk=instance.pk).values_list("owner_id", "sku").first()
    if before is not None and before != (instance.owner_id, instance.sku):
        products_forget(before[0], [before[1]])


@receiver([post_save, post_delete], sender=SlaPolicy)
def _sla_policy_changed(sender, instance: SlaPolicy, **kwargs) -> None:
    config_forget(SLA_POLICIES, [instance.owner_id])


@receiver([post_save, post_delete], sender=BusinessCalendar)
def _calendar_changed(sender, instance: BusinessCalendar, **kwargs) -> None:
    """A party's default calendar, and the policies that carry this calendar with them."""
    if instance.owner_id is not None:
        config_forget(PARTY_CALENDAR, [instance.owner_id])
    config_forget(
        SLA_POLICIES, SlaPolicy.objects.filter(calendar=instance).values_list("owner_id", flat=True)
    )
