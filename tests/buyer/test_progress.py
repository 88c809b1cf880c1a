"""``/t/<token>``: the buyer's own ticket only, public things only, the actions allowed now."""

from __future__ import annotations

import pytest

from tests.conftest import drive, make_ticket
from tickets.models import Visibility
from tickets.services import comment_add, ticket_perform

pytestmark = pytest.mark.django_db


def test_invalid_token_is_a_friendly_404(client, cast):
    response = client.get("/t/this-token-does-not-exist")
    assert response.status_code == 404
    assert "buyer/not_found.html" in [t.name for t in response.templates]
    assert client.post("/t/this-token-does-not-exist/confirm").status_code == 404


def test_page_shows_public_messages_only_and_no_company_or_agent(client, cast):
    ticket, token = make_ticket(cast)
    ticket = drive(cast, ticket, "in_progress")
    brand = cast.actor("north-peak")
    comment_add(ticket=ticket, actor=brand, body="INTERNAL-NOTE", visibility=Visibility.INTERNAL)
    comment_add(ticket=ticket, actor=brand, body="PARTY-NOTE", visibility=Visibility.PARTIES)
    comment_add(ticket=ticket, actor=brand, body="Your shoes ship today", visibility="public")
    page = client.get(f"/t/{token}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your shoes ship today" in page
    assert "INTERNAL-NOTE" not in page and "PARTY-NOTE" not in page
    for party in (cast.brand, cast.streamer, cast.platform, cast.merchant):
        assert party.name not in page
    assert "north-peak-agent" not in page and "lucy-live-agent" not in page
    assert ticket.reference in page
    assert f'data-collab-live="/ws/track/{token}/"' in page


def test_a_token_shows_only_its_own_ticket(client, cast):
    mine, my_token = make_ticket(cast, order_number="DY-MINE-0001")
    theirs, _their_token = make_ticket(cast, order_number="DY-THEIRS-0002")
    comment_add(
        ticket=theirs, actor=cast.actor("lucy-live"), body="THEIR-MESSAGE", visibility="public"
    )
    page = client.get(f"/t/{my_token}").content.decode()
    assert mine.reference in page
    assert theirs.reference not in page and "THEIR-MESSAGE" not in page
    assert "DY-THEIRS-0002" not in page
    # Acting with my token never reaches their ticket.
    client.post(f"/t/{my_token}/withdraw", {"reason": ""})
    theirs.refresh_from_db()
    assert theirs.state == "new"


def test_steps_and_promise(client, cast):
    ticket, token = make_ticket(cast)
    ticket = drive(cast, ticket, "awaiting_buyer")
    response = client.get(f"/t/{token}", HTTP_ACCEPT_LANGUAGE="en")
    steps = [(s.label, s.status) for s in response.context["steps"]]
    assert steps == [
        ("Submitted", "done"),
        ("In progress", "done"),
        ("Waiting for you", "current"),
        ("Resolved", "todo"),
    ]
    assert "reply" in response.context["actions"]


def test_reply_to_a_question(client, cast):
    ticket, token = make_ticket(cast)
    ticket = drive(cast, ticket, "awaiting_buyer")
    empty = client.post(f"/t/{token}/reply", {"answer": " "})
    assert empty.status_code == 400
    assert "answer" in empty.context["forms"]["reply"].errors
    response = client.post(f"/t/{token}/reply", {"answer": "Photo sent"})
    assert response.status_code == 302 and response["Location"] == f"/t/{token}"
    ticket.refresh_from_db()
    assert ticket.state == "in_progress"
    assert ticket.events.last().actor_kind == "buyer"


def test_confirm_then_rate(client, cast):
    ticket, token = make_ticket(cast)
    drive(cast, ticket, "resolved")
    assert set(client.get(f"/t/{token}").context["actions"]) == {"confirm", "reopen", "message"}
    assert client.post(f"/t/{token}/confirm").status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == "closed"
    page = client.get(f"/t/{token}")
    assert page.context["actions"] == ["rate"]
    assert client.post(f"/t/{token}/rate", {"rating": "9"}).status_code == 400
    assert client.post(f"/t/{token}/rate", {"rating": "5", "comment": "Fast"}).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.rating, ticket.rating_comment) == (5, "Fast")
    assert client.get(f"/t/{token}").context["actions"] == []


def test_an_action_that_no_longer_applies_explains_itself(client, cast):
    ticket, token = make_ticket(cast)
    ticket = drive(cast, ticket, "resolved")
    ticket_perform(ticket=ticket, action="close", actor=cast.actor("lucy-live"))
    response = client.post(f"/t/{token}/reopen", {"reason": "Still broken"})
    assert response.status_code in (403, 409)
    assert response.context["notice"]
    ticket.refresh_from_db()
    assert ticket.state == "closed"


def test_withdraw_and_message(client, cast):
    ticket, token = make_ticket(cast)
    assert client.post(f"/t/{token}/message", {"body": "Any news?"}).status_code == 302
    assert client.post(f"/t/{token}/withdraw", {"reason": ""}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == "cancelled"
    assert ticket.comments.get().body == "Any news?"


def test_partial_renders_the_live_part_only(client, cast):
    ticket, token = make_ticket(cast)
    drive(cast, ticket, "resolved")
    partial = client.get(f"/t/{token}?partial=1").content.decode()
    assert 'id="live-status"' in partial and 'id="live-actions"' in partial
    assert "<html" not in partial
