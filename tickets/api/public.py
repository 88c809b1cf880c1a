"""Buyer endpoints: no account, a private token instead, throttled per client address.

The buyer sees only ``ticket_for_buyer`` / ``event_for_buyer``: four steps, public messages,
never internal or party notes and never which company acts.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.api.idempotency import idempotent
from integrations.api.parsers import StrictJSONParser
from integrations.api.throttles import PublicIpThrottle
from tenants.actors import Actor
from tenants.models import PartyKind
from tickets.models import Channel, TicketCategory, Visibility
from tickets.projections import event_for_buyer, ticket_for_buyer
from tickets.selectors import buyer_token_digest, event_qs_for_buyer, ticket_get_for_buyer
from tickets.services import (
    allowed_actions,
    comment_add,
    ticket_create,
    ticket_perform,
    ticket_rate,
)
from tickets.workflow import State

from .serializers import AddressSerializer, PartySlugField
from .shapes import ErrorShape

# What the buyer's buttons are called, and the transition behind each.
BUYER_ACTIONS = {"confirm": "close", "reopen": "reopen", "withdraw": "cancel"}

_ERRORS = {
    400: OpenApiResponse(ErrorShape, description="Invalid input; see `field_errors`."),
    404: OpenApiResponse(ErrorShape, description="Unknown link."),
    409: OpenApiResponse(ErrorShape, description="Not possible at this step."),
    429: OpenApiResponse(ErrorShape, description="Too many requests from this address."),
}


class PublicAPIView(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [StrictJSONParser]
    throttle_classes = [PublicIpThrottle]


class BuyerRequestSerializer(serializers.Serializer):
    streamer = PartySlugField(kinds=(PartyKind.STREAMER,))
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=TicketCategory.objects.filter(is_active=True, buyer_can_submit=True),
    )
    order_number = serializers.CharField(max_length=64)
    phone = serializers.RegexField(r"^\+?[0-9 -]{6,20}$", max_length=32)
    name = serializers.CharField(max_length=80, required=False, allow_blank=True)
    address = AddressSerializer(required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    form_data = serializers.DictField(required=False)
    consent = serializers.BooleanField(
        help_text=_("The buyer agrees that the companies handling the order see their data.")
    )


class BuyerRequestCreatedSerializer(serializers.Serializer):
    reference = serializers.CharField()
    token = serializers.CharField()
    tracking_url = serializers.URLField()


class BuyerEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    step = serializers.CharField(required=False)
    outcome = serializers.CharField(required=False)
    from_ = serializers.CharField(required=False)


BuyerEventSerializer._declared_fields["from"] = BuyerEventSerializer._declared_fields.pop("from_")


class BuyerTicketSerializer(serializers.Serializer):
    reference = serializers.CharField()
    step = serializers.CharField()
    category = serializers.CharField()
    subject = serializers.CharField()
    order_number = serializers.CharField()
    promised_by = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField()
    rating = serializers.IntegerField(allow_null=True)
    last_event_seq = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    events = BuyerEventSerializer(many=True)
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=["reply", "confirm", "reopen", "withdraw", "rate"])
    )


def _buyer_view(token: str) -> dict:
    ticket = ticket_get_for_buyer(token)
    buyer = Actor.buyer()
    possible = set(allowed_actions(ticket, buyer))
    actions = ["reply"] if ticket.state not in (State.CLOSED, State.CANCELLED) else []
    actions += [name for name, action in BUYER_ACTIONS.items() if action in possible]
    if ticket.state in (State.RESOLVED, State.CLOSED):
        actions.append("rate")
    events = event_qs_for_buyer(ticket).select_related("ticket")
    return {
        **ticket_for_buyer(ticket),
        "events": [event_for_buyer(event) for event in events],
        "actions": actions,
    }


class BuyerRequestCreate(PublicAPIView):
    @extend_schema(
        operation_id="public_requests_create",
        summary="Submit a buyer request",
        description="For a streamer's category; returns the reference and the private tracking "
        "link (keep it: it is the buyer's only key to the request).",
        request=BuyerRequestSerializer,
        responses={201: BuyerRequestCreatedSerializer, **_ERRORS},
        tags=["public"],
    )
    def post(self, request) -> Response:
        ident = PublicIpThrottle().get_ident(request)
        return idempotent(request, f"ip:{ident}"[:80], self._create)

    def _create(self) -> Response:
        body = BuyerRequestSerializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        category = data["category"]
        ticket, token = ticket_create(
            actor=Actor.buyer(),
            originator=data["streamer"],
            category=category,
            subject=f"{category.label}: {data['order_number']}",
            description=data.get("description", ""),
            channel=Channel.BUYER_FORM,
            order_number=data["order_number"],
            buyer_name=data.get("name", ""),
            buyer_phone=data["phone"],
            buyer_address=dict(data.get("address") or {}),
            buyer_consent=data["consent"],
            form_data=data.get("form_data") or {},
        )
        return Response(
            {
                "reference": ticket.reference,
                "token": token,
                "tracking_url": f"{settings.COLLAB_PUBLIC_BASE_URL}/t/{token}",
            },
            status=status.HTTP_201_CREATED,
        )


class BuyerTicketDetail(PublicAPIView):
    @extend_schema(
        operation_id="public_tickets_retrieve",
        summary="Follow a request by its token",
        responses={200: BuyerTicketSerializer, **_ERRORS},
        tags=["public"],
    )
    def get(self, request, token: str) -> Response:
        return Response(_buyer_view(token))


class ReplySerializer(serializers.Serializer):
    message = serializers.CharField(max_length=5000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class RateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class _BuyerAction(PublicAPIView):
    body_serializer: type[serializers.Serializer] = serializers.Serializer

    def post(self, request, token: str) -> Response:
        return idempotent(request, f"buyer:{buyer_token_digest(token)[:40]}", self._run)

    def _run(self) -> Response:
        token = self.kwargs["token"]
        ticket = ticket_get_for_buyer(token)
        body = self.body_serializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        self.apply(ticket, Actor.buyer(), body.validated_data)
        return Response(_buyer_view(token))


def _buyer_schema(name: str, summary: str, body):
    return extend_schema(
        operation_id=f"public_tickets_{name}",
        summary=summary,
        request=body,
        responses={200: BuyerTicketSerializer, **_ERRORS},
        tags=["public"],
    )


class BuyerReply(_BuyerAction):
    """While the seller waits for the buyer this answers the question; otherwise it is a
    message to the seller."""

    body_serializer = ReplySerializer

    @_buyer_schema("reply", "Reply or write to the seller", ReplySerializer)
    def post(self, request, token: str) -> Response:
        return super().post(request, token)

    def apply(self, ticket, actor, data) -> None:
        if ticket.state == State.AWAITING_BUYER:
            ticket_perform(ticket=ticket, action="buyer_reply", actor=actor, answer=data["message"])
        else:
            comment_add(
                ticket=ticket, actor=actor, body=data["message"], visibility=Visibility.PUBLIC
            )


class BuyerConfirm(_BuyerAction):
    @_buyer_schema("confirm", "Confirm the resolution (closes the request)", None)
    def post(self, request, token: str) -> Response:
        return super().post(request, token)

    def apply(self, ticket, actor, data) -> None:
        ticket_perform(ticket=ticket, action="close", actor=actor)


class BuyerReopen(_BuyerAction):
    body_serializer = ReasonSerializer

    @_buyer_schema("reopen", "Reopen a resolved request", ReasonSerializer)
    def post(self, request, token: str) -> Response:
        return super().post(request, token)

    def apply(self, ticket, actor, data) -> None:
        ticket_perform(ticket=ticket, action="reopen", actor=actor, reason=data["reason"])


class BuyerWithdraw(_BuyerAction):
    body_serializer = OptionalReasonSerializer

    @_buyer_schema("withdraw", "Withdraw the request", OptionalReasonSerializer)
    def post(self, request, token: str) -> Response:
        return super().post(request, token)

    def apply(self, ticket, actor, data) -> None:
        ticket_perform(ticket=ticket, action="cancel", actor=actor, **data)


class BuyerRate(_BuyerAction):
    body_serializer = RateSerializer

    @_buyer_schema("rate", "Rate the handling, 1 to 5", RateSerializer)
    def post(self, request, token: str) -> Response:
        return super().post(request, token)

    def apply(self, ticket, actor, data) -> None:
        ticket_rate(ticket=ticket, actor=actor, **data)
