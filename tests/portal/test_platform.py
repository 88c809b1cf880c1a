from __future__ import annotations

import pytest

from tests.conftest import drive, make_ticket

pytestmark = pytest.mark.django_db


def test_only_platforms_open_it(cast, login, client):
    assert client.get("/portal/platform/").status_code == 302
    assert login(cast.platform.slug).get("/portal/platform/").status_code == 200
    assert login(cast.brand.slug).get("/portal/platform/").status_code == 403
    assert login(cast.streamer.slug).get("/portal/platform/").status_code == 403


def test_queue_lists_own_escalations_only(cast, login):
    mine = drive(cast, make_ticket(cast)[0], "escalated")
    drive(cast, make_ticket(cast)[0], "in_progress")
    weak = drive(
        cast,
        make_ticket(cast, streamer=cast.weak_streamer)[0],
        "escalated",
        streamer=cast.weak_streamer,
    )
    strong = login(cast.platform.slug).get("/portal/platform/")
    assert {r["ticket"].reference for r in strong.context["rows"]} == {mine.reference}
    quiet = login(cast.weak_platform.slug).get("/portal/platform/")
    assert {r["ticket"].reference for r in quiet.context["rows"]} == {weak.reference}


def test_weak_oversight_sees_figures_but_no_other_tickets(cast, login):
    hidden = drive(
        cast,
        make_ticket(cast, streamer=cast.weak_streamer)[0],
        "in_progress",
        streamer=cast.weak_streamer,
    )
    client = login(cast.weak_platform.slug)
    page = client.get("/portal/platform/")
    figures = {f["custody_party__name"]: f["open"] for f in page.context["figures"]}
    assert figures == {cast.brand.name: 1}
    assert hidden.reference.encode() not in page.content
    assert client.get(f"/portal/t/{hidden.reference}/").status_code == 404
    assert client.get("/portal/inbox/?scope=all").context["rows"] == []


def test_resolve_with_compensation_and_send_back(cast, login):
    first = drive(cast, make_ticket(cast)[0], "escalated")
    second = drive(cast, make_ticket(cast)[0], "escalated")
    client = login(cast.platform.slug)
    client.post(
        f"/portal/t/{first.reference}/act/resolve/",
        {"outcome": "compensation", "note": "¥20 coupon", "next": "/portal/platform/"},
    )
    client.post(
        f"/portal/t/{second.reference}/act/route/",
        {"to_party": cast.merchant.pk, "note": "Reship today", "next": "/portal/platform/"},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.outcome) == ("resolved", "compensation")
    assert (second.state, second.custody_party) == ("routed", cast.merchant)


def test_resolve_without_outcome_is_refused(cast, login):
    ticket = drive(cast, make_ticket(cast)[0], "escalated")
    response = login(cast.platform.slug).post(
        f"/portal/t/{ticket.reference}/act/resolve/", {"outcome": "", "note": "x"}
    )
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.state == "escalated"
