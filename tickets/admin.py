from django.contrib import admin

from .models import (
    BusinessCalendar,
    Comment,
    Custody,
    Participant,
    Product,
    RoutingRule,
    SlaPolicy,
    Ticket,
    TicketCategory,
    TicketEvent,
)


@admin.register(TicketCategory)
class TicketCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh_hans", "name_en", "buyer_can_submit", "is_active", "position"]
    list_editable = ["is_active", "position"]
    search_fields = ["code", "name_en", "name_zh_hans"]


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    readonly_fields = ["party", "role", "joined_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class CustodyInline(admin.TabularInline):
    model = Custody
    extra = 0
    readonly_fields = [f.name for f in Custody._meta.fields]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = [
        "seq",
        "kind",
        "actor_kind",
        "actor_party",
        "from_state",
        "to_state",
        "visibility",
        "created_at",
    ]
    readonly_fields = fields
    can_delete = False
    ordering = ["seq"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read and correct facts; state changes go through the portal or the API (one door)."""

    list_display = [
        "reference",
        "state",
        "category",
        "priority",
        "originator",
        "custody_party",
        "resolve_by",
        "sla_breached",
        "created_at",
    ]
    list_filter = ["state", "category", "priority", "sla_breached", "channel"]
    search_fields = ["reference", "order_number", "subject", "buyer_phone_last4"]
    date_hierarchy = "created_at"
    list_select_related = ["category", "originator", "custody_party"]
    readonly_fields = [
        "reference",
        "state",
        "platform",
        "originator",
        "handler",
        "custody_party",
        "outcome",
        "resolved_at",
        "closed_at",
        "last_event_seq",
        "created_at",
        "updated_at",
        "resolve_by",
        "next_sla_check_at",
        "sla_breached",
    ]
    exclude = ["buyer_token_hash"]
    autocomplete_fields = ["brand", "merchant", "assignee"]
    inlines = [ParticipantInline, CustodyInline, TicketEventInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = [
        "ticket",
        "seq",
        "kind",
        "actor_kind",
        "actor_party",
        "visibility",
        "created_at",
    ]
    list_filter = ["kind", "actor_kind", "visibility"]
    search_fields = ["ticket__reference"]
    list_select_related = ["ticket", "actor_party"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in TicketEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["ticket", "author_kind", "author_party", "visibility", "created_at"]
    list_filter = ["visibility", "author_kind"]
    search_fields = ["ticket__reference", "body"]
    readonly_fields = [
        "ticket",
        "author_kind",
        "author_party",
        "author_user",
        "visibility",
        "created_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "owner", "brand", "merchant", "product_category", "updated_at"]
    list_filter = ["owner"]
    search_fields = ["sku", "name"]
    autocomplete_fields = ["owner", "brand", "merchant"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "position", "action", "target", "is_active"]
    list_filter = ["owner", "action", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["name"]
    autocomplete_fields = ["owner", "brand", "merchant", "target"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "is_default", "time_zone", "always_open"]
    list_filter = ["owner", "always_open"]
    search_fields = ["name"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "owner",
        "category",
        "priority",
        "party_kind",
        "party",
        "accept_within",
        "resolve_within",
        "breach_action",
        "is_active",
    ]
    list_filter = ["owner", "breach_action", "is_active"]
    search_fields = ["name"]
    autocomplete_fields = ["owner", "party"]
