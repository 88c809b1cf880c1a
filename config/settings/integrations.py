"""Webhooks, idempotency and API throttling (integrations app)."""

from __future__ import annotations

from .base import DEBUG, env

# Webhook URLs resolving to private/loopback addresses are refused unless this is on.
COLLAB_WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("COLLAB_WEBHOOK_ALLOW_PRIVATE_URLS", default=DEBUG)
# Embedded default: send webhooks from a thread in the web process (no Celery worker).
COLLAB_WEBHOOK_INPROCESS_WORKER = env.bool("COLLAB_WEBHOOK_INPROCESS_WORKER", default=True)
# Attachments.
COLLAB_ATTACHMENT_MAX_BYTES = env.int("COLLAB_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
COLLAB_ATTACHMENT_TYPES = env.list(
    "COLLAB_ATTACHMENT_TYPES",
    default=[
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/gif",
        "application/pdf",
        "text/plain",
        "video/mp4",
    ],
)
