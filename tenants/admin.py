from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import ApiKey, Membership, Partnership, Party


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "platform", "oversight", "routing_mode", "is_active"]
    list_filter = ["kind", "oversight", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "party", "role", "is_online"]
    list_filter = ["role", "party__kind"]
    search_fields = ["user__username", "party__name"]
    autocomplete_fields = ["user", "party"]


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["streamer", "partner", "is_active", "created_at"]
    list_filter = ["is_active"]
    autocomplete_fields = ["streamer", "partner"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are issued with ``manage.py issue_api_key`` or the portal (the secret is shown once);
    here they can be inspected and revoked."""

    list_display = ["name", "party", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["party"]
    readonly_fields = ["party", "prefix", "created_by", "created_at", "last_used_at"]
    fields = [
        "name",
        "party",
        "prefix",
        "scopes",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Revoke selected keys"))
    def revoke(self, request, queryset) -> None:
        for key in queryset.filter(revoked_at__isnull=True):
            key.revoke()
