"""Where a queued job runs (``COLLAB_BULK_RUNNER``):

* ``celery``: a Celery task (production, with a broker); ``acks_late`` redelivers the task of a
  worker that died, and the job resumes at its committed offset.
* ``thread``: a daemon thread in the web process (the embedded default, no broker), so the upload
  request returns at once and the progress bar fills live. ``manage.py bulk_resume`` continues
  jobs a restart interrupted.
* ``inline``: in the caller, at once (tests); anything else only records the job, for
  ``bulk_resume`` to run.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)


def _run_in_thread(job_id: int) -> None:
    from .runner import bulk_job_run

    try:
        bulk_job_run(job_id)
    except Exception:  # a thread has no caller to raise to; the job stays resumable
        logger.exception("bulk job %s stopped", job_id)
    finally:
        close_old_connections()


def job_dispatch(job_id: int) -> None:
    runner = settings.COLLAB_BULK_RUNNER
    if runner == "celery":
        from .tasks import bulk_job_run_task

        bulk_job_run_task.delay(job_id)
    elif runner == "thread":
        threading.Thread(
            target=_run_in_thread, args=(job_id,), name=f"bulk-job-{job_id}", daemon=True
        ).start()
    elif runner == "inline":
        from .runner import bulk_job_run

        bulk_job_run(job_id)
