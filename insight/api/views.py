"""``/api/v1/insight/``: the dashboard's figures and the live top issues, for the caller's party
(the same functions the portal page uses, so page, CSV and API agree)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.response import Response

from integrations.api.base import PartyAPIView
from tickets.api.shapes import ErrorShape, PartyRef

from ..figures import dashboard_figures
from ..periods import PERIODS, period_resolve
from ..top_issues import WINDOWS, top_issues

_ERRORS = {
    400: OpenApiResponse(
        ErrorShape, description="Bad parameters (`invalid_period` / `invalid_window`)."
    ),
    401: OpenApiResponse(ErrorShape, description="No or an invalid API key."),
    403: OpenApiResponse(ErrorShape, description="The key lacks tickets:read."),
}


class InsightCountPair(serializers.Serializer):
    count = serializers.IntegerField()
    previous = serializers.IntegerField()


class InsightCategoryCount(InsightCountPair):
    category = serializers.CharField()
    label = serializers.CharField()


class InsightChannelCount(InsightCountPair):
    channel = serializers.CharField()


class InsightOutcomeCount(InsightCountPair):
    outcome = serializers.CharField()


class InsightDailyCount(serializers.Serializer):
    date = serializers.DateField()
    count = serializers.IntegerField()


class InsightIntake(serializers.Serializer):
    total = serializers.IntegerField()
    previous = serializers.IntegerField()
    by_category = InsightCategoryCount(many=True)
    by_channel = InsightChannelCount(many=True)
    daily = InsightDailyCount(many=True)


class InsightBacklog(serializers.Serializer):
    total = serializers.IntegerField()
    by_state = serializers.DictField(child=serializers.IntegerField())
    by_age = serializers.DictField(
        child=serializers.IntegerField(), help_text="under_4h, 4h_1d, 1d_3d, over_3d"
    )


class InsightDuration(serializers.Serializer):
    count = serializers.IntegerField()
    median_seconds = serializers.IntegerField(
        allow_null=True, help_text="Upper edge of the histogram bucket holding the median."
    )
    p90_seconds = serializers.IntegerField(allow_null=True)
    previous_median_seconds = serializers.IntegerField(allow_null=True)
    previous_p90_seconds = serializers.IntegerField(allow_null=True)


class InsightHolderSla(serializers.Serializer):
    party = PartyRef()
    received = serializers.IntegerField(help_text="Custody periods begun in the period.")
    breached = serializers.IntegerField()
    compliance_percent = serializers.FloatField(allow_null=True)
    previous_compliance_percent = serializers.FloatField(allow_null=True)
    own = serializers.BooleanField()


class InsightSla(serializers.Serializer):
    breaches = serializers.IntegerField()
    previous_breaches = serializers.IntegerField()
    own_breaches = serializers.IntegerField()
    previous_own_breaches = serializers.IntegerField()
    own_compliance_percent = serializers.FloatField(allow_null=True)
    previous_own_compliance_percent = serializers.FloatField(allow_null=True)
    partners = InsightHolderSla(many=True, help_text="Streamers and platforms only; else empty.")


class InsightRates(serializers.Serializer):
    resolved = serializers.IntegerField()
    reopened = serializers.IntegerField()
    escalated = serializers.IntegerField()
    reopen_rate_percent = serializers.FloatField(allow_null=True)
    previous_reopen_rate_percent = serializers.FloatField(allow_null=True)
    escalation_rate_percent = serializers.FloatField(allow_null=True)
    previous_escalation_rate_percent = serializers.FloatField(allow_null=True)


class InsightCsat(serializers.Serializer):
    average = serializers.FloatField(allow_null=True)
    previous_average = serializers.FloatField(allow_null=True)
    count = serializers.IntegerField()
    distribution = serializers.DictField(child=serializers.IntegerField())


class InsightPeriodShape(serializers.Serializer):
    name = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    previous_start = serializers.DateTimeField()
    previous_end = serializers.DateTimeField()


class InsightDashboard(serializers.Serializer):
    period = InsightPeriodShape()
    intake = InsightIntake()
    backlog = InsightBacklog()
    time_to_accept = InsightDuration()
    time_to_resolve = InsightDuration()
    sla = InsightSla()
    rates = InsightRates()
    csat = InsightCsat()
    outcomes = InsightOutcomeCount(many=True)


class InsightTopItem(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    previous = serializers.IntegerField()
    growth = serializers.IntegerField()


class InsightTopIssues(serializers.Serializer):
    window = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    categories = InsightTopItem(many=True)
    products = InsightTopItem(many=True)
    keywords = InsightTopItem(many=True)


PERIOD_PARAMETERS = [
    OpenApiParameter("period", OpenApiTypes.STR, enum=list(PERIODS), description="Default 7d."),
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (period=custom)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day, inclusive (custom)."),
]


class DashboardView(PartyAPIView):
    @extend_schema(
        operation_id="insight_dashboard",
        summary="Your party's service figures over a period, against the previous one",
        description=(
            "InsightIntake by category and channel, backlog by state and age, median/p90 time to "
            "accept and to resolve, SLA compliance and breaches (per partner for streamers and "
            "platforms), reopen and escalation rates, CSAT and outcomes, over the tickets your "
            "party may see. From hourly rollups, refreshed every few seconds."
        ),
        parameters=PERIOD_PARAMETERS,
        responses={200: InsightDashboard, **_ERRORS},
        examples=[
            OpenApiExample(
                "Bad dates",
                value={
                    "type": "validation_error",
                    "code": "invalid_period",
                    "message": "The period is invalid.",
                    "field_errors": {"end": ["The end is before the start."]},
                },
                response_only=True,
                status_codes=["400"],
            )
        ],
        tags=["insight"],
    )
    def get(self, request) -> Response:
        party = self.party()
        period = period_resolve(
            name=request.query_params.get("period"),
            start=request.query_params.get("start"),
            end=request.query_params.get("end"),
            time_zone=party.time_zone,
        )
        return Response(dashboard_figures(party, period))


class TopIssuesView(PartyAPIView):
    @extend_schema(
        operation_id="insight_top_issues",
        summary="Categories, products and keywords rising fastest now",
        description=(
            "New tickets your party may see in the last 15 minutes or hour against the window "
            "before. The same figures are pushed as `insight.top_issues` on `/ws/party/`."
        ),
        parameters=[
            OpenApiParameter(
                "window", OpenApiTypes.STR, enum=list(WINDOWS), description="Default 15m."
            )
        ],
        responses={200: InsightTopIssues, **_ERRORS},
        tags=["insight"],
    )
    def get(self, request) -> Response:
        window = request.query_params.get("window") or "15m"
        return Response(top_issues(self.party(), window=window))
