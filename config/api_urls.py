"""Everything under ``/api/v1/``. The isolation tests walk these patterns, so an endpoint added
here is covered by them or makes them fail until it is."""

from django.urls import include, path

urlpatterns = [
    path("", include("tickets.api.urls")),
    path("", include("attachments.api_urls")),
    path("", include("integrations.api.urls")),
    path("", include("bulk.api.urls")),
    path("", include("campaigns.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("insight.api.urls")),
    path("", include("quality.api.urls")),
    path("public/", include("tickets.api.public_urls")),
]
