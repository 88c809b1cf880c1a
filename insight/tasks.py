"""Celery tasks of the insight app; scheduled in ``config/settings/celery.py``."""

from __future__ import annotations

from celery import shared_task

from .jobs import insight_refresh


@shared_task(ignore_result=True)
def insight_refresh_task() -> dict:
    """Fold new events into the rollups and push live top issues (every
    ``COLLAB_INSIGHT_REFRESH_SECONDS``)."""
    return insight_refresh()
