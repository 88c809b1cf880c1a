"""WebSocket routes (named so they are not confused with ticket routing)."""

from __future__ import annotations

websocket_urlpatterns: list = []
