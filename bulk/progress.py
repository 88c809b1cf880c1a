"""A job's public shape, and its live push to the owner's party socket after each commit."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.urls import reverse

from collab.broadcast import party_group

from .models import BulkJob, BulkKind, BulkStatus

MESSAGE_TYPE = "bulk.progress"  # consumers handle it as ``bulk_progress``


def bulk_job_payload(job: BulkJob) -> dict:
    """What the API returns and the socket pushes: the same dict, so a progress bar can start
    from either."""
    done = job.status == BulkStatus.SUCCEEDED
    payload = {
        "id": str(job.public_id),
        "kind": job.kind,
        "status": job.status,
        "total": job.total,
        "done": job.offset,
        "percent": job.percent,
        "succeeded": job.succeeded,
        "skipped": job.skipped,
        "failed": job.failed,
        "message": job.message,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "results_url": reverse("bulk-job-results", args=[job.public_id]),
        "errors_url": reverse("bulk-job-errors", args=[job.public_id]) if job.failed else None,
        "download_url": None,
    }
    if job.kind == BulkKind.EXPORT and done and job.result:
        payload["download_url"] = reverse("bulk-job-download", args=[job.public_id])
    return payload


def _send(owner_id: int, payload: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(party_group(owner_id), {"type": MESSAGE_TYPE, "job": payload})


def progress_push_on_commit(job: BulkJob) -> None:
    """Push the job as it stands now once the surrounding transaction commits (never a figure
    that a rollback would take back)."""
    payload = bulk_job_payload(job)
    owner_id = job.owner_id
    transaction.on_commit(lambda: _send(owner_id, payload))
