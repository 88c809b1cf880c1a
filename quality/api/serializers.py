"""Request bodies and response shapes of ``/api/v1/quality/``. Shape only: the rules (empty,
duplicate, severity) are the services', returned as field errors."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from integrations.api.pagination import PageQuery

from ..models import HitOutcome, QualityHit, QualityPhrase, Severity


class PhraseSerializer(serializers.ModelSerializer):
    class Meta:
        model = QualityPhrase
        fields = ["id", "phrase", "severity", "note", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class PhraseWriteSerializer(serializers.Serializer):
    """Phrase and severity are checked by ``quality.services`` (one set of rules and messages
    for the API and the portal), so they are taken here as plain text."""

    phrase = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text=_("Matched anywhere in the text, ignoring case, full/half width and spacing."),
    )
    severity = serializers.CharField(
        allow_blank=True, help_text=_("`block` (refused) or `warn` (sent only if confirmed).")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class HitSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.reference")
    author = serializers.SerializerMethodField()

    class Meta:
        model = QualityHit
        fields = [
            "id",
            "ticket",
            "author",
            "phrase",
            "from_platform",
            "severity",
            "outcome",
            "field",
            "excerpt",
            "created_at",
        ]

    def get_author(self, hit: QualityHit) -> str:
        if hit.user_id is not None:
            return hit.user.get_username()
        return str(hit.api_key) if hit.api_key_id is not None else ""


class HitPageShape(serializers.Serializer):
    results = HitSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class HitQuery(PageQuery):
    start = serializers.DateTimeField(required=False, help_text=_("From this time (inclusive)."))
    end = serializers.DateTimeField(required=False, help_text=_("Until this time (exclusive)."))
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    outcome = serializers.ChoiceField(choices=HitOutcome.choices, required=False)
    agent = serializers.CharField(
        required=False, max_length=150, help_text=_("Username of one of your people.")
    )
