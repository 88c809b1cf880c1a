from django.contrib import admin

from .models import Notification, NotificationSettings


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Written from ticket events only; the back office reads them (e.g. "why did I not get an
    e-mail?")."""

    list_display = ["recipient", "party", "kind", "ticket", "in_app", "email_state", "read_at"]
    list_filter = ["kind", "email_state", "in_app"]
    search_fields = ["recipient__username", "ticket__reference"]
    raw_id_fields = ["recipient", "party", "ticket", "event"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "digest", "digest_sent_at"]
    raw_id_fields = ["user"]
