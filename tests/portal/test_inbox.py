from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import drive, make_ticket
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def refs(response) -> set[str]:
    return {row["ticket"].reference for row in response.context["rows"]}


def test_login_required(client):
    response = client.get("/portal/inbox/")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/")


def test_login_page_signs_in_and_goes_to_the_party_home(cast, client):
    response = client.post(
        "/portal/login/", {"username": "north-peak-agent", "password": "pw-collab-test"}
    )
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).request["PATH_INFO"] == "/portal/inbox/"


def test_a_person_without_a_party_is_told_so(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("loner", password="x-collab-pw"))
    response = client.get("/portal/inbox/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert b"does not belong to any party" in response.content


def test_inbox_lists_what_the_party_holds_and_nothing_invisible(cast, login):
    routed = drive(cast, make_ticket(cast)[0], "routed")
    to_other = make_ticket(cast)[0]
    from tickets.services import ticket_perform

    ticket_perform(
        ticket=to_other,
        action="route",
        actor=cast.actor(cast.streamer.slug),
        to_party=cast.other_brand,
    )
    still_new = make_ticket(cast)[0]

    brand = login(cast.brand.slug).get("/portal/inbox/")
    assert brand.status_code == 200
    assert refs(brand) == {routed.reference}
    assert to_other.reference.encode() not in brand.content
    assert still_new.reference.encode() not in brand.content

    outsider = login(cast.outsider.slug).get("/portal/inbox/?scope=all")
    assert refs(outsider) == set()


def test_counts_per_state_and_state_filter(cast, login):
    drive(cast, make_ticket(cast)[0], "routed")
    drive(cast, make_ticket(cast)[0], "in_progress")
    drive(cast, make_ticket(cast)[0], "in_progress")
    client = login(cast.brand.slug)
    response = client.get("/portal/inbox/")
    counts = {state.value: n for state, n in response.context["counts"]}
    assert counts["routed"] == 1
    assert counts["in_progress"] == 2
    filtered = client.get("/portal/inbox/?state=in_progress")
    assert len(filtered.context["rows"]) == 2
    assert {row["ticket"].state for row in filtered.context["rows"]} == {"in_progress"}


def test_search_by_reference_order_number_and_phone_suffix(cast, login):
    first = drive(cast, make_ticket(cast, order_number="DY-A1")[0], "routed")
    second = drive(
        cast, make_ticket(cast, order_number="DY-B2", buyer_phone="13900009999")[0], "routed"
    )
    client = login(cast.brand.slug)
    assert refs(client.get("/portal/inbox/", {"q": first.reference.lower()})) == {first.reference}
    assert refs(client.get("/portal/inbox/", {"q": "DY-B2"})) == {second.reference}
    assert refs(client.get("/portal/inbox/", {"q": "9999"})) == {second.reference}


def test_filters_priority_assignee_breached_and_created_range(cast, login):
    urgent = drive(cast, make_ticket(cast, priority="urgent")[0], "routed")
    drive(cast, make_ticket(cast)[0], "routed")
    Ticket.objects.filter(pk=urgent.pk).update(sla_breached=True)
    client = login(cast.brand.slug)
    assert refs(client.get("/portal/inbox/", {"priority": "urgent"})) == {urgent.reference}
    assert refs(client.get("/portal/inbox/", {"breached": "on"})) == {urgent.reference}
    assert len(refs(client.get("/portal/inbox/", {"assignee": "none"}))) == 2
    assert refs(client.get("/portal/inbox/", {"assignee": "me"})) == set()
    assert refs(client.get("/portal/inbox/", {"created_to": "2000-01-01"})) == set()


def test_bad_filter_input_is_refused_with_field_errors(cast, login):
    drive(cast, make_ticket(cast)[0], "routed")
    response = login(cast.brand.slug).get(
        "/portal/inbox/",
        {"created_from": "2026-02-02", "created_to": "2026-01-01", "priority": "bogus"},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "created_to" in form.errors
    assert "priority" in form.errors


def test_masked_buyer_data_in_rows(cast, login):
    drive(cast, make_ticket(cast)[0], "routed")
    content = login(cast.brand.slug).get("/portal/inbox/").content.decode()
    assert "*******5678" in content
    assert "13812345678" not in content
    assert "张*" in content


def test_inbox_query_count_does_not_grow_with_the_page(cast, login):
    client = login(cast.brand.slug)
    drive(cast, make_ticket(cast)[0], "routed")
    with CaptureQueriesContext(connection) as few:
        client.get("/portal/inbox/")
    for _ in range(6):
        drive(cast, make_ticket(cast)[0], "in_progress")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/portal/inbox/")
    assert len(response.context["rows"]) == 7
    assert len(many) == len(few)


def test_htmx_refresh_returns_only_the_rows(cast, login):
    drive(cast, make_ticket(cast)[0], "routed")
    response = login(cast.brand.slug).get("/portal/inbox/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.lstrip().startswith(b'<div id="inbox-results"')


def test_chinese_labels_for_chinese_browsers(cast, login):
    response = login(cast.brand.slug, language="zh-CN,zh;q=0.9").get("/portal/inbox/")
    assert response.status_code == 200
    assert b'lang="zh-hans"' in response.content


def test_party_switcher_changes_the_acting_party_and_refuses_others(cast, login):
    from tenants.models import Membership

    user = cast.user(cast.brand.slug)
    Membership.objects.create(user=user, party=cast.merchant, role="agent")
    client = login(cast.brand.slug)
    page = client.get("/portal/inbox/")
    assert page.context["party"] == cast.brand
    assert b'id="party-switch"' in page.content
    client.post("/portal/party/", {"party": cast.merchant.pk, "next": "/portal/inbox/"})
    assert client.get("/portal/inbox/").context["party"] == cast.merchant
    refused = client.post("/portal/party/", {"party": cast.outsider.pk}, follow=True)
    assert b"not a member" in refused.content
    assert client.get("/portal/inbox/").context["party"] == cast.merchant
