from __future__ import annotations

from .base import env

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "integrations.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Per API key or person, and per client IP on the public buyer endpoints. The IP is the
    # connection's (REMOTE_ADDR), as for the buyer pages (buyer.ratelimit): an X-Forwarded-For
    # is the caller's to forge. Behind a proxy the server rewrites REMOTE_ADDR from the proxy's
    # header (README, "Serving in production").
    "NUM_PROXIES": 0,
    "DEFAULT_THROTTLE_RATES": {
        "caller": env("COLLAB_API_RATE", default="6000/min"),
        "public": env("COLLAB_PUBLIC_API_RATE", default="60/min"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Collab API",
    "DESCRIPTION": "Multi-party after-sales collaboration: one ticket, one owner, one clock.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "integrations.api.schema.document_throttling_and_idempotency",
    ],
    "ENUM_NAME_OVERRIDES": {
        "TicketStateEnum": "tickets.workflow.State",
        "BuyerStepEnum": "tickets.workflow.BuyerStep",
        "PriorityEnum": "tickets.models.Priority",
        "ChannelEnum": "tickets.models.Channel",
        "WebhookEndpointKindEnum": "integrations.models.EndpointKind",
        "BulkJobKindEnum": "bulk.models.BulkKind",
        "NotificationKindEnum": "notifications.models.NotificationKind",
    },
}
