"""The streamer opens and changes campaigns in the portal: bad input comes back as field errors
with nothing written; only the campaign's streamer (acting, not viewing) may change it."""

from __future__ import annotations

import pytest
from django.test import Client

from campaigns.models import Campaign, EligibleOrder

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Spring jacket giveaway",
    "slug": "spring-jackets",
    "prize": "A rain jacket",
    "description": "Register your order to win.",
    "opens_at": "2026-03-01T20:00",
    "closes_at": "2026-03-01T23:00",
    "form_fields": ["size", "colour", "address_confirmed"],
    "size_options": "S, M, L",
    "colour_options": "red,blue",
    "eligibility": "list",
    "order_pattern": "",
    "eligible_orders": "DY1001\nDY1002",
    "livestream_session": "spring-live-1",
}


def _login(cast, slug: str, role: str = "agent") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(cast.user(slug, role))
    return client


def test_the_streamer_opens_a_campaign_from_the_portal(cast):
    client = _login(cast, "lucy-live")
    assert "/portal/campaigns/new/" in client.get("/portal/campaigns/").content.decode()
    assert client.get("/portal/campaigns/new/").status_code == 200
    response = client.post("/portal/campaigns/new/", GOOD | {"handling_party": cast.merchant.pk})
    assert response.status_code == 302
    assert response["Location"] == "/portal/campaigns/spring-jackets/"
    campaign = Campaign.objects.get(slug="spring-jackets")
    assert (campaign.streamer, campaign.handling_party) == (cast.streamer, cast.merchant)
    assert (campaign.size_options, campaign.colour_options) == (["S", "M", "L"], ["red", "blue"])
    assert campaign.opens_at.hour == 12  # 20:00 in the party's zone (Asia/Shanghai) is 12:00 UTC
    assert set(EligibleOrder.objects.values_list("order_number", flat=True)) == {
        "DY1001",
        "DY1002",
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"closes_at": "2026-03-01T19:00"}, "closes_at"),
        ({"closes_at": "2026-03-01T20:00"}, "closes_at"),
        ({"slug": "taken-one"}, "slug"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"slug": "new"}, "slug"),
        ({"handling_party": "outsider"}, "handling_party"),
        ({"handling_party": "streamer"}, "handling_party"),
        ({"name": ""}, "name"),
        ({"opens_at": "yesterday"}, "opens_at"),
        ({"form_fields": ["size"]}, "form_fields"),
        ({"eligibility": "pattern", "order_pattern": "DY("}, "order_pattern"),
    ],
)
def test_bad_input_is_a_field_error_and_writes_nothing(cast, campaign, change, field):
    Campaign.objects.filter(pk=campaign.pk).update(slug="taken-one")
    data = GOOD | {"handling_party": cast.merchant.pk} | change
    if data["handling_party"] in ("outsider", "streamer"):
        data["handling_party"] = getattr(cast, data["handling_party"]).pk
    before = (Campaign.objects.count(), EligibleOrder.objects.count())
    response = _login(cast, "lucy-live").post("/portal/campaigns/new/", data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'class="error"' in response.content.decode()
    assert (Campaign.objects.count(), EligibleOrder.objects.count()) == before


def test_the_streamer_changes_its_campaign(cast, campaign):
    client = _login(cast, "lucy-live")
    page = client.get("/portal/campaigns/d11-shoes/edit/")
    assert page.status_code == 200
    assert 'name="slug"' not in page.content.decode()  # the link stays as created
    response = client.post(
        "/portal/campaigns/d11-shoes/edit/",
        {
            "name": "Double 11 shoes giveaway, round 2",
            "prize": "Trail shoes",
            "opens_at": "2026-11-11T20:00",
            "closes_at": "2026-11-12T02:00",
            "handling_party": cast.brand.pk,
            "size_options": "41, 42, 43",
            "colour_options": "black",
            "eligible_orders": "DY0009",
            "slug": "hijacked",
        },
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.slug, campaign.prize, campaign.handling_party) == (
        "d11-shoes",
        "Trail shoes",
        cast.brand,
    )
    assert campaign.size_options == ["41", "42", "43"]
    assert EligibleOrder.objects.filter(campaign=campaign, order_number="DY0009").exists()


def test_a_bad_change_writes_nothing(cast, campaign):
    before = Campaign.objects.values().get(pk=campaign.pk)
    response = _login(cast, "lucy-live").post(
        "/portal/campaigns/d11-shoes/edit/",
        {
            "name": "Renamed",
            "prize": "Trail shoes",
            "opens_at": "2026-11-12T20:00",
            "closes_at": "2026-11-11T20:00",
            "handling_party": cast.brand.pk,
            "eligible_orders": "DY0009",
        },
    )
    assert response.status_code == 400
    assert "closes_at" in response.context["form"].errors
    assert Campaign.objects.values().get(pk=campaign.pk) == before
    assert not EligibleOrder.objects.filter(order_number="DY0009").exists()


@pytest.mark.parametrize(
    ("slug", "role", "status"),
    [
        ("swift-ship", "agent", 403),  # ships the prizes: sees the campaign, cannot change it
        ("north-peak", "agent", 403),
        ("starmall", "agent", 403),
        ("quiet-live", "agent", 404),  # another streamer does not learn it exists
        ("lucy-live", "viewer", 403),
    ],
)
def test_only_the_streamers_actors_may_change_it(cast, campaign, slug, role, status):
    client = _login(cast, slug, role)
    data = {
        "name": "Hijacked",
        "prize": "x",
        "opens_at": "2026-11-11T20:00",
        "closes_at": "2026-11-12T02:00",
        "handling_party": cast.merchant.pk,
    }
    assert client.post("/portal/campaigns/d11-shoes/edit/", data).status_code == status
    campaign.refresh_from_db()
    assert campaign.name != "Hijacked"


def test_outsiders_cannot_open_campaigns(cast):
    assert _login(cast, "north-peak").get("/portal/campaigns/new/").status_code == 403
    viewer = _login(cast, "lucy-live", "viewer")
    response = viewer.post("/portal/campaigns/new/", GOOD | {"handling_party": cast.merchant.pk})
    assert response.status_code == 403
    assert not Campaign.objects.exists()
