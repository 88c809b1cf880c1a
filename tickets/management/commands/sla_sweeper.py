"""Run the SLA sweeper in a loop: the embedded default's background worker (``make run`` starts
it beside the web server). In production Celery beat runs ``tickets.tasks.sla_sweep_task``
instead; running both is harmless because sweepers share the work through row locks."""

from __future__ import annotations

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from tickets.sweeper import sla_sweep

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Sweep due SLA checks every COLLAB_SLA_SWEEP_SECONDS until stopped."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Sweep once and exit.")
        parser.add_argument("--interval", type=float, default=None)

    def handle(self, *args, **options) -> None:
        interval = options["interval"] or settings.COLLAB_SLA_SWEEP_SECONDS
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_args: stop.set())
        while not stop.is_set():
            try:
                report = sla_sweep()
            except DatabaseError:
                # A locked SQLite file or a dropped connection: the deadlines are in the
                # database, so the next round picks up whatever this one missed.
                logger.exception("SLA sweep failed; retrying in %s s", interval)
            else:
                if report.checked:
                    logger.info("SLA sweep: %s", vars(report))
            finally:
                close_old_connections()
            if options["once"]:
                return
            stop.wait(interval)
