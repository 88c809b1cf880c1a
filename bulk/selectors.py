"""Reads of bulk jobs, always scoped to the owning party."""

from __future__ import annotations

from django.db.models import QuerySet

from tenants.models import Party

from .errors import BulkJobNotFound
from .models import BulkJob


def bulk_job_qs_for_party(party: Party) -> QuerySet[BulkJob]:
    """The party's own jobs, newest first. A party never sees another party's jobs or files."""
    return BulkJob.objects.filter(owner=party).order_by("-created_at", "-id")


def bulk_job_get_for_party(party: Party, public_id) -> BulkJob:
    """The party's job with this id, else ``BulkJobNotFound`` (others' jobs look missing)."""
    job = bulk_job_qs_for_party(party).filter(public_id=public_id).first()
    if job is None:
        raise BulkJobNotFound()
    return job
