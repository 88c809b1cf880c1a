"""The production sweep: Celery beat's task run by a real Celery worker (prefork, Redis broker)
against the test database. A burst larger than one batch is shared with helper tasks; each
ticket is still handled once. Needs PostgreSQL and Redis (the suite's ``REDIS_URL``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tests.conftest import make_ticket, requires_postgres
from tickets.models import Custody, RoutingAction, Ticket, TicketEvent
from tickets.sweeper import sla_sweep
from tickets.tasks import sla_sweep_task

from .sla_kit import policy, rule

ROOT = Path(__file__).resolve().parents[2]
requires_redis = pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (set REDIS_URL)")


def _due_for_breach(cast, count: int) -> list[Ticket]:
    policy(cast.platform, accept_h=1, party_kind="brand")
    rule(cast.streamer, action=RoutingAction.ROUTE_TO_BRAND)
    tickets = [make_ticket(cast)[0] for _ in range(count)]
    past = timezone.now() - timedelta(hours=1)
    Custody.objects.filter(ticket__in=tickets, ended_at__isnull=True).update(
        accept_by=past, accept_warn_by=past
    )
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(next_sla_check_at=past)
    return tickets


@pytest.mark.django_db
def test_the_backlog_hook_runs_only_when_more_than_a_batch_is_due(cast):
    _due_for_breach(cast, 6)
    calls = []
    assert sla_sweep(batch_size=6, on_backlog=lambda: calls.append(1)).breached == 6
    assert calls == []  # exactly one batch due: nobody else is asked
    Ticket.objects.update(next_sla_check_at=timezone.now() - timedelta(minutes=1))
    Custody.objects.update(breached_at=None)
    assert sla_sweep(batch_size=5, on_backlog=lambda: calls.append(1)).breached == 6
    assert calls == [1]  # called once, not per batch


def _worker(log: Path) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "COLLAB_SLA_SWEEP_BATCH": "4",
        "COLLAB_SLA_SWEEPERS": "3",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork"]
    command += ["--concurrency", "3", "--loglevel", "info", "--without-gossip"]
    command += ["--without-mingle", "--without-heartbeat"]
    with log.open("w") as out:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)  # noqa: S603
    for _ in range(100):
        if sla_sweep_task.app.control.ping(timeout=0.5):
            return worker
    worker.terminate()
    raise AssertionError(f"the Celery worker did not start:\n{log.read_text()}")


@requires_postgres
@requires_redis
@pytest.mark.django_db(transaction=True)
def test_a_burst_is_shared_by_the_beat_task_and_its_helpers(cast, tmp_path):
    tickets = _due_for_breach(cast, 30)
    sla_sweep_task.app.control.purge()  # messages earlier tests queued and nobody consumed
    log = tmp_path / "worker.log"
    worker = _worker(log)
    try:
        sla_sweep_task.delay()  # what Celery beat sends every COLLAB_SLA_SWEEP_SECONDS
        deadline = time.monotonic() + 60
        done = re.compile(r"Task tickets\.tasks\.sla_sweep_task\[\S+\] succeeded")
        while len(done.findall(log.read_text())) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    output = log.read_text()
    # The beat's task and the two helpers it asked for (30 due, batches of 4: a backlog).
    reports = re.findall(r"sla_sweep_task\[\S+\] succeeded in [\d.]+s: (\{.*\})", output)
    assert len(reports) == 3, output
    assert sum(int(re.search(r"'breached': (\d+)", r)[1]) for r in reports) == 30
    breached = TicketEvent.objects.filter(kind="sla.breached")
    assert sorted(breached.values_list("ticket_id", flat=True)) == sorted(t.pk for t in tickets)
    assert not Ticket.objects.filter(next_sla_check_at__lte=timezone.now()).exists()
