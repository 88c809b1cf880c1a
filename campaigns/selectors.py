"""Reads of campaigns, scoped to the party: the streamer that runs a campaign and the party that
ships its prizes see it; nobody else learns it exists (the buyer page shows only what a buyer
needs)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tenants.models import Party
from tickets.selectors import ticket_qs_for_party

from .errors import CampaignNotFound
from .models import Campaign, Registration


def campaign_qs_for_party(party: Party) -> QuerySet[Campaign]:
    return Campaign.objects.filter(Q(streamer=party) | Q(handling_party=party)).select_related(
        "streamer", "handling_party"
    )


def campaign_get_for_party(party: Party, slug: str) -> Campaign:
    campaign = campaign_qs_for_party(party).filter(slug=slug).first()
    if campaign is None:
        raise CampaignNotFound()
    return campaign


def campaign_get_public(slug: str) -> Campaign:
    campaign = Campaign.objects.select_related("streamer").filter(slug=slug).first()
    if campaign is None:
        raise CampaignNotFound()
    return campaign


def registration_qs_for_party(party: Party, campaign: Campaign) -> QuerySet[Registration]:
    """The campaign's registrations whose tickets the party may see (the handling party sees a
    claim only once it was routed to it), with their tickets."""
    return (
        Registration.objects.filter(campaign=campaign, ticket__in=ticket_qs_for_party(party))
        .select_related("ticket", "ticket__category")
        .order_by("created_at", "id")
    )
