"""Business-time arithmetic: weekends, holidays, extra working days, night shifts, 24×7, other
time zones, and pausing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tickets.sla import WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")
OFFICE = {str(day): [["09:00", "18:00"]] for day in range(1, 6)}  # Mon–Fri 09–18


def office(**extra) -> WorkingCalendar:
    return WorkingCalendar.from_config(weekly_hours=OFFICE, **extra)


def at(*args, tz=SH) -> datetime:
    return datetime(*args, tzinfo=tz)


def test_working_hours_skip_the_weekend():
    friday_4pm = at(2026, 11, 13, 16, 0)
    assert office().add_business_time(friday_4pm, timedelta(hours=4)) == at(2026, 11, 16, 11, 0)
    assert office().business_time_between(friday_4pm, at(2026, 11, 16, 11)) == timedelta(hours=4)


def test_outside_hours_the_clock_starts_at_the_next_opening():
    saturday = at(2026, 11, 14, 12, 0)
    assert office().add_business_time(saturday, timedelta(hours=1)) == at(2026, 11, 16, 10, 0)


def test_a_holiday_is_skipped():
    calendar = office(holidays=["2026-10-01", "2026-10-02"])
    wednesday_5pm = at(2026, 9, 30, 17, 0)
    # 1 h on Wednesday, Thursday and Friday are holidays, 1 h on Monday.
    assert calendar.add_business_time(wednesday_5pm, timedelta(hours=2)) == at(2026, 10, 5, 10)


def test_an_extra_working_day_counts_like_a_weekday():
    calendar = office(extra_working_days=["2026-10-10"])  # a Saturday made a working day
    friday_5pm = at(2026, 10, 9, 17, 0)
    assert calendar.add_business_time(friday_5pm, timedelta(hours=2)) == at(2026, 10, 10, 10, 0)


def test_hours_crossing_midnight():
    nights = WorkingCalendar.from_config(
        weekly_hours={str(day): [["22:00", "06:00"]] for day in range(1, 8)}
    )
    start = at(2026, 11, 11, 23, 0)
    # 7 h until 06:00, then the next night from 22:00.
    assert nights.add_business_time(start, timedelta(hours=8)) == at(2026, 11, 12, 23, 0)
    # Starting at 02:00 falls inside the shift that began the evening before.
    assert nights.add_business_time(at(2026, 11, 12, 2), timedelta(hours=1)) == at(2026, 11, 12, 3)
    assert nights.business_time_between(at(2026, 11, 11, 12), at(2026, 11, 12, 12)) == timedelta(
        hours=8
    )


def test_round_the_clock():
    calendar = WorkingCalendar.from_config(always_open=True)
    start = at(2026, 11, 14, 3, 0)
    assert calendar.add_business_time(start, timedelta(hours=30)) == start + timedelta(hours=30)
    assert calendar.business_time_between(start, start + timedelta(days=2)) == timedelta(days=2)


def test_another_time_zone_across_a_daylight_saving_change():
    berlin = ZoneInfo("Europe/Berlin")
    calendar = WorkingCalendar.from_config(
        time_zone="Europe/Berlin",
        weekly_hours={str(day): [["09:00", "17:00"]] for day in range(1, 6)},
    )
    # Friday 16:30 CET; clocks go forward on Sunday 29 March 2026.
    friday = at(2026, 3, 27, 16, 30, tz=berlin)
    due = calendar.add_business_time(friday, timedelta(hours=2))
    assert due == at(2026, 3, 30, 10, 30, tz=berlin)
    assert due.astimezone(ZoneInfo("UTC")).hour == 8  # CEST is UTC+2
    # Friday 23:30 in Shanghai is 16:30 in Berlin: 30 min left that day, 30 min on Monday,
    # when Berlin is six hours behind Shanghai instead of seven.
    assert calendar.add_business_time(at(2026, 3, 27, 23, 30), timedelta(hours=1)) == at(
        2026, 3, 30, 15, 30
    )


def test_pause_shifts_a_deadline_by_the_paused_business_time():
    deadline = at(2026, 11, 16, 12, 0)  # Monday noon
    shifted = office().shift_after_pause(
        deadline, paused_at=at(2026, 11, 16, 10, 0), resumed_at=at(2026, 11, 16, 17, 0)
    )
    # 2 h were left at 10:00; from 17:00 that is 1 h on Monday and 1 h on Tuesday.
    assert shifted == at(2026, 11, 17, 10, 0)


def test_a_calendar_without_working_time_is_refused():
    with pytest.raises(ValueError):
        WorkingCalendar.from_config(weekly_hours={}).add_business_time(
            at(2026, 1, 1), timedelta(hours=1)
        )
