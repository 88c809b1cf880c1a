"""The bell's socket: /ws/notifications/ joins user.<id> and follows the unread count live."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from collab.consumers import CloseCode
from notifications.models import Notification
from notifications.services import notification_mark_read
from tests.collab.conftest import close_code, open_socket
from tests.conftest import drive, make_ticket

pytestmark = [pytest.mark.django_db(transaction=True)]


async def _first(socket) -> dict:
    """The count frame sent on connect, then ``ready``."""
    count = await socket.receive_json_from(timeout=5)
    ready = await socket.receive_json_from(timeout=5)
    assert ready["type"] == "ready"
    return count


async def _next_notification(socket) -> dict:
    while True:
        frame = await socket.receive_json_from(timeout=5)
        if frame["type"] != "ping":
            assert frame["type"] == "notification", frame
            return frame


@pytest.mark.usefixtures("memory_layer")
async def test_anonymous_is_refused():
    socket = await open_socket("/ws/notifications/")
    frame, code = await close_code(socket)
    assert (frame, code) == ({"type": "refused", "code": "unauthenticated"}, 4401)
    assert code == CloseCode.UNAUTHENTICATED


async def test_a_new_notification_is_pushed_to_its_recipient_only(cast, any_layer):
    supervisor = cast.user("north-peak", "supervisor")
    mine = await open_socket("/ws/notifications/?lang=en", user=supervisor, party=cast.brand)
    assert await _first(mine) == {"type": "notification", "unread": 0}
    # The streamer's supervisor is signed in too: routing to the brand is not for them.
    other = await open_socket(
        "/ws/notifications/", user=cast.user("lucy-live", "supervisor"), party=cast.streamer
    )
    await _first(other)

    ticket, _token = await database_sync_to_async(make_ticket)(cast)
    await database_sync_to_async(drive)(cast, ticket, "routed")
    frame = await _next_notification(mine)
    assert frame["unread"] == 1
    assert frame["notification"]["kind"] == "routed"
    assert frame["notification"]["ticket"] == ticket.reference
    assert frame["notification"]["party"] == "north-peak"
    assert frame["notification"]["text"].startswith(f"{ticket.reference} was routed")
    assert await other.receive_nothing(timeout=0.3)

    # Marking read elsewhere (another tab, the API) updates the count on every open page.
    await database_sync_to_async(notification_mark_read)(user=supervisor)
    assert await _next_notification(mine) == {"type": "notification", "unread": 0}
    await mine.disconnect()
    await other.disconnect()


@pytest.mark.usefixtures("memory_layer")
async def test_the_count_on_connect_is_read_fresh(cast):
    supervisor = cast.user("north-peak", "supervisor")
    ticket, _token = await database_sync_to_async(make_ticket)(cast)
    await database_sync_to_async(drive)(cast, ticket, "routed")
    assert await database_sync_to_async(Notification.objects.count)() == 2
    socket = await open_socket("/ws/notifications/", user=supervisor, party=cast.brand)
    assert await _first(socket) == {"type": "notification", "unread": 1}
    await socket.disconnect()
