from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.NotificationList.as_view(), name="api-notifications"),
    path(
        "notifications/read/",
        views.NotificationMarkRead.as_view(),
        name="api-notifications-read",
    ),
]
