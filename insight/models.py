"""Rollups of the event log, per *viewing* party: a party's figures are sums of its own rows, so
a page view never scans ``TicketEvent``. See ``insight.rollups`` for how they are kept.

Each rollup comes per hour and per UTC day with the same counters (the daily rows are the
hourly rows summed): a 30-day page sums whole days from the daily rows and only the ragged
hours at the period's edges from the hourly ones (``insight.figures``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Party
from tickets.models import Outcome, Ticket, TicketCategory

from . import durations


class RollupCursor(models.Model):
    """How far the rollup job has read the event log (event id). One row; locked while a job
    runs, so two runners never fold the same events twice."""

    name = models.CharField(max_length=32, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_event_id}"


class TicketAudience(models.Model):
    """The parties whose rollups already hold a ticket's events. A party that joins a ticket
    later (a hand-on) gets the earlier events folded in once, so its figures match what it sees."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "party"], name="insight_audience_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.party_id}"


class FigureCounts(models.Model):
    """Counts of what happened on the tickets ``party`` sees, per category and channel."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(TicketCategory, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16)
    intake = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    breached = models.PositiveIntegerField(default=0)
    breached_own = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class HourlyFigures(FigureCounts):
    """Per hour: a page sums them for short periods and the ragged edges of long ones."""

    hour = models.DateTimeField()

    class Meta:
        verbose_name = _("hourly figures")
        verbose_name_plural = _("hourly figures")
        constraints = [
            models.UniqueConstraint(
                fields=["party", "hour", "category", "channel"], name="insight_hourly_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party_id} {self.hour:%Y-%m-%d %H}h {self.category_id}/{self.channel}"


class DailyFigures(FigureCounts):
    day = models.DateTimeField()  # UTC midnight

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["party", "day", "category", "channel"], name="insight_daily_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party_id} {self.day:%Y-%m-%d} {self.category_id}/{self.channel}"


class HourlySummary(models.Model):
    """Per party and hour (``DailySummary``: per UTC day), what has no category: intake (for the
    daily chart), the duration histograms (``accept_<i>`` / ``resolve_<i>``: counts per bucket of
    ``insight.durations.EDGES``), ratings (``rating_1`` … ``rating_5``) and outcomes
    (``outcome_<code>``). Plain counters, so rows are added to with one upsert and a month is
    summed in SQL. The counter columns are added below from those lists."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    intake = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["party", "hour"], name="insight_summary_unique")
        ]

    def __str__(self) -> str:
        return f"{self.party_id} {self.hour:%Y-%m-%d %H}h"


class DailySummary(models.Model):
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    day = models.DateTimeField()  # UTC midnight
    intake = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["party", "day"], name="insight_daily_summary_unique")
        ]

    def __str__(self) -> str:
        return f"{self.party_id} {self.day:%Y-%m-%d}"


SUMMARY_COUNTERS: tuple[str, ...] = (
    "intake",
    *(f"accept_{i}" for i in range(durations.BUCKETS)),
    *(f"resolve_{i}" for i in range(durations.BUCKETS)),
    *(f"rating_{stars}" for stars in range(1, 6)),
    *(f"outcome_{code}" for code in Outcome.values),
)
for _name in SUMMARY_COUNTERS[1:]:
    for _model in (HourlySummary, DailySummary):
        _model.add_to_class(_name, models.PositiveIntegerField(default=0))


class HolderCounts(models.Model):
    """Custody periods begun (``received``) and SLA breaches per holding party on the tickets
    ``party`` sees: the per-partner SLA table of streamers and platforms."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    holder = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    received = models.PositiveIntegerField(default=0)
    breached = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class HolderHourly(HolderCounts):
    hour = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["party", "hour", "holder"], name="insight_holder_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party_id} {self.hour:%Y-%m-%d %H}h holder {self.holder_id}"


class HolderDaily(HolderCounts):
    day = models.DateTimeField()  # UTC midnight

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["party", "day", "holder"], name="insight_holder_daily_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party_id} {self.day:%Y-%m-%d} holder {self.holder_id}"


class Dimension(models.TextChoices):
    CATEGORY = "category", _("Category")
    PRODUCT = "product", _("Product")
    KEYWORD = "keyword", _("Keyword")


class TopIssueMinute(models.Model):
    """New tickets per minute per category, SKU and subject keyword, on the tickets ``party``
    sees; kept for ``insight.rollups.KEEP_MINUTES`` only (top issues need the last two hours)."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    dimension = models.CharField(max_length=8, choices=Dimension.choices)
    key = models.CharField(max_length=64)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["party", "minute", "dimension", "key"], name="insight_minute_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party_id} {self.minute:%H:%M} {self.dimension}:{self.key}"
