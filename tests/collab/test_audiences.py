"""Each audience receives exactly what it may see (DESIGN §2, §6), on the in-memory layer and on
channels_redis with the real Redis.

"Nothing else" is shown with a sentinel: after the event a socket must not get, a public event
follows, and it must be the very next frame on that socket.
"""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from django.utils import translation

from tests.conftest import drive, make_ticket
from tickets.models import TicketEvent, Visibility
from tickets.projections import event_for_buyer
from tickets.services import comment_add

from .conftest import joined, next_event

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("any_layer"),
]


@database_sync_to_async
def _in_progress_ticket(cast):
    ticket, token = make_ticket(cast)
    return drive(cast, ticket, "in_progress"), token


@database_sync_to_async
def _comment(cast, ticket, slug, body, visibility):
    comment_add(ticket=ticket, actor=cast.actor(slug), body=body, visibility=visibility)


async def _sockets(cast, ticket, token):
    ref = ticket.reference
    return {
        "brand_inbox": await joined("/ws/party/", user=cast.user("north-peak"), party=cast.brand),
        "brand_ticket": await joined(
            f"/ws/tickets/{ref}/", user=cast.user("north-peak"), party=cast.brand
        ),
        "streamer_inbox": await joined(
            "/ws/party/", user=cast.user("lucy-live"), party=cast.streamer
        ),
        "streamer_ticket": await joined(
            f"/ws/tickets/{ref}/", user=cast.user("lucy-live"), party=cast.streamer
        ),
        "platform_inbox": await joined(
            "/ws/party/", user=cast.user("starmall"), party=cast.platform
        ),
        "outsider_inbox": await joined(
            "/ws/party/", user=cast.user("stranger-brand"), party=cast.outsider
        ),
        "buyer": await joined(f"/ws/track/{token}/?lang=en"),
    }


async def test_each_audience_gets_exactly_what_it_may_see(cast):
    ticket, token = await _in_progress_ticket(cast)
    sockets = await _sockets(cast, ticket, token)
    received: dict[str, list[dict]] = {name: [] for name in sockets}

    async def expect(names, body):
        for name in names:
            frame = await next_event(sockets[name])
            received[name].append(frame)
            text = frame["event"].get("data", {}).get("body") or frame["event"].get("text")
            assert text == body, (name, frame)

    await _comment(cast, ticket, "north-peak", "brand-only: check stock", Visibility.INTERNAL)
    await expect(["brand_inbox", "brand_ticket"], "brand-only: check stock")

    await _comment(cast, ticket, "north-peak", "parties: stock is fine", Visibility.PARTIES)
    parties = ["brand_inbox", "brand_ticket", "streamer_inbox", "streamer_ticket", "platform_inbox"]
    await expect(parties, "parties: stock is fine")

    await _comment(cast, ticket, "north-peak", "Your new size ships today", Visibility.PUBLIC)
    # The sentinel: the next frame everywhere is this public message, so the streamer, the
    # platform and the buyer got neither note, and the buyer got no party note either.
    await expect([*parties, "buyer"], "Your new size ships today")

    # The outsider's socket got nothing at all.
    assert await sockets["outsider_inbox"].receive_nothing(timeout=0.2)

    # The buyer's frame is the buyer projection: no company, no agent, no internal field.
    buyer_frame = received["buyer"][0]
    assert buyer_frame["event"]["from"] == "the seller"
    assert buyer_frame["cursor"] == buyer_frame["event"]["seq"]
    leaked = json.dumps(buyer_frame, ensure_ascii=False)
    for party in (cast.brand, cast.streamer, cast.platform, cast.merchant):
        assert party.name not in leaked and party.slug not in leaked
    assert "north-peak-agent" not in leaked and "visibility" not in leaked
    # Parties see who wrote it; the ticket socket's cursor is the ticket sequence number.
    brand_frame = received["brand_ticket"][-1]
    assert brand_frame["event"]["actor"]["party"]["slug"] == "north-peak"
    assert brand_frame["cursor"] == brand_frame["event"]["seq"]
    for socket in sockets.values():
        await socket.disconnect()


async def test_buyer_socket_speaks_the_page_language(cast):
    ticket, token = await _in_progress_ticket(cast)
    chinese = await joined(f"/ws/track/{token}/?lang=zh-hans")
    english = await joined(f"/ws/track/{token}/?lang=en")
    await _comment(cast, ticket, "north-peak", "好的", Visibility.PUBLIC)

    @database_sync_to_async
    def projected(language):
        event = TicketEvent.objects.get(ticket=ticket, kind="comment.added")
        with translation.override(language):
            return event_for_buyer(event)

    assert (await next_event(english))["event"] == await projected("en")
    assert (await next_event(chinese))["event"] == await projected("zh-hans")
    await chinese.disconnect()
    await english.disconnect()


async def test_a_route_is_party_news_not_buyer_news(cast):
    ticket, token = await database_sync_to_async(make_ticket)(cast)
    buyer = await joined(f"/ws/track/{token}/")
    brand = await joined("/ws/party/", user=cast.user("north-peak"), party=cast.brand)
    await database_sync_to_async(drive)(cast, ticket, "in_progress")  # route, then accept
    # The brand joins the ticket with the route, so its inbox gets the route and the accept.
    kinds = [(await next_event(brand))["event"]["kind"] for _ in range(2)]
    assert kinds == ["ticket.routed", "ticket.accepted"]
    frame = await next_event(buyer)
    assert (frame["event"]["kind"], frame["event"]["step"]) == ("ticket.accepted", "in_progress")
    await buyer.disconnect()
    await brand.disconnect()
