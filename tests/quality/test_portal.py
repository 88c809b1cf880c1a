"""The reply check, the phrase list and the quality view in the portal."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from quality.models import HitOutcome, QualityHit, QualityPhrase
from tickets.models import Comment

pytestmark = pytest.mark.django_db


def _say(client, ticket, body, visibility="public", **extra):
    return client.post(
        f"/portal/t/{ticket.reference}/comment/",
        {"body": body, "visibility": visibility, **extra},
    )


def test_blocked_message_shows_a_form_error_naming_the_phrase(login, phrases, ticket):
    page = _say(login("north-peak"), ticket, "你给我滚")
    assert page.status_code == 422
    text = page.content.decode()
    assert "“滚”" in text and 'class="error"' in text
    assert "你给我滚" in text  # the text stays in the form to be reworded
    assert not Comment.objects.filter(body="你给我滚").exists()
    assert QualityHit.objects.get().outcome == HitOutcome.BLOCKED


def test_warning_offers_confirmation_and_sends_when_confirmed(login, phrases, ticket):
    client = login("north-peak")
    page = _say(client, ticket, "保证退款")
    assert page.status_code == 422
    text = page.content.decode()
    assert "“保证退款”" in text and 'name="confirm_warnings"' in text
    assert not Comment.objects.filter(body="保证退款").exists()
    sent = _say(client, ticket, "保证退款", confirm_warnings="on")
    assert sent.status_code == 302
    assert Comment.objects.filter(body="保证退款", visibility="public").exists()
    assert list(QualityHit.objects.values_list("outcome", flat=True)) == [HitOutcome.SENT]


def test_no_confirmation_box_before_a_warning(login, ticket):
    page = login("north-peak").get(f"/portal/t/{ticket.reference}/")
    assert 'name="confirm_warnings"' not in page.content.decode()


def test_internal_note_is_not_checked(login, phrases, ticket):
    assert _say(login("north-peak"), ticket, "滚", visibility="internal").status_code == 302
    assert not QualityHit.objects.exists()


def test_question_to_the_buyer_is_checked(login, phrases, ticket):
    client = login("north-peak")
    url = f"/portal/t/{ticket.reference}/act/request_info/"
    page = client.post(url, {"question": "保证退款吗？"})
    assert page.status_code == 422 and 'name="confirm_warnings"' in page.content.decode()
    confirmed = client.post(url, {"question": "保证退款吗？", "confirm_warnings": "on"})
    assert confirmed.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == "awaiting_buyer"


def test_admin_manages_the_phrase_list(login, cast):
    client = login("north-peak", "admin")
    assert client.get("/portal/settings/").content.decode().count("/portal/quality/phrases/") == 1
    added = client.post("/portal/quality/phrases/", {"phrase": "不退", "severity": "block"})
    assert added.status_code == 302
    phrase = QualityPhrase.objects.get(party=cast.brand)
    assert "不退" in client.get("/portal/quality/phrases/").content.decode()
    assert client.post(f"/portal/quality/phrases/{phrase.pk}/delete/").status_code == 302
    assert not QualityPhrase.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"phrase": "", "severity": "block"}, "This field is required."),
        ({"phrase": "   ", "severity": "block"}, "A phrase is required."),
        ({"phrase": "滚", "severity": "nuke"}, "Select a valid choice."),
        ({"phrase": " 滚 ", "severity": "warn"}, "This phrase is already on your list."),
    ],
)
def test_bad_phrase_is_a_form_error(login, phrases, data, message):
    page = login("north-peak", "admin").post("/portal/quality/phrases/", data)
    assert page.status_code == 400
    assert message in page.content.decode()


def test_platform_admin_manages_the_platform_list(login, cast):
    client = login("starmall", "admin")
    client.post("/portal/quality/phrases/", {"phrase": "私下交易", "severity": "block"})
    assert QualityPhrase.objects.get().party == cast.platform


def test_phrase_pages_are_for_admins_only(login):
    assert login("north-peak", "supervisor").get("/portal/quality/phrases/").status_code == 403


def test_another_partys_phrase_is_404(login, phrases):
    client = login("glow-lab", "admin")
    own = phrases["own_block"].pk
    assert client.post(f"/portal/quality/phrases/{own}/delete/").status_code == 404
    assert "滚" not in client.get("/portal/quality/phrases/").content.decode()
    assert QualityPhrase.objects.filter(pk=own).exists()


def test_supervisor_quality_view_filters_by_outcome_agent_and_period(login, cast, phrases, ticket):
    agent = login("north-peak")
    with time_machine.travel(timezone.now() - timedelta(days=3)):
        _say(agent, ticket, "滚")
    _say(agent, ticket, "保证退款")
    _say(login("north-peak", "supervisor"), ticket, "加微信")
    client = login("north-peak", "supervisor")
    everything = client.get("/portal/quality/").content.decode()
    assert all(p in everything for p in ("滚", "保证退款", "加微信"))
    withdrawn = client.get("/portal/quality/?outcome=withdrawn").content.decode()
    assert "保证退款" in withdrawn and "加微信" not in withdrawn
    agent_id = cast.user("north-peak", "supervisor").pk
    by_agent = client.get(f"/portal/quality/?agent={agent_id}").content.decode()
    assert "加微信" in by_agent and "保证退款" not in by_agent
    today = timezone.localdate().isoformat()
    recent = client.get(f"/portal/quality/?start={today}&end={today}").content.decode()
    assert "保证退款" in recent and "你给我滚" not in recent and ">滚<" not in recent
    assert client.get("/portal/quality/?start=2026-02-02&end=2026-01-01").status_code == 400


def test_quality_view_pages(login, cast, phrases, ticket):
    QualityHit.objects.bulk_create(
        QualityHit(
            party=cast.brand,
            ticket=ticket,
            phrase=f"p{n}",
            severity="warn",
            outcome="withdrawn",
            field="body",
            excerpt="x",
        )
        for n in range(60)
    )
    client = login("north-peak", "supervisor")
    first = client.get("/portal/quality/").content.decode()
    assert first.count('data-outcome="withdrawn"') == 50 and 'rel="next"' in first
    second = client.get("/portal/quality/?page=2").content.decode()
    assert second.count('data-outcome="withdrawn"') == 10


def test_quality_view_is_for_supervisors_and_shows_only_own_hits(login, phrases, ticket):
    _say(login("north-peak"), ticket, "滚")
    assert login("north-peak").get("/portal/quality/").status_code == 403
    stranger = login("glow-lab", "supervisor").get("/portal/quality/").content.decode()
    assert "滚" not in stranger
    platform = login("starmall", "admin").get("/portal/quality/").content.decode()
    assert ticket.reference not in platform
