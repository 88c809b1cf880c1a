"""Reconnecting with the last cursor delivers what was missed, once and in order; events of a
rolled-back transaction are never pushed."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from tests.conftest import drive, make_ticket
from tickets.models import Visibility
from tickets.services import comment_add, ticket_perform

from .conftest import frames_until_ready, joined, next_event, open_socket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("memory_layer"),
]


@database_sync_to_async
def _comment(cast, ticket, slug, body, visibility=Visibility.PUBLIC):
    comment_add(ticket=ticket, actor=cast.actor(slug), body=body, visibility=visibility)


async def test_buyer_catch_up_after_disconnect(cast):
    ticket, token = await database_sync_to_async(make_ticket)(cast)
    first = await open_socket(f"/ws/track/{token}/?after=0")
    backlog = await frames_until_ready(first)
    assert [f["event"]["kind"] for f in backlog] == ["ticket.created"]
    last_seen = backlog[-1]["cursor"]
    await first.disconnect()

    # While the buyer is away: a route (party-only), an accept, a party note, a public message.
    ticket = await database_sync_to_async(drive)(cast, ticket, "in_progress")
    await _comment(cast, ticket, "north-peak", "note for partners", Visibility.PARTIES)
    await _comment(cast, ticket, "north-peak", "We are on it")

    again = await open_socket(f"/ws/track/{token}/?after={last_seen}")
    missed = await frames_until_ready(again)
    assert [(f["cursor"], f["event"]["kind"]) for f in missed] == [
        (3, "ticket.accepted"),
        (5, "comment.added"),
    ]
    # Then live, continuing without a duplicate of what the backlog carried.
    await _comment(cast, ticket, "north-peak", "Shipped")
    live = await next_event(again)
    assert (live["cursor"], live["event"]["text"]) == (6, "Shipped")
    assert await again.receive_nothing(timeout=0.2)
    await again.disconnect()


async def test_ticket_socket_catch_up_includes_own_internal_notes_only(cast):
    ticket, _token = await database_sync_to_async(make_ticket)(cast)
    ticket = await database_sync_to_async(drive)(cast, ticket, "in_progress")
    await _comment(cast, ticket, "north-peak", "brand internal", Visibility.INTERNAL)
    await _comment(cast, ticket, "lucy-live", "streamer internal", Visibility.INTERNAL)
    socket = await open_socket(
        f"/ws/tickets/{ticket.reference}/?after=1", user=cast.user("north-peak"), party=cast.brand
    )
    frames = await frames_until_ready(socket)
    assert [f["event"]["seq"] for f in frames] == [2, 3, 4]
    assert frames[-1]["event"]["data"]["body"] == "brand internal"
    await socket.disconnect()


async def test_party_inbox_resumes_from_the_last_event_id(cast):
    ticket, _token = await database_sync_to_async(make_ticket)(cast)
    ticket = await database_sync_to_async(drive)(cast, ticket, "routed")
    inbox = await joined("/ws/party/", user=cast.user("north-peak"), party=cast.brand)
    await _comment(cast, ticket, "lucy-live", "please hurry", Visibility.PARTIES)
    cursor = (await next_event(inbox))["cursor"]
    await inbox.disconnect()

    await database_sync_to_async(ticket_perform)(
        ticket=ticket, action="accept", actor=cast.actor("north-peak")
    )
    other, _token = await database_sync_to_async(make_ticket)(cast)  # not the brand's
    await database_sync_to_async(drive)(cast, other, "in_progress")

    again = await open_socket(
        f"/ws/party/?after={cursor}", user=cast.user("north-peak"), party=cast.brand
    )
    missed = await frames_until_ready(again)
    # The accept, then the second ticket, which reached the brand meanwhile: once a party takes
    # part it sees the ticket's history, so its creation is news too.
    assert [(f["event"]["ticket"], f["event"]["kind"]) for f in missed] == [
        (ticket.reference, "ticket.accepted"),
        (other.reference, "ticket.created"),
        (other.reference, "ticket.routed"),
        (other.reference, "ticket.accepted"),
    ]
    assert [f["cursor"] for f in missed] == sorted(f["cursor"] for f in missed)
    await again.disconnect()


async def test_events_of_a_rolled_back_transaction_are_never_pushed(cast):
    ticket, token = await database_sync_to_async(make_ticket)(cast)
    ticket = await database_sync_to_async(drive)(cast, ticket, "in_progress")
    buyer = await joined(f"/ws/track/{token}/")
    brand = await joined(
        f"/ws/tickets/{ticket.reference}/", user=cast.user("north-peak"), party=cast.brand
    )

    class Abandon(Exception):
        pass

    @database_sync_to_async
    def resolve_then_fail():
        with pytest.raises(Abandon), transaction.atomic():
            comment_add(
                ticket=ticket,
                actor=cast.actor("north-peak"),
                body="Refund sent",
                visibility=Visibility.PUBLIC,
            )
            ticket_perform(
                ticket=ticket, action="resolve", actor=cast.actor("north-peak"), outcome="refund"
            )
            raise Abandon

    await resolve_then_fail()
    await _comment(cast, ticket, "north-peak", "sentinel")
    # The next frame on both sockets is the sentinel, which reuses the rolled-back seq.
    for socket in (buyer, brand):
        frame = await next_event(socket)
        assert frame["cursor"] == 4
        assert frame["event"]["kind"] == "comment.added"
        assert "Refund sent" not in str(frame)
        await socket.disconnect()
