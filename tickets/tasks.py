"""Celery tasks of the tickets app. The beat schedule lives in ``config/settings/celery.py``."""

from __future__ import annotations

from celery import shared_task

from .sweeper import sla_sweep


@shared_task(ignore_result=True)
def sla_sweep_task() -> dict:
    """One sweep of due SLA checks; run by Celery beat every ``COLLAB_SLA_SWEEP_SECONDS``."""
    report = sla_sweep()
    return vars(report)
