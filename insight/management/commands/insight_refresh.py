"""Keep the insight rollups current: the embedded default's loop (``make run`` starts it beside
the SLA sweeper; production runs ``insight.tasks.insight_refresh_task`` from Celery beat).
``--rebuild`` recomputes every rollup from the whole event log first."""

from __future__ import annotations

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from insight.jobs import insight_refresh
from insight.rollups import rollup_rebuild

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Fold new ticket events into the insight rollups every COLLAB_INSIGHT_REFRESH_SECONDS."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Refresh once and exit.")
        parser.add_argument("--rebuild", action="store_true", help="Recompute from scratch first.")
        parser.add_argument("--interval", type=float, default=None)

    def handle(self, *args, **options) -> None:
        if options["rebuild"]:
            self.stdout.write(f"Rebuilt from {rollup_rebuild()} events.")
        interval = options["interval"] or settings.COLLAB_INSIGHT_REFRESH_SECONDS
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_args: stop.set())
        while not stop.is_set():
            try:
                report = insight_refresh()
            except DatabaseError:
                # A locked SQLite file or a dropped connection: the watermark is in the
                # database, so the next round reads whatever this one missed.
                logger.exception("Insight refresh failed; retrying in %s s", interval)
            else:
                if report["events"]:
                    logger.info("Insight refresh: %s", report)
            finally:
                close_old_connections()
            if options["once"]:
                return
            stop.wait(interval)
