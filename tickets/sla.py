"""Business-time arithmetic and SLA policy choice (DESIGN §4). Pure: no I/O.

``WorkingCalendar`` answers "when is 8 working hours after Friday 17:00?" and "how much working
time lies between these two moments?"; the services store the answers as deadlines on custody
rows, and the sweeper only compares them with the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A calendar with no working time at all would make every deadline infinite; give up after this.
_SEARCH_DAYS = 3 * 366


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours) % 24, int(minutes))


@dataclass(frozen=True)
class WorkingCalendar:
    """Weekly working hours in one time zone, with holidays and extra working days.

    ``weekly`` maps ISO weekdays (1 = Monday) to (start, end) local times; ``end <= start`` means
    the interval runs past midnight. A holiday closes the intervals that *start* on it; an extra
    working day gets the hours of the first configured weekday.
    """

    zone: ZoneInfo
    weekly: dict[int, tuple[tuple[time, time], ...]]
    holidays: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    always_open: bool = False

    @classmethod
    def from_config(
        cls,
        *,
        time_zone: str = "Asia/Shanghai",
        always_open: bool = False,
        weekly_hours: dict | None = None,
        holidays: Iterable[str] = (),
        extra_working_days: Iterable[str] = (),
    ) -> WorkingCalendar:
        weekly = {
            int(day): tuple((_clock(start), _clock(end)) for start, end in intervals)
            for day, intervals in (weekly_hours or {}).items()
            if intervals
        }
        return cls(
            zone=ZoneInfo(time_zone),
            weekly=weekly,
            holidays=frozenset(date.fromisoformat(d) for d in holidays),
            extra_working_days=frozenset(date.fromisoformat(d) for d in extra_working_days),
            always_open=always_open,
        )

    @classmethod
    def round_the_clock(cls, time_zone: str = "Asia/Shanghai") -> WorkingCalendar:
        return cls(zone=ZoneInfo(time_zone), weekly={}, always_open=True)

    def _hours_on(self, day: date) -> tuple[tuple[time, time], ...]:
        if day in self.holidays:
            return ()
        if day in self.extra_working_days and self.weekly:
            return self.weekly[min(self.weekly)]
        return self.weekly.get(day.isoweekday(), ())

    def _intervals_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals in UTC, in order, merged, from the one containing ``moment`` on.
        Starts a day early so an interval crossing midnight into ``moment``'s day is seen."""
        day = moment.astimezone(self.zone).date() - timedelta(days=1)
        pending: tuple[datetime, datetime] | None = None
        for offset in range(_SEARCH_DAYS):
            current = day + timedelta(days=offset)
            for start, end in self._hours_on(current):
                end_day = current if end > start else current + timedelta(days=1)
                begin = datetime.combine(current, start, self.zone).astimezone(UTC)
                finish = datetime.combine(end_day, end, self.zone).astimezone(UTC)
                if finish <= moment:
                    continue
                if pending is not None and begin <= pending[1]:
                    pending = (pending[0], max(pending[1], finish))
                    continue
                if pending is not None:
                    yield pending
                pending = (begin, finish)
        if pending is not None:
            yield pending

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The moment ``duration`` of working time after ``start``."""
        if self.always_open:
            return start + duration
        remaining = duration
        cursor = start.astimezone(UTC)
        for begin, finish in self._intervals_from(cursor):
            cursor = max(cursor, begin)
            available = finish - cursor
            if remaining <= available:
                return (cursor + remaining).astimezone(start.tzinfo)
            remaining -= available
            cursor = finish
        raise ValueError("the calendar has no working time")

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time inside [start, end); zero when ``end`` is not after ``start``."""
        if end <= start:
            return timedelta(0)
        if self.always_open:
            return end - start
        total = timedelta(0)
        for begin, finish in self._intervals_from(start.astimezone(UTC)):
            if begin >= end:
                break
            total += min(finish, end) - max(begin, start)
        return total

    def shift_after_pause(
        self, deadline: datetime, *, paused_at: datetime, resumed_at: datetime
    ) -> datetime:
        """Move ``deadline`` by the working time the clock stood still: the working time that
        was left when it paused is granted again from the moment it resumes."""
        left = self.business_time_between(paused_at, deadline)
        return self.add_business_time(resumed_at, left)


# Policy choice.


@dataclass(frozen=True)
class SlaFacts:
    """What a policy may match on: the ticket and the party that holds it."""

    category_id: int | None
    priority: str
    party_id: int | None
    party_kind: str
    platform_id: int | None
    originator_id: int | None


@dataclass(frozen=True)
class SlaTerms:
    """The effective clock for one custody period."""

    policy_id: int
    accept_within: timedelta | None
    resolve_within: timedelta | None
    warn_at_percent: int
    calendar_id: int | None
    breach_action: str


