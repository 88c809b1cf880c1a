"""The ticket state graph and who may move it (DESIGN §3). Pure: no I/O.

A *caller* is an Actor plus the set of parties taking part in the ticket, computed once by the
service so that permission checks never query. What each party may do follows the table in
DESIGN §3; where the table is silent these decisions hold:

* A platform in **strong** oversight acts wherever the table names "platform"; a platform in
  **weak** oversight only while the ticket is escalated (it joins as arbiter and keeps seeing
  the ticket afterwards, but does not act on it again until the next escalation).
* The current handler may hand a ticket on (route) while it is routed or in progress; once it is
  escalated the platform holds it and the handler waits for the arbitration.
* The system (SLA sweeper, routing rules) may route, escalate and close.
* Viewers and read-only API keys may do nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.actors import Actor


class State(models.TextChoices):
    NEW = "new", _("New")
    ROUTED = "routed", _("Routed")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_BUYER = "awaiting_buyer", _("Awaiting buyer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    ESCALATED = "escalated", _("Escalated")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = frozenset(
    {State.NEW, State.ROUTED, State.IN_PROGRESS, State.AWAITING_BUYER, State.ESCALATED}
)
DONE_STATES = frozenset({State.CLOSED, State.CANCELLED})
BUYER_HOLDS_STATES = frozenset({State.AWAITING_BUYER, State.RESOLVED})


class BuyerStep(models.TextChoices):
    """The four steps a buyer sees, whatever the companies do behind them."""

    SUBMITTED = "submitted", _("Submitted")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_FOR_YOU = "waiting_for_you", _("Waiting for you")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


BUYER_STEP_OF_STATE = {
    State.NEW: BuyerStep.SUBMITTED,
    State.ROUTED: BuyerStep.SUBMITTED,
    State.IN_PROGRESS: BuyerStep.IN_PROGRESS,
    State.ESCALATED: BuyerStep.IN_PROGRESS,
    State.AWAITING_BUYER: BuyerStep.WAITING_FOR_YOU,
    State.RESOLVED: BuyerStep.RESOLVED,
    State.CLOSED: BuyerStep.CLOSED,
    State.CANCELLED: BuyerStep.CANCELLED,
}


@dataclass(frozen=True)
class ActionSpec:
    """An action's event kind, who may see that event, and the arguments it requires."""

    event_kind: str
    public: bool
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


ACTIONS: dict[str, ActionSpec] = {
    "route": ActionSpec("ticket.routed", public=False, required=("to_party",), optional=("note",)),
    "accept": ActionSpec("ticket.accepted", public=True),
    "decline": ActionSpec("ticket.declined", public=False, required=("reason",)),
    "request_info": ActionSpec("ticket.info_requested", public=True, required=("question",)),
    "buyer_reply": ActionSpec("ticket.buyer_replied", public=True, required=("answer",)),
    "resolve": ActionSpec(
        "ticket.resolved", public=True, required=("outcome",), optional=("note",)
    ),
    "reopen": ActionSpec("ticket.reopened", public=True, required=("reason",)),
    "close": ActionSpec("ticket.closed", public=True),
    "escalate": ActionSpec("ticket.escalated", public=False, required=("reason",)),
    "cancel": ActionSpec("ticket.cancelled", public=True, optional=("reason",)),
}


@dataclass(frozen=True)
class Caller:
    actor: Actor
    participant_party_ids: frozenset[int] = field(default_factory=frozenset)


def relations(ticket, caller: Caller) -> frozenset[str]:
    """What the caller is to this ticket: originator, custody, handler, participant, platform."""
    actor = caller.actor
    if actor.is_buyer:
        return frozenset({"buyer"})
    if actor.is_system:
        return frozenset({"system"})
    party = actor.party
    if party is None:
        return frozenset()
    found: set[str] = set()
    if party.pk == ticket.originator_id:
        found.add("originator")
    if party.pk == ticket.custody_party_id:
        found.add("custody")
    if party.pk == ticket.handler_id and ticket.state in (State.ROUTED, State.IN_PROGRESS):
        found.add("handler")
    if party.pk == ticket.platform_id:
        # The platform acts as platform only: after an arbitration a weak platform stays a
        # participant (arbiter) but must not act again until the next escalation.
        if party.has_strong_oversight or ticket.state == State.ESCALATED:
            found.add("platform")
    elif party.pk in caller.participant_party_ids:
        found.add("participant")
    return frozenset(found)


def _platform_when_escalated(ticket, rel: frozenset[str]) -> bool:
    return "platform" in rel and ticket.state == State.ESCALATED


# action -> the relations that may perform it (plus an extra rule for special cases).
WHO_MAY: dict[str, frozenset[str]] = {
    "route": frozenset({"originator", "handler", "platform", "system"}),
    "accept": frozenset({"custody"}),
    "decline": frozenset({"custody"}),
    "request_info": frozenset({"custody", "originator"}),
    "buyer_reply": frozenset({"buyer"}),
    "resolve": frozenset({"custody"}),
    "reopen": frozenset({"buyer", "originator"}),
    "close": frozenset({"buyer", "originator", "system"}),
    "escalate": frozenset({"participant", "platform", "system"}),
    "cancel": frozenset({"originator", "buyer"}),
}


def actor_may(ticket, caller: Caller, action: str) -> bool:
    """Whether the caller may perform ``action`` on the ticket in its current state's terms."""
    if not caller.actor.can_act:
        return False
    rel = relations(ticket, caller)
    if action == "resolve" and _platform_when_escalated(ticket, rel):
        return True
    return bool(rel & WHO_MAY[action])


def permission(action: str) -> Callable[[object, Caller], bool]:
    """The ``permission=`` callable for a django-fsm ``@transition``."""

    def check(ticket, caller: Caller) -> bool:
        return actor_may(ticket, caller, action)

    check.__name__ = f"may_{action}"
    return check


def custody_after(ticket, action: str) -> int | None:
    """The party that holds the ticket once ``action`` is applied (None: the buyer, or nobody).

    Called after the transition's state change and the handler update.
    """
    state = ticket.state
    if state == State.NEW:
        return ticket.originator_id
    if state in (State.ROUTED, State.IN_PROGRESS):
        return ticket.handler_id or ticket.originator_id
    if state == State.ESCALATED:
        return ticket.platform_id
    return None
