"""Contract tests: tickets, every action, comments, events, attachments, errors."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import CREATE_BODY
from tests.conftest import drive, make_ticket

pytestmark = pytest.mark.django_db


def _create(api, slug="lucy-live", **changes) -> dict:
    response = api(slug).post("/api/v1/tickets/", {**CREATE_BODY, **changes}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_create_returns_the_ticket_its_actions_and_the_buyer_link(api):
    body = _create(api)
    assert body["state"] == "new" and body["channel"] == "api"
    assert body["buyer"]["phone"] == "13812345678"  # the originator sees it in full
    assert "route" in body["allowed_actions"] and "/t/" in body["buyer_link"]


def test_invalid_create_names_the_fields(api):
    response = api("lucy-live").post(
        "/api/v1/tickets/",
        {**CREATE_BODY, "category": "nope", "form_data": {"new_size": ""}},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error" and "category" in body["field_errors"]


def test_form_schema_errors_come_back_per_field(api):
    response = api("lucy-live").post(
        "/api/v1/tickets/", {**CREATE_BODY, "form_data": {"new_size": "42"}}, format="json"
    )
    assert response.status_code == 400
    assert "form_data.new_colour" in response.json()["field_errors"]


def test_no_key_401_bad_key_401_read_only_key_403(api, client):
    assert client.get("/api/v1/tickets/").status_code in (401, 403)
    bad = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION="Bearer ck_nope_nope")
    assert bad.status_code == 401 and bad.json()["code"] == "authentication_failed"
    reader = api("lucy-live", "tickets:read")
    assert reader.get("/api/v1/tickets/").status_code == 200
    assert reader.post("/api/v1/tickets/", CREATE_BODY, format="json").status_code == 403


def test_list_filters_search_and_cursor_pagination(api, cast):
    refs = [_create(api, order_number=f"DY{n:04d}")["reference"] for n in range(5)]
    client = api("lucy-live")
    seen, cursor = [], None
    while True:
        params = {"page_size": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/tickets/", params).json()
        seen += [t["reference"] for t in page["results"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(refs))
    assert [
        t["reference"] for t in client.get("/api/v1/tickets/", {"q": "DY0003"}).json()["results"]
    ] == [refs[3]]
    client.post(f"/api/v1/tickets/{refs[0]}/actions/route/", {"to_party": "north-peak"})
    routed = client.get("/api/v1/tickets/", {"state": "routed"}).json()["results"]
    assert [t["reference"] for t in routed] == [refs[0]]
    held = client.get("/api/v1/tickets/", {"custody": "north-peak"}).json()["results"]
    assert [t["reference"] for t in held] == [refs[0]]
    assert client.get("/api/v1/tickets/", {"breached": "true"}).json()["results"] == []
    assert client.get("/api/v1/tickets/", {"cursor": "garbage"}).status_code == 400
    assert client.get("/api/v1/tickets/", {"state": "nope"}).status_code == 400


def test_the_brand_sees_masked_buyer_data_and_its_allowed_actions(api, cast):
    ticket, _token = make_ticket(cast, buyer_consent=False)
    drive(cast, ticket, "routed")
    body = api("north-peak").get(f"/api/v1/tickets/{ticket.reference}/").json()
    assert body["buyer"]["phone"] == "*******5678" and body["buyer"]["masked"]
    assert set(body["allowed_actions"]) >= {"accept", "decline"}


# action, state the ticket must be in, acting party, body
ACTION_CASES = [
    ("route", "new", "lucy-live", {"to_party": "north-peak", "note": "yours"}),
    ("accept", "routed", "north-peak", {}),
    ("decline", "routed", "north-peak", {"reason": "not ours"}),
    ("request_info", "in_progress", "north-peak", {"question": "photo?"}),
    ("resolve", "in_progress", "north-peak", {"outcome": "exchange", "note": "sent"}),
    ("reopen", "resolved", "lucy-live", {"reason": "still broken"}),
    ("close", "resolved", "lucy-live", {}),
    ("escalate", "in_progress", "north-peak", {"reason": "stuck"}),
    ("cancel", "new", "lucy-live", {"reason": "withdrawn"}),
]


@pytest.mark.parametrize(("action", "state", "slug", "body"), ACTION_CASES)
def test_every_action_happy_path_and_conflict(api, cast, action, state, slug, body):
    ticket, _token = make_ticket(cast)
    drive(cast, ticket, state)
    url = f"/api/v1/tickets/{ticket.reference}/actions/{action}/"
    response = api(slug).post(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["last_event_seq"] > 1 or action in ("route", "cancel")
    again = api(slug).post(url, body, format="json")
    if again.status_code == 409:
        assert again.json()["current_state"] == response.json()["state"]
    else:  # e.g. routing again to the same party is a field error, never a second effect
        assert again.status_code in (400, 403)


def test_action_errors(api, cast):
    ticket, _token = make_ticket(cast)
    url = f"/api/v1/tickets/{ticket.reference}/actions/"
    missing = api("lucy-live").post(url + "route/", {}, format="json")
    assert missing.status_code == 400 and "to_party" in missing.json()["field_errors"]
    unknown = api("lucy-live").post(url + "route/", {"to_party": "nobody"}, format="json")
    assert unknown.status_code == 400
    stranger = api("lucy-live").post(url + "route/", {"to_party": "stranger-brand"})
    assert stranger.status_code == 400  # not a partner
    drive(cast, ticket, "routed")
    forbidden = api("lucy-live").post(url + "accept/", {}, format="json")
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "permission_denied"
    conflict = api("north-peak").post(url + "resolve/", {"outcome": "refund"}, format="json")
    assert conflict.status_code == 409 and conflict.json()["current_state"] == "routed"
    assert api("lucy-live").post(url + "buyer_reply/", {}).status_code == 404


def test_comments_with_visibility_and_events_after(api, cast):
    ticket, _token = make_ticket(cast)
    drive(cast, ticket, "in_progress")
    base = f"/api/v1/tickets/{ticket.reference}/"
    brand = api("north-peak")
    for visibility in ("internal", "parties", "public"):
        created = brand.post(base + "comments/", {"body": visibility, "visibility": visibility})
        assert created.status_code == 201 and created.json()["visibility"] == visibility
    assert brand.post(base + "comments/", {"body": ""}).status_code == 400
    streamer_sees = [c["body"] for c in api("lucy-live").get(base + "comments/").json()]
    assert streamer_sees == ["parties", "public"]
    events = api("lucy-live").get(base + "events/", {"after": 2}).json()
    assert [e["seq"] for e in events["results"]] == sorted(e["seq"] for e in events["results"])
    assert all(e["seq"] > 2 for e in events["results"])
    assert events["last_seq"] == events["results"][-1]["seq"]
    assert "internal" not in [e["data"].get("body") for e in events["results"]]


def test_attachments_limits_visibility_and_download(api, cast, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.COLLAB_ATTACHMENT_MAX_BYTES = 1000
    ticket, _token = make_ticket(cast)
    drive(cast, ticket, "routed")
    url = f"/api/v1/tickets/{ticket.reference}/attachments/"
    brand = api("north-peak")

    def upload(name, content, content_type, visibility="parties"):
        upload = SimpleUploadedFile(name, content, content_type=content_type)
        return brand.post(url, {"file": upload, "visibility": visibility}, format="multipart")

    created = upload("photo.png", b"\x89PNG....", "image/png")
    assert created.status_code == 201, created.content
    assert upload("x.exe", b"MZ", "application/x-msdownload").status_code == 400
    assert upload("big.png", b"x" * 1001, "image/png").status_code == 400
    upload("note.txt", b"ours", "text/plain", visibility="internal")
    assert [a["filename"] for a in api("lucy-live").get(url).json()] == ["photo.png"]
    download = api("lucy-live").get(f"{url}{created.json()['id']}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"\x89PNG...."