def _matches(policy, facts: SlaFacts) -> bool:
    return (
        (policy.category_id is None or policy.category_id == facts.category_id)
        and (not policy.priority or policy.priority == facts.priority)
        and (not policy.party_kind or policy.party_kind == facts.party_kind)
        and (policy.party_id is None or policy.party_id == facts.party_id)
    )


def _specificity(policy, facts: SlaFacts) -> tuple[int, int, int]:
    # A named party beats a category, which beats a priority, which beats a party kind; at equal
    # specificity the streamer's own policy wins over the platform's, then the older one.
    score = (
        8 * (policy.party_id is not None)
        + 4 * (policy.category_id is not None)
        + 2 * bool(policy.priority)
        + bool(policy.party_kind)
    )
    return (score, int(policy.owner_id == facts.originator_id), -policy.pk)


def _tighter(a: timedelta | None, b: timedelta | None) -> timedelta | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def sla_terms_for(
    policies: Sequence, facts: SlaFacts, *, chosen_policy_id: int | None = None
) -> SlaTerms | None:
    """The clock for a custody period, or None when no policy applies.

    ``policies`` are the active policies of the ticket's platform and originator. The most
    specific matching one wins (or ``chosen_policy_id``, set by a routing rule); the platform's
    most specific matching policy is a floor: its durations cap the winner's, so a streamer can
    promise faster than the platform requires but never slower.
    """
    relevant = [p for p in policies if p.owner_id in (facts.platform_id, facts.originator_id)]
    matching = [p for p in relevant if _matches(p, facts)]
    chosen = next((p for p in relevant if p.pk == chosen_policy_id), None)
    if chosen is None and matching:
        chosen = max(matching, key=lambda p: _specificity(p, facts))
    if chosen is None:
        return None
    accept, resolve = chosen.accept_within, chosen.resolve_within
    floors = [p for p in matching if p.owner_id == facts.platform_id]
    if floors and chosen.owner_id != facts.platform_id:
        floor = max(floors, key=lambda p: _specificity(p, facts))
        accept = _tighter(accept, floor.accept_within)
        resolve = _tighter(resolve, floor.resolve_within)
    return SlaTerms(
        policy_id=chosen.pk,
        accept_within=accept,
        resolve_within=resolve,
        warn_at_percent=chosen.warn_at_percent,
        calendar_id=chosen.calendar_id,
        breach_action=chosen.breach_action,
    )


@dataclass(frozen=True)
class Deadlines:
    accept_by: datetime | None
    accept_warn_by: datetime | None
    resolve_by: datetime | None
    resolve_warn_by: datetime | None


def deadlines_for(terms: SlaTerms, calendar: WorkingCalendar, start: datetime) -> Deadlines:
    """Deadlines and warning moments for a period starting at ``start``, in business time."""

    def at(within: timedelta | None, share: float = 1.0) -> datetime | None:
        if within is None:
            return None
        return calendar.add_business_time(start, within * share)

    share = terms.warn_at_percent / 100
    return Deadlines(
        accept_by=at(terms.accept_within),
        accept_warn_by=at(terms.accept_within, share),
        resolve_by=at(terms.resolve_within),
        resolve_warn_by=at(terms.resolve_within, share),
    )


# What is due on an open custody period. A period has one clock at a time: accept-by until the
# party accepts (only periods that start "routed" have one), then resolve-by. Each clock warns
# once and breaches once; a warning or breach recorded before acceptance belongs to the accept
# clock, so the resolve clock may still warn and breach after it.


def _on_accept_clock(period) -> bool:
    return period.accept_by is not None and period.accepted_at is None


def _recorded_for_current_clock(period, moment: datetime | None) -> bool:
    if moment is None:
        return False
    if _on_accept_clock(period) or period.accepted_at is None:
        return True
    return moment >= period.accepted_at


def current_clock(period) -> tuple[str, datetime | None, datetime | None]:
    """("accept" or "resolve", its deadline, its warning moment)."""
    if _on_accept_clock(period):
        return "accept", period.accept_by, period.accept_warn_by
    return "resolve", period.resolve_by, period.resolve_warn_by


def breach_due(period, now: datetime) -> bool:
    _clock_name, deadline, _warn = current_clock(period)
    return (
        deadline is not None
        and deadline <= now
        and not _recorded_for_current_clock(period, period.breached_at)
    )


def warning_due(period, now: datetime) -> bool:
    _clock_name, _deadline, warn = current_clock(period)
    return (
        warn is not None
        and warn <= now
        and not _recorded_for_current_clock(period, period.warned_at)
        and not _recorded_for_current_clock(period, period.breached_at)
    )


def next_check(period) -> datetime | None:
    """When the sweeper should look at this period again (None: nothing left to watch)."""
    if period is None or period.party_id is None:
        return None
    _clock_name, deadline, warn = current_clock(period)
    if _recorded_for_current_clock(period, period.breached_at):
        return None
    moments = [deadline]
    if not _recorded_for_current_clock(period, period.warned_at):
        moments.append(warn)
    return min((m for m in moments if m is not None), default=None)
