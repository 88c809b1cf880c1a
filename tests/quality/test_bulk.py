"""Bulk replies: a message (or a question to the buyer) sent to many tickets goes through the same
reply check, and each refusal is reported per ticket like any other."""

from __future__ import annotations

import pytest

from bulk.models import BulkJobItem
from quality.models import HitOutcome, QualityHit
from tests.bulk.conftest import key_client
from tests.conftest import drive, make_ticket
from tickets.models import Comment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _bulk_inline(settings, tmp_path) -> None:
    settings.COLLAB_BULK_RUNNER = "inline"
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def tickets(cast):
    return [
        drive(cast, make_ticket(cast, order_number=f"DY{n}")[0], "in_progress") for n in range(3)
    ]


def _job(client, action, args, tickets):
    response = client.post(
        "/api/v1/bulk-jobs/",
        {
            "kind": "transition",
            "action": action,
            "args": args,
            "references": [t.reference for t in tickets],
        },
        format="json",
    )
    assert response.status_code == 202, response.json()
    return response.json()


def _outcomes(job) -> dict[str, tuple[str, str]]:
    items = BulkJobItem.objects.filter(job__public_id=job["id"])
    return {i.reference: (i.outcome, i.code, i.message) for i in items}


def test_bulk_reply_with_a_blocking_phrase_fails_every_ticket_and_records_each(
    cast, phrases, tickets
):
    job = _job(
        key_client(cast.brand),
        "comment",
        {"body": "请加微信联系", "visibility": "public"},
        tickets,
    )
    assert (job["succeeded"], job["failed"]) == (0, 3)
    for outcome, code, message in _outcomes(job).values():
        assert (outcome, code) == ("failed", "quality_blocked")
        assert "“加微信”" in message
    assert not Comment.objects.filter(body__contains="加微信").exists()
    assert QualityHit.objects.filter(outcome=HitOutcome.BLOCKED).count() == 3
    assert set(QualityHit.objects.values_list("ticket_id", flat=True)) == {t.pk for t in tickets}


def test_bulk_reply_with_a_warning_needs_confirmation(cast, phrases, tickets):
    client = key_client(cast.brand)
    args = {"body": "保证退款", "visibility": "public"}
    refused = _job(client, "comment", args, tickets)
    assert {code for _o, code, _m in _outcomes(refused).values()} == {
        "quality_confirmation_required"
    }
    sent = _job(client, "comment", {**args, "confirm_warnings": True}, tickets)
    assert (sent["succeeded"], sent["failed"]) == (3, 0)
    assert Comment.objects.filter(body="保证退款", visibility="public").count() == 3
    assert sorted(QualityHit.objects.values_list("outcome", flat=True)) == [HitOutcome.SENT] * 3


def test_bulk_internal_note_is_not_checked(cast, phrases, tickets):
    job = _job(
        key_client(cast.brand), "comment", {"body": "加微信", "visibility": "internal"}, tickets
    )
    assert (job["succeeded"], job["failed"]) == (3, 0)
    assert not QualityHit.objects.exists()


def test_bulk_question_to_buyers_is_checked_per_ticket(cast, phrases, tickets):
    job = _job(key_client(cast.brand), "request_info", {"question": "滚"}, tickets)
    assert {code for _o, code, _m in _outcomes(job).values()} == {"quality_blocked"}
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.state == "in_progress"


@pytest.mark.parametrize(
    "args",
    [
        {"body": "hello"},
        {"body": "hello", "visibility": "everyone"},
        {"body": "hello", "visibility": "public", "confirm_warnings": "yes"},
        {"body": "hello", "visibility": "public", "colour": "red"},
    ],
)
def test_bad_bulk_reply_is_400(cast, tickets, args):
    response = key_client(cast.brand).post(
        "/api/v1/bulk-jobs/",
        {"kind": "transition", "action": "comment", "args": args, "references": ["AS-1"]},
        format="json",
    )
    assert response.status_code == 400
