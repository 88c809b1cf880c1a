"""Webhook endpoints of the caller's party and their delivery log (admins only)."""

from __future__ import annotations

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from integrations.addresses import AddressRefused, url_address_check
from integrations.delivery import delivery_redeliver
from integrations.models import WebhookDelivery, WebhookEndpoint
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
        fields = ["id", "url", "description", "event_types", "is_active", "disabled_reason"]
        read_only_fields = ["id", "disabled_reason"]

    event_types = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=50
    )

    def validate_url(self, value: str) -> str:
        try:
            url_address_check(value)
        except AddressRefused as exc:
            raise serializers.ValidationError(str(exc)) from exc
        return value


class EndpointCreatedSerializer(EndpointSerializer):
    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]
        read_only_fields = [*EndpointSerializer.Meta.read_only_fields, "secret"]


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
        description="The response carries the signing `secret` (Standard Webhooks, `whsec_…`).",
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
