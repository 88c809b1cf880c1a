from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .delivery import delivery_redeliver
from .models import IdempotencyRecord, WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "kind", "party", "is_active", "disabled_reason", "created_at"]
    list_filter = ["kind", "is_active", "party"]
    search_fields = ["url", "description"]
    autocomplete_fields = ["party"]
    readonly_fields = ["secret", "created_at"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["started_at", "status_code", "error", "duration_ms", "succeeded"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log; deliveries are written by the outbox, never by hand."""

    list_display = [
        "message_id",
        "endpoint",
        "kind",
        "seq",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["message_id", "endpoint__url"]
    list_select_related = ["endpoint"]
    inlines = [WebhookAttemptInline]
    actions = ["redeliver"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Deliver again (same webhook-id)"))
    def redeliver(self, request, queryset) -> None:
        for delivery in queryset:
            delivery_redeliver(delivery)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["key", "scope", "method", "path", "status_code", "created_at"]
    search_fields = ["key", "path"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in IdempotencyRecord._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
