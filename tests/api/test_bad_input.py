"""Bad input to the campaign and bulk-job endpoints is a 400 in the API's error shape naming the
field, never a 500 (each case below once crashed the server)."""

from __future__ import annotations

import pytest

from tests.campaigns.conftest import key_client


@pytest.fixture(autouse=True)
def _inline_jobs(settings, tmp_path) -> None:
    settings.COLLAB_BULK_RUNNER = "inline"
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"state": 5}, "filters.state"),
        ({"state": [{"a": 1}]}, "filters.state.0"),
        ({"category": {"a": 1}}, "filters.category"),
        ({"campaign": ["x"]}, "filters.campaign"),
        ({"created_after": "soon"}, "filters.created_after"),
        ({"colour": "red"}, "filters.colour"),
    ],
)
def test_bad_export_filters_are_named(cast, filters, field):
    response = key_client(cast.brand).post(
        "/api/v1/bulk-jobs/", {"kind": "export", "filters": filters}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert field in response.json()["field_errors"]


@pytest.mark.django_db
def test_filters_sent_in_a_multipart_body_apply(cast):
    response = key_client(cast.brand).post(
        "/api/v1/bulk-jobs/",
        {"kind": "export", "filters": '{"state": "new", "created_after": "2026-01-01"}'},
        format="multipart",
    )
    assert response.status_code == 202, response.json()
    response = key_client(cast.brand).post(
        "/api/v1/bulk-jobs/", {"kind": "export", "filters": '{"state": 5}'}, format="multipart"
    )
    assert "filters.state" in response.json()["field_errors"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"order_pattern": "a" * 201, "eligibility": "pattern"}, "order_pattern"),
        ({"livestream_session": "s" * 121}, "livestream_session"),
    ],
)
def test_over_long_campaign_fields_are_refused(cast, extra, field):
    body = {
        "name": "Giveaway",
        "slug": "giveaway",
        "prize": "Shoes",
        "opens_at": "2026-11-11T20:00:00+08:00",
        "closes_at": "2026-11-12T20:00:00+08:00",
        "handling_party": "swift-ship",
        **extra,
    }
    response = key_client(cast.streamer).post("/api/v1/campaigns/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["field_errors"]
