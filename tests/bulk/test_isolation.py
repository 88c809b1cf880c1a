"""Another party's jobs and files look missing (404), never forbidden."""

from __future__ import annotations

import pytest

from bulk.services import bulk_export_create, bulk_import_create
from tests.conftest import make_ticket

from .conftest import key_client
from .files import csv_upload, size_row

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("suffix", ["", "results/", "errors/", "download/"])
def test_outsider_cannot_see_jobs_or_files(cast, suffix):
    make_ticket(cast)
    export = bulk_export_create(actor=cast.actor("lucy-live"))
    imported = bulk_import_create(
        actor=cast.actor("lucy-live"), upload=csv_upload([size_row(1), size_row(2, size="")])
    )
    for job in (export, imported):
        for party in (cast.outsider, cast.brand, cast.platform):
            response = key_client(party).get(f"/api/v1/bulk-jobs/{job.public_id}/{suffix}")
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"
        assert key_client(cast.outsider).get("/api/v1/bulk-jobs/").json() == []
    owner = key_client(cast.streamer)
    assert owner.get(f"/api/v1/bulk-jobs/{export.public_id}/download/").status_code == 200
    assert owner.get(f"/api/v1/bulk-jobs/{imported.public_id}/errors/").status_code == 200
    assert len(owner.get("/api/v1/bulk-jobs/").json()) == 2


def test_unauthenticated_requests_are_refused(cast):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/bulk-jobs/").status_code in (401, 403)
