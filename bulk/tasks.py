from __future__ import annotations

from celery import shared_task

from .runner import bulk_job_run


@shared_task(acks_late=True, ignore_result=True)
def bulk_job_run_task(job_id: int) -> None:
    """Run or continue a bulk job; safe to deliver twice (see ``bulk_job_run``)."""
    bulk_job_run(job_id)
