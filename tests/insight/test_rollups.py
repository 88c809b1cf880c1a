"""The rollup job folds the fixed history in; a from-scratch rebuild gives the same rows, and
every daily row is the sum of its hourly rows."""

from __future__ import annotations

import pytest
import time_machine
from django.forms.models import model_to_dict

from insight.models import (
    DailyFigures,
    DailySummary,
    HolderDaily,
    HolderHourly,
    HourlyFigures,
    HourlySummary,
    TicketAudience,
)
from insight.rollups import rollup_advance, rollup_rebuild

KEYS = ("id", "day", "party", "category", "channel", "holder")
GRAINS = (
    (HourlyFigures, DailyFigures),
    (HourlySummary, DailySummary),
    (HolderHourly, HolderDaily),
)


def snapshot() -> dict:
    tables = {}
    for model in (model for pair in GRAINS for model in pair):
        rows = [model_to_dict(row, exclude=["id"]) for row in model.objects.all()]
        tables[model.__name__] = sorted(rows, key=repr)
    tables["audience"] = sorted(TicketAudience.objects.values_list("ticket_id", "party_id"))
    return tables


@pytest.mark.django_db
def test_incremental_rollups_equal_a_recomputation_from_scratch(history):
    incremental = snapshot()
    assert incremental["HourlyFigures"], "the job folded something in"
    with time_machine.travel(history.end, tick=False):
        rollup_rebuild()
    assert snapshot() == incremental


@pytest.mark.django_db
def test_running_again_adds_nothing(history):
    before = snapshot()
    with time_machine.travel(history.end, tick=False):
        assert rollup_advance() == 0
    assert snapshot() == before


@pytest.mark.django_db
def test_events_younger_than_the_settle_time_wait_for_the_next_run(cast, settings):
    from tests.conftest import make_ticket

    settings.COLLAB_INSIGHT_SETTLE_SECONDS = 10
    make_ticket(cast)
    assert rollup_advance() == 0
    assert not HourlyFigures.objects.exists()


@pytest.mark.django_db
def test_daily_rows_are_the_hourly_rows_summed_per_utc_day(history):
    for hourly, daily in GRAINS:
        counters = [f.name for f in daily._meta.concrete_fields if f.name not in KEYS]
        summed: dict[tuple, dict] = {}
        for row in hourly.objects.all():
            values = model_to_dict(row)
            assert values["hour"].utcoffset().total_seconds() == 0
            key = (values["hour"].replace(hour=0), *(values.get(k) for k in KEYS[2:]))
            total = summed.setdefault(key, dict.fromkeys(counters, 0))
            for name in counters:
                total[name] += values[name]
        days = {
            (row["day"], *(row.get(k) for k in KEYS[2:])): {n: row[n] for n in counters}
            for row in map(model_to_dict, daily.objects.all())
        }
        assert days == summed and days, hourly.__name__
