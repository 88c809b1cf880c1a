from django.contrib import admin

from .models import Campaign, Registration


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "streamer",
        "opens_at",
        "closes_at",
        "eligibility",
        "handling_party",
    ]
    list_filter = ["streamer", "eligibility"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["streamer", "handling_party"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["order_number", "campaign", "ticket", "eligible", "created_at"]
    list_filter = ["campaign", "eligible"]
    search_fields = ["order_number", "ticket__reference"]
    list_select_related = ["campaign", "ticket"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Registration._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
