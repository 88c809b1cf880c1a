"""Request bodies and query parameters. Validation of shape only; the rules live in services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from integrations.api.bodies import Body
from integrations.api.pagination import PageQuery
from quality.checks import BUYER_TEXT_OF_ACTION
from tenants.models import Party, PartyKind
from tickets.models import Channel, Outcome, Priority, TicketCategory, Visibility
from tickets.models.configuration import categories_by_code
from tickets.workflow import ACTIONS, State


class PartySlugField(serializers.SlugRelatedField):
    def __init__(self, kinds: tuple[str, ...] | None = None, **kwargs) -> None:
        queryset = Party.objects.filter(is_active=True)
        if kinds:
            queryset = queryset.filter(kind__in=kinds)
        super().__init__(slug_field="slug", queryset=queryset, **kwargs)


class CategoryCodeField(serializers.SlugRelatedField):
    """An active category by its code, from the configuration cache instead of a query."""

    def __init__(self, **kwargs) -> None:
        super().__init__(
            slug_field="code", queryset=TicketCategory.objects.filter(is_active=True), **kwargs
        )

    def to_internal_value(self, data):
        if not isinstance(data, str | int):
            self.fail("invalid")
        category = categories_by_code().get(str(data))
        if category is None or not category.is_active:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return category


class AddressSerializer(serializers.Serializer):
    province = serializers.CharField(max_length=40, required=False, allow_blank=True)
    city = serializers.CharField(max_length=40, required=False, allow_blank=True)
    district = serializers.CharField(max_length=40, required=False, allow_blank=True)
    detail = serializers.CharField(max_length=200, required=False, allow_blank=True)


class TicketCreateSerializer(Body):
    category = CategoryCodeField()
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    order_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True)
    product_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    brand = PartySlugField(kinds=(PartyKind.BRAND,), required=False, allow_null=True)
    merchant = PartySlugField(kinds=(PartyKind.MERCHANT,), required=False, allow_null=True)
    livestream_session = serializers.CharField(max_length=120, required=False, allow_blank=True)
    buyer_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
    buyer_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    buyer_address = AddressSerializer(required=False)
    buyer_consent = serializers.BooleanField(
        default=False, help_text="The buyer agreed to share their data with other companies."
    )
    form_data = serializers.DictField(
        required=False, help_text="Validated against the category's form schema."
    )


class TicketListQuery(PageQuery):
    state = serializers.ChoiceField(choices=State.choices, required=False)
    category = serializers.CharField(max_length=40, required=False)
    custody = serializers.CharField(
        max_length=60, required=False, help_text="Slug of the party holding the ticket."
    )
    assignee = serializers.CharField(max_length=150, required=False, help_text="A username.")
    breached = serializers.BooleanField(required=False, allow_null=True, default=None)
    created_after = serializers.DateTimeField(required=False)
    created_before = serializers.DateTimeField(required=False)
    updated_after = serializers.DateTimeField(required=False)
    updated_before = serializers.DateTimeField(required=False)
    q = serializers.CharField(
        max_length=100, required=False, help_text="Reference, subject or order number contains."
    )


class EventListQuery(serializers.Serializer):
    after = serializers.IntegerField(min_value=0, default=0, help_text="Last seq you have seen.")
    limit = serializers.IntegerField(min_value=1, max_value=500, default=200)


def _confirm_warnings_field() -> serializers.BooleanField:
    return serializers.BooleanField(
        default=False,
        help_text=_(
            "Send a buyer-visible text even though it contains a warning-level phrase of your "
            "party's or your platform's list (otherwise 422 `quality_confirmation_required`)."
        ),
    )


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10_000)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PARTIES)
    confirm_warnings = _confirm_warnings_field()


def _action_field(name: str, required: bool) -> serializers.Field:
    if name == "to_party":
        return PartySlugField(
            required=required, help_text=_("Slug of the brand or merchant to hand it to.")
        )
    if name == "outcome":
        return serializers.ChoiceField(choices=Outcome.choices, required=required)
    return serializers.CharField(max_length=2000, required=required, allow_blank=not required)


def action_serializer(action: str) -> type[serializers.Serializer]:
    """A request body per action, from the action's required and optional arguments."""
    spec = ACTIONS[action]
    fields = {name: _action_field(name, True) for name in spec.required}
    fields |= {name: _action_field(name, False) for name in spec.optional}
    if action in BUYER_TEXT_OF_ACTION:
        fields["confirm_warnings"] = _confirm_warnings_field()
    title = "".join(part.title() for part in action.split("_"))
    return type(f"{title}ActionSerializer", (serializers.Serializer,), fields)
