from __future__ import annotations

import pytest

from tests.conftest import drive, make_ticket
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def test_only_streamers_open_the_console(cast, login):
    assert login(cast.streamer.slug).get("/portal/console/").status_code == 200
    assert login(cast.brand.slug).get("/portal/console/").status_code == 403
    assert login(cast.platform.slug).get("/portal/console/").status_code == 403


def test_login_required(client):
    assert client.get("/portal/console/").status_code == 302


def test_queue_lists_the_streamers_new_tickets_only(cast, login):
    new = make_ticket(cast)[0]
    routed = drive(cast, make_ticket(cast)[0], "routed")
    other = make_ticket(cast, streamer=cast.weak_streamer)[0]
    response = login(cast.streamer.slug).get("/portal/console/")
    listed = {row["ticket"].reference for row in response.context["rows"]}
    assert listed == {new.reference}
    assert routed.reference not in listed and other.reference not in listed


def test_route_one_from_the_queue_returns_to_the_console(cast, login):
    ticket = make_ticket(cast)[0]
    response = login(cast.streamer.slug).post(
        f"/portal/t/{ticket.reference}/act/route/",
        {"to_party": cast.brand.pk, "next": "/portal/console/"},
    )
    assert response.status_code == 302 and response["Location"] == "/portal/console/"
    ticket.refresh_from_db()
    assert (ticket.state, ticket.custody_party) == ("routed", cast.brand)


def test_bulk_route_reports_each_refusal(cast, login):
    first, second = make_ticket(cast)[0], make_ticket(cast)[0]
    cancelled = drive(cast, make_ticket(cast)[0], "cancelled")
    invisible = make_ticket(cast, streamer=cast.weak_streamer)[0]
    response = login(cast.streamer.slug).post(
        "/portal/console/bulk/",
        {
            "tickets": [
                first.reference,
                second.reference,
                cancelled.reference,
                invisible.reference,
            ],
            "operation": "route",
            "to_party": cast.brand.pk,
        },
        follow=True,
    )
    text = response.content.decode()
    assert "2 tickets done" in text
    assert f"Refused {cancelled.reference}" in text
    assert f"Refused {invisible.reference}: No such ticket" in text
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert ticket.state == "routed"
    invisible.refresh_from_db()
    assert invisible.state == "new"


def test_bulk_assign_own_agents(cast, login):
    ticket = make_ticket(cast)[0]
    agent = cast.user(cast.streamer.slug)
    login(cast.streamer.slug, "supervisor").post(
        "/portal/console/bulk/",
        {"tickets": [ticket.reference], "operation": "assign", "assignee": agent.pk},
    )
    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_bulk_without_a_partner_is_refused_and_changes_nothing(cast, login):
    ticket = make_ticket(cast)[0]
    events = TicketEvent.objects.count()
    response = login(cast.streamer.slug).post(
        "/portal/console/bulk/",
        {"tickets": [ticket.reference], "operation": "route"},
        follow=True,
    )
    assert b"Choose the partner" in response.content
    assert TicketEvent.objects.count() == events


def test_bulk_close_resolved_tickets(cast, login):
    resolved = drive(cast, make_ticket(cast)[0], "resolved")
    login(cast.streamer.slug).post(
        "/portal/console/bulk/", {"tickets": [resolved.reference], "operation": "close"}
    )
    resolved.refresh_from_db()
    assert resolved.state == "closed"


def test_ticket_page_assignment_form(cast, login):
    ticket = drive(cast, make_ticket(cast)[0], "in_progress")
    agent = cast.user(cast.brand.slug)
    client = login(cast.brand.slug, "supervisor")
    assert client.get(f"/portal/t/{ticket.reference}/").context["assign_form"] is not None
    response = client.post(f"/portal/t/{ticket.reference}/assign/", {"assignee": agent.pk})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    outsider_user = cast.user(cast.outsider.slug)
    refused = client.post(f"/portal/t/{ticket.reference}/assign/", {"assignee": outsider_user.pk})
    assert refused.status_code == 400
    ticket.refresh_from_db()
    assert ticket.assignee == agent


def test_leaderboard_counts_partners_from_the_custody_ledger(cast, login, client):
    assert client.get("/portal/leaderboard/").status_code == 302
    assert login(cast.brand.slug).get("/portal/leaderboard/").status_code == 403
    drive(cast, make_ticket(cast)[0], "resolved")
    drive(cast, make_ticket(cast)[0], "routed")
    response = login(cast.streamer.slug).get("/portal/leaderboard/?days=7")
    rows = {row["party"]: row for row in response.context["rows"]}
    assert set(rows) == {cast.brand}
    assert rows[cast.brand]["held"] == 2
    assert rows[cast.brand]["median_accept"] is not None
    assert rows[cast.brand]["median_resolve"] is not None


def test_leaderboard_refuses_a_bad_period(cast, login):
    response = login(cast.streamer.slug).get("/portal/leaderboard/?days=9999")
    assert response.status_code == 400
    assert "days" in response.context["form"].errors
