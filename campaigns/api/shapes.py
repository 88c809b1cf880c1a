"""Response shapes of the campaign endpoints for the OpenAPI schema. The bodies are built in
``views``; these serializers only describe them (schemathesis checks that they agree)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from tickets.api.shapes import ConflictShape, ErrorShape, TicketShape
from tickets.workflow import State

from ..models import Eligibility
from ..services import FORM_FIELDS


class CampaignShape(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    prize = serializers.CharField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    window = serializers.ChoiceField(choices=["upcoming", "open", "closed"])
    eligibility = serializers.ChoiceField(choices=Eligibility.choices)
    order_pattern = serializers.CharField()
    form_fields = serializers.ListField(child=serializers.ChoiceField(choices=FORM_FIELDS))
    size_options = serializers.ListField(child=serializers.CharField())
    colour_options = serializers.ListField(child=serializers.CharField())
    streamer = serializers.CharField(help_text="Slug of the streamer running the campaign.")
    handling_party = serializers.CharField(help_text="Slug of the party that ships the prizes.")
    buyer_url = serializers.URLField(help_text="The buyers' claim page (share it or its QR).")
    qr_url = serializers.URLField(help_text="A PNG QR code of `buyer_url`.")


class CampaignCountsShape(serializers.Serializer):
    registrations = serializers.IntegerField()
    eligible = serializers.IntegerField()
    by_state = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=f"Claims per ticket state ({', '.join(State.values)}); absent states are 0.",
    )


class CampaignDetailShape(CampaignShape):
    counts = CampaignCountsShape(help_text="Figures over the claims you may see.")


class RegistrationShape(serializers.Serializer):
    order_number = serializers.CharField()
    eligible = serializers.BooleanField()
    eligibility_note = serializers.CharField()
    registered_at = serializers.DateTimeField()
    ticket = TicketShape(help_text="The claim's ticket as your party sees it.")


class EligibleOrdersAddedShape(serializers.Serializer):
    eligible_registrations = serializers.IntegerField(
        help_text="How many of the campaign's registrations are eligible now."
    )


def _err(description: str, shape=ErrorShape) -> OpenApiResponse:
    return OpenApiResponse(shape, description=description)


UNAUTHENTICATED = _err("No or an invalid API key.")
THROTTLED = _err("Too many requests for this key; retry after `Retry-After` seconds.")
NOT_VISIBLE = _err("No such campaign, or not one your party may see.")
READ_ERRORS = {
    401: UNAUTHENTICATED,
    403: _err("The key lacks the tickets:read scope."),
    404: NOT_VISIBLE,
    429: THROTTLED,
}
WRITE_ERRORS = {
    400: _err("Invalid input (or a malformed Idempotency-Key); `field_errors` says which."),
    401: UNAUTHENTICATED,
    403: _err("Not allowed for your party, role or key (tickets:write)."),
    404: NOT_VISIBLE,
    409: _err("The same Idempotency-Key is still being processed.", ConflictShape),
    422: _err("Idempotency-Key reused with a different body."),
    429: THROTTLED,
}
