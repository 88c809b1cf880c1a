from django.urls import path

from . import portal

app_name = "notifications"

urlpatterns = [
    path("", portal.notification_list, name="list"),
    path("read-all/", portal.notification_read_all, name="read_all"),
    path("settings/", portal.notification_settings, name="settings"),
    path("<int:notification_id>/read/", portal.notification_read, name="read"),
    path("<int:notification_id>/open/", portal.notification_open, name="open"),
]
