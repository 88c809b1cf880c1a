"""SLA sweeper benchmark on PostgreSQL with 1,000,000 open tickets (run by hand).

    createdb -h 127.0.0.1 -U postgres collab_bench_b
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_bench_b \\
        .venv/bin/python bench/sla_sweep.py [--tickets 1000000]

Measures (a) one sweep when nothing is due, (b) a sweep with 10,000 due (warnings, then
breaches that notify, then 1,000 breaches that escalate through the state machine), (c) the
detection delay from a deadline to its ``sla.breached`` event with ``manage.py sla_sweeper``
running at the default interval, and prints the EXPLAIN of the due-row query. Setup is bulk SQL;
the database is reset on every run.

(b) is measured twice: one ``sla_sweep()`` in this process, and as deployed when ``REDIS_URL``
is set: a Celery worker (prefork, ``--workers`` processes, Redis broker) gets the beat's task,
which asks ``COLLAB_SLA_SWEEPERS - 1`` helpers to join it for a burst. That time runs from
sending the task to the moment no ticket of the burst is due any more (every batch committed).
With ``REDIS_URL`` set, both go through the Redis channel layer, as deployed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Measured as deployed: with DEBUG on, Django formats and keeps every statement it runs.
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from tenants.models import Oversight, Partnership, Party, PartyKind  # noqa: E402
from tickets.models import (  # noqa: E402
    BreachAction,
    BusinessCalendar,
    Custody,
    SlaPolicy,
    Ticket,
    TicketCategory,
    TicketEvent,
)
from tickets.sweeper import due_tickets, sla_sweep  # noqa: E402
from tickets.tasks import sla_sweep_task  # noqa: E402


def bulk_insert(model, count: int, expressions: dict[str, str]) -> None:
    """INSERT … SELECT over generate_series; ``g`` is the row number. Columns not given get
    NULL, their Python default, or now()."""
    columns, selects, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        if field.column in expressions:
            selects.append(expressions[field.column])
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            selects.append("now()")
        elif field.has_default():
            selects.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
        elif field.null:
            selects.append("NULL")
        elif isinstance(field, models.CharField | models.TextField):
            selects.append("''")
        else:
            raise ValueError(f"no value for {model.__name__}.{field.name}")
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(selects)} FROM generate_series(1, {count}) AS g"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def setup(total: int) -> dict:
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    platform = Party.objects.create(
        kind=PartyKind.PLATFORM, name="P", slug="p", oversight=Oversight.STRONG
    )
    streamer = Party.objects.create(kind=PartyKind.STREAMER, name="S", slug="s", platform=platform)
    brand = Party.objects.create(kind=PartyKind.BRAND, name="B", slug="b")
    Partnership.objects.create(streamer=streamer, partner=brand)
    calendar = BusinessCalendar.objects.create(owner=platform, name="24x7", always_open=True)
    notify = SlaPolicy.objects.create(
        owner=platform,
        name="notify",
        party_kind=PartyKind.BRAND,
        accept_within=timedelta(hours=4),
        resolve_within=timedelta(hours=48),
        calendar=calendar,
    )
    escalate = SlaPolicy.objects.create(
        owner=streamer,
        name="escalate",
        party=brand,
        accept_within=timedelta(hours=1),
        calendar=calendar,
        breach_action=BreachAction.ESCALATE,
        is_active=False,  # only attached to rows by the benchmark
    )
    category = TicketCategory.objects.create(code="bench", name_en="Bench", name_zh_hans="Bench")
    started = time.perf_counter()
    # Open tickets with brand custody; their next checks spread over the coming 30 days.
    bulk_insert(
        Ticket,
        total,
        {
            "reference": "'BENCH-' || g",
            "buyer_token_hash": "md5(g::text)",
            "platform_id": str(platform.pk),
            "originator_id": str(streamer.pk),
            "handler_id": str(brand.pk),
            "custody_party_id": str(brand.pk),
            "category_id": str(category.pk),
            "subject": "'bench'",
            "state": "'routed'",
            "last_event_seq": "1",
            "next_sla_check_at": "now() + interval '1 hour' + (g %% 43200) * interval '1 minute'",
        },
    )
    first_id = Ticket.objects.order_by("pk").values_list("pk", flat=True).first()
    bulk_insert(
        Custody,
        total,
        {
            "ticket_id": f"{first_id - 1} + g",
            "party_id": str(brand.pk),
            "state": "'routed'",
            "started_at": "now()",
            "sla_policy_id": str(notify.pk),
            "accept_warn_by": "now() + interval '1 hour' + (g %% 43200) * interval '1 minute'",
            "accept_by": "now() + interval '2 hours' + (g %% 43200) * interval '1 minute'",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket; ANALYZE tickets_custody")
    print(f"setup: {total:,} open tickets in {time.perf_counter() - started:.1f} s")
    return {"first_id": first_id, "escalate": escalate}


def make_due(ids_from: int, count: int, *, warn: bool, policy_id: int | None = None) -> None:
    """Make ``count`` tickets due now, for a warning or (warning already passed) a breach."""
    past = timezone.now() - timedelta(seconds=1)
    ids = range(ids_from, ids_from + count)
    Ticket.objects.filter(pk__in=ids).update(next_sla_check_at=past)
    changes = {"accept_warn_by": past} if warn else {"accept_warn_by": past, "accept_by": past}
    if policy_id:
        changes["sla_policy_id"] = policy_id
    Custody.objects.filter(ticket_id__in=ids).update(**changes)


def timed_sweep() -> tuple[float, object]:
    started = time.perf_counter()
    report = sla_sweep()
    return time.perf_counter() - started, report


def celery_worker(processes: int) -> subprocess.Popen:
    """A Celery worker as deployed (prefork), started and answering before this returns."""
    sla_sweep_task.app.control.purge()
    worker = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(processes),
            "--loglevel",
            "warning",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env={**os.environ, "COLLAB_SLA_SWEEPERS": str(processes)},
    )
    for _ in range(100):
        if sla_sweep_task.app.control.ping(timeout=0.5):
            return worker
    worker.terminate()
    raise RuntimeError("the Celery worker did not answer")


def celery_sweep(ids_from: int, count: int) -> float:
    """Send the beat's task; seconds until none of the ``count`` tickets is due any more."""
    ids = range(ids_from, ids_from + count)
    cutoff = timezone.now()
    started = time.perf_counter()
    sla_sweep_task.delay()
    while Ticket.objects.filter(pk__in=ids, next_sla_check_at__lte=cutoff).exists():
        time.sleep(0.01)
    return time.perf_counter() - started


