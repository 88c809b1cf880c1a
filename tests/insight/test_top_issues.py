"""Live top issues: a burst in one category within the window is detected and pushed to the
parties that see those tickets, and to nobody else."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from channels.db import database_sync_to_async

from insight.jobs import insight_refresh
from insight.keywords import subject_keywords
from insight.rollups import rollup_advance
from insight.top_issues import top_issues
from tests.collab.conftest import joined, memory_layer  # noqa: F401 (fixture)
from tests.conftest import make_ticket
from tickets.models import TicketCategory

from .conftest import SHANGHAI

NOON = datetime(2026, 11, 11, 12, 0, tzinfo=SHANGHAI)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def quality(cast, subject="鞋底开胶了", sku="NP-SHOE-01"):
    return make_ticket(
        cast,
        category=TicketCategory.objects.get(code="quality"),
        form_data={"defect": subject},
        subject=subject,
        sku=sku,
    )


def test_keywords_are_cjk_bigrams_and_latin_words():
    assert subject_keywords("鞋底开胶了 Sole came OFF, the shoe") == [
        "鞋底",
        "底开",
        "开胶",
        "胶了",
        "sole",
        "came",
        "off",
        "shoe",
    ]
    assert subject_keywords("袜") == ["袜"]


@pytest.mark.django_db
def test_a_burst_in_one_category_rises_to_the_top_within_its_window(cast, settled):
    with time_machine.travel(NOON - 2 * HOUR, tick=False) as clock:
        # Steady background: one size change every ten minutes for two hours.
        for step in range(12):
            clock.move_to(NOON - 2 * HOUR + step * 10 * MINUTE)
            make_ticket(cast, subject="换个尺码")
        # The previous quarter hour: one quality complaint.
        clock.move_to(NOON - 20 * MINUTE)
        quality(cast)
        # The last quarter hour: a burst of five about soles coming off.
        for step in range(5):
            clock.move_to(NOON - 10 * MINUTE + step * MINUTE)
            quality(cast)
        clock.move_to(NOON)
        rollup_advance()
        quarter = top_issues(cast.streamer, window="15m")
        hour = top_issues(cast.streamer, window="1h")
        later = top_issues(cast.streamer, window="15m", now=NOON + 40 * MINUTE)

    first = quarter["categories"][0]
    assert (first["key"], first["count"], first["previous"], first["growth"]) == (
        "quality",
        5,
        1,
        4,
    )
    assert [c["key"] for c in quarter["categories"]] == ["quality"]  # steady is not rising
    assert quarter["products"][0]["key"] == "NP-SHOE-01"
    assert {"鞋底", "开胶"} <= {k["key"] for k in quarter["keywords"][:4]}
    assert hour["categories"][0]["key"] == "quality"
    # Forty minutes on, the burst has left the 15-minute window: nothing rises.
    assert later["categories"] == []


@pytest.mark.django_db
def test_another_party_sees_no_top_issue_of_tickets_it_cannot_see(cast, settled):
    for _ in range(3):
        quality(cast)
    rollup_advance()
    for party in (cast.streamer, cast.platform):  # the originator; strong oversight
        assert top_issues(party, window="15m")["categories"][0]["count"] == 3
    # The brand named on the orders has not been routed them yet: it sees none of them.
    for party in (cast.brand, cast.other_brand, cast.outsider, cast.weak_platform):
        got = top_issues(party, window="1h")
        assert got["categories"] == got["products"] == got["keywords"] == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("memory_layer", "settled")
async def test_the_refresh_pushes_top_issues_over_the_party_socket(cast):
    streamer = await joined("/ws/party/", user=cast.user("lucy-live"), party=cast.streamer)
    stranger = await joined("/ws/party/", user=cast.user("glow-lab"), party=cast.other_brand)

    def burst_and_refresh():
        for _ in range(3):
            quality(cast)
        return insight_refresh()

    report = await database_sync_to_async(burst_and_refresh)()
    assert report["pushed"] >= 1
    while True:
        frame = await streamer.receive_json_from(timeout=5)
        if frame["type"] == "insight.top_issues":
            break
    quarter = frame["top_issues"]["15m"]
    assert quarter["categories"][0]["key"] == "quality"
    assert quarter["categories"][0]["count"] == 3
    assert await stranger.receive_nothing(timeout=0.3)
    await streamer.disconnect()
    await stranger.disconnect()
