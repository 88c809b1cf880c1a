"""Giveaways: the window, eligibility, one registration per order, the buyer's journey from the
campaign page to "shipped", and isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from campaigns.errors import AlreadyRegistered, CampaignClosed, CampaignNotOpen
from campaigns.models import Registration
from campaigns.services import campaign_eligible_orders_add, campaign_register
from tickets.errors import TicketValidationError
from tickets.models import Channel, TicketEvent
from tickets.selectors import event_qs_for_buyer, ticket_get_for_buyer
from tickets.workflow import State

from .conftest import key_client

pytestmark = pytest.mark.django_db

FORM = {"size": "42", "colour": "black", "address_confirmed": True}


def _register(campaign, order="DY0001", **form):
    return campaign_register(
        campaign=campaign, order_number=order, phone="13812345678", form_data=FORM | form
    )


def test_registration_is_a_prize_claim_ticket_for_the_streamer(cast, campaign):
    ticket, token = _register(campaign)
    assert ticket.category.code == "prize_claim"
    assert (ticket.originator, ticket.channel, ticket.state) == (
        cast.streamer,
        Channel.CAMPAIGN,
        State.NEW,
    )
    assert ticket_get_for_buyer(token) == ticket
    assert Registration.objects.get(ticket=ticket).eligible is True


def test_window_is_enforced(campaign):
    with (
        time_machine.travel(campaign.opens_at - timedelta(minutes=1)),
        pytest.raises(CampaignNotOpen),
    ):
        _register(campaign)
    with time_machine.travel(campaign.closes_at), pytest.raises(CampaignClosed):
        _register(campaign)
    assert Registration.objects.count() == 0


def test_duplicate_registration_for_one_order_is_refused(campaign):
    _register(campaign)
    with pytest.raises(AlreadyRegistered):
        _register(campaign, size="40")
    assert Registration.objects.count() == 1


def test_eligibility_is_checked_and_rechecked_when_the_list_grows(campaign):
    _register(campaign, order="DY0002")
    with translation.override("en"):  # the note is written in the acting request's language
        late, _ = _register(campaign, order="DY9999")
    registration = Registration.objects.get(ticket=late)
    assert (registration.eligible, registration.eligibility_note) == (
        False,
        "Not on the winners' list.",
    )
    assert campaign_eligible_orders_add(campaign=campaign, order_numbers=["DY9999"]) == 2
    registration.refresh_from_db()
    assert registration.eligible is True


def test_form_is_validated(campaign):
    with pytest.raises(TicketValidationError) as refused:
        campaign_register(campaign=campaign, order_number="x", phone="12", form_data={"size": "99"})
    assert set(refused.value.field_errors) == {
        "order_number",
        "phone",
        "size",
        "colour",
        "address_confirmed",
    }


def test_buyer_page_states(campaign):
    client = Client()
    page = client.get("/c/d11-shoes")
    assert page.status_code == 200
    assert "Running shoes" in page.content.decode()
    assert client.get("/c/no-such-campaign").status_code == 404
    with time_machine.travel(campaign.closes_at + timedelta(hours=1)):
        closed = client.get("/c/d11-shoes", HTTP_ACCEPT_LANGUAGE="en")
        assert "Registration has closed" in closed.content.decode()
        assert 'name="order_number"' not in closed.content.decode()
    qr = client.get("/c/d11-shoes/qr.png")
    assert (qr.status_code, qr["Content-Type"]) == (200, "image/png")
    assert qr.content.startswith(b"\x89PNG")


def _post(client, order):
    return client.post(
        "/c/d11-shoes",
        {
            "order_number": order,
            "phone": "13812345678",
            "size": "42",
            "colour": "white",
            "address_confirmed": "on",
            "consent": "on",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_buyer_journey_register_approve_accept_ship(cast, campaign):
    buyer = Client()
    response = _post(buyer, "DY0001")
    assert response.status_code == 302
    token = response["Location"].removeprefix("/t/")
    ticket = ticket_get_for_buyer(token)
    again = _post(Client(), "DY0001")
    assert again.status_code == 409
    assert "already registered" in again.content.decode()
    _post(Client(), "DY7777")  # not a winner

    streamer = key_client(cast.streamer)
    claims = streamer.get("/api/v1/campaigns/d11-shoes/registrations/").json()
    assert [(c["order_number"], c["eligible"]) for c in claims] == [
        ("DY0001", True),
        ("DY7777", False),
    ]
    approved = streamer.post(
        "/api/v1/campaigns/d11-shoes/review/", {"decision": "approve"}, format="json"
    ).json()
    assert (approved["succeeded"], approved["failed"]) == (1, 0)
    rejected = streamer.post(
        "/api/v1/campaigns/d11-shoes/review/",
        {"decision": "reject", "reason": "Not a winning order"},
        format="json",
    ).json()
    assert rejected["succeeded"] == 1

    merchant = key_client(cast.merchant)
    assert merchant.get("/api/v1/campaigns/d11-shoes/").json()["counts"]["registrations"] == 1
    accepted = merchant.post(
        "/api/v1/campaigns/d11-shoes/review/", {"decision": "accept"}, format="json"
    ).json()
    assert accepted["succeeded"] == 1
    export = merchant.post(
        "/api/v1/bulk-jobs/",
        {"kind": "export", "filters": {"campaign": "d11-shoes", "state": "in_progress"}},
        format="json",
    ).json()
    shipping_list = b"".join(merchant.get(export["download_url"]).streaming_content).decode(
        "utf-8-sig"
    )
    assert "DY0001" in shipping_list and "13812345678" in shipping_list  # consented: full
    assert "form.size" in shipping_list and ",white," in shipping_list
    shipped = merchant.post(
        "/api/v1/campaigns/d11-shoes/review/", {"decision": "ship"}, format="json"
    ).json()
    assert shipped["succeeded"] == 1

    ticket.refresh_from_db()
    assert (ticket.state, ticket.outcome, ticket.resolution_note) == (
        State.RESOLVED,
        "reissue",
        "奖品已发货。",  # the API speaks LANGUAGE_CODE (zh-hans) when no Accept-Language is sent
    )
    kinds = list(event_qs_for_buyer(ticket).values_list("kind", flat=True))
    assert kinds == ["ticket.created", "ticket.accepted", "ticket.resolved"]
    loser = Registration.objects.get(order_number="DY7777").ticket
    assert loser.state == State.CANCELLED
    assert TicketEvent.objects.filter(ticket=loser, kind="ticket.cancelled").exists()


def test_streamer_cannot_ship_and_merchant_cannot_approve(cast, campaign):
    _register(campaign)
    merchant = key_client(cast.merchant)
    refused = merchant.post(
        "/api/v1/campaigns/d11-shoes/review/", {"decision": "approve"}, format="json"
    )
    assert refused.status_code == 400  # it sees no claims yet: nothing to approve
    streamer = key_client(cast.streamer)
    streamer.post("/api/v1/campaigns/d11-shoes/review/", {"decision": "approve"}, format="json")
    ref = Registration.objects.get().ticket.reference
    job = streamer.post(
        "/api/v1/campaigns/d11-shoes/review/",
        {"decision": "accept", "references": [ref]},
        format="json",
    ).json()
    assert (job["succeeded"], job["failed"]) == (0, 1)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/campaigns/d11-shoes/"),
        ("get", "/api/v1/campaigns/d11-shoes/registrations/"),
        ("post", "/api/v1/campaigns/d11-shoes/review/"),
        ("post", "/api/v1/campaigns/d11-shoes/eligible-orders/"),
    ],
)
def test_other_parties_do_not_see_the_campaign(cast, campaign, method, path):
    for party in (cast.outsider, cast.brand, cast.weak_streamer, cast.platform):
        client = key_client(party)
        response = getattr(client, method)(path, {"decision": "approve"}, format="json")
        assert response.status_code == 404, party
    assert key_client(cast.outsider).get("/api/v1/campaigns/").json() == []


def test_campaign_creation_via_api(cast):
    client = key_client(cast.streamer)
    body = {
        "name": "Live gift",
        "slug": "live-gift",
        "prize": "Socks",
        "opens_at": "2026-11-11T20:00:00+08:00",
        "closes_at": "2026-11-11T23:00:00+08:00",
        "handling_party": "swift-ship",
    }
    created = client.post("/api/v1/campaigns/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["buyer_url"].endswith("/c/live-gift")
    stranger = client.post(
        "/api/v1/campaigns/",
        body | {"slug": "other", "handling_party": "stranger-brand"},
        format="json",
    )
    assert stranger.status_code == 400
    assert "handling_party" in stranger.json()["field_errors"]
    brand = key_client(cast.brand).post(
        "/api/v1/campaigns/", body | {"slug": "x-brand"}, format="json"
    )
    assert brand.status_code == 403
