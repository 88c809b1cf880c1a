import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)

from collab.asgi import SyncChainASGIHandler  # noqa: E402

# As ``get_asgi_application()``, with the middleware chain in one thread hop (collab.asgi).
django_asgi_app = SyncChainASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from collab.websocket_urls import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# What the server builds at startup (settings, models' metadata, the URL conf and its views,
# DRF's serializers) lives as long as the process. Frozen, the garbage collector stops walking
# it in every full collection: ~180,000 tracked objects in a serving worker, ~20,000 once
# frozen. Under 32 concurrent API creates a worker spent 1.25-1.4 s of every 10 in collections
# (full passes of 130-260 ms, during which none of its requests ran), frozen 0.65-0.75 s
# (bench/README.md, API load). The URL conf is imported first, so that the views are frozen too
# instead of being imported by the first request.
import config.urls  # noqa: E402, F401

gc.collect()
gc.freeze()
