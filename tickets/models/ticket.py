"""Tickets, who takes part in them, who holds them, and the append-only event log.

The ``@transition`` methods describe the state graph and its permission checks; they do no I/O.
Every change goes through ``tickets.services`` (see STYLE.md: one door for every write).
"""

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from tenants.models import Party

from .. import workflow
from ..workflow import State


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    API = "api", _("API")
    BUYER_FORM = "buyer_form", _("Buyer form")
    CHAT_BOT = "chat_bot", _("Shop chat bot")
    IMPORT = "import", _("Bulk import")
    CAMPAIGN = "campaign", _("Campaign")


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Internal (my party only)")
    PARTIES = "parties", _("All parties (not the buyer)")
    PUBLIC = "public", _("Everyone, including the buyer")


class Outcome(models.TextChoices):
    REFUND = "refund", _("Refund")
    EXCHANGE = "exchange", _("Exchange")
    REISSUE = "reissue", _("Reissue")
    ADDRESS_CHANGED = "address_changed", _("Address changed")
    COMPENSATION = "compensation", _("Compensation")
    EXPLANATION = "explanation", _("Explanation")
    REJECTED_WITH_REASON = "rejected_with_reason", _("Rejected with reason")


class ParticipantRole(models.TextChoices):
    ORIGINATOR = "originator", _("Originator")
    HANDLER = "handler", _("Handler")
    COLLABORATOR = "collaborator", _("Collaborator")
    ARBITER = "arbiter", _("Arbiter")


class TicketCategory(models.Model):
    """A kind of request, with the JSON Schema its form data must satisfy.

    Field labels for forms live in the schema: ``title`` (English) and ``x-title-zh-hans``.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_zh_hans = models.CharField(_("name (Simplified Chinese)"), max_length=80)
    form_schema = models.JSONField(_("form schema"), default=dict, blank=True)
    buyer_can_submit = models.BooleanField(_("buyers may submit"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if (translation.get_language() or "").startswith("zh"):
            return self.name_zh_hans
        return self.name_en


class ReferenceCounter(models.Model):
    """Per-day row behind ``AS-YYYYMMDD-NNNNNN``. On PostgreSQL ``last`` is the reference
    sequence's value before the day's first reference (numbers are drawn from the sequence
    without a lock); on SQLite it is the day's last number, incremented in the transaction."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference counter")
        verbose_name_plural = _("reference counters")

    def __str__(self) -> str:
        return f"{self.day:%Y%m%d}: {self.last}"


