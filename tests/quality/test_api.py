"""The reply check and the phrase lists through the REST API."""

from __future__ import annotations

import pytest

from quality.models import HitOutcome, QualityHit, QualityPhrase
from tickets.models import Comment

pytestmark = pytest.mark.django_db


def _comment(client, ticket, body, **extra):
    return client.post(
        f"/api/v1/tickets/{ticket.reference}/comments/",
        {"body": body, "visibility": "public", **extra},
        format="json",
    )


def test_blocked_reply_is_422_naming_the_phrase_and_recorded(api, cast, phrases, ticket):
    answer = _comment(api("north-peak"), ticket, "加微信私聊")
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "quality_blocked"
    assert "“加微信”" in body["message"] and body["field_errors"]["body"] == [body["message"]]
    hit = QualityHit.objects.get()
    assert hit.api_key is not None and hit.outcome == HitOutcome.BLOCKED


def test_blocked_reply_is_recorded_even_when_the_request_rolls_back(api, cast, phrases, ticket):
    # Under an Idempotency-Key the whole request is one transaction, rolled back on refusal.
    answer = api("north-peak").post(
        f"/api/v1/tickets/{ticket.reference}/comments/",
        {"body": "滚", "visibility": "public"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="reply-1",
    )
    assert answer.status_code == 422
    assert QualityHit.objects.filter(outcome=HitOutcome.BLOCKED).count() == 1


def test_warning_refused_without_confirmation_and_sent_with_it(api, cast, phrases, ticket):
    client = api("north-peak")
    refused = _comment(client, ticket, "保证退款")
    assert refused.status_code == 422
    assert refused.json()["code"] == "quality_confirmation_required"
    assert not Comment.objects.filter(body="保证退款").exists()
    sent = _comment(client, ticket, "保证退款", confirm_warnings=True)
    assert sent.status_code == 201
    assert list(QualityHit.objects.values_list("outcome", flat=True)) == [HitOutcome.SENT]


def test_internal_note_is_not_checked(api, cast, phrases, ticket):
    answer = api("north-peak").post(
        f"/api/v1/tickets/{ticket.reference}/comments/",
        {"body": "滚", "visibility": "internal"},
        format="json",
    )
    assert answer.status_code == 201
    assert not QualityHit.objects.exists()


def test_request_info_question_is_checked(api, cast, phrases, ticket):
    url = f"/api/v1/tickets/{ticket.reference}/actions/request_info/"
    client = api("north-peak")
    refused = client.post(url, {"question": "保证退款吗"}, format="json")
    assert refused.status_code == 422
    assert refused.json()["field_errors"].keys() == {"question"}
    done = client.post(url, {"question": "保证退款吗", "confirm_warnings": True}, format="json")
    assert done.status_code == 200 and done.json()["state"] == "awaiting_buyer"


def test_phrase_crud(api, cast):
    client = api("north-peak")
    created = client.post(
        "/api/v1/quality/phrases/", {"phrase": " 不退 ", "severity": "block"}, format="json"
    )
    assert created.status_code == 201
    phrase_id = created.json()["id"]
    assert created.json()["phrase"] == "不退"
    listed = client.get("/api/v1/quality/phrases/").json()
    assert [p["phrase"] for p in listed] == ["不退"]
    changed = client.patch(
        f"/api/v1/quality/phrases/{phrase_id}/", {"severity": "warn"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["severity"] == "warn"
    assert client.delete(f"/api/v1/quality/phrases/{phrase_id}/").status_code == 204
    assert not QualityPhrase.objects.exists()


def test_a_new_phrase_applies_at_once(api, cast, ticket, django_capture_on_commit_callbacks):
    client = api("north-peak")
    assert _comment(client, ticket, "不退").status_code == 201  # caches an empty list
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/api/v1/quality/phrases/", {"phrase": "不退", "severity": "block"}, format="json"
        )
    assert _comment(client, ticket, "不退").status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phrase": "", "severity": "block"}, "phrase"),
        ({"phrase": "   ", "severity": "block"}, "phrase"),
        ({"phrase": "滚", "severity": "nuke"}, "severity"),
        ({"phrase": "ＧＵＮ", "severity": "warn"}, "phrase"),  # "gun" is listed already
        ({"phrase": "x" * 201, "severity": "warn"}, "phrase"),
        ({"severity": "warn"}, "phrase"),
    ],
)
def test_bad_phrases_are_400_with_the_field(api, cast, body, field):
    client = api("north-peak")
    client.post("/api/v1/quality/phrases/", {"phrase": "gun", "severity": "block"}, format="json")
    answer = client.post("/api/v1/quality/phrases/", body, format="json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid" and field in answer.json()["field_errors"]


def test_duplicate_on_update_is_400(api, cast, phrases):
    client = api("north-peak")
    answer = client.patch(
        f"/api/v1/quality/phrases/{phrases['own_warn'].pk}/", {"phrase": "滚"}, format="json"
    )
    assert answer.status_code == 400 and "phrase" in answer.json()["field_errors"]


def test_hits_list_filters_and_pages(api, cast, phrases, ticket):
    client = api("north-peak")
    _comment(client, ticket, "滚")
    _comment(client, ticket, "保证退款")
    _comment(client, ticket, "加微信")
    everything = client.get("/api/v1/quality/hits/?page_size=2").json()
    assert len(everything["results"]) == 2 and everything["next_cursor"]
    rest = client.get(f"/api/v1/quality/hits/?cursor={everything['next_cursor']}").json()
    assert len(rest["results"]) == 1 and rest["next_cursor"] is None
    warned = client.get("/api/v1/quality/hits/?outcome=withdrawn").json()["results"]
    assert [h["phrase"] for h in warned] == ["保证退款"]
    assert warned[0]["ticket"] == ticket.reference
    blocked = client.get("/api/v1/quality/hits/?severity=block").json()["results"]
    assert {h["phrase"] for h in blocked} == {"滚", "加微信"}
    assert client.get("/api/v1/quality/hits/?severity=nuke").status_code == 400
    assert client.get("/api/v1/quality/hits/?agent=nobody").json()["results"] == []


def test_isolation(api, cast, phrases, ticket):
    _comment(api("north-peak"), ticket, "滚")
    stranger = api("glow-lab")
    own = phrases["own_block"].pk
    assert stranger.get(f"/api/v1/quality/phrases/{own}/").status_code == 404
    assert (
        stranger.patch(
            f"/api/v1/quality/phrases/{own}/", {"severity": "warn"}, format="json"
        ).status_code
        == 404
    )
    assert stranger.delete(f"/api/v1/quality/phrases/{own}/").status_code == 404
    assert [p["phrase"] for p in stranger.get("/api/v1/quality/phrases/").json()] == ["亲爱的"]
    assert stranger.get("/api/v1/quality/hits/").json()["results"] == []
    # The platform whose list caught it does not see the brand's hits either.
    assert api("starmall").get("/api/v1/quality/hits/").json()["results"] == []
    assert [p["phrase"] for p in api("starmall").get("/api/v1/quality/phrases/").json()] == [
        "加微信"
    ]


def test_scopes(api, cast, phrases):
    reader = api("north-peak", "tickets:read")
    assert reader.get("/api/v1/quality/phrases/").status_code == 403
    assert reader.get("/api/v1/quality/hits/").status_code == 200


def test_hits_are_for_supervisors_in_a_session(cast, phrases, client):
    client.force_login(cast.user("north-peak", "agent"))
    assert client.get("/api/v1/quality/hits/").status_code == 403
    client.force_login(cast.user("north-peak", "supervisor"))
    assert client.get("/api/v1/quality/hits/").status_code == 200
