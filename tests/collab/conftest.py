"""Sockets against the real ASGI application (origin check, session auth, routing, consumers)."""

from __future__ import annotations

import os
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application
from tenants.middleware import ACTING_PARTY_SESSION_KEY

ORIGIN = (b"origin", b"http://testserver")
REDIS_URL = os.environ.get("REDIS_URL", "")


def _layer_config(kind: str) -> dict:
    if kind == "memory":
        return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return {
        "default": {
            # The production choice (config/settings/channels.py), whatever this run's default.
            "BACKEND": settings.CHANNEL_LAYER_BACKENDS[settings.CHANNEL_LAYER_KIND],
            # A fresh prefix per test keeps runs apart on a shared Redis database.
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"collab-test-{uuid.uuid4().hex[:8]}"},
        }
    }


@pytest.fixture
def memory_layer(settings) -> str:
    """A fresh in-memory channel layer for this test (changing the setting resets the layers)."""
    settings.CHANNEL_LAYERS = _layer_config("memory")
    return "memory"


@pytest.fixture(
    params=[
        "memory",
        pytest.param(
            "redis",
            marks=[
                pytest.mark.redis,
                pytest.mark.skipif(not REDIS_URL, reason="needs Redis (set REDIS_URL)"),
            ],
        ),
    ]
)
def any_layer(request, settings) -> str:
    """The in-memory layer, and channels_redis on the real Redis when REDIS_URL is set."""
    settings.CHANNEL_LAYERS = _layer_config(request.param)
    return request.param


def session_cookie(user, party=None) -> bytes:
    """A signed-in session for ``user`` acting for ``party``, as the portal would leave it."""
    client = Client()
    client.force_login(user)
    if party is not None:
        session = client.session
        session[ACTING_PARTY_SESSION_KEY] = party.pk
        session.save()
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def open_socket(path: str, *, user=None, party=None) -> WebsocketCommunicator:
    headers = [ORIGIN]
    if user is not None:
        cookie = await database_sync_to_async(session_cookie)(user, party)
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _subprotocol = await communicator.connect()
    assert connected
    return communicator


async def frames_until_ready(communicator: WebsocketCommunicator) -> list[dict]:
    """The catch-up frames a socket sends before ``ready``."""
    frames = []
    while True:
        frame = await communicator.receive_json_from(timeout=5)
        if frame["type"] == "ready":
            return frames
        frames.append(frame)


async def joined(path: str, **kwargs) -> WebsocketCommunicator:
    communicator = await open_socket(path, **kwargs)
    assert await frames_until_ready(communicator) == []
    return communicator


async def close_code(communicator: WebsocketCommunicator) -> tuple[dict, int]:
    """The refusal frame and the close code of a refused join."""
    frame = await communicator.receive_json_from(timeout=5)
    output = await communicator.receive_output(timeout=5)
    assert output["type"] == "websocket.close"
    return frame, output["code"]


async def next_event(communicator: WebsocketCommunicator) -> dict:
    """The next event frame, skipping heartbeats."""
    while True:
        frame = await communicator.receive_json_from(timeout=5)
        if frame["type"] != "ping":
            assert frame["type"] == "event", frame
            return frame
