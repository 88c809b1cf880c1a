from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .delivery import deliver_due
from .models import IdempotencyRecord

IDEMPOTENCY_TTL = timedelta(hours=24)


@shared_task(ignore_result=True)
def webhooks_deliver() -> int:
    """Send what is due; beat runs it every few seconds so retries happen without a new event."""
    return deliver_due()


@shared_task(ignore_result=True)
def idempotency_records_purge() -> int:
    """Drop stored responses older than 24 hours (they are no longer replayed anyway)."""
    deleted, _by_model = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - IDEMPOTENCY_TTL
    ).delete()
    return deleted
