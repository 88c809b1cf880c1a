"""HTTP through the real ASGI application (``collab.asgi``): the request signals, the sync
middleware chain and the view run on the request's own thread, in one hop, request threads are
kept for reuse, and a streamed response is closed once it has been sent."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started

from attachments.services import attachment_add
from collab.asgi import SyncChainASGIHandler
from config.asgi import application
from tenants.models import ApiKey
from tests.conftest import drive, make_ticket

pytestmark = pytest.mark.django_db(transaction=True)

BODY = {
    "category": "size_colour_change",
    "subject": "Shoes: change size",
    "buyer_name": "张三",
    "buyer_phone": "13812345678",
    "buyer_consent": True,
    "form_data": {"new_size": "42", "new_colour": "black"},
}


async def _send(method: str, path: str, body: bytes = b"", headers=(), app=application) -> dict:
    """One request; the response's status, headers and body, streamed or not (channels'
    ``HttpCommunicator`` cannot read the empty closing message of a streamed response)."""
    headers = [(b"host", b"testserver"), (b"content-length", str(len(body)).encode()), *headers]
    scope = {"type": "http", "http_version": "1.1", "method": method, "path": path}
    scope |= {"query_string": b"", "headers": headers}
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": body})
    start = await communicator.receive_output(timeout=10)
    response = {"status": start["status"], "headers": start["headers"], "body": b""}
    while True:
        message = await communicator.receive_output(timeout=10)
        response["body"] += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(timeout=10)  # the request's end: its connection back in the pool
    return response


async def _headers(cast, *extra, party=None) -> list[tuple[bytes, bytes]]:
    party = party or cast.streamer
    _key, raw = await database_sync_to_async(ApiKey.issue)(party=party, name="asgi")
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


class _Signals:
    """Which request signal fired, on which thread, in order."""

    def __init__(self) -> None:
        self.fired: list[tuple[str, int]] = []

    def started(self, **kwargs) -> None:
        self.fired.append(("started", threading.get_ident()))

    def finished(self, **kwargs) -> None:
        self.fired.append(("finished", threading.get_ident()))

    def __enter__(self):
        request_started.connect(self.started)
        request_finished.connect(self.finished)
        return self

    def __exit__(self, *exc) -> None:
        request_started.disconnect(self.started)
        request_finished.disconnect(self.finished)


async def test_a_requests_signals_fire_once_each_on_its_thread(cast):
    headers = await _headers(cast, (b"idempotency-key", b"asgi-signals"))
    with _Signals() as signals:
        created = await _send("POST", "/api/v1/tickets/", json.dumps(BODY).encode(), headers)
    assert created["status"] == 201, created["body"]
    assert [name for name, _thread in signals.fired] == ["started", "finished"]
    (thread,) = {thread for _name, thread in signals.fired}
    assert thread != threading.get_ident()


async def test_a_streamed_download_is_sent_whole_then_closed(cast, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)

    def attached():
        ticket, _token = make_ticket(cast)
        drive(cast, ticket, "routed")
        upload = SimpleUploadedFile("photo.png", b"\x89PNG" + b"x" * 70_000, "image/png")
        attachment = attachment_add(
            ticket=ticket, actor=cast.actor(cast.brand.slug), upload=upload, visibility="parties"
        )
        return f"/api/v1/tickets/{ticket.reference}/attachments/{attachment.pk}/"

    url = await database_sync_to_async(attached)()
    headers = await _headers(cast, party=cast.brand)
    with _Signals() as signals:
        download = await _send("GET", url, headers=headers)
    assert download["status"] == 200
    assert download["body"] == b"\x89PNG" + b"x" * 70_000
    assert [name for name, _thread in signals.fired] == ["started", "finished"]


async def test_a_process_runs_at_most_its_share_of_requests_at_once(cast, settings):
    settings.COLLAB_REQUESTS_PER_PROCESS = 2
    handler = SyncChainASGIHandler()
    running, most = [0], [0]
    lock = threading.Lock()

    def started(**kwargs) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)  # long enough for the others to start, were they let in

    def finished(**kwargs) -> None:
        with lock:
            running[0] -= 1

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        responses = await asyncio.gather(*(_send("GET", "/healthz", app=handler) for _ in range(6)))
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    assert [response["status"] for response in responses] == [200] * 6
    assert most[0] == 2
