"""The seed half-month on PostgreSQL: import 21,000 rows (16,000 size/colour, 4,000 address,
1,000 exchange) with validation, routing, SLA and events; then export 100,000 tickets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_bench \
        .venv/bin/python bench/bulk_import.py [--rows-scale 1.0] [--export-rows 100000] \
        [--export-format csv] [--export-format xlsx] [--export-only]

Targets (issue 7): import < 15 s (>= 1,400 tickets/s) with peak RSS < 400 MB; the export < 10 s
with flat memory. The database is migrated and the bench's own parties are created if missing;
earlier bench tickets are deleted first so each run imports fresh. ``--export-only`` skips the
import and its clean-up and times only the export of the bench tickets already there (padded to
``--export-rows``), so export work can be measured again and again without a 20-second import.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Measured as deployed: with DEBUG on, Django formats and keeps every statement it runs.
os.environ.setdefault("DEBUG", "false")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bulk.models import BulkJob, ImportRecord  # noqa: E402
from bulk.runner import bulk_job_run  # noqa: E402
from bulk.services import bulk_import_create  # noqa: E402
from tenants.actors import Actor  # noqa: E402
from tenants.models import Membership, Oversight, Partnership, Party, PartyKind  # noqa: E402
from tickets.models import Participant, ParticipantRole, Ticket, TicketCategory  # noqa: E402


def _cast():
    platform, _ = Party.objects.get_or_create(
        slug="bench-mall",
        defaults={"name": "Bench Mall", "kind": PartyKind.PLATFORM, "oversight": Oversight.STRONG},
    )
    streamer, _ = Party.objects.get_or_create(
        slug="bench-live",
        defaults={"name": "Bench Live", "kind": PartyKind.STREAMER, "platform": platform},
    )
    brand, _ = Party.objects.get_or_create(
        slug="bench-brand", defaults={"name": "Bench Brand", "kind": PartyKind.BRAND}
    )
    Partnership.objects.get_or_create(streamer=streamer, partner=brand)
    user, _ = get_user_model().objects.get_or_create(username="bench-agent")
    membership, _ = Membership.objects.get_or_create(user=user, party=streamer)
    return streamer, membership


def _file(path: Path, scale: float) -> int:
    header = [
        "category",
        "order_number",
        "buyer_name",
        "buyer_phone",
        "brand",
        "new_size",
        "new_colour",
        "new_address.province",
        "new_address.city",
        "new_address.district",
        "new_address.detail",
        "reason",
    ]
    plan = [("size_colour_change", 16_000), ("address_change", 4_000), ("exchange", 1_000)]
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for category, count in plan:
            for _ in range(int(count * scale)):
                rows += 1
                order = f"BENCH{rows:09d}"
                base = [category, order, "张三丰", f"138{rows:08d}", "bench-brand"]
                if category == "size_colour_change":
                    writer.writerow([*base, "42", "black", "", "", "", "", ""])
                elif category == "address_change":
                    writer.writerow(
                        [*base, "", "", "浙江省", "杭州市", "西湖区", f"文三路 {rows} 号", ""]
                    )
                else:
                    writer.writerow([*base, "43", "white", "", "", "", "", "Too small"])
    return rows


def _clean(streamer: Party) -> None:
    tickets = Ticket.objects.filter(originator=streamer)
    ImportRecord.objects.filter(owner=streamer).delete()
    BulkJob.objects.filter(owner=streamer).delete()
    from tickets.models import Comment, Custody, TicketEvent

    TicketEvent.objects.filter(ticket__in=tickets)._raw_delete(TicketEvent.objects.db)
    for model in (Comment, Custody, Participant):
        model.objects.filter(ticket__in=tickets).delete()
    tickets._raw_delete(Ticket.objects.db)


def _pad_for_export(streamer: Party, target: int) -> None:
    have = Ticket.objects.filter(originator=streamer).count()
    category = TicketCategory.objects.get(code="size_colour_change")
    for start in range(have, target, 10_000):
        batch = Ticket.objects.bulk_create(
            [
                Ticket(
                    reference=f"AS-BENCH-{n:08d}",
                    originator=streamer,
                    platform=streamer.platform,
                    category=category,
                    subject="Shoes",
                    order_number=f"PAD{n:09d}",
                    buyer_name="张三丰",
                    buyer_phone="13812345678",
                    form_data={"new_size": "42", "new_colour": "black"},
                    buyer_token_hash=f"bench-{n}",
                    custody_party=streamer,
                )
                for n in range(start, min(start + 10_000, target))
            ]
        )
        Participant.objects.bulk_create(
            [Participant(ticket=t, party=streamer, role=ParticipantRole.ORIGINATOR) for t in batch]
        )


def _export(streamer: Party, membership: Membership, rows: int, formats: list[str]) -> None:
    """Export every bench ticket (padded to ``rows``) in each format, timed, then the CSV once
    more under tracemalloc for the memory figure (it slows Python-heavy loops down)."""
    _pad_for_export(streamer, rows)
    for file_format in formats:
        export = BulkJob.objects.create(
            owner=streamer,
            kind="export",
            created_by=membership.user,
            params={"filters": {}},
            file_format=file_format,
        )
        started, cpu = time.perf_counter(), time.process_time()
        export = bulk_job_run(export.pk)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"export {file_format}: {export.total} rows, {seconds:.1f} s, process CPU {cpu:.1f} s "
            f"(without tracemalloc), load average {os.getloadavg()[0]:.1f}"
        )

    export = BulkJob.objects.create(
        owner=streamer, kind="export", created_by=membership.user, params={"filters": {}}
    )
    tracemalloc.start()
    started = time.perf_counter()
    export = bulk_job_run(export.pk)
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    export.refresh_from_db()
    print(
        f"export csv: {export.total} rows, {seconds:.1f} s, traced peak "
        f"{peak / 2**20:.1f} MB, file {export.result.size / 2**20:.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows-scale", type=float, default=1.0)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--export-format", action="append", choices=["csv", "xlsx"])
    parser.add_argument("--export-only", action="store_true")
    options = parser.parse_args()
    formats = options.export_format or ["csv"]
    settings.COLLAB_BULK_RUNNER = "recorded_only"  # the bench runs the job itself, timed
    call_command("migrate", verbosity=0)
    streamer, membership = _cast()
    if options.export_only:
        with tempfile.TemporaryDirectory() as tmp:
            settings.MEDIA_ROOT = tmp
            _export(streamer, membership, options.export_rows, formats)
        return
    _clean(streamer)
    with tempfile.TemporaryDirectory() as tmp:
        settings.MEDIA_ROOT = tmp
        path = Path(tmp) / "half-month.csv"
        rows = _file(path, options.rows_scale)
        upload = SimpleUploadedFile("half-month.csv", path.read_bytes())
        actor = Actor.for_membership(membership)
        job = bulk_import_create(actor=actor, upload=upload)
        started = time.perf_counter()
        job = bulk_job_run(job.pk)
        seconds = time.perf_counter() - started
        job.refresh_from_db()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"import: {rows} rows, {job.succeeded} created, {job.failed} failed, "
            f"{seconds:.1f} s, {rows / seconds:.0f} tickets/s, peak RSS {rss:.0f} MB"
        )

        again = bulk_import_create(
            actor=actor, upload=SimpleUploadedFile("half-month.csv", path.read_bytes())
        )
        started = time.perf_counter()
        again = bulk_job_run(again.pk)
        again.refresh_from_db()
        print(
            f"re-import: {again.skipped} skipped, {again.succeeded} created, "
            f"{time.perf_counter() - started:.1f} s"
        )

        _export(streamer, membership, options.export_rows, formats)


if __name__ == "__main__":
    main()
