from django.contrib import admin

from .models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = [
        "filename",
        "ticket",
        "content_type",
        "size",
        "visibility",
        "author_party",
        "created_at",
    ]
    list_filter = ["visibility", "content_type"]
    search_fields = ["filename", "ticket__reference"]
    list_select_related = ["ticket", "author_party"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Attachment._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
