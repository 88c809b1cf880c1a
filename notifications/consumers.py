"""``/ws/notifications/``: the signed-in person's own notifications (group ``user.<id>``).

A socket of its own rather than a group joined by ``/ws/party/``: the bell is on every portal
page, including ticket pages that open only their ticket's socket, and it counts what reached
the person in all their parties, whichever party they act for. Same protocol as the other
sockets (``collab.consumers``): on connect the server sends ``{"type": "notification",
"unread": N}`` (the catch-up: the count read fresh), then ``ready``, pings, and for each new
notification ``{"type": "notification", "unread": N, "notification": {id, kind, ticket, party,
created_at, text}}``; after a mark-read elsewhere, ``{"type": "notification", "unread": N}``.
Anonymous: closed with 4401.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.conf import settings

from collab.consumers import CloseCode, LiveConsumer, Refused

from .delivery import user_group
from .selectors import unread_count


class NotificationConsumer(LiveConsumer):
    async def join(self) -> list[str]:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            raise Refused(CloseCode.UNAUTHENTICATED)
        group = user_group(user.pk)
        # Join before counting, so a notification committed meanwhile is counted or pushed.
        await self.channel_layer.group_add(group, self.channel_name)
        count = await database_sync_to_async(unread_count)(user)
        await self.send_json({"type": "notification", "unread": count})
        return [group]

    async def notification_push(self, message: dict) -> None:
        frame = {"type": "notification", "unread": message["unread"]}
        notification = message.get("notification")
        if notification is not None:
            languages = notification["texts"]
            language = self.params.get("lang", "")
            text = languages.get(language) or languages.get(settings.LANGUAGE_CODE, "")
            frame["notification"] = {
                **{key: value for key, value in notification.items() if key != "texts"},
                "text": text,
            }
        await self.send_json(frame)
