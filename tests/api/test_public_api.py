"""Buyer endpoints: submit, follow, reply, confirm, reopen, withdraw, rate; never party notes."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from tests.conftest import drive
from tickets.models import Ticket, Visibility
from tickets.services import comment_add, ticket_perform

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(cast):
    """A buyer: no account, no key."""
    return APIClient()


REQUEST = {
    "streamer": "lucy-live",
    "category": "size_colour_change",
    "order_number": "DY2026111100009",
    "phone": "13812345678",
    "name": "李四",
    "consent": True,
    "form_data": {"new_size": "41", "new_colour": "white"},
}


def _submit(client) -> dict:
    response = client.post("/api/v1/public/requests/", REQUEST, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_submit_and_follow_without_an_account(client):
    created = _submit(client)
    assert created["tracking_url"].endswith(f"/t/{created['token']}")
    view = client.get(f"/api/v1/public/tickets/{created['token']}/").json()
    assert view["reference"] == created["reference"] and view["step"] == "submitted"
    assert set(view["actions"]) == {"reply", "withdraw"}
    ticket = Ticket.objects.get(reference=created["reference"])
    assert ticket.channel == "buyer_form" and ticket.originator.slug == "lucy-live"


def test_bad_submissions_are_field_errors(client):
    response = client.post(
        "/api/v1/public/requests/",
        {**REQUEST, "streamer": "north-peak", "phone": "x", "category": "nope"},
        format="json",
    )
    assert response.status_code == 400
    assert {"streamer", "phone", "category"} <= set(response.json()["field_errors"])


def test_the_buyer_never_sees_party_notes_nor_company_names(client, cast):
    created = _submit(client)
    ticket = Ticket.objects.get(reference=created["reference"])
    drive(cast, ticket, "in_progress")
    brand = cast.actor("north-peak")
    comment_add(ticket=ticket, actor=brand, body="INTERNAL-X", visibility=Visibility.INTERNAL)
    comment_add(ticket=ticket, actor=brand, body="PARTIES-X", visibility=Visibility.PARTIES)
    comment_add(ticket=ticket, actor=brand, body="Your size is on its way", visibility="public")
    body = json.dumps(client.get(f"/api/v1/public/tickets/{created['token']}/").json())
    assert "Your size is on its way" in body
    for secret in ("INTERNAL-X", "PARTIES-X", "North Peak", "north-peak", "Lucy"):
        assert secret not in body


def test_reply_answers_a_question_and_otherwise_writes_to_the_seller(client, cast):
    created = _submit(client)
    ticket = Ticket.objects.get(reference=created["reference"])
    url = f"/api/v1/public/tickets/{created['token']}/reply/"
    assert client.post(url, {"message": "any news?"}, format="json").status_code == 200
    drive(cast, ticket, "awaiting_buyer")
    view = client.post(url, {"message": "photo attached"}, format="json").json()
    assert view["step"] == "in_progress"
    assert client.post(url, {}, format="json").status_code == 400


def test_confirm_reopen_rate_and_withdraw(client, cast):
    created = _submit(client)
    token = created["token"]
    ticket = Ticket.objects.get(reference=created["reference"])
    drive(cast, ticket, "resolved")
    base = f"/api/v1/public/tickets/{token}/"
    assert set(client.get(base).json()["actions"]) >= {"confirm", "reopen", "rate"}
    assert client.post(base + "reopen/", {"reason": "wrong colour"}).json()["step"] == "in_progress"
    brand = cast.actor("north-peak")
    ticket_perform(ticket=ticket, action="resolve", actor=brand, outcome="exchange")
    assert client.post(base + "confirm/").json()["step"] == "closed"
    assert client.post(base + "rate/", {"rating": 6}, format="json").status_code == 400
    rated = client.post(base + "rate/", {"rating": 5, "comment": "fast"}, format="json")
    assert rated.status_code == 200 and rated.json()["rating"] == 5
    assert client.post(base + "withdraw/").status_code == 409

    other = _submit(client)
    withdrawn = client.post(f"/api/v1/public/tickets/{other['token']}/withdraw/")
    assert withdrawn.json()["step"] == "cancelled"
    early = client.post(f"/api/v1/public/tickets/{other['token']}/rate/", {"rating": 3})
    assert early.status_code == 409 and early.json()["current_state"] == "cancelled"


def test_unknown_tokens_are_404(client):
    assert client.get("/api/v1/public/tickets/nope/").status_code == 404
    assert client.post("/api/v1/public/tickets/nope/confirm/").status_code == 404


def test_public_endpoints_are_rate_limited_per_address(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"caller": "1000/min", "public": "3/min"},
    }
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        codes = [client.get("/api/v1/public/tickets/nope/").status_code for _ in range(4)]
    finally:
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [404, 404, 404, 429]
