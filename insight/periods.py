"""The period a dashboard covers and the one it is compared with. Pure apart from the clock.

``today`` runs from the party's local midnight to now, ``7d`` / ``30d`` are the last 7 / 30 days
up to now, ``custom`` is whole local days from ``start`` to ``end`` inclusive (at most a year).
The previous period is the same length, just before. Rollups are hourly, so bounds are taken to
the hour (a ``7d`` started at 10:42 counts from 10:00)."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.errors import TicketValidationError

PERIODS = ("today", "7d", "30d", "custom")
MAX_DAYS = 366


class InsightInputError(TicketValidationError):
    code = "invalid_period"
    default_message = _("The period is invalid.")


class InsightWindowError(TicketValidationError):
    code = "invalid_window"
    default_message = _("The window is invalid.")


@dataclass(frozen=True)
class Period:
    name: str
    start: datetime
    end: datetime

    @property
    def previous(self) -> Period:
        length = self.end - self.start
        return Period(self.name, self.start - length, self.start)


def _floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _day(value: str | None, field: str, errors: dict) -> date | None:
    if not value:
        errors[field] = [_("Give a date (YYYY-MM-DD).")]
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[field] = [_("Not a date (YYYY-MM-DD).")]
        return None


def period_resolve(
    *,
    name: str | None,
    start: str | None = None,
    end: str | None = None,
    time_zone: str = "Asia/Shanghai",
    now: datetime | None = None,
) -> Period:
    """The period named by the request's parameters; ``InsightInputError`` (400, code
    ``invalid_period``, field errors) for an unknown name, bad or reversed dates, or a custom
    range over a year or in the future."""
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(time_zone)
    local_now = now.astimezone(zone)
    name = name or "7d"
    if name not in PERIODS:
        raise InsightInputError(
            field_errors={"period": [_("Choose one of: today, 7d, 30d, custom.")]}
        )
    if name == "today":
        return Period(name, datetime.combine(local_now.date(), time(), zone), now)
    if name in ("7d", "30d"):
        days = 7 if name == "7d" else 30
        return Period(name, _floor_hour(now - timedelta(days=days)), now)
    errors: dict[str, list] = {}
    first, last = _day(start, "start", errors), _day(end, "end", errors)
    if first and last:
        if first > last:
            errors["end"] = [_("The end is before the start.")]
        elif (last - first).days >= MAX_DAYS:
            errors["end"] = [_("At most a year.")]
        elif first > local_now.date():
            errors["start"] = [_("The start is in the future.")]
    if errors:
        raise InsightInputError(field_errors=errors)
    begin = datetime.combine(first, time(), zone)
    finish = min(datetime.combine(last + timedelta(days=1), time(), zone), now)
    return Period(name, begin, finish)
