"""Writes. Every entry point (portal, API, buyer pages, bulk jobs, the SLA sweeper) changes
tickets through these functions and nothing else.

Each service works inside ``transaction.atomic()``, locks the ticket row, checks the state machine
and the caller's permission, saves with ``update_fields``, appends ``TicketEvent`` rows and leaves
live pushes to ``transaction.on_commit``.

The package's modules: ``creation`` (opening tickets), ``transitions`` (the state machine and
assignment), ``custody`` (holder, deadlines, participants), ``messages`` (comments, ratings,
events for other apps) and ``events`` (event rows and their side effects).
"""

from .creation import ticket_create, ticket_create_many
from .events import side_effects_batched
from .messages import comment_add, ticket_event_record, ticket_rate
from .transitions import (
    allowed_actions,
    ticket_assign,
    ticket_caller,
    ticket_perform,
    ticket_route_by_rules,
)

__all__ = [
    "allowed_actions",
    "comment_add",
    "side_effects_batched",
    "ticket_assign",
    "ticket_caller",
    "ticket_create",
    "ticket_create_many",
    "ticket_event_record",
    "ticket_perform",
    "ticket_rate",
    "ticket_route_by_rules",
]
