"""The state machine, table-driven: every transition of DESIGN §3 from each of its source states,
tried by every kind of caller, is allowed or refused exactly as the table and the decisions in
``tickets/workflow.py`` say; an allowed one writes the right event and custody row, a refused one
writes nothing.

The tickets are built so that every kind of caller exists in every state: the streamer
originates, first routes to the other brand, which declines (so it stays as a collaborator, the
"previous handler"), and then the ordinary path (``drive``) takes the ticket, with the brand as
handler, to the state under test.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tenants.actors import Actor
from tenants.models import ApiKey, ApiKeyScope, Role
from tickets.errors import TicketConflict, TicketNotFound, TicketPermissionDenied
from tickets.models import Outcome, Participant, ParticipantRole, Ticket
from tickets.services import allowed_actions, ticket_perform
from tickets.workflow import State

from ..conftest import drive, make_ticket
from .checks import assert_custody_ledger_consistent, assert_event_seq_gapless, snapshot

NEW, ROUTED, IN_PROGRESS, AWAITING, RESOLVED, CLOSED, ESCALATED, CANCELLED = (
    State.NEW,
    State.ROUTED,
    State.IN_PROGRESS,
    State.AWAITING_BUYER,
    State.RESOLVED,
    State.CLOSED,
    State.ESCALATED,
    State.CANCELLED,
)

ROLES = (
    "originator",  # the streamer's agent
    "custody",  # an agent of whoever holds the ticket now (when a party does)
    "handler",  # the brand's agent: the party the ticket was routed to
    "collaborator",  # the other brand's agent: routed to first, declined, still takes part
    "platform_strong",
    "platform_weak",  # on a ticket of the weak platform's streamer
    "outsider",
    "buyer",
    "system",
    "viewer",  # a viewer of the party holding the ticket (the originator if the buyer holds it)
    "read_key",  # a read-only API key of that same party
)

# (action, source state) -> the callers who may perform it; every other caller is refused.
# From DESIGN §3 and the decisions in tickets/workflow.py: a strong platform acts wherever the
# table names "platform", a weak one only while the ticket is escalated; the handler hands on
# only while routed or in progress; the system may route, escalate and close.
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("route", NEW): {"originator", "custody", "platform_strong", "system"},
    ("route", ROUTED): {"originator", "custody", "handler", "platform_strong", "system"},
    ("route", IN_PROGRESS): {"originator", "custody", "handler", "platform_strong", "system"},
    ("route", ESCALATED): {"originator", "custody", "platform_strong", "platform_weak", "system"},
    ("accept", ROUTED): {"custody", "handler"},
    ("decline", ROUTED): {"custody", "handler"},
    ("request_info", IN_PROGRESS): {"custody", "handler", "originator"},
    ("buyer_reply", AWAITING): {"buyer"},
    ("resolve", IN_PROGRESS): {"custody", "handler"},
    ("resolve", ESCALATED): {"custody", "platform_strong", "platform_weak"},
    ("reopen", RESOLVED): {"buyer", "originator"},
    ("close", RESOLVED): {"buyer", "originator", "system"},
    ("escalate", ROUTED): {
        "originator",
        "custody",
        "handler",
        "collaborator",
        "platform_strong",
        "system",
    },
    ("escalate", IN_PROGRESS): {
        "originator",
        "custody",
        "handler",
        "collaborator",
        "platform_strong",
        "system",
    },
    ("escalate", AWAITING): {"originator", "handler", "collaborator", "platform_strong", "system"},
    ("cancel", NEW): {"originator", "custody", "buyer"},
    ("cancel", ROUTED): {"originator", "buyer"},
    ("cancel", IN_PROGRESS): {"originator", "buyer"},
    ("cancel", AWAITING): {"originator", "buyer"},
}

TARGET_STATE = {
    "route": ROUTED,
    "accept": IN_PROGRESS,
    "decline": NEW,
    "request_info": AWAITING,
    "buyer_reply": IN_PROGRESS,
    "resolve": RESOLVED,
    "reopen": IN_PROGRESS,
    "close": CLOSED,
    "escalate": ESCALATED,
    "cancel": CANCELLED,
}

EVENT_KIND = {
    "route": "ticket.routed",
    "accept": "ticket.accepted",
    "decline": "ticket.declined",
    "request_info": "ticket.info_requested",
    "buyer_reply": "ticket.buyer_replied",
    "resolve": "ticket.resolved",
    "reopen": "ticket.reopened",
    "close": "ticket.closed",
    "escalate": "ticket.escalated",
    "cancel": "ticket.cancelled",
}

ALL_STATES = [NEW, ROUTED, IN_PROGRESS, AWAITING, RESOLVED, CLOSED, ESCALATED, CANCELLED]
SOURCES: dict[str, set[str]] = {}
for _action, _state in ALLOWED:
    SOURCES.setdefault(_action, set()).add(_state)


def args_for(action: str, cast) -> dict:
    return {
        "route": {"to_party": cast.merchant},
        "decline": {"reason": "Not our product"},
        "request_info": {"question": "Which size do you wear?"},
        "buyer_reply": {"answer": "42"},
        "resolve": {"outcome": Outcome.EXCHANGE, "note": "Sent size 42"},
        "reopen": {"reason": "Still the wrong size"},
        "escalate": {"reason": "No answer for two days"},
        "cancel": {"reason": "Changed my mind"},
    }.get(action, {})


def ticket_in(cast, state: str, *, weak: bool = False) -> Ticket:
    streamer = cast.weak_streamer if weak else cast.streamer
    ticket, _token = make_ticket(cast, streamer=streamer)
    ticket = ticket_perform(
        ticket=ticket, action="route", actor=cast.actor(streamer.slug), to_party=cast.other_brand
    )
    ticket = ticket_perform(
        ticket=ticket,
        action="decline",
        actor=cast.actor(cast.other_brand.slug),
        reason="Not ours",
    )
    return drive(cast, ticket, state, streamer=streamer)


def holder_slug(cast, ticket: Ticket) -> str:
    """The party holding the ticket, or the originator while the buyer holds it or it is done."""
    party = ticket.custody_party or ticket.originator
    return party.slug


def actor_for(cast, ticket: Ticket, role: str) -> Actor | None:
    """The caller playing ``role`` on this ticket; None if nobody plays it in this state."""
    if role == "custody":
        return cast.actor(ticket.custody_party.slug) if ticket.custody_party_id else None
    if role == "buyer":
        return Actor.buyer()
    if role == "system":
        return Actor.system()
    if role == "viewer":
        return cast.actor(holder_slug(cast, ticket), Role.VIEWER)
    if role == "read_key":
        key, _raw = ApiKey.issue(
            party=ticket.custody_party or ticket.originator,
            name="read only",
            scopes=[ApiKeyScope.READ],
        )
        return Actor.for_api_key(key)
    slug = {
        "originator": cast.streamer.slug,
        "handler": cast.brand.slug,
        "collaborator": cast.other_brand.slug,
        "platform_strong": cast.platform.slug,
        "platform_weak": cast.weak_platform.slug,
        "outsider": cast.outsider.slug,
    }[role]
    return cast.actor(slug)


def invisible(role: str, state: str) -> bool:
    """Callers that may not see the ticket at all: a party that never took part in it, and the
    weak platform until an escalation makes it the arbiter (in these paths: only escalated)."""
    if role == "outsider":
        return True
    if role == "platform_weak":
        return state != ESCALATED
    # The brand only joins when the ordinary path routes to it.
    return role == "handler" and state in (NEW, CANCELLED)


def expected_custody(cast, ticket: Ticket, action: str) -> int | None:
    return {
        "route": cast.merchant.pk,
        "accept": cast.brand.pk,
        "decline": ticket.originator_id,
        "request_info": None,
        "buyer_reply": cast.brand.pk,
        "resolve": None,
        "reopen": cast.brand.pk,
        "close": None,
        "escalate": ticket.platform_id,
        "cancel": None,
    }[action]


MATRIX = [
    pytest.param(action, state, role, id=f"{action}-{state}-{role}")
    for (action, state) in ALLOWED
    for role in ROLES
    # Nobody holds an awaiting_buyer or resolved ticket but the buyer.
    if not (role == "custody" and state in (AWAITING, RESOLVED))
]


@pytest.mark.parametrize(("action", "state", "role"), MATRIX)
def test_transition_is_allowed_or_refused_as_the_table_says(cast, action, state, role):
    ticket = ticket_in(cast, state, weak=role == "platform_weak")
    actor = actor_for(cast, ticket, role)
    before = snapshot(ticket)
    custody_rows_before = ticket.custodies.count()

    if invisible(role, state):
        with pytest.raises(TicketNotFound):
            ticket_perform(ticket=ticket, action=action, actor=actor, **args_for(action, cast))
        assert snapshot(ticket) == before
        return
    if role not in ALLOWED[(action, state)]:
        with pytest.raises(TicketPermissionDenied):
            ticket_perform(ticket=ticket, action=action, actor=actor, **args_for(action, cast))
        assert snapshot(ticket) == before
        return

    result = ticket_perform(ticket=ticket, action=action, actor=actor, **args_for(action, cast))
    ticket.refresh_from_db()
    assert result.state == ticket.state == TARGET_STATE[action]
    assert ticket.last_event_seq == before[1] + 1
    assert ticket.events.count() == before[4] + 1
    event = ticket.events.get(seq=ticket.last_event_seq)
    assert (event.kind, event.from_state, event.to_state) == (
        EVENT_KIND[action],
        state,
        TARGET_STATE[action],
    )
    assert event.actor_kind == actor.kind.value
    assert event.actor_party_id == (actor.party.pk if actor.party else None)
    assert ticket.custody_party_id == expected_custody(cast, ticket, action)
    if action == "accept":
        # Accepting keeps the period: the same party still holds the ball, now accepted.
        assert ticket.custodies.count() == custody_rows_before
        assert ticket.custodies.get(ended_at__isnull=True).accepted_at is not None
    elif action not in ("close", "cancel"):
        assert ticket.custodies.count() == custody_rows_before + 1
        opened = ticket.custodies.get(ended_at__isnull=True)
        assert (opened.party_id, opened.state) == (ticket.custody_party_id, ticket.state)
    assert_custody_ledger_consistent(ticket)
    assert_event_seq_gapless(ticket)


def test_route_hands_on_and_keeps_the_previous_handler_as_collaborator(cast):
    ticket = ticket_in(cast, IN_PROGRESS)
    ticket = ticket_perform(
        ticket=ticket, action="route", actor=cast.actor(cast.brand.slug), to_party=cast.merchant
    )
    roles = dict(ticket.participants.values_list("party__slug", "role"))
    assert roles == {
        cast.streamer.slug: ParticipantRole.ORIGINATOR,
        cast.other_brand.slug: ParticipantRole.COLLABORATOR,
        cast.brand.slug: ParticipantRole.COLLABORATOR,
        cast.merchant.slug: ParticipantRole.HANDLER,
    }
    assert ticket.handler_id == ticket.custody_party_id == cast.merchant.pk


def test_escalation_makes_the_platform_the_arbiter_holding_the_ticket(cast):
    ticket = ticket_in(cast, ESCALATED, weak=True)
    assert Participant.objects.get(ticket=ticket, party=cast.weak_platform).role == (
        ParticipantRole.ARBITER
    )
    assert ticket.custody_party_id == cast.weak_platform.pk


WRONG_STATE = [
    pytest.param(action, state, id=f"{action}-{state}")
    for action in EVENT_KIND
    for state in ALL_STATES
    if state not in SOURCES[action]
]


@pytest.mark.parametrize(("action", "state"), WRONG_STATE)
def test_action_from_a_state_it_does_not_leave_is_a_conflict(cast, action, state):
    ticket = ticket_in(cast, state)
    before = snapshot(ticket)
    # The originator sees the ticket in every state; the conflict comes before any permission.
    for actor in (cast.actor(cast.streamer.slug), Actor.buyer(), Actor.system()):
        with pytest.raises(TicketConflict) as raised:
            ticket_perform(ticket=ticket, action=action, actor=actor, **args_for(action, cast))
        assert raised.value.current_state == state
    assert snapshot(ticket) == before


def test_stale_ticket_object_conflicts_with_the_current_state(cast):
    """A caller holding an old copy (the loser of a race) gets the state the ticket is in now."""
    ticket = ticket_in(cast, ROUTED)
    stale = Ticket.objects.get(pk=ticket.pk)
    ticket_perform(ticket=ticket, action="accept", actor=cast.actor(cast.brand.slug))
    with pytest.raises(TicketConflict) as raised:
        ticket_perform(
            ticket=stale, action="decline", actor=cast.actor(cast.brand.slug), reason="Not ours"
        )
    assert raised.value.current_state == IN_PROGRESS


@pytest.mark.parametrize("state", ALL_STATES)
def test_allowed_actions_agree_with_the_matrix(cast, state):
    tickets = {False: ticket_in(cast, state), True: ticket_in(cast, state, weak=True)}
    for role in ROLES:
        ticket = tickets[role == "platform_weak"]
        actor = actor_for(cast, ticket, role)
        if actor is None:
            continue
        expected = {
            action
            for (action, source), roles in ALLOWED.items()
            if source == state and role in roles and not invisible(role, state)
        }
        assert set(allowed_actions(ticket, actor)) == expected, role


def test_buyer_may_reopen_only_within_the_reopen_window(cast, settings):
    ticket = ticket_in(cast, RESOLVED)
    buyer = Actor.buyer()
    after_window = timezone.now() + timedelta(hours=settings.COLLAB_REOPEN_WINDOW_HOURS, minutes=1)
    with time_machine.travel(after_window):
        assert "reopen" not in allowed_actions(ticket, buyer)
        before = snapshot(ticket)
        with pytest.raises(TicketPermissionDenied):
            ticket_perform(ticket=ticket, action="reopen", actor=buyer, reason="Too late?")
        assert snapshot(ticket) == before
        # The originator is not bound by the buyer's window.
        ticket = ticket_perform(
            ticket=ticket, action="reopen", actor=cast.actor(cast.streamer.slug), reason="Redo"
        )
    assert ticket.state == IN_PROGRESS


def test_weak_platform_acts_only_while_the_ticket_is_escalated(cast):
    """It stays a participant (arbiter) after its arbitration, but acts on escalations only."""
    ticket = ticket_in(cast, ESCALATED, weak=True)
    platform = cast.actor(cast.weak_platform.slug)
    ticket = ticket_perform(
        ticket=ticket, action="resolve", actor=platform, outcome=Outcome.COMPENSATION
    )
    ticket = ticket_perform(
        ticket=ticket, action="reopen", actor=cast.actor(cast.weak_streamer.slug), reason="No"
    )
    assert allowed_actions(ticket, platform) == []
    before = snapshot(ticket)
    with pytest.raises(TicketPermissionDenied):
        ticket_perform(ticket=ticket, action="escalate", actor=platform, reason="Again")
    assert snapshot(ticket) == before
