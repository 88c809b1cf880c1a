from django.urls import path

from . import webhooks

urlpatterns = [
    path("webhooks/endpoints/", webhooks.EndpointListCreate.as_view(), name="api-webhooks"),
    path(
        "webhooks/endpoints/<int:endpoint_id>/",
        webhooks.EndpointDetail.as_view(),
        name="api-webhook",
    ),
    path(
        "webhooks/endpoints/<int:endpoint_id>/deliveries/",
        webhooks.DeliveryList.as_view(),
        name="api-webhook-deliveries",
    ),
    path(
        "webhooks/endpoints/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/",
        webhooks.DeliveryRedeliver.as_view(),
        name="api-webhook-redeliver",
    ),
]
