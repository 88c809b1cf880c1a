"""The rollup job folds the fixed history in; a from-scratch rebuild gives the same rows."""

from __future__ import annotations

import pytest
import time_machine
from django.forms.models import model_to_dict

from insight.models import HolderHourly, HourlyFigures, HourlySummary, TicketAudience
from insight.rollups import rollup_advance, rollup_rebuild


def snapshot() -> dict:
    tables = {}
    for model in (HourlyFigures, HourlySummary, HolderHourly):
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
