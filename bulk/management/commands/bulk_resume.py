from __future__ import annotations

from django.core.management.base import BaseCommand

from bulk.models import BulkJob, BulkStatus
from bulk.runner import bulk_job_run


class Command(BaseCommand):
    help = "Continue bulk jobs that a restart interrupted (queued or running), in this process."

    def add_arguments(self, parser) -> None:
        parser.add_argument("job_ids", nargs="*", type=int, help="only these jobs (ids)")

    def handle(self, *args, job_ids: list[int], **options) -> None:
        jobs = BulkJob.objects.filter(status__in=[BulkStatus.QUEUED, BulkStatus.RUNNING])
        if job_ids:
            jobs = jobs.filter(pk__in=job_ids)
        for job_id in jobs.order_by("id").values_list("id", flat=True):
            job = bulk_job_run(job_id)
            self.stdout.write(f"{job.public_id} {job.status} {job.offset}/{job.total}")
