"""The working day in the browser, in English and in Simplified Chinese (DESIGN §1)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import drive, make_ticket
from tickets.models import SlaPolicy, Ticket
from tickets.sweeper import sla_sweep

pytestmark = [
    pytest.mark.django_db(transaction=True),
]


def off_loop(func, *args, **kwargs):
    """Run domain code in its own thread: its after-commit pushes use ``async_to_sync``, which
    refuses the thread where Playwright's event loop runs."""

    def run():
        try:
            return func(*args, **kwargs)
        finally:
            connections.close_all()  # hand the thread's connection back to the pool

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


# Labels each journey expects to read, per language.
LABELS = {
    "en": {
        "inbox": "Inbox",
        "console": "Triage console",
        "accept": "Accept",
        "resolve": "Resolve",
        "actions": "Actions",
        "internal": "Internal",
        "buyer_can_see": "Buyer can see",
        "escalations": "Escalation queue",
    },
    "zh-hans": {
        "inbox": "收件箱",
        "console": "分派台",
        "accept": "接单",
        "resolve": "解决",
        "actions": "操作",
        "internal": "内部",
        "buyer_can_see": "买家可见",
        "escalations": "升级队列",
    },
}
LANGUAGES = {"en": "en-US", "zh-hans": "zh-CN"}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_triage_live_inbox_accept_notes_resolve_leaderboard(cast, open_as, shot, language):
    text = LABELS[language]
    ticket, _token = off_loop(make_ticket, cast, subject=f"Shoes too small ({language})")

    brand = open_as("north-peak-agent", LANGUAGES[language])
    expect(brand.locator("h1")).to_have_text(text["inbox"])
    expect(brand.locator("body")).to_have_attribute("data-live-state", "live")
    row = brand.locator(f'tr[data-reference="{ticket.reference}"]')
    expect(row).to_have_count(0)

    streamer = open_as("lucy-live-agent", LANGUAGES[language])
    expect(streamer.locator("h1")).to_have_text(text["console"])
    shot(streamer, f"{language}-streamer-console")
    queued = streamer.locator(f'tr[data-reference="{ticket.reference}"]')
    queued.locator("select[name=to_party]").select_option(str(cast.brand.pk))
    queued.locator("form.route-one button").click()
    expect(streamer.locator(f'tr[data-reference="{ticket.reference}"]')).to_have_count(0)

    # The brand's inbox shows it without a reload.
    expect(row).to_be_visible()
    shot(brand, f"{language}-brand-inbox")
    row.locator("a.ref").click()
    expect(brand.locator("#action-accept")).to_have_text(text["accept"])
    brand.locator("#action-accept").click()
    expect(brand.locator("#ticket-state")).to_have_attribute("data-state", "in_progress")
    expect(brand.locator("#actions-title")).to_have_text(text["actions"])

    brand.locator("label.vis-internal").click()
    brand.fill(".composer textarea", "Checked stock: size 43 available.")
    brand.click("#send-message")
    brand.locator("label.vis-public").click()
    brand.fill(".composer textarea", "We are sending you size 43 today.")
    brand.click("#send-message")
    timeline = brand.locator("#timeline")
    expect(timeline.locator(".comment.vis-internal .vis-tag")).to_have_text(text["internal"])
    expect(timeline.locator(".comment.vis-public .vis-tag")).to_have_text(text["buyer_can_see"])

    expect(brand.locator("#action-resolve summary")).to_have_text(text["resolve"])
    brand.locator("#action-resolve summary").click()
    brand.select_option("#id_resolve_outcome", "exchange")
    brand.fill("#id_resolve_note", "Exchange shipped")
    brand.locator("#action-resolve button[type=submit]").click()
    expect(brand.locator("#ticket-state")).to_have_attribute("data-state", "resolved")
    shot(brand, f"{language}-brand-ticket")
    assert Ticket.objects.get(pk=ticket.pk).state == "resolved"

    streamer.goto(streamer.url.split("/portal/")[0] + "/portal/leaderboard/")
    leader = streamer.locator('#leaderboard tr[data-party="north-peak"]')
    expect(leader.locator(".held")).to_have_text("1")
    shot(streamer, f"{language}-leaderboard")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_unaccepted_ticket_breaches_and_the_platform_resolves_it(cast, open_as, shot, language):
    text = LABELS[language]
    SlaPolicy.objects.create(
        owner=cast.platform,
        name="Brands accept within an hour",
        party_kind="brand",
        accept_within=timedelta(hours=1),
        resolve_within=timedelta(hours=24),
        breach_action="escalate",
    )
    ticket = off_loop(lambda: drive(cast, make_ticket(cast)[0], "routed"))
    off_loop(sla_sweep, now=timezone.now() + timedelta(days=3))
    ticket.refresh_from_db()
    assert ticket.state == "escalated"

    platform = open_as("starmall-agent", LANGUAGES[language])
    expect(platform.locator("#queue-title")).to_have_text(text["escalations"])
    row = platform.locator(f'tr[data-reference="{ticket.reference}"]')
    expect(row).to_be_visible()
    shot(platform, f"{language}-platform-console")
    row.locator("input[name=note]").first.fill("¥20 coupon for the wait")
    row.locator("form.arbitrate button.primary").click()
    expect(platform.locator(f'tr[data-reference="{ticket.reference}"]')).to_have_count(0)
    ticket.refresh_from_db()
    assert (ticket.state, ticket.outcome) == ("resolved", "compensation")
