from __future__ import annotations

from .base import REDIS_URL, env

# With Redis: "pubsub" (channels_redis.pubsub.RedisPubSubChannelLayer) or "core"
# (channels_redis.core.RedisChannelLayer). bench/ws_fanout.py measured both; see bench/README.md.
CHANNEL_LAYER_KIND = env("CHANNEL_LAYER", default="pubsub")
CHANNEL_LAYER_BACKENDS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": CHANNEL_LAYER_BACKENDS[CHANNEL_LAYER_KIND],
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    # Embedded default: one process, so the in-memory layer reaches every socket.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Seconds between the server's application-level pings on every socket. Browsers cannot see
# protocol pings, so the JavaScript client watches these to notice a dead connection.
COLLAB_WS_HEARTBEAT_SECONDS = 25
