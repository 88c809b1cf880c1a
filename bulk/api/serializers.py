from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from bulk.models import BulkKind, FileFormat
from bulk.selection import FILTERS
from bulk.services import BULK_ACTIONS
from tickets.api.shapes import ConflictShape, ErrorShape
from tickets.workflow import State


class _OneOrMany(serializers.ListField):
    """A list, or a single value standing for a list of one."""

    def to_internal_value(self, data):
        return super().to_internal_value([data] if isinstance(data, str) else data)


class BulkFiltersSerializer(serializers.Serializer):
    """Which of your tickets a transition or export covers (all given filters apply)."""

    state = _OneOrMany(
        child=serializers.ChoiceField(choices=State.choices),
        required=False,
        max_length=len(State.values),
        help_text=_("One state or a list of states."),
    )
    category = serializers.CharField(required=False, allow_blank=True, max_length=64)
    campaign = serializers.CharField(
        required=False, allow_blank=True, max_length=60, help_text=_("A campaign's slug.")
    )
    eligible = serializers.BooleanField(
        required=False, allow_null=True, help_text=_("Campaign claims: eligible or not.")
    )
    created_after = serializers.DateField(required=False, allow_null=True)
    created_before = serializers.DateField(required=False, allow_null=True)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(FILTERS))
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown filter.")] for name in unknown}
                )
        values = super().to_internal_value(data)
        # Stored with the job as JSON: dates as ISO text, as the job runner reads them.
        return {
            name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in values.items()
        }


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
    filters = BulkFiltersSerializer(required=False)
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
