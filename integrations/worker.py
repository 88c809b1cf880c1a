"""Who sends the outbox, and when.

With a broker (``REDIS_URL`` set), committed deliveries queue a Celery task and beat re-runs it
for retries. On the embedded default (no broker, tasks eager) a single daemon thread in the web
process sends them, woken after each commit and every ``POLL`` seconds for retries, so the
request that wrote the event never waits for a receiver.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

POLL_SECONDS = 5.0

_wake = threading.Event()
_started = threading.Lock()
_thread: threading.Thread | None = None


def kick() -> None:
    """Ask for due deliveries to be sent soon (called after a commit that wrote some)."""
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        from .tasks import webhooks_deliver  # late: tasks imports the delivery machinery

        webhooks_deliver.delay()
        return
    if settings.COLLAB_WEBHOOK_INPROCESS_WORKER:
        _thread_ensure()
        _wake.set()


def _thread_ensure() -> None:
    global _thread
    with _started:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_loop, name="webhook-sender", daemon=True)
            _thread.start()


def _loop() -> None:
    from .delivery import deliver_due

    while True:
        _wake.wait(timeout=POLL_SECONDS)
        _wake.clear()
        try:
            deliver_due()
        except Exception:  # the thread must survive a database hiccup; the rows stay pending
            logger.exception("webhook delivery round failed")
        finally:
            close_old_connections()
