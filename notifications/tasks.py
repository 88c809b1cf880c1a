from __future__ import annotations

from celery import shared_task

from .delivery import notification_emails_send
from .digest import digest_send


@shared_task(ignore_result=True)
def notification_emails_task() -> int:
    """Send pending notification e-mails (queued after each commit; beat picks up leftovers)."""
    return notification_emails_send()


@shared_task(ignore_result=True)
def notification_digest_task() -> int:
    """The supervisors' daily digest (beat, once a day)."""
    return digest_send()
