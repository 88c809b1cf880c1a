from django.contrib import admin

from .models import QualityHit, QualityPhrase


@admin.register(QualityPhrase)
class QualityPhraseAdmin(admin.ModelAdmin):
    list_display = ["phrase", "severity", "party", "updated_at"]
    list_filter = ["severity", "party__kind"]
    search_fields = ["phrase", "party__name"]
    readonly_fields = ["normalised", "created_at", "updated_at"]


@admin.register(QualityHit)
class QualityHitAdmin(admin.ModelAdmin):
    """Read-only: hits are the record of what was written."""

    list_display = ["created_at", "party", "ticket", "phrase", "severity", "outcome"]
    list_filter = ["severity", "outcome"]
    search_fields = ["phrase", "ticket__reference", "party__name"]
    list_select_related = ["party", "ticket"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