def explain() -> str:
    with transaction.atomic():
        sql, params = due_tickets(
            timezone.now(), settings.COLLAB_SLA_SWEEP_BATCH
        ).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            return f"{sql}\n" + "\n".join(row[0] for row in cursor.fetchall())


def detection_delay(first_id: int, count: int = 300, spread: float = 20.0) -> list[float]:
    """Deadlines spread over ``spread`` seconds, the loop command at its default interval."""
    start = timezone.now() + timedelta(seconds=3)
    deadlines = {}
    for offset in range(count):
        deadline = start + timedelta(seconds=spread * offset / count)
        pk = first_id + 50_000 + offset
        deadlines[pk] = deadline
        Ticket.objects.filter(pk=pk).update(next_sla_check_at=deadline)
        Custody.objects.filter(ticket_id=pk).update(accept_warn_by=deadline, accept_by=deadline)
    sweeper = subprocess.Popen(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), "sla_sweeper"], cwd=ROOT, env=os.environ.copy()
    )
    try:
        time.sleep(spread + 3 + 3 * settings.COLLAB_SLA_SWEEP_SECONDS)
    finally:
        sweeper.terminate()
        sweeper.wait()
    breaches = dict(
        TicketEvent.objects.filter(ticket_id__in=deadlines, kind="sla.breached").values_list(
            "ticket_id", "created_at"
        )
    )
    assert len(breaches) == count, f"{len(breaches)} of {count} breached"
    return sorted((breaches[pk] - deadlines[pk]).total_seconds() for pk in deadlines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    state = setup(args.tickets)
    first_id = state["first_id"]

    print("\nEXPLAIN of the due-row query (nothing due):")
    print(explain())

    runs = sorted(timed_sweep()[0] * 1000 for _ in range(20))
    print(
        f"\n(a) empty sweep over {args.tickets:,} open tickets:"
        f" median {statistics.median(runs):.2f} ms, max {runs[-1]:.2f} ms (target < 20 ms)"
    )

    for label, warn, offset, count, policy in (
        ("warnings", True, 0, 10_000, None),
        ("breaches, notify supervisors", False, 10_000, 10_000, None),
        ("breaches, escalate to the platform", False, 20_000, 1_000, state["escalate"].pk),
    ):
        make_due(first_id + offset, count, warn=warn, policy_id=policy)
        seconds, report = timed_sweep()
        print(
            f"(b) {count:,} due ({label}), in this process: {seconds:.2f} s,"
            f" {count / seconds:,.0f} tickets/s {vars(report)}"
        )

    if settings.REDIS_URL:
        worker = celery_worker(args.workers)
        try:
            # Warm-up burst: every worker process opens its connections and loads its caches.
            make_due(first_id + 25_000, 2 * settings.COLLAB_SLA_SWEEP_BATCH, warn=True)
            celery_sweep(first_id + 25_000, 2 * settings.COLLAB_SLA_SWEEP_BATCH)
            for label, warn, offset in (
                ("warnings", True, 30_000),
                ("breaches, notify supervisors", False, 40_000),
            ):
                make_due(first_id + offset, 10_000, warn=warn)
                seconds = celery_sweep(first_id + offset, 10_000)
                print(
                    f"(b) 10,000 due ({label}), Celery worker, {args.workers} processes:"
                    f" {seconds:.2f} s, {10_000 / seconds:,.0f} tickets/s (target >= 5,000/s)"
                )
        finally:
            worker.terminate()
            worker.wait()
    else:
        print("(b) through Celery: skipped, REDIS_URL is not set")

    delays = detection_delay(first_id)
    p99 = delays[int(len(delays) * 0.99) - 1]
    print(
        f"(c) detection delay over {len(delays)} deadlines at the default interval"
        f" ({settings.COLLAB_SLA_SWEEP_SECONDS} s): median {statistics.median(delays):.2f} s,"
        f" p99 {p99:.2f} s, max {delays[-1]:.2f} s (target p99 < 5 s)"
    )


if __name__ == "__main__":
    main()
