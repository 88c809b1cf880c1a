from __future__ import annotations

from celery.schedules import crontab

from .base import COLLAB_INSIGHT_REFRESH_SECONDS, COLLAB_SLA_SWEEP_SECONDS, REDIS_URL, env

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
# Where bulk jobs run (bulk/dispatch.py): Celery with a broker, else a thread in the web process.
COLLAB_BULK_RUNNER = "celery" if REDIS_URL else "thread"
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # The SLA sweeper: cheap when nothing is due (one index probe), so it can run every few
    # seconds; expires so a backlog of missed beats does not pile up in the queue.
    "sla-sweep": {
        "task": "tickets.tasks.sla_sweep_task",
        "schedule": COLLAB_SLA_SWEEP_SECONDS,
        "options": {"expires": COLLAB_SLA_SWEEP_SECONDS * 2},
    },
    # Webhook retries: commits queue a send at once; this picks up what is due later.
    "webhooks-deliver": {
        "task": "integrations.tasks.webhooks_deliver",
        "schedule": 5.0,
        "options": {"expires": 10.0},
    },
    # Insight rollups and the live top issues (insight/rollups.py): incremental, by event id.
    "insight-refresh": {
        "task": "insight.tasks.insight_refresh_task",
        "schedule": COLLAB_INSIGHT_REFRESH_SECONDS,
        "options": {"expires": COLLAB_INSIGHT_REFRESH_SECONDS * 2},
    },
    "idempotency-purge": {
        "task": "integrations.tasks.idempotency_records_purge",
        "schedule": 3600.0,
    },
    # Notification e-mails a commit queued but a crash left unsent; and the supervisors'
    # daily digest at COLLAB_DIGEST_HOUR (CELERY_TIMEZONE, Asia/Shanghai by default).
    "notification-emails": {
        "task": "notifications.tasks.notification_emails_task",
        "schedule": 60.0,
        "options": {"expires": 120.0},
    },
    "notification-digest": {
        "task": "notifications.tasks.notification_digest_task",
        "schedule": crontab(hour=env.int("COLLAB_DIGEST_HOUR", default=8), minute=0),
    },
}
