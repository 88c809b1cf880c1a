"""A party's own configuration, for its admins (``party:admin`` keys or the admin role):
products (bulk upsert), routing rules, SLA policies, business calendars, and SLA figures.

Every object is looked up within the caller's party, so another party's id is a 404.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from integrations.api.base import PartyAPIView
from tenants.models import PartyKind
from tickets.models import BusinessCalendar, Product, RoutingRule, SlaPolicy, TicketCategory
from tickets.models.configuration import products_forget
from tickets.stats import party_sla_stats

from .serializers import PartySlugField
from .shapes import ErrorShape

_ERRORS = {
    400: OpenApiResponse(ErrorShape, description="Invalid input."),
    401: OpenApiResponse(ErrorShape, description="No or an invalid API key."),
    403: OpenApiResponse(ErrorShape, description="Needs party:admin or the admin role."),
    404: OpenApiResponse(ErrorShape, description="No such object of your party."),
}
MAX_PRODUCTS = 1000


class ProductSerializer(serializers.ModelSerializer):
    brand = PartySlugField(kinds=(PartyKind.BRAND,), required=False, allow_null=True)
    merchant = PartySlugField(kinds=(PartyKind.MERCHANT,), required=False, allow_null=True)

    class Meta:
        model = Product
        fields = ["sku", "name", "brand", "merchant", "product_category", "updated_at"]
        read_only_fields = ["updated_at"]
        # Upsert: an existing SKU is updated, so the model's unique check must not refuse it.
        validators: list = []


class ProductBulkSerializer(serializers.Serializer):
    products = ProductSerializer(many=True, allow_empty=False, max_length=MAX_PRODUCTS)


class CalendarSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessCalendar
        fields = [
            "id",
            "name",
            "is_default",
            "time_zone",
            "always_open",
            "weekly_hours",
            "holidays",
            "extra_working_days",
        ]


class PolicySerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=TicketCategory.objects.all(), required=False, allow_null=True
    )
    party = PartySlugField(required=False, allow_null=True)

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "name",
            "category",
            "priority",
            "party_kind",
            "party",
            "accept_within",
            "resolve_within",
            "warn_at_percent",
            "calendar",
            "breach_action",
            "is_active",
        ]


class RuleSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=TicketCategory.objects.all(), required=False, allow_null=True
    )
    brand = PartySlugField(kinds=(PartyKind.BRAND,), required=False, allow_null=True)
    merchant = PartySlugField(kinds=(PartyKind.MERCHANT,), required=False, allow_null=True)
    target = PartySlugField(required=False, allow_null=True)

    class Meta:
        model = RoutingRule
        exclude = ["owner"]


class ProductUpsert(PartyAPIView):
    admin_only = True

    @extend_schema(
        operation_id="products_list",
        summary="List your products",
        responses={200: ProductSerializer(many=True), **_ERRORS},
        tags=["configuration"],
    )
    def get(self, request) -> Response:
        products = Product.objects.filter(owner=self.party()).select_related("brand", "merchant")
        return Response(ProductSerializer(products[:5000], many=True).data)

    @extend_schema(
        operation_id="products_upsert",
        summary="Upsert products in bulk",
        description="Up to 1,000 SKUs per call; an existing SKU is updated. Streamers only.",
        request=ProductBulkSerializer,
        responses={200: ProductSerializer(many=True), **_ERRORS},
        tags=["configuration"],
    )
    def post(self, request) -> Response:
        return self.once(self._upsert)

    def _upsert(self) -> Response:
        owner = self.party()
        if owner.kind != PartyKind.STREAMER:
            raise serializers.ValidationError({"owner": [_("Only streamers keep products.")]})
        body = ProductBulkSerializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        rows = {
            item["sku"]: Product(owner=owner, **item) for item in body.validated_data["products"]
        }
        with transaction.atomic():
            Product.objects.bulk_create(
                list(rows.values()),
                update_conflicts=True,
                unique_fields=["owner", "sku"],
                update_fields=["name", "brand", "merchant", "product_category", "updated_at"],
            )
            products_forget(owner.pk, rows)
        saved = Product.objects.filter(owner=owner, sku__in=rows).select_related(
            "brand", "merchant"
        )
        return Response(ProductSerializer(saved, many=True).data)


def _checked_save(obj, data: dict):
    """Save after the model's own constraints (checks, uniqueness) said yes, so a bad
    combination is a 400 with the reason rather than a database error."""
    for name, value in data.items():
        setattr(obj, name, value)
    try:
        obj.validate_constraints()
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.message_dict) from exc
    obj.save()
    return obj


def _owned_views(model, serializer, name: str, tag: str = "configuration"):
    """List/create and detail (get, patch, delete) views for a model with an ``owner`` party."""

    class ListCreate(PartyAPIView):
        admin_only = True

        @extend_schema(
            operation_id=f"{name}_list",
            summary=f"List your {name.replace('_', ' ')}",
            responses={200: serializer(many=True), **_ERRORS},
            tags=[tag],
        )
        def get(self, request) -> Response:
            return Response(serializer(model.objects.filter(owner=self.party()), many=True).data)

        @extend_schema(
            operation_id=f"{name}_create",
            summary=f"Add to your {name.replace('_', ' ')}",
            request=serializer,
            responses={201: serializer, **_ERRORS},
            tags=[tag],
        )
        def post(self, request) -> Response:
            return self.once(self._create)

        def _create(self) -> Response:
            body = serializer(data=self.request.data)
            body.is_valid(raise_exception=True)
            obj = _checked_save(model(owner=self.party()), body.validated_data)
            return Response(serializer(obj).data, status=status.HTTP_201_CREATED)

    class Detail(PartyAPIView):
        admin_only = True

        def _get(self, pk: int):
            return get_object_or_404(model, pk=pk, owner=self.party())

        @extend_schema(
            operation_id=f"{name}_retrieve",
            summary=f"Get one of your {name.replace('_', ' ')}",
            responses={200: serializer, **_ERRORS},
            tags=[tag],
        )
        def get(self, request, pk: int) -> Response:
            return Response(serializer(self._get(pk)).data)

        @extend_schema(
            operation_id=f"{name}_update",
            summary=f"Change one of your {name.replace('_', ' ')}",
            request=serializer,
            responses={200: serializer, **_ERRORS},
            tags=[tag],
        )
        def patch(self, request, pk: int) -> Response:
            obj = self._get(pk)
            body = serializer(obj, data=request.data, partial=True)
            body.is_valid(raise_exception=True)
            return Response(serializer(_checked_save(obj, body.validated_data)).data)

        @extend_schema(
            operation_id=f"{name}_destroy",
            summary=f"Delete one of your {name.replace('_', ' ')}",
            responses={204: None, **_ERRORS},
            tags=[tag],
        )
        def delete(self, request, pk: int) -> Response:
            self._get(pk).delete()
            return Response(status=status.HTTP_204_NO_CONTENT)

    title = "".join(part.title() for part in name.split("_"))
    ListCreate.__name__, Detail.__name__ = f"{title}ListCreate", f"{title}Detail"
    return ListCreate, Detail


RuleList, RuleDetail = _owned_views(RoutingRule, RuleSerializer, "routing_rules")
PolicyList, PolicyDetail = _owned_views(SlaPolicy, PolicySerializer, "sla_policies")
CalendarList, CalendarDetail = _owned_views(BusinessCalendar, CalendarSerializer, "calendars")


class StatsQuery(serializers.Serializer):
    start = serializers.DateTimeField(required=False, help_text="Default: 30 days ago.")
    end = serializers.DateTimeField(required=False, help_text="Default: now.")
    by_category = serializers.BooleanField(required=False, default=False)


class StatsRow(serializers.Serializer):
    party = serializers.DictField(child=serializers.CharField())
    category = serializers.CharField(allow_null=True)
    periods = serializers.IntegerField()
    held_seconds = serializers.IntegerField()
    with_clock = serializers.IntegerField()
    breaches = serializers.IntegerField()
    warnings = serializers.IntegerField()
    compliance_percent = serializers.FloatField(allow_null=True)


class SlaStats(PartyAPIView):
    @extend_schema(
        operation_id="stats_sla",
        summary="SLA figures per holding party",
        description="Over the tickets you may see (a platform: every ticket on it).",
        parameters=[StatsQuery],
        responses={200: StatsRow(many=True), **_ERRORS},
        tags=["stats"],
    )
    def get(self, request) -> Response:
        query = StatsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        end = query.validated_data.get("end") or timezone.now()
        start = query.validated_data.get("start") or end - timedelta(days=30)
        if start >= end:
            raise serializers.ValidationError({"start": [_("Must be before end.")]})
        rows = party_sla_stats(
            self.party(), start=start, end=end, by_category=query.validated_data["by_category"]
        )
        return Response(
            [
                {
                    "party": {"slug": r.party_slug, "name": r.party_name, "kind": r.party_kind},
                    "category": r.category,
                    "periods": r.periods,
                    "held_seconds": int(r.held.total_seconds()),
                    "with_clock": r.with_clock,
                    "breaches": r.breaches,
                    "warnings": r.warnings,
                    "compliance_percent": r.compliance_percent,
                }
                for r in rows
            ]
        )
