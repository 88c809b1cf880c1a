"""A ticket created by a commit is pushed to the inboxes only: nobody can have its detail view or
its buyer page open before that commit, and whoever opens one afterwards renders the committed
ticket. Later events of the ticket reach those groups as always."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from collab.broadcast import buyer_group, party_group, ticket_group
from tests.conftest import make_ticket
from tickets.models import Visibility
from tickets.services import comment_add

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("memory_layer"),
]


def _groups(cast, ticket) -> dict[str, str]:
    return {
        "inbox": party_group(cast.streamer.pk),
        "detail": ticket_group(ticket.pk, cast.streamer.pk),
        "buyer": buyer_group(ticket.pk),
    }


@database_sync_to_async
def _created_while_listening(cast, layer) -> tuple[object, dict[str, str]]:
    """Create a ticket and, before its transaction commits, listen to all of its groups."""
    channels: dict[str, str] = {}
    with transaction.atomic():
        ticket, _token = make_ticket(cast)
        for name, group in _groups(cast, ticket).items():
            channels[name] = async_to_sync(layer.new_channel)()
            async_to_sync(layer.group_add)(group, channels[name])
    return ticket, channels


async def _kinds(layer, channel: str) -> list[str]:
    kinds = []
    while True:
        try:
            message = await asyncio.wait_for(layer.receive(channel), timeout=0.2)
        except TimeoutError:
            return kinds
        event = message.get("event") or message["events"]["en"]
        kinds.append(event["kind"])


async def test_a_new_ticket_reaches_the_inbox_only_and_its_later_events_every_group(cast):
    layer = get_channel_layer()
    ticket, channels = await _created_while_listening(cast, layer)
    assert await _kinds(layer, channels["inbox"]) == ["ticket.created"]
    assert await _kinds(layer, channels["detail"]) == []
    assert await _kinds(layer, channels["buyer"]) == []

    await database_sync_to_async(comment_add)(
        ticket=ticket,
        actor=cast.actor(cast.streamer.slug),
        body="We are on it.",
        visibility=Visibility.PUBLIC,
    )
    for name in ("inbox", "detail", "buyer"):
        assert await _kinds(layer, channels[name]) == ["comment.added"], name
