"""``/api/v1/campaigns/``: a streamer's giveaways, their registrations (claims) and bulk review.
Campaigns are visible to the streamer that runs them and the party that ships their prizes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from bulk.api.serializers import BulkJobShape
from bulk.progress import bulk_job_payload
from integrations.api.base import PartyAPIView
from tenants.models import Party
from tickets.errors import TicketPermissionDenied
from tickets.projections import ticket_for_party

from ..models import Campaign, Eligibility
from ..review import Decision, campaign_counts, campaign_review_start
from ..selectors import campaign_get_for_party, campaign_qs_for_party, registration_qs_for_party
from ..services import FORM_FIELDS, campaign_create, campaign_eligible_orders_add
from . import shapes
from .shapes import READ_ERRORS, WRITE_ERRORS


def campaign_payload(campaign: Campaign, request) -> dict:
    return {
        "slug": campaign.slug,
        "name": campaign.name,
        "description": campaign.description,
        "prize": campaign.prize,
        "opens_at": campaign.opens_at.isoformat(),
        "closes_at": campaign.closes_at.isoformat(),
        "window": campaign.window_state(),
        "eligibility": campaign.eligibility,
        "order_pattern": campaign.order_pattern,
        "form_fields": campaign.form_fields,
        "size_options": campaign.size_options,
        "colour_options": campaign.colour_options,
        "streamer": campaign.streamer.slug,
        "handling_party": campaign.handling_party.slug,
        "buyer_url": request.build_absolute_uri(f"/c/{campaign.slug}"),
        "qr_url": request.build_absolute_uri(f"/c/{campaign.slug}/qr.png"),
    }


class CampaignCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.CharField(max_length=60)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    prize = serializers.CharField(max_length=200)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    handling_party = serializers.SlugField(help_text=_("Slug of a partner brand or merchant."))
    form_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=FORM_FIELDS), required=False
    )
    size_options = serializers.ListField(child=serializers.CharField(max_length=20), default=list)
    colour_options = serializers.ListField(child=serializers.CharField(max_length=40), default=list)
    eligibility = serializers.ChoiceField(choices=Eligibility.choices, default=Eligibility.ANYONE)
    order_pattern = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    eligible_orders = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=100_000
    )
    livestream_session = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=120
    )


class CampaignListCreate(PartyAPIView):
    @extend_schema(
        operation_id="campaigns_list",
        summary="List your campaigns",
        description="Campaigns your party runs (streamers) or ships the prizes of.",
        responses={
            200: shapes.CampaignShape(many=True),
            401: READ_ERRORS[401],
            403: READ_ERRORS[403],
            429: READ_ERRORS[429],
        },
        tags=["campaigns"],
    )
    def get(self, request):
        campaigns = campaign_qs_for_party(self.party())
        return Response([campaign_payload(c, request) for c in campaigns])

    @extend_schema(
        operation_id="campaigns_create",
        summary="Open a giveaway campaign (streamers)",
        description=(
            "Opens a giveaway for your streamer; buyers claim the prize at `buyer_url`. The "
            "handling party must be one of your partner brands or merchants. Send an "
            "`Idempotency-Key` header so a retry cannot open it twice."
        ),
        request=CampaignCreateSerializer,
        responses={201: shapes.CampaignShape, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "Shoes giveaway",
                request_only=True,
                value={
                    "name": "Double 11 shoes giveaway",
                    "slug": "d11-shoes",
                    "prize": "Running shoes",
                    "opens_at": "2026-11-11T20:00:00+08:00",
                    "closes_at": "2026-11-12T20:00:00+08:00",
                    "handling_party": "swift-ship",
                    "size_options": ["40", "41", "42"],
                    "colour_options": ["black", "white"],
                    "eligibility": "list",
                    "eligible_orders": ["DY2026111100001", "DY2026111100002"],
                },
            )
        ],
        tags=["campaigns"],
    )
    def post(self, request):
        return self.once(lambda: self._create(request))

    def _create(self, request) -> Response:
        body = CampaignCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        attrs = dict(body.validated_data)
        slug = attrs.pop("handling_party")
        # Unknown and non-partner parties get the same answer from the service.
        handling = Party.objects.filter(slug=slug).first()
        campaign = campaign_create(actor=self.actor(), handling_party=handling, **attrs)
        return Response(campaign_payload(campaign, request), status=status.HTTP_201_CREATED)


class CampaignDetail(PartyAPIView):
    @extend_schema(
        operation_id="campaigns_retrieve",
        summary="Get a campaign",
        description="The campaign with figures over the claims you may see.",
        responses={200: shapes.CampaignDetailShape, **READ_ERRORS},
        tags=["campaigns"],
    )
    def get(self, request, slug):
        campaign = campaign_get_for_party(self.party(), slug)
        return Response(
            {
                **campaign_payload(campaign, request),
                "counts": campaign_counts(self.party(), campaign),
            }
        )


class CampaignRegistrations(PartyAPIView):
    @extend_schema(
        operation_id="campaigns_registrations",
        summary="List a campaign's claims",
        description=(
            "The claims (registrations) you may see, oldest first, at most 1,000, each with the "
            "eligibility check and its ticket."
        ),
        responses={200: shapes.RegistrationShape(many=True), **READ_ERRORS},
        tags=["campaigns"],
    )
    def get(self, request, slug):
        party = self.party()
        campaign = campaign_get_for_party(party, slug)
        registrations = registration_qs_for_party(party, campaign).select_related(
            "ticket__platform",
            "ticket__originator",
            "ticket__brand",
            "ticket__merchant",
            "ticket__handler",
            "ticket__custody_party",
            "ticket__assignee",
        )[:1_000]
        return Response(
            [
                {
                    "order_number": r.order_number,
                    "eligible": r.eligible,
                    "eligibility_note": r.eligibility_note,
                    "registered_at": r.created_at.isoformat(),
                    "ticket": ticket_for_party(r.ticket, party),
                }
                for r in registrations
            ]
        )


class EligibleOrdersSerializer(serializers.Serializer):
    order_numbers = serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=100_000
    )


class CampaignEligibleOrders(PartyAPIView):
    @extend_schema(
        operation_id="campaigns_eligible_orders_add",
        summary="Add orders to the winners' list",
        description=(
            "The campaign's streamer adds order numbers; registrations already in are re-checked. "
            "Adding an order twice is harmless."
        ),
        request=EligibleOrdersSerializer,
        responses={
            200: shapes.EligibleOrdersAddedShape,
            **WRITE_ERRORS,
        },
        examples=[
            OpenApiExample(
                "Two winners",
                request_only=True,
                value={"order_numbers": ["DY2026111100003", "DY2026111100004"]},
            )
        ],
        tags=["campaigns"],
    )
    def post(self, request, slug):
        return self.once(lambda: self._add(request, slug))

    def _add(self, request, slug) -> Response:
        campaign = campaign_get_for_party(self.party(), slug)
        if campaign.streamer_id != self.party().pk or not self.actor().can_act:
            raise TicketPermissionDenied()
        body = EligibleOrdersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        eligible = campaign_eligible_orders_add(
            campaign=campaign, order_numbers=body.validated_data["order_numbers"]
        )
        return Response({"eligible_registrations": eligible})


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    references = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=100_000
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class CampaignReview(PartyAPIView):
    @extend_schema(
        operation_id="campaigns_review",
        summary="Approve, reject, accept or mark shipped in bulk",
        description=(
            "Starts a bulk transition job over the listed claims, or over every claim the "
            "decision fits. approve → route to the handling party; reject → cancel with the "
            "reason; accept → accept (handling party); ship → resolve as reissue, 'gift shipped'."
        ),
        request=ReviewSerializer,
        responses={202: BulkJobShape, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "Approve every eligible new claim", request_only=True, value={"decision": "approve"}
            ),
            OpenApiExample(
                "Reject two claims",
                request_only=True,
                value={
                    "decision": "reject",
                    "references": ["AS-20261111-000101", "AS-20261111-000102"],
                    "reason": "Order not on the winners' list.",
                },
            ),
        ],
        tags=["campaigns"],
    )
    def post(self, request, slug):
        return self.once(lambda: self._review(request, slug))

    def _review(self, request, slug) -> Response:
        campaign = campaign_get_for_party(self.party(), slug)
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = campaign_review_start(
            actor=self.actor(),
            campaign=campaign,
            decision=body.validated_data["decision"],
            references=body.validated_data.get("references"),
            reason=body.validated_data["reason"],
        )
        job.refresh_from_db()
        return Response(bulk_job_payload(job), status=status.HTTP_202_ACCEPTED)
