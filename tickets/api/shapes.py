"""Response shapes for the OpenAPI schema. The bodies themselves come from tickets.projections;
these serializers only describe them (and schemathesis checks that they agree)."""

from __future__ import annotations

from rest_framework import serializers

from tickets.models import Channel, Priority, Visibility
from tickets.workflow import ACTIONS, BuyerStep, State


class PartyRef(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class OrderShape(serializers.Serializer):
    number = serializers.CharField()
    sku = serializers.CharField()
    product = serializers.CharField()
    livestream_session = serializers.CharField()
    brand = PartyRef(allow_null=True)
    merchant = PartyRef(allow_null=True)


class BuyerShape(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.DictField(child=serializers.CharField())
    consent = serializers.BooleanField()
    masked = serializers.BooleanField(help_text="True when personal data is masked for you.")


class TicketShape(serializers.Serializer):
    reference = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    buyer_step = serializers.ChoiceField(choices=BuyerStep.choices)
    category = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    subject = serializers.CharField()
    description = serializers.CharField()
    order = OrderShape()
    buyer = BuyerShape()
    form_data = serializers.DictField()
    platform = PartyRef(allow_null=True)
    originator = PartyRef()
    handler = PartyRef(allow_null=True)
    custody = PartyRef(allow_null=True)
    assignee = serializers.CharField(allow_null=True)
    outcome = serializers.CharField()
    resolution_note = serializers.CharField()
    resolve_by = serializers.DateTimeField(allow_null=True)
    sla_breached = serializers.BooleanField()
    rating = serializers.IntegerField(allow_null=True)
    last_event_seq = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


class TicketDetailShape(TicketShape):
    allowed_actions = serializers.ListField(
        child=serializers.ChoiceField(choices=list(ACTIONS)),
        help_text="What you may do now, from the state machine and your permissions.",
    )


class TicketCreatedShape(TicketDetailShape):
    buyer_link = serializers.URLField(
        help_text="The buyer's tracking page. Shown once: only a digest of its token is kept."
    )


class TicketPageShape(serializers.Serializer):
    results = TicketShape(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class ActorShape(serializers.Serializer):
    kind = serializers.CharField()
    party = PartyRef(allow_null=True)
    user = serializers.CharField(allow_null=True)


class EventShape(serializers.Serializer):
    ticket = serializers.CharField()
    seq = serializers.IntegerField()
    kind = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    actor = ActorShape()
    data = serializers.DictField()
    created_at = serializers.DateTimeField()


class EventPageShape(serializers.Serializer):
    results = EventShape(many=True)
    last_seq = serializers.IntegerField(help_text="Pass as `after` to get only newer events.")


class CommentShape(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()
    visibility = serializers.ChoiceField(choices=Visibility.choices)
    author = ActorShape()
    created_at = serializers.DateTimeField()


class ErrorShape(serializers.Serializer):
    type = serializers.ChoiceField(choices=["validation_error", "client_error", "server_error"])
    code = serializers.CharField()
    message = serializers.CharField()
    field_errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ConflictShape(ErrorShape):
    current_state = serializers.ChoiceField(choices=State.choices, required=False)
