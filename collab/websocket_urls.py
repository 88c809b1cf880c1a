"""WebSocket routes (named so they are not confused with ticket routing)."""

from __future__ import annotations

from django.urls import path, re_path

from notifications.consumers import NotificationConsumer

from .consumers import BuyerTrackConsumer, PartyInboxConsumer, TicketDetailConsumer

websocket_urlpatterns = [
    path("ws/party/", PartyInboxConsumer.as_asgi()),
    re_path(r"^ws/tickets/(?P<reference>[A-Za-z0-9-]{1,40})/$", TicketDetailConsumer.as_asgi()),
    re_path(r"^ws/track/(?P<token>[A-Za-z0-9_-]{1,100})/$", BuyerTrackConsumer.as_asgi()),
    path("ws/notifications/", NotificationConsumer.as_asgi()),
]
