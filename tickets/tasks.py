"""Celery tasks of the tickets app. The beat schedule lives in ``config/settings/celery.py``."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from .sweeper import sla_sweep


@shared_task(ignore_result=True)
def sla_sweep_task(*, helper: bool = False) -> dict:
    """One sweep of due SLA checks; run by Celery beat every ``COLLAB_SLA_SWEEP_SECONDS``.

    A burst (more than one batch due: a desk that was closed, a holiday's end) is shared: the
    beat's sweep first asks ``COLLAB_SLA_SWEEPERS - 1`` more workers to sweep beside it. They
    take their batches with ``SKIP LOCKED`` like any two sweepers, so each ticket is still
    handled once; helpers do not ask for helpers, and they expire unstarted with the next beat.
    """
    on_backlog = None if helper or sla_sweep_task.app.conf.task_always_eager else _helpers_call
    report = sla_sweep(on_backlog=on_backlog)
    return vars(report)


def _helpers_call() -> None:
    for _ in range(settings.COLLAB_SLA_SWEEPERS - 1):
        sla_sweep_task.apply_async(
            kwargs={"helper": True}, expires=settings.COLLAB_SLA_SWEEP_SECONDS * 2
        )