class Ticket(FSMModelMixin, models.Model):
    # Unique through Meta.constraints, not ``unique=True``: that would add a second,
    # ``varchar_pattern_ops`` index for LIKE queries that no query makes.
    reference = models.CharField(_("reference"), max_length=24, editable=False)
    # Foreign keys leading a composite index in Meta.indexes get no index of their own: every
    # index is written by each INSERT and each sweep's UPDATE (tickets 0005).
    platform = models.ForeignKey(
        Party,
        verbose_name=_("platform"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="platform_tickets",
        db_index=False,
    )
    originator = models.ForeignKey(
        Party,
        verbose_name=_("originator"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    category = models.ForeignKey(
        TicketCategory, verbose_name=_("category"), on_delete=models.PROTECT
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.PORTAL
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    # Indexed as the first column of ``ticket_order_phone``.
    order_number = models.CharField(_("order number"), max_length=64, blank=True)
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    product_name = models.CharField(_("product"), max_length=200, blank=True)
    brand = models.ForeignKey(
        Party,
        verbose_name=_("brand"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    merchant = models.ForeignKey(
        Party,
        verbose_name=_("merchant"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    livestream_session = models.CharField(_("livestream session"), max_length=120, blank=True)

    buyer_name = models.CharField(_("buyer name"), max_length=80, blank=True)
    buyer_phone = models.CharField(_("buyer phone"), max_length=32, blank=True)
    buyer_phone_last4 = models.CharField(max_length=4, blank=True, editable=False)
    buyer_address = models.JSONField(
        _("buyer address"),
        default=dict,
        blank=True,
        help_text=_("province, city, district, detail"),
    )
    buyer_consent = models.BooleanField(
        _("buyer consents to sharing with other companies"),
        default=False,
        help_text=_("PIPL Art. 23: without it every other company sees masked data."),
    )
    form_data = models.JSONField(_("form data"), default=dict, blank=True)
    buyer_token_hash = models.CharField(max_length=64, editable=False)  # unique: Meta

    state = FSMField(_("state"), default=State.NEW, choices=State.choices, protected=True)
    handler = models.ForeignKey(
        Party,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The party the ticket was last routed to."),
    )
    custody_party = models.ForeignKey(
        Party,
        verbose_name=_("custody"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who holds the ball now; empty while the buyer does or the ticket is done."),
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome.choices, blank=True)
    resolution_note = models.TextField(_("resolution note"), blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)

    # SLA: the buyer-facing promise and the sweeper's next look (filled by the SLA engine).
    resolve_by = models.DateTimeField(_("promised by"), null=True, blank=True)
    next_sla_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sla_breached = models.BooleanField(_("SLA breached"), default=False)
    sla_policy = models.ForeignKey(
        "SlaPolicy",
        verbose_name=_("SLA policy"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Set by a routing rule; otherwise the best matching policy applies."),
    )

    last_event_seq = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["custody_party", "state"], name="ticket_custody_state"),
            # The inbox: what a party holds, soonest deadline first.
            models.Index(fields=["custody_party", "resolve_by"], name="ticket_custody_deadline"),
            models.Index(fields=["originator", "state"], name="ticket_originator_state"),
            models.Index(fields=["platform", "state"], name="ticket_platform_state"),
            models.Index(fields=["order_number", "buyer_phone_last4"], name="ticket_order_phone"),
            # Open tickets only (a few percent once tickets pile up): the dashboard's backlog
            # joins them to the party's participant rows instead of scanning every ticket.
            models.Index(
                fields=["id"],
                include=["state", "created_at"],
                condition=models.Q(state__in=sorted(workflow.OPEN_STATES)),
                name="ticket_open",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="ticket_unique_reference"),
            models.UniqueConstraint(fields=["buyer_token_hash"], name="ticket_unique_token_hash"),
        ]

    def __str__(self) -> str:
        return self.reference

    # The transitions. Permission callables receive the Actor; see workflow.actor_may.

    @transition(
        field=state,
        source=[State.NEW, State.ROUTED, State.IN_PROGRESS, State.ESCALATED],
        target=State.ROUTED,
        permission=workflow.permission("route"),
    )
    def route(self) -> None: ...

    @transition(
        field=state,
        source=State.ROUTED,
        target=State.IN_PROGRESS,
        permission=workflow.permission("accept"),
    )
    def accept(self) -> None: ...

    @transition(
        field=state,
        source=State.ROUTED,
        target=State.NEW,
        permission=workflow.permission("decline"),
    )
    def decline(self) -> None: ...

    @transition(
        field=state,
        source=State.IN_PROGRESS,
        target=State.AWAITING_BUYER,
        permission=workflow.permission("request_info"),
    )
    def request_info(self) -> None: ...

    @transition(
        field=state,
        source=State.AWAITING_BUYER,
        target=State.IN_PROGRESS,
        permission=workflow.permission("buyer_reply"),
    )
    def buyer_reply(self) -> None: ...

    @transition(
        field=state,
        source=[State.IN_PROGRESS, State.ESCALATED],
        target=State.RESOLVED,
        permission=workflow.permission("resolve"),
    )
    def resolve(self) -> None: ...

    @transition(
        field=state,
        source=State.RESOLVED,
        target=State.IN_PROGRESS,
        permission=workflow.permission("reopen"),
    )
    def reopen(self) -> None: ...

    @transition(
        field=state,
        source=State.RESOLVED,
        target=State.CLOSED,
        permission=workflow.permission("close"),
    )
    def close(self) -> None: ...

    @transition(
        field=state,
        source=[State.ROUTED, State.IN_PROGRESS, State.AWAITING_BUYER],
        target=State.ESCALATED,
        permission=workflow.permission("escalate"),
    )
    def escalate(self) -> None: ...

    @transition(
        field=state,
        source=[State.NEW, State.ROUTED, State.IN_PROGRESS, State.AWAITING_BUYER],
        target=State.CANCELLED,
        permission=workflow.permission("cancel"),
    )
    def cancel(self) -> None: ...


class Participant(models.Model):
    # Both keys lead an index of Meta (participant_unique, participant_party_ticket).
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="participants", db_index=False
    )
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="participations", db_index=False
    )
    role = models.CharField(_("role"), max_length=16, choices=ParticipantRole.choices)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "party"], name="participant_unique")
        ]
        indexes = [models.Index(fields=["party", "ticket"], name="participant_party_ticket")]

    def __str__(self) -> str:
        return f"{self.party} ({self.get_role_display()})"


class Custody(models.Model):
    """One period in which one holder had the ball. ``party`` is empty while the buyer holds it.

    The SLA engine fills the deadline columns; the rows make every party's share of the delay
    attributable ("brand X held it 31 h of 40 h and breached once").
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="custodies")
    party = models.ForeignKey(  # indexed first in custody_party_started
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="custodies",
        db_index=False,
    )
    state = models.CharField(_("state on entry"), max_length=16, choices=State.choices)
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accept_by = models.DateTimeField(_("accept by"), null=True, blank=True)
    resolve_by = models.DateTimeField(_("resolve by"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    # When a warning falls due for each deadline, and the policy behind them (attribution).
    accept_warn_by = models.DateTimeField(null=True, blank=True, editable=False)
    resolve_warn_by = models.DateTimeField(null=True, blank=True, editable=False)
    sla_policy = models.ForeignKey(
        "SlaPolicy", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("custody period")
        verbose_name_plural = _("custody periods")
        ordering = ["started_at", "id"]
        constraints = [
            # At most one open period per ticket: the ball is in one place at a time.
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(ended_at__isnull=True),
                name="custody_one_open_per_ticket",
            )
        ]
        indexes = [models.Index(fields=["party", "started_at"], name="custody_party_started")]

    def __str__(self) -> str:
        holder = self.party.name if self.party_id else _("buyer")
        return f"{self.ticket_id}: {holder} {self.started_at:%Y-%m-%d %H:%M}"


class ActorKindField(models.TextChoices):
    USER = "user", _("Person")
    API_KEY = "api_key", _("API key")
    BUYER = "buyer", _("Buyer")
    SYSTEM = "system", _("System")


class TicketEvent(models.Model):
    """Append-only: the source for timelines, live pushes, webhooks and metrics."""

    # Indexed first in event_unique_seq.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    seq = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=40)
    actor_kind = models.CharField(_("actor"), max_length=8, choices=ActorKindField.choices)
    actor_party = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_api_key = models.ForeignKey(
        "tenants.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    data = models.JSONField(default=dict, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=Visibility.choices, default=Visibility.PARTIES
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["ticket_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["ticket", "seq"], name="event_unique_seq")]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.seq} {self.kind}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Ticket events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ticket events are append-only.")


class Comment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author_kind = models.CharField(max_length=8, choices=ActorKindField.choices)
    author_party = models.ForeignKey(
        Party, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("message"))
    visibility = models.CharField(_("visibility"), max_length=8, choices=Visibility.choices)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.body[:40]}"
