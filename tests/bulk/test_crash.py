"""A worker killed mid-import (SIGKILL, no cleanup) and a re-run: every row becomes exactly one
ticket. Needs PostgreSQL: the killed process and the test share a real database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from bulk.models import BulkJob, BulkStatus, ImportRecord
from bulk.runner import bulk_job_run
from bulk.services import bulk_import_create
from tests.conftest import requires_postgres
from tickets.models import Ticket

from .files import csv_upload, size_row

pytestmark = [
    requires_postgres,
    pytest.mark.django_db(transaction=True),
]
ROWS = 1_500


def _worker(job_id: int) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    env.pop("REDIS_URL", None)
    return subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", "bulk_resume", str(job_id)],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_killed_import_resumes_with_each_row_once(cast, settings):
    settings.COLLAB_BULK_RUNNER = "recorded_only"  # the test starts the worker itself
    job = bulk_import_create(
        actor=cast.actor("lucy-live"), upload=csv_upload([size_row(n) for n in range(ROWS)])
    )
    worker = _worker(job.pk)
    try:
        # Wait (polling the database, not timing anything) until some chunks have committed.
        while BulkJob.objects.get(pk=job.pk).offset == 0 and worker.poll() is None:
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.wait()
    job.refresh_from_db()
    assert 0 < job.offset < ROWS, "the worker finished before it could be killed"
    assert job.status == BulkStatus.RUNNING
    assert Ticket.objects.count() == job.offset  # the chunk in flight left nothing behind

    bulk_job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.offset, job.succeeded, job.failed) == (
        BulkStatus.SUCCEEDED,
        ROWS,
        ROWS,
        0,
    )
    assert Ticket.objects.count() == ROWS
    assert ImportRecord.objects.count() == ROWS
    assert Ticket.objects.values("order_number").distinct().count() == ROWS
    assert job.items.count() == ROWS
