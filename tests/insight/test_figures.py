"""Dashboard figures on the fixed history (tests/insight/conftest.py), computed by hand."""

from __future__ import annotations

import pytest

from insight.figures import dashboard_figures
from insight.periods import period_resolve

HOUR, MINUTE = 3600, 60


def figures(party, **period):
    params = {"name": "custom", "start": "2026-11-02", "end": "2026-11-02", **period}
    return dashboard_figures(party, period_resolve(**params))


@pytest.mark.django_db
def test_the_streamer_sees_both_tickets_and_every_partner(cast, history):
    got = figures(cast.streamer)
    assert got["intake"]["total"] == 2
    assert got["intake"]["previous"] == 0
    assert {r["category"]: r["count"] for r in got["intake"]["by_category"]} == {
        "size_colour_change": 1,
        "quality": 1,
    }
    assert {r["channel"]: r["count"] for r in got["intake"]["by_channel"]} == {
        "portal": 1,
        "api": 1,
    }
    assert got["intake"]["daily"] == [{"date": "2026-11-02", "count": 2}]
    # Two acceptances of 30 min (brand, then merchant after the hand-on).
    assert got["time_to_accept"] == {
        "count": 2,
        "median_seconds": 30 * MINUTE,
        "p90_seconds": 30 * MINUTE,
        "previous_median_seconds": None,
        "previous_p90_seconds": None,
    }
    # Resolutions: A 3 h of handling (5 h minus 2 h awaiting the buyer) → bucket "≤ 4 h",
    # A again 1 h after the reopening → "≤ 1 h", B 2 h 40 min → "≤ 4 h".
    assert got["time_to_resolve"]["count"] == 3
    assert got["time_to_resolve"]["median_seconds"] == 4 * HOUR
    assert got["time_to_resolve"]["p90_seconds"] == 4 * HOUR
    assert got["rates"] == {
        "resolved": 3,
        "reopened": 1,
        "escalated": 1,
        "reopen_rate_percent": 33.3,
        "previous_reopen_rate_percent": None,
        "escalation_rate_percent": 50.0,
        "previous_escalation_rate_percent": None,
    }
    assert got["csat"] == {
        "average": 4.0,
        "previous_average": None,
        "count": 1,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0},
    }
    assert {r["outcome"]: r["count"] for r in got["outcomes"]} == {
        "reissue": 1,
        "exchange": 1,
        "compensation": 1,
    }
    sla = got["sla"]
    assert (sla["breaches"], sla["own_breaches"]) == (1, 0)
    # lucy-live held both tickets when they were new and never breached.
    assert sla["own_compliance_percent"] == 100.0
    partners = {r["party"]["slug"]: (r["received"], r["breached"]) for r in sla["partners"]}
    assert partners == {"north-peak": (2, 1), "swift-ship": (1, 0), "starmall": (1, 0)}
    north = next(r for r in sla["partners"] if r["party"]["slug"] == "north-peak")
    assert north["compliance_percent"] == 50.0
    # Both tickets are done: nothing in the backlog.
    assert got["backlog"]["total"] == 0


@pytest.mark.django_db
def test_the_brand_sees_its_own_breach_but_no_partner_table(cast, history):
    got = figures(cast.brand)
    assert got["intake"]["total"] == 2
    assert (got["sla"]["own_breaches"], got["sla"]["own_compliance_percent"]) == (1, 50.0)
    assert got["sla"]["partners"] == []


@pytest.mark.django_db
def test_the_merchant_joined_late_and_still_sees_the_whole_ticket(cast, history):
    got = figures(cast.merchant)
    assert got["intake"]["total"] == 1
    assert [r["category"] for r in got["intake"]["by_category"]] == ["size_colour_change"]
    assert got["time_to_accept"]["count"] == 2  # the brand's and its own, on the ticket it sees
    assert got["rates"]["reopened"] == 1
    assert got["sla"]["own_compliance_percent"] == 100.0


@pytest.mark.django_db
def test_others_see_nothing_of_it(cast, history):
    for party in (cast.other_brand, cast.outsider, cast.weak_platform, cast.weak_streamer):
        got = figures(party)
        assert got["intake"]["total"] == 0
        assert got["sla"]["partners"] == [] and got["sla"]["breaches"] == 0
        assert got["outcomes"] == [] and got["csat"]["count"] == 0


@pytest.mark.django_db
def test_the_next_day_compares_with_this_one(cast, history):
    got = figures(cast.streamer, start="2026-11-03", end="2026-11-03")
    assert (got["intake"]["total"], got["intake"]["previous"]) == (0, 2)
    assert got["time_to_resolve"]["previous_median_seconds"] == 4 * HOUR
    assert got["rates"]["previous_reopen_rate_percent"] == 33.3


@pytest.mark.django_db
def test_whole_utc_days_read_from_the_daily_rows_give_the_same_figures(cast, history):
    """2026-11-01 to 03 (Shanghai) holds the whole UTC days 1 and 2 November, so the history
    comes from the daily rows, and the previous period (29–31 October) is empty as before."""
    for party in (cast.streamer, cast.brand, cast.platform):
        one_day, three_days = figures(party), figures(party, start="2026-11-01", end="2026-11-03")
        one_day.pop("period"), three_days.pop("period")
        assert three_days == one_day
