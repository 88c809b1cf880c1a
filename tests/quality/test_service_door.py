"""The check in the service door: what is checked, what applies, what is recorded."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quality.errors import QualityBlocked, QualityConfirmationRequired
from quality.models import HitOutcome, QualityHit, Severity
from tenants.actors import Actor
from tests.quality.conftest import listed
from tickets.models import Comment, Outcome, Visibility
from tickets.services import comment_add, ticket_perform

pytestmark = pytest.mark.django_db


def test_blocking_phrase_refuses_a_public_reply_and_records_the_hit(cast, phrases, ticket):
    brand = cast.actor("north-peak")
    with pytest.raises(QualityBlocked) as refused:
        comment_add(ticket=ticket, actor=brand, body="你给我滚！", visibility=Visibility.PUBLIC)
    assert refused.value.code == "quality_blocked"
    assert "“滚”" in refused.value.message
    assert refused.value.field_errors == {"body": [refused.value.message]}
    assert not Comment.objects.filter(ticket=ticket, body__contains="滚").exists()
    hit = QualityHit.objects.get()
    assert (hit.party, hit.user, hit.ticket) == (cast.brand, cast.user("north-peak"), ticket)
    assert (hit.phrase, hit.severity, hit.outcome) == ("滚", Severity.BLOCK, HitOutcome.BLOCKED)
    assert hit.field == "body" and "滚" in hit.excerpt


@pytest.mark.parametrize("visibility", [Visibility.INTERNAL, Visibility.PARTIES])
def test_notes_the_buyer_never_reads_are_not_checked(cast, phrases, ticket, visibility):
    comment_add(ticket=ticket, actor=cast.actor("north-peak"), body="让他滚", visibility=visibility)
    assert Comment.objects.filter(ticket=ticket, body="让他滚").exists()
    assert not QualityHit.objects.exists()


def test_warning_needs_confirmation_then_counts_once_as_sent(cast, phrases, ticket):
    brand = cast.actor("north-peak")
    body = "我们保证退款"
    with pytest.raises(QualityConfirmationRequired) as refused:
        comment_add(ticket=ticket, actor=brand, body=body, visibility=Visibility.PUBLIC)
    assert "“保证退款”" in refused.value.message
    assert QualityHit.objects.get().outcome == HitOutcome.WITHDRAWN
    comment_add(
        ticket=ticket, actor=brand, body=body, visibility=Visibility.PUBLIC, confirm_warnings=True
    )
    assert Comment.objects.filter(ticket=ticket, body=body, visibility="public").exists()
    assert list(QualityHit.objects.values_list("outcome", flat=True)) == [HitOutcome.SENT]


def test_confirmation_does_not_override_a_block(cast, phrases, ticket):
    with pytest.raises(QualityBlocked):
        comment_add(
            ticket=ticket,
            actor=cast.actor("north-peak"),
            body="保证退款，滚",
            visibility=Visibility.PUBLIC,
            confirm_warnings=True,
        )
    assert set(QualityHit.objects.values_list("phrase", "outcome")) == {
        ("滚", HitOutcome.BLOCKED),
        ("保证退款", HitOutcome.BLOCKED),
    }


def test_matching_ignores_case_width_and_spacing(cast, ticket):
    listed(cast.brand, "Add  my WeChat", Severity.BLOCK)
    with pytest.raises(QualityBlocked):
        comment_add(
            ticket=ticket,
            actor=cast.actor("north-peak"),
            body="please ａｄｄ\u3000my\nwechat now",
            visibility=Visibility.PUBLIC,
        )


def test_the_platform_list_applies_to_every_party_on_the_platform(cast, phrases, ticket):
    with pytest.raises(QualityBlocked):
        comment_add(
            ticket=ticket,
            actor=cast.actor("north-peak"),
            body="加微信聊",
            visibility=Visibility.PUBLIC,
        )
    hit = QualityHit.objects.get()
    assert hit.party == cast.brand and hit.from_platform


def test_another_partys_phrases_do_not_apply(cast, phrases, ticket):
    comment_add(
        ticket=ticket, actor=cast.actor("north-peak"), body="亲爱的您好", visibility="public"
    )
    assert not QualityHit.objects.exists()


def test_buyer_texts_are_not_checked(cast, phrases, ticket):
    comment_add(ticket=ticket, actor=Actor.buyer(), body="滚", visibility=Visibility.PUBLIC)
    assert not QualityHit.objects.exists()


def test_request_info_question_and_resolve_note_are_checked(cast, phrases, ticket):
    brand = cast.actor("north-peak")
    with pytest.raises(QualityBlocked) as refused:
        ticket_perform(ticket=ticket, action="request_info", actor=brand, question="加微信发照片")
    assert refused.value.field_errors.keys() == {"question"}
    ticket.refresh_from_db()
    assert ticket.state == "in_progress"
    with pytest.raises(QualityConfirmationRequired):
        ticket_perform(
            ticket=ticket, action="resolve", actor=brand, outcome=Outcome.REFUND, note="保证退款"
        )
    ticket_perform(
        ticket=ticket,
        action="resolve",
        actor=brand,
        outcome=Outcome.REFUND,
        note="保证退款",
        confirm_warnings=True,
    )
    ticket.refresh_from_db()
    assert ticket.state == "resolved"
    assert sorted(QualityHit.objects.values_list("field", "outcome")) == [
        ("note", HitOutcome.SENT),
        ("question", HitOutcome.BLOCKED),
    ]


def test_reasons_the_buyer_does_not_read_are_not_checked(cast, phrases, ticket):
    ticket_perform(ticket=ticket, action="escalate", actor=cast.actor("north-peak"), reason="滚")
    assert not QualityHit.objects.exists()


def test_the_check_costs_no_query_once_the_lists_are_cached(cast, phrases, ticket):
    brand = cast.actor("north-peak")
    comment_add(ticket=ticket, actor=brand, body="warm", visibility=Visibility.PUBLIC)
    with CaptureQueriesContext(connection) as public:
        comment_add(ticket=ticket, actor=brand, body="您好", visibility=Visibility.PUBLIC)
    assert not any("quality_" in q["sql"] for q in public.captured_queries)
