"""``/api/v1/bulk-jobs/``: start imports, transitions and exports; follow their progress; fetch
their per-row results, error files and export files. Jobs and files are the owning party's
only; any other party gets 404."""

from __future__ import annotations

import json

from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from bulk import exporting
from bulk.errors import BulkJobNotFound
from bulk.models import BulkKind
from bulk.progress import bulk_job_payload
from bulk.runner import items_rows
from bulk.selectors import bulk_job_get_for_party, bulk_job_qs_for_party
from bulk.services import (
    bulk_export_create,
    bulk_import_create,
    bulk_transition_create,
    references_from_file,
)
from integrations.api.base import PartyAPIView
from tickets.errors import TicketValidationError

from .serializers import (
    CREATE_ERRORS,
    NOT_YOURS,
    READ_ERRORS,
    BulkJobCreateSerializer,
    BulkJobShape,
)

RESULT_COLUMNS = ["row", "reference", "outcome", "code", "message"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _json_field(value):
    # Multipart bodies carry nested fields as JSON text.
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise TicketValidationError(_("A field sent as text must be valid JSON.")) from exc
    return value


class BulkJobListCreate(PartyAPIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="bulk_jobs_list",
        summary="List bulk jobs",
        description="Your party's 100 most recent jobs, newest first.",
        responses={
            200: BulkJobShape(many=True),
            **{code: READ_ERRORS[code] for code in (401, 403, 429)},
        },
        tags=["bulk jobs"],
    )
    def get(self, request):
        jobs = bulk_job_qs_for_party(self.party())[:100]
        return Response([bulk_job_payload(job) for job in jobs])

    @extend_schema(
        operation_id="bulk_jobs_create",
        summary="Start a bulk job",
        description=(
            "`kind=import`: multipart with `file` (CSV/XLSX) and optional `category`. "
            "`kind=transition`: `action`, `args` and either `references`, a `file` with a "
            "`reference` column, or `filters`; `action=comment` sends one message to each ticket "
            "(`args`: `body`, `visibility`, optional `confirm_warnings`), checked like a single "
            "reply. `kind=export`: `filters` and `format`. The job "
            "runs in the background; poll it or watch `bulk.progress` on `/ws/party/`."
        ),
        request=BulkJobCreateSerializer,
        responses={202: BulkJobShape, **CREATE_ERRORS},
        examples=[
            OpenApiExample(
                "Accept a list of tickets",
                request_only=True,
                value={
                    "kind": "transition",
                    "action": "accept",
                    "references": ["AS-20261111-000101", "AS-20261111-000102"],
                },
            ),
            OpenApiExample(
                "Export new tickets as XLSX",
                request_only=True,
                value={"kind": "export", "filters": {"state": ["new"]}, "format": "xlsx"},
            ),
        ],
        tags=["bulk jobs"],
    )
    def post(self, request):
        return self.once(lambda: self._create(request))

    def _create(self, request) -> Response:
        # A multipart body as a plain dict (last value of each field), so that the JSON text of
        # args/filters/references, once parsed, validates exactly like a JSON body.
        data = request.data.dict() if hasattr(request.data, "dict") else dict(request.data)
        for name in ("args", "filters", "references"):
            if name in data:
                data[name] = _json_field(data[name])
        body = BulkJobCreateSerializer(data=data)
        body.is_valid(raise_exception=True)
        attrs = body.validated_data
        actor = self.actor()
        if attrs["kind"] == BulkKind.IMPORT:
            job = bulk_import_create(
                actor=actor, upload=attrs["file"], category_code=attrs.get("category", "")
            )
        elif attrs["kind"] == BulkKind.TRANSITION:
            references = attrs.get("references")
            if "file" in attrs:
                references = references_from_file(attrs["file"])
            job = bulk_transition_create(
                actor=actor,
                action=attrs["action"],
                args=attrs.get("args", {}),
                references=references,
                filters=attrs.get("filters") if references is None else None,
            )
        else:
            job = bulk_export_create(
                actor=actor, filters=attrs.get("filters", {}), file_format=attrs["format"]
            )
        job.refresh_from_db()
        return Response(bulk_job_payload(job), status=status.HTTP_202_ACCEPTED)


class BulkJobDetail(PartyAPIView):
    @extend_schema(
        operation_id="bulk_jobs_retrieve",
        summary="A bulk job's status and progress",
        responses={200: BulkJobShape, **READ_ERRORS},
        tags=["bulk jobs"],
    )
    def get(self, request, job_id):
        return Response(bulk_job_payload(bulk_job_get_for_party(self.party(), job_id)))


def _items_csv(job, *, failed_only: bool, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        exporting.csv_lines(RESULT_COLUMNS, items_rows(job, failed_only=failed_only)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}-{job.public_id}.csv"'
    return response


class BulkJobResults(PartyAPIView):
    @extend_schema(
        operation_id="bulk_jobs_results",
        summary="Per-row results (CSV)",
        description="row, reference, outcome (done/skipped/failed), code, message; streamed.",
        responses={
            (200, "text/csv"): OpenApiResponse(str, description="CSV"),
            **READ_ERRORS,
        },
        tags=["bulk jobs"],
    )
    def get(self, request, job_id):
        job = bulk_job_get_for_party(self.party(), job_id)
        return _items_csv(job, failed_only=False, name="results")


class BulkJobErrors(PartyAPIView):
    @extend_schema(
        operation_id="bulk_jobs_errors",
        summary="The rows that failed (CSV)",
        description="Row number (as the spreadsheet shows it) and the reason, for each bad row.",
        responses={
            (200, "text/csv"): OpenApiResponse(str, description="CSV"),
            **READ_ERRORS,
        },
        tags=["bulk jobs"],
    )
    def get(self, request, job_id):
        job = bulk_job_get_for_party(self.party(), job_id)
        return _items_csv(job, failed_only=True, name="errors")


class BulkJobDownload(PartyAPIView):
    @extend_schema(
        operation_id="bulk_jobs_download",
        summary="An export job's file",
        responses={
            (200, "text/csv"): OpenApiResponse(str, description="The export, as CSV"),
            (200, XLSX): OpenApiResponse(bytes, description="The export, as XLSX"),
            **READ_ERRORS,
            404: OpenApiResponse(
                NOT_YOURS.response, description="No such export job of yours, or no file yet."
            ),
        },
        tags=["bulk jobs"],
    )
    def get(self, request, job_id):
        job = bulk_job_get_for_party(self.party(), job_id)
        if job.kind != BulkKind.EXPORT or not job.result:
            raise BulkJobNotFound()
        return FileResponse(
            job.result.open("rb"),
            as_attachment=True,
            filename=f"tickets-{job.public_id}.{job.file_format}",
        )
