from __future__ import annotations

import pytest

from tests.conftest import drive, make_ticket
from tickets.models import Comment, TicketEvent

pytestmark = pytest.mark.django_db


def url(ticket, tail: str = "") -> str:
    return f"/portal/t/{ticket.reference}/{tail}"


def test_login_required(cast, client):
    ticket, _ = make_ticket(cast)
    assert client.get(url(ticket)).status_code == 302


@pytest.mark.parametrize("slug", ["stranger-brand", "glow-lab", "quietmall"])
def test_a_party_that_cannot_see_the_ticket_gets_404_everywhere(cast, login, slug):
    ticket = drive(cast, make_ticket(cast)[0], "routed")
    client = login(slug)
    assert client.get(url(ticket)).status_code == 404
    assert (
        client.post(url(ticket, "comment/"), {"body": "hi", "visibility": "public"}).status_code
        == 404
    )
    assert client.post(url(ticket, "act/accept/")).status_code == 404
    assert not Comment.objects.exists()


def test_facts_are_masked_for_the_brand_and_full_for_the_originator(cast, login):
    ticket = drive(cast, make_ticket(cast)[0], "routed")
    brand = login(cast.brand.slug).get(url(ticket)).content.decode()
    assert "*******5678" in brand and "张*" in brand
    assert "13812345678" not in brand and "文三路" not in brand
    streamer = login(cast.streamer.slug).get(url(ticket)).content.decode()
    assert "13812345678" in streamer and "文三路" in streamer


def test_buttons_are_exactly_the_allowed_actions(cast, login):
    ticket = drive(cast, make_ticket(cast)[0], "routed")
    response = login(cast.brand.slug).get(url(ticket))
    assert [a["name"] for a in response.context["actions"]] == [
        "route",
        "accept",
        "decline",
        "escalate",
    ]
    viewer = login(cast.brand.slug, "viewer").get(url(ticket))
    assert viewer.context["actions"] == []
    assert b"composer" not in viewer.content


def test_accept_then_resolve_through_the_forms(cast, login):
    ticket = drive(cast, make_ticket(cast)[0], "routed")
    client = login(cast.brand.slug)
    assert client.post(url(ticket, "act/accept/")).status_code == 302
    response = client.post(url(ticket, "act/resolve/"), {"outcome": "exchange", "note": "Sent 43"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.outcome, ticket.resolution_note) == (
        "resolved",
        "exchange",
        "Sent 43",
    )


def test_decline_without_a_reason_is_refused_and_changes_nothing(cast, login):
    ticket = drive(cast, make_ticket(cast)[0], "routed")
    events = TicketEvent.objects.count()
    response = login(cast.brand.slug).post(url(ticket, "act/decline/"), {"reason": "  "})
    assert response.status_code == 400
    bound = next(a for a in response.context["actions"] if a["name"] == "decline")
    assert bound["open"] and "reason" in bound["form"].errors
    ticket.refresh_from_db()
    assert ticket.state == "routed" and TicketEvent.objects.count() == events


def test_route_to_a_non_partner_is_refused_with_a_field_error(cast, login):
    ticket = make_ticket(cast)[0]
    response = login(cast.streamer.slug).post(
        url(ticket, "act/route/"), {"to_party": cast.outsider.pk}
    )
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.state == "new"


def test_an_action_the_state_does_not_allow_is_a_message_not_a_500(cast, login):
    ticket = drive(cast, make_ticket(cast)[0], "in_progress")
    response = login(cast.brand.slug).post(url(ticket, "act/accept/"))
    assert response.status_code == 409
    assert b"cannot be accept" in response.content


def test_viewer_is_refused_actions_and_messages(cast, login):
    ticket = drive(cast, make_ticket(cast)[0], "routed")
    client = login(cast.brand.slug, "viewer")
    assert client.post(url(ticket, "act/accept/")).status_code == 403
    assert (
        client.post(url(ticket, "comment/"), {"body": "x", "visibility": "internal"}).status_code
        == 403
    )
    ticket.refresh_from_db()
    assert ticket.state == "routed" and not Comment.objects.exists()


def test_unknown_action_is_404(cast, login):
    ticket = drive(cast, make_ticket(cast)[0], "routed")
    assert login(cast.brand.slug).post(url(ticket, "act/explode/")).status_code == 404


def test_composer_three_visibilities(cast, login):
    ticket = drive(cast, make_ticket(cast)[0], "in_progress")
    brand = login(cast.brand.slug)
    for visibility in ("internal", "parties", "public"):
        response = brand.post(
            url(ticket, "comment/"), {"body": f"note {visibility}", "visibility": visibility}
        )
        assert response.status_code == 302
    own = brand.get(url(ticket)).content.decode()
    assert "note internal" in own and "note parties" in own and "note public" in own
    streamer = login(cast.streamer.slug).get(url(ticket)).content.decode()
    assert "note internal" not in streamer
    assert "note parties" in streamer and "note public" in streamer


def test_empty_message_or_bad_visibility_is_refused(cast, login):
    ticket = drive(cast, make_ticket(cast)[0], "in_progress")
    client = login(cast.brand.slug)
    response = client.post(url(ticket, "comment/"), {"body": "", "visibility": "shout"})
    assert response.status_code == 400
    form = response.context["comment_form"]
    assert "body" in form.errors and "visibility" in form.errors
    assert not Comment.objects.exists()


def test_live_hooks_and_htmx_partial(cast, login):
    ticket = drive(cast, make_ticket(cast)[0], "routed")
    client = login(cast.brand.slug)
    page = client.get(url(ticket)).content.decode()
    assert f'data-collab-live="/ws/tickets/{ticket.reference}/"' in page
    partial = client.get(url(ticket), HTTP_HX_REQUEST="true")
    assert partial.content.lstrip().startswith(b'<div id="ticket-live"')
