from __future__ import annotations

from .base import REDIS_URL

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    # Embedded default: one process, so the in-memory layer reaches every socket.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Seconds between the server's application-level pings on every socket. Browsers cannot see
# protocol pings, so the JavaScript client watches these to notice a dead connection.
COLLAB_WS_HEARTBEAT_SECONDS = 25
