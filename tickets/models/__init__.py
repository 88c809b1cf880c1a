"""The tickets app's models: tickets and their ledger (``ticket``), routing and SLA
configuration (``configuration``)."""

from .configuration import (
    BreachAction,
    BusinessCalendar,
    Product,
    RoutingAction,
    RoutingRule,
    SlaPolicy,
)
from .ticket import (
    ActorKindField,
    Channel,
    Comment,
    Custody,
    Outcome,
    Participant,
    ParticipantRole,
    Priority,
    ReferenceCounter,
    Ticket,
    TicketCategory,
    TicketEvent,
    Visibility,
)

__all__ = [
    "ActorKindField",
    "BreachAction",
    "BusinessCalendar",
    "Channel",
    "Comment",
    "Custody",
    "Outcome",
    "Participant",
    "ParticipantRole",
    "Priority",
    "Product",
    "ReferenceCounter",
    "RoutingAction",
    "RoutingRule",
    "SlaPolicy",
    "Ticket",
    "TicketCategory",
    "TicketEvent",
    "Visibility",
]
