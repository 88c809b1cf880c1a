from django.contrib import admin

from .models import BulkJob, BulkJobItem


class BulkJobItemInline(admin.TabularInline):
    model = BulkJobItem
    extra = 0
    can_delete = False
    readonly_fields = ["row", "reference", "outcome", "code", "message"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BulkJob)
class BulkJobAdmin(admin.ModelAdmin):
    """Jobs are started from the portal or the API; here they can be inspected."""

    list_display = [
        "public_id",
        "owner",
        "kind",
        "status",
        "total",
        "offset",
        "succeeded",
        "failed",
        "created_at",
        "finished_at",
    ]
    list_filter = ["kind", "status", "owner"]
    inlines = [BulkJobItemInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in BulkJob._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
