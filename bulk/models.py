"""Bulk jobs (imports, transitions, exports) and the ledger that makes imports idempotent.

A job runs in committed chunks: each chunk's tickets, its item rows and the job's new row offset
are written in one transaction, so a crash loses at most the chunk in flight and a re-run
continues from ``offset`` without creating anything twice.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Party


class BulkKind(models.TextChoices):
    IMPORT = "import", _("Import")
    TRANSITION = "transition", _("Transition")
    EXPORT = "export", _("Export")


class BulkStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class BulkJob(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="bulk_jobs")
    kind = models.CharField(_("kind"), max_length=16, choices=BulkKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=BulkStatus.choices, default=BulkStatus.QUEUED
    )
    params = models.JSONField(
        _("parameters"),
        default=dict,
        blank=True,
        help_text=_(
            "Import: category; transition: action, arguments, references; export: filters."
        ),
    )
    file_format = models.CharField(
        _("file format"), max_length=8, choices=FileFormat.choices, default=FileFormat.CSV
    )
    source = models.FileField(_("uploaded file"), upload_to="bulk/source/", blank=True)
    result = models.FileField(_("result file"), upload_to="bulk/result/", blank=True)
    total = models.PositiveIntegerField(_("rows"), default=0)
    offset = models.PositiveIntegerField(
        _("rows processed"), default=0, help_text=_("Rows committed so far; a re-run starts here.")
    )
    succeeded = models.PositiveIntegerField(_("succeeded"), default=0)
    skipped = models.PositiveIntegerField(_("already done"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_by_api_key = models.ForeignKey(
        "tenants.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulk job")
        verbose_name_plural = _("bulk jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="bulkjob_owner_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.public_id}"

    @property
    def is_done(self) -> bool:
        return self.status in (BulkStatus.SUCCEEDED, BulkStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.is_done and self.status == BulkStatus.SUCCEEDED:
            return 100
        return int(self.offset * 100 / self.total) if self.total else 0


class ItemOutcome(models.TextChoices):
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Already done")
    FAILED = "failed", _("Failed")


class BulkJobItem(models.Model):
    """One row's or one ticket's result. Written in the chunk's transaction; (job, row) is unique
    so a replayed chunk cannot report a row twice."""

    # No index of its own: the (job, row) unique constraint leads with the job.
    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items", db_index=False)
    row = models.PositiveIntegerField(_("row"))
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=ItemOutcome.choices)
    code = models.CharField(_("code"), max_length=40, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("bulk job item")
        verbose_name_plural = _("bulk job items")
        ordering = ["job", "row"]
        constraints = [models.UniqueConstraint(fields=["job", "row"], name="bulkitem_unique_row")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row} {self.outcome}"


class ImportRecord(models.Model):
    """Which ticket an imported request became. Unique per (owner, order, category, request
    hash) and written in the ticket's own transaction, so re-uploading a file, or re-running a
    crashed import, finds the row and creates nothing."""

    # No index of its own: the unique constraint leads with the owner. A second index on the
    # owner alone cost every imported row one more entry, and without statistics the planner
    # chose it for the ledger lookup and read all of the owner's requests per chunk.
    owner = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+", db_index=False)
    order_number = models.CharField(max_length=64)
    category = models.ForeignKey("tickets.TicketCategory", on_delete=models.CASCADE)
    request_hash = models.CharField(max_length=64)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey(BulkJob, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("import record")
        verbose_name_plural = _("import records")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "order_number", "category", "request_hash"],
                name="importrecord_unique_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_number} {self.request_hash[:8]}"
