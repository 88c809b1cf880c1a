"""HTTP through the real ASGI application (``collab.asgi``): the sync middleware chain and the
view run on the request's own thread, in one hop, and request threads are kept for reuse."""

from __future__ import annotations

import json
import threading

import pytest
from channels.db import database_sync_to_async
from channels.testing import HttpCommunicator
from django.core.signals import request_started

from config.asgi import application
from tenants.models import ApiKey

pytestmark = pytest.mark.django_db(transaction=True)

BODY = {
    "category": "size_colour_change",
    "subject": "Shoes: change size",
    "buyer_name": "张三",
    "buyer_phone": "13812345678",
    "buyer_consent": True,
    "form_data": {"new_size": "42", "new_colour": "black"},
}


async def _send(method: str, path: str, body: bytes = b"", headers=()) -> dict:
    headers = [(b"host", b"testserver"), (b"content-length", str(len(body)).encode()), *headers]
    communicator = HttpCommunicator(application, method, path, body=body, headers=headers)
    response = await communicator.get_response(timeout=10)
    await communicator.wait(timeout=10)  # the request's end: its connection back in the pool
    return response


async def _headers(cast, *extra) -> list[tuple[bytes, bytes]]:
    _key, raw = await database_sync_to_async(ApiKey.issue)(party=cast.streamer, name="asgi")
    return [
        (b"authorization", f"Bearer {raw}".encode()),
        (b"content-type", b"application/json"),
        *extra,
    ]


async def test_a_create_its_replay_and_a_refusal(cast):
    headers = await _headers(cast, (b"idempotency-key", b"asgi-1"))
    body = json.dumps(BODY).encode()
    first = await _send("POST", "/api/v1/tickets/", body, headers)
    assert first["status"] == 201, first["body"]
    again = await _send("POST", "/api/v1/tickets/", body, headers)
    assert again["status"] == 201
    assert json.loads(again["body"]) == json.loads(first["body"])
    assert (b"Idempotent-Replayed", b"true") in again["headers"]

    refused = await _send("POST", "/api/v1/tickets/", b'{"subject": ""}', headers[:2])
    assert refused["status"] == 400
    assert json.loads(refused["body"])["type"] == "validation_error"


async def test_requests_reuse_their_threads(cast):
    threads: list[int] = []

    def started(**kwargs) -> None:
        threads.append(threading.get_ident())

    request_started.connect(started)
    try:
        for _ in range(5):
            assert (await _send("GET", "/healthz"))["status"] == 200
    finally:
        request_started.disconnect(started)
    assert len(threads) == 5
    assert len(set(threads)) == 1
    assert threading.get_ident() not in threads
