from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from bulk.models import BulkKind, FileFormat
from bulk.services import BULK_ACTIONS
from tickets.api.shapes import ConflictShape, ErrorShape


class BulkJobCreateSerializer(serializers.Serializer):
    """One body for the three kinds; which fields apply depends on ``kind``."""

    kind = serializers.ChoiceField(choices=BulkKind.choices)
    file = serializers.FileField(
        required=False,
        help_text=_(
            "import: the CSV/XLSX of requests; transition: a list with a 'reference' "
            "column (instead of `references`)."
        ),
    )
    category = serializers.CharField(
        required=False, allow_blank=True, help_text=_("import: category of rows without one.")
    )
    action = serializers.ChoiceField(choices=BULK_ACTIONS, required=False)
    args = serializers.DictField(required=False, help_text=_("transition: the action's fields."))
    references = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=100_000
    )
    filters = serializers.DictField(
        required=False,
        help_text=_("state, category, campaign, eligible, created_after, created_before"),
    )
    format = serializers.ChoiceField(choices=FileFormat.choices, default=FileFormat.CSV)

    def validate(self, attrs: dict) -> dict:
        kind = attrs["kind"]
        if kind == BulkKind.IMPORT and "file" not in attrs:
            raise serializers.ValidationError({"file": [_("Upload the file to import.")]})
        if kind == BulkKind.TRANSITION and "action" not in attrs:
            raise serializers.ValidationError({"action": [_("This field is required.")]})
        return attrs


class BulkJobShape(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=BulkKind.choices)
    status = serializers.CharField()
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    percent = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    skipped = serializers.IntegerField()
    failed = serializers.IntegerField()
    message = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    results_url = serializers.CharField()
    errors_url = serializers.CharField(allow_null=True)
    download_url = serializers.CharField(allow_null=True)


def _err(description: str, shape=ErrorShape) -> OpenApiResponse:
    return OpenApiResponse(shape, description=description)


UNAUTHENTICATED = _err("No or an invalid API key.")
THROTTLED = _err("Too many requests for this key; retry after `Retry-After` seconds.")
NOT_YOURS = _err("No such job of your party.")
READ_ERRORS = {
    401: UNAUTHENTICATED,
    403: _err("The key lacks the tickets:read scope."),
    404: NOT_YOURS,
    429: THROTTLED,
}
CREATE_ERRORS = {
    400: _err("Invalid input (or a malformed Idempotency-Key); `field_errors` says which."),
    401: UNAUTHENTICATED,
    403: _err("Not allowed for your party, role or key (tickets:write)."),
    409: _err("The same Idempotency-Key is still being processed.", ConflictShape),
    422: _err("Idempotency-Key reused with a different body."),
    429: THROTTLED,
}
