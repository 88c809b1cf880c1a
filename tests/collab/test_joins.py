"""Who may join which socket; refused joins close with a documented code."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model

from collab.consumers import CloseCode
from config.asgi import application
from tests.conftest import drive, make_ticket

from .conftest import close_code, joined, open_socket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("memory_layer"),
]


async def test_party_socket_refuses_anonymous():
    socket = await open_socket("/ws/party/")
    frame, code = await close_code(socket)
    assert (frame, code) == ({"type": "refused", "code": "unauthenticated"}, 4401)


async def test_party_socket_refuses_a_person_without_party():
    loner = await database_sync_to_async(get_user_model().objects.create_user)("loner")
    socket = await open_socket("/ws/party/", user=loner)
    assert await close_code(socket) == ({"type": "refused", "code": "no_party"}, 4403)


async def test_party_socket_joins_for_a_member(cast):
    socket = await joined("/ws/party/", user=cast.user("north-peak"), party=cast.brand)
    await socket.disconnect()


async def test_ticket_socket_refuses_outsider_and_admits_participants(cast):
    ticket, _token = await database_sync_to_async(make_ticket)(cast)
    await database_sync_to_async(drive)(cast, ticket, "routed")
    path = f"/ws/tickets/{ticket.reference}/"

    outsider = await open_socket(path, user=cast.user("stranger-brand"), party=cast.outsider)
    assert await close_code(outsider) == ({"type": "refused", "code": "not_found"}, 4404)
    # A party that is not (yet) involved is refused the same way as for a missing ticket.
    merchant = await open_socket(path, user=cast.user("swift-ship"), party=cast.merchant)
    assert await close_code(merchant) == ({"type": "refused", "code": "not_found"}, 4404)
    missing = await open_socket(
        "/ws/tickets/AS-20000101-000001/", user=cast.user("north-peak"), party=cast.brand
    )
    assert await close_code(missing) == ({"type": "refused", "code": "not_found"}, 4404)

    for user, party in [
        (cast.user("north-peak"), cast.brand),
        (cast.user("lucy-live"), cast.streamer),
        (cast.user("starmall"), cast.platform),  # strong oversight
    ]:
        socket = await joined(path, user=user, party=party)
        await socket.disconnect()


async def test_ticket_socket_uses_the_acting_party_from_the_session(cast):
    """A person in two parties sees what the party they act for sees, not the union."""
    ticket, _token = await database_sync_to_async(make_ticket)(cast)
    person = cast.user("north-peak")
    await database_sync_to_async(cast.members["swift-ship:agent"].__class__.objects.create)(
        user=person, party=cast.other_brand
    )
    socket = await open_socket(
        f"/ws/tickets/{ticket.reference}/", user=person, party=cast.other_brand
    )
    assert (await close_code(socket))[1] == CloseCode.NOT_FOUND


async def test_track_socket_needs_a_valid_token(cast):
    _ticket, token = await database_sync_to_async(make_ticket)(cast)
    bad = await open_socket("/ws/track/not-a-real-token-at-all/")
    assert await close_code(bad) == ({"type": "refused", "code": "not_found"}, 4404)
    good = await joined(f"/ws/track/{token}/")
    await good.disconnect()


async def test_malformed_cursor_is_refused(cast):
    _ticket, token = await database_sync_to_async(make_ticket)(cast)
    socket = await open_socket(f"/ws/track/{token}/?after=-1")
    assert await close_code(socket) == ({"type": "refused", "code": "bad_request"}, 4400)


async def test_foreign_origin_is_rejected(cast):
    _ticket, token = await database_sync_to_async(make_ticket)(cast)
    socket = WebsocketCommunicator(
        application, f"/ws/track/{token}/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _code = await socket.connect()
    assert not connected


async def test_heartbeat_pings_and_closes_a_silent_socket(cast, settings):
    settings.COLLAB_WS_HEARTBEAT_SECONDS = 0.05
    _ticket, token = await database_sync_to_async(make_ticket)(cast)
    socket = await open_socket(f"/ws/track/{token}/")
    assert (await socket.receive_json_from(timeout=5))["type"] == "ready"
    assert await socket.receive_json_from(timeout=5) == {"type": "ping"}
    while True:  # the client never answers, so the server gives up on it
        output = await socket.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            break
    assert output["code"] == CloseCode.HEARTBEAT_TIMEOUT
