"""Deterministic measures of the sweeper and the import (run by hand): statements, model instances
built per ticket, and this process's CPU time, which a shared machine disturbs far less than
wall-clock time. The database is reset like ``sla_sweep.py`` resets it (sweep) or cleaned like
``bulk_import.py`` cleans it (import); use separate databases for the two.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_bench_x \\
        .venv/bin/python bench/work_counts.py sweep|import
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bulk_import  # sets Django up
import sla_sweep
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext


def measured(work, count: int, label: str) -> None:
    built: Counter[str] = Counter()

    def seen(sender, **_kwargs) -> None:
        built[sender.__name__] += 1

    post_init.connect(seen)
    try:
        with CaptureQueriesContext(connection) as queries:
            started = time.process_time()
            work()
            cpu = time.process_time() - started
    finally:
        post_init.disconnect(seen)
    print(
        f"{label}: {len(queries)} statements, {sum(built.values()) / count:.2f} model instances"
        f" per ticket {dict(built)}, process CPU {cpu:.2f} s"
    )


def sweep() -> None:
    first_id = sla_sweep.setup(20_000)["first_id"]
    sla_sweep.make_due(first_id, 5_000, warn=True)
    measured(sla_sweep.sla_sweep, 5_000, "sweep of 5,000 due warnings")


def import_rows() -> None:
    settings.COLLAB_BULK_RUNNER = "recorded_only"
    call_command("migrate", verbosity=0)
    streamer, membership = bulk_import._cast()
    bulk_import._clean(streamer)
    with tempfile.TemporaryDirectory() as tmp:
        settings.MEDIA_ROOT = tmp
        path = Path(tmp) / "rows.csv"
        rows = bulk_import._file(path, 0.2)
        job = bulk_import.bulk_import_create(
            actor=bulk_import.Actor.for_membership(membership),
            upload=SimpleUploadedFile("rows.csv", path.read_bytes()),
        )
        measured(lambda: bulk_import.bulk_job_run(job.pk), rows, f"import of {rows:,} rows")


if __name__ == "__main__":
    {"sweep": sweep, "import": import_rows}[sys.argv[1]]()
