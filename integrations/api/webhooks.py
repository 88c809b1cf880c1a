"""Webhook endpoints of the caller's party and their delivery log (admins only)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from integrations.addresses import AddressRefused, url_address_check
from integrations.delivery import delivery_redeliver
from integrations.models import EndpointKind, WebhookDelivery, WebhookEndpoint
from integrations.robots import RobotSettingsInvalid, robot_settings_clean
from integrations.worker import kick
from tickets.api.shapes import ErrorShape

from .base import PartyAPIView

_ERRORS = {
    400: OpenApiResponse(ErrorShape, description="Invalid input (e.g. a private URL)."),
    401: OpenApiResponse(ErrorShape, description="No or an invalid API key."),
    403: OpenApiResponse(ErrorShape, description="Needs the party:admin scope or the admin role."),
    404: OpenApiResponse(ErrorShape, description="No such endpoint of your party."),
}


class EndpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "kind",
            "url",
            "description",
            "event_types",
            "language",
            "is_active",
            "disabled_reason",
            "robot_secret",
        ]
        read_only_fields = ["id", "disabled_reason"]

    event_types = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=50
    )
    language = serializers.ChoiceField(
        choices=[("", "")] + [(code, code) for code, _name in settings.LANGUAGES],
        required=False,
        help_text="Robots: the language of their messages; empty means the site default.",
    )
    robot_secret = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=80,
        write_only=True,
        help_text="DingTalk and Feishu robots: the signing secret the chat tool shows (DingTalk "
        "`SEC…`); leave it out if the robot does not sign. Never returned.",
    )

    def validate_url(self, value: str) -> str:
        try:
            url_address_check(value)
        except AddressRefused as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return value

    def validate(self, attrs: dict) -> dict:
        kind = attrs.get("kind", self.instance.kind if self.instance else EndpointKind.STANDARD)
        if self.instance is not None and kind != self.instance.kind:
            raise serializers.ValidationError({"kind": [_("The kind cannot be changed.")]})
        types = attrs.get("event_types", [] if self.instance is None else None)
        try:
            secret, types = robot_settings_clean(kind, attrs.pop("robot_secret", None), types)
        except RobotSettingsInvalid as exc:
            raise serializers.ValidationError({exc.field: [exc.message]}) from exc
        if types is not None:
            attrs["event_types"] = types
        if kind != EndpointKind.STANDARD and (secret is not None or self.instance is None):
            attrs["secret"] = secret or ""
        return attrs


class EndpointCreatedSerializer(EndpointSerializer):
    """A standard endpoint's generated secret is shown once, here; a robot's is never shown."""

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = [*EndpointSerializer.Meta.read_only_fields, "secret"]

    secret = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_secret(self, endpoint: WebhookEndpoint) -> str | None:
        return None if endpoint.is_robot else endpoint.secret


class DeliverySerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="payload.data.ticket.reference", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "message_id",
            "kind",
            "ticket",
            "seq",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "delivered_at",
            "created_at",
        ]


class _AdminView(PartyAPIView):
    admin_only = True

    def endpoint(self, endpoint_id: int) -> WebhookEndpoint:
        return get_object_or_404(WebhookEndpoint, pk=endpoint_id, party=self.party())


class EndpointListCreate(_AdminView):
    @extend_schema(
        operation_id="webhook_endpoints_list",
        summary="List webhook endpoints",
        responses={200: EndpointSerializer(many=True), **_ERRORS},
        tags=["webhooks"],
    )
    def get(self, request) -> Response:
        endpoints = WebhookEndpoint.objects.filter(party=self.party())
        return Response(EndpointSerializer(endpoints, many=True).data)

    @extend_schema(
        operation_id="webhook_endpoints_create",
        summary="Add a webhook endpoint",
        description="`kind` `standard` (default): the response carries the signing `secret` "
        "(Standard Webhooks, `whsec_…`). `dingtalk`, `wecom`, `feishu`: a chat group robot; "
        "its URL is the robot's webhook address, `robot_secret` the tool's signing secret, "
        "and it gets a translated message in the tool's format (empty `event_types`: alerts "
        "only).",
        request=EndpointSerializer,
        responses={201: EndpointCreatedSerializer, **_ERRORS},
        tags=["webhooks"],
    )
    def post(self, request) -> Response:
        return self.once(self._create)

    def _create(self) -> Response:
        body = EndpointSerializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        endpoint = body.save(party=self.party())
        return Response(EndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class EndpointDetail(_AdminView):
    @extend_schema(
        operation_id="webhook_endpoints_retrieve",
        summary="Get a webhook endpoint",
        responses={200: EndpointSerializer, **_ERRORS},
        tags=["webhooks"],
    )
    def get(self, request, endpoint_id: int) -> Response:
        return Response(EndpointSerializer(self.endpoint(endpoint_id)).data)

    @extend_schema(
        operation_id="webhook_endpoints_update",
        summary="Change a webhook endpoint",
        description="Set `is_active: true` to resume a disabled endpoint; pending deliveries "
        "are then sent in order.",
        request=EndpointSerializer,
        responses={200: EndpointSerializer, **_ERRORS},
        tags=["webhooks"],
    )
    def patch(self, request, endpoint_id: int) -> Response:
        endpoint = self.endpoint(endpoint_id)
        body = EndpointSerializer(endpoint, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if body.validated_data.get("is_active"):
            body.validated_data["disabled_reason"] = ""
        with transaction.atomic():
            body.save()
            if body.validated_data.get("is_active"):
                transaction.on_commit(kick)
        return Response(EndpointSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhook_endpoints_destroy",
        summary="Delete a webhook endpoint",
        responses={204: None, **_ERRORS},
        tags=["webhooks"],
    )
    def delete(self, request, endpoint_id: int) -> Response:
        self.endpoint(endpoint_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeliveryList(_AdminView):
    @extend_schema(
        operation_id="webhook_deliveries_list",
        summary="Delivery log of an endpoint",
        description="Newest first, at most 200.",
        responses={200: DeliverySerializer(many=True), **_ERRORS},
        tags=["webhooks"],
    )
    def get(self, request, endpoint_id: int) -> Response:
        endpoint = self.endpoint(endpoint_id)
        deliveries = endpoint.deliveries.order_by("-id")[:200]
        return Response(DeliverySerializer(deliveries, many=True).data)


class DeliveryRedeliver(_AdminView):
    @extend_schema(
        operation_id="webhook_deliveries_redeliver",
        summary="Send a delivery again",
        description="Queues it with the same `webhook-id` and a fresh retry schedule.",
        request=None,
        responses={200: DeliverySerializer, **_ERRORS},
        tags=["webhooks"],
    )
    def post(self, request, endpoint_id: int, delivery_id: int) -> Response:
        return self.once(lambda: self._redeliver(endpoint_id, delivery_id))

    def _redeliver(self, endpoint_id: int, delivery_id: int) -> Response:
        endpoint = self.endpoint(endpoint_id)
        delivery = get_object_or_404(endpoint.deliveries, pk=delivery_id)
        with transaction.atomic():
            delivery = delivery_redeliver(delivery)
        return Response(DeliverySerializer(delivery).data)
