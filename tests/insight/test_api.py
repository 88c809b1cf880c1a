"""``/api/v1/insight/``: the same figures as the page, scoped to the key's party; bad input 400."""

from __future__ import annotations

import json

import pytest

DAY = {"period": "custom", "start": "2026-11-02", "end": "2026-11-02"}


@pytest.mark.django_db
def test_the_dashboard_gives_the_streamer_its_figures(api, history):
    response = api("lucy-live", "tickets:read").get("/api/v1/insight/dashboard/", DAY)
    assert response.status_code == 200
    body = response.json()
    assert body["intake"]["total"] == 2
    assert body["time_to_accept"]["median_seconds"] == 1800
    assert {r["party"]["slug"] for r in body["sla"]["partners"]} == {
        "north-peak",
        "swift-ship",
        "starmall",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["glow-lab", "stranger-brand", "quietmall", "quiet-live"])
def test_other_parties_learn_nothing_of_it(api, history, slug):
    for path in ("/api/v1/insight/dashboard/", "/api/v1/insight/top-issues/"):
        response = api(slug).get(path, DAY)
        assert response.status_code == 200
        text = json.dumps(response.json(), ensure_ascii=False)
        for secret in ("north-peak", "swift-ship", "NP-SHOE-01", "鞋码", history.a.reference):
            assert secret not in text
    assert api(slug).get("/api/v1/insight/dashboard/", DAY).json()["intake"]["total"] == 0


@pytest.mark.django_db
def test_a_key_without_read_scope_is_refused(api, cast):
    response = api("lucy-live", "tickets:write").get("/api/v1/insight/dashboard/")
    assert response.status_code == 403


@pytest.mark.django_db
def test_anonymous_callers_are_refused(client):
    assert client.get("/api/v1/insight/dashboard/").status_code in (401, 403)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "code", "fields"),
    [
        ({"period": "yesterday"}, "invalid_period", {"period"}),
        ({"period": "custom"}, "invalid_period", {"start", "end"}),
        (
            {"period": "custom", "start": "2026-13-01", "end": "2026-11-02"},
            "invalid_period",
            {"start"},
        ),
        (
            {"period": "custom", "start": "2026-11-03", "end": "2026-11-02"},
            "invalid_period",
            {"end"},
        ),
        (
            {"period": "custom", "start": "2024-01-01", "end": "2026-11-02"},
            "invalid_period",
            {"end"},
        ),
        (
            {"period": "custom", "start": "2999-01-01", "end": "2999-01-02"},
            "invalid_period",
            {"start"},
        ),
    ],
)
def test_bad_periods_are_400_with_a_stable_code(api, cast, query, code, fields):
    response = api("lucy-live").get("/api/v1/insight/dashboard/", query)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and set(body["field_errors"]) == fields


@pytest.mark.django_db
def test_a_bad_window_is_400(api, cast):
    response = api("lucy-live").get("/api/v1/insight/top-issues/", {"window": "5m"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_window"
    assert set(response.json()["field_errors"]) == {"window"}
