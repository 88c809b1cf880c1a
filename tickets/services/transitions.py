"""The state machine's transitions (DESIGN §3) and assignment within the holding party."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from quality.checks import ReplyScreen, action_texts, refusals_recorded, reply_screen
from tenants.actors import Actor
from tenants.models import Membership, Party, PartyKind, Role
from tenants.selectors import is_partner

from .. import deadlines
from ..errors import (
    TicketConflict,
    TicketNotFound,
    TicketPermissionDenied,
    TicketValidationError,
)
from ..models import (
    Custody,
    Outcome,
    Participant,
    ParticipantRole,
    Ticket,
    TicketEvent,
    Visibility,
)
from ..selectors import participant_party_ids, party_can_see_ticket
from ..workflow import ACTIONS, BUYER_HOLDS_STATES, Caller, State, custody_after
from .creation import _routing_apply
from .custody import _assignment_set, _auto_assign, _custody_move, _participant_ensure
from .events import _Change, _event_build


def _args_validate(action: str, args: dict) -> dict:
    spec = ACTIONS[action]
    errors: dict[str, list[str]] = {}
    for name in spec.required:
        value = args.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[name] = [_("This field is required.")]
    unknown = set(args) - set(spec.required) - set(spec.optional)
    for name in sorted(unknown):
        errors[name] = [_("Unknown field.")]
    if action == "resolve" and args.get("outcome") and args["outcome"] not in Outcome.values:
        errors["outcome"] = [_("Unknown outcome.")]
    if (
        action == "route"
        and args.get("to_party") is not None
        and not isinstance(args["to_party"], Party)
    ):
        errors["to_party"] = [_("Unknown party.")]
    if errors:
        raise TicketValidationError(field_errors=errors)
    return args


def _route_target_check(ticket: Ticket, target: Party, actor: Actor) -> None:
    if target.kind not in (PartyKind.BRAND, PartyKind.MERCHANT):
        raise TicketValidationError(
            field_errors={"to_party": [_("Tickets are routed to brands or merchants.")]}
        )
    if target.pk == ticket.handler_id and ticket.state == State.ROUTED:
        raise TicketValidationError(field_errors={"to_party": [_("It is already with them.")]})
    if actor.party is not None and target.pk == actor.party.pk:
        raise TicketValidationError(field_errors={"to_party": [_("You cannot route to yourself.")]})
    if not is_partner(streamer=ticket.originator, party=target):
        raise TicketValidationError(
            field_errors={"to_party": [_("Only partners of the originating streamer.")]}
        )


def _reopen_window_open(ticket: Ticket) -> bool:
    window = timedelta(hours=settings.COLLAB_REOPEN_WINDOW_HOURS)
    return ticket.resolved_at is not None and timezone.now() - ticket.resolved_at <= window


def ticket_caller(ticket: Ticket, actor: Actor) -> Caller:
    participant_ids = frozenset(participant_party_ids([ticket])[ticket.pk])
    return Caller(actor=actor, participant_party_ids=participant_ids)


def allowed_actions(ticket: Ticket, actor: Actor) -> list[str]:
    """The actions ``actor`` may take now, as the state machine and the permission map say."""
    caller = ticket_caller(ticket, actor)
    return [
        action
        for action in ACTIONS
        if has_transition_perm(getattr(ticket, action), caller)
        and (action != "reopen" or not actor.is_buyer or _reopen_window_open(ticket))
    ]


def ticket_perform(
    *, ticket: Ticket, action: str, actor: Actor, confirm_warnings: bool = False, **args
) -> Ticket:
    """Apply one transition of DESIGN §3 for ``actor`` and return the updated ticket.

    Raises ``TicketValidationError`` (bad arguments), ``TicketNotFound`` (the actor's party may
    not see the ticket), ``TicketConflict`` (not possible from the current state, e.g. someone
    else acted first; carries the current state) or ``TicketPermissionDenied``. On any error
    nothing is written. A text the buyer reads (the ``request_info`` question, the ``resolve``
    note) passes the reply check: ``QualityBlocked``, or ``QualityConfirmationRequired`` unless
    ``confirm_warnings``; only the check's hits are then recorded.
    """
    if action not in ACTIONS:
        raise TicketValidationError(
            _("Unknown action."), field_errors={"action": [_("Unknown action.")]}
        )
    args = _args_validate(action, args)
    screen = reply_screen(
        ticket=ticket, actor=actor, texts=action_texts(action, args), confirmed=confirm_warnings
    )
    with refusals_recorded(), transaction.atomic():
        locked = (
            # of=("self",): lock only the ticket row; PostgreSQL refuses FOR UPDATE on the
            # nullable side of the outer join to the platform.
            Ticket.objects.select_for_update(of=("self",))
            .select_related("originator", "platform", "category")
            .get(pk=ticket.pk)
        )
        events = _perform_locked(locked, action, actor, args, screen=screen)
        _Change(events).publish_on_commit()
    return locked


def _perform_locked(
    locked: Ticket, action: str, actor: Actor, args: dict, *, screen: ReplyScreen | None = None
) -> list[TicketEvent]:
    """``ticket_perform`` on a ticket the caller has locked in its transaction (also used by the
    SLA sweeper). Saves the ticket and its events and returns the events to publish."""
    spec = ACTIONS[action]
    caller = ticket_caller(locked, actor)
    if actor.party is not None and not party_can_see_ticket(
        actor.party, locked, caller.participant_party_ids
    ):
        raise TicketNotFound()
    transition = getattr(locked, action)
    if not can_proceed(transition):
        raise TicketConflict(
            _("This ticket is %(state)s; it cannot be %(action)s now.")
            % {"state": locked.get_state_display(), "action": action},
            current_state=locked.state,
        )
    if not has_transition_perm(transition, caller):
        raise TicketPermissionDenied()
    now = timezone.now()
    if action == "reopen" and actor.is_buyer and not _reopen_window_open(locked):
        raise TicketPermissionDenied(_("The time to reopen this request has passed."))
    if action == "route":
        _route_target_check(locked, args["to_party"], actor)
    if action == "escalate" and locked.platform_id is None:
        raise TicketValidationError(_("This ticket has no platform to escalate to."))
    if screen is not None:
        screen.enforce(locked)
        screen.record_sent(locked)

    from_state = locked.state
    old_custody = locked.custody_party_id
    transition()
    fields = _action_apply(locked, action, args, now)
    events = [
        _event_build(
            locked,
            kind=spec.event_kind,
            actor=actor,
            visibility=Visibility.PUBLIC if spec.public else Visibility.PARTIES,
            from_state=from_state,
            to_state=locked.state,
            data=_event_data(action, args),
        )
    ]
    new_custody = custody_after(locked, action)
    custody_changed = new_custody != old_custody or locked.state in (
        State.AWAITING_BUYER,
        State.RESOLVED,
        State.CLOSED,
        State.CANCELLED,
    )
    if custody_changed or from_state in BUYER_HOLDS_STATES:
        known = {p.pk: p for p in (args.get("to_party"), locked.platform, locked.originator) if p}
        new_party = known.get(new_custody) if new_custody is not None else None
        if new_custody is not None and new_party is None:
            new_party = Party.objects.get(pk=new_custody)
        locked.custody_party = new_party
        # While the buyer holds the ticket the agent keeps it; another party gets its own.
        resumed = from_state in BUYER_HOLDS_STATES and new_custody == locked.handler_id
        if new_party is not None and new_custody != old_custody and not resumed:
            locked.assignee = None
            fields.add("assignee")
        fields |= {"custody_party", "resolve_by", "next_sla_check_at"}
        _custody_move(locked, party=new_party, state=locked.state, now=now)
        if new_party is not None and locked.assignee_id is None:
            assigned = _auto_assign(locked, new_party, now)
            if assigned is not None:
                events.append(assigned)
                fields.add("assignee")
    elif action == "accept":
        period = Custody.objects.get(ticket=locked, ended_at__isnull=True)
        period.accepted_at = now
        period.save(update_fields=["accepted_at"])
        locked.next_sla_check_at = deadlines.next_check_for(locked, period)
        fields.add("next_sla_check_at")

    TicketEvent.objects.bulk_create(events)
    locked.save(update_fields=[*fields, "state", "last_event_seq", "updated_at"])
    return events


def ticket_route_by_rules(*, ticket: Ticket, actor: Actor) -> Ticket:
    """Let the rules decide, for a new ticket its originator holds (review-first triage): run
    the originator's and then its platform's routing rules exactly as ``ticket_create`` does.

    A rule that routes performs the ``route`` transition a person would (custody, SLA deadlines,
    auto-assignment, outbox, live pushes); its ``ticket.routed`` event names the rule, with the
    person who asked as actor. A hold, a rule that only sets priority or policy, or no matching
    rule leave the ticket new with the event that says so (``routing.held``, ``routing.applied``,
    ``routing.unmatched``, after any ``routing.rule_skipped``). Priority and policy a rule sets
    are saved; the originator's running clock is not restarted.

    Raises ``TicketNotFound`` when the actor's party may not see the ticket,
    ``TicketPermissionDenied`` for anyone but the originator's people who may act, and
    ``TicketConflict`` once the ticket is no longer new. On any error nothing is written.
    """
    with transaction.atomic():
        locked = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("originator", "platform", "category")
            .get(pk=ticket.pk)
        )
        caller = ticket_caller(locked, actor)
        if actor.party is None or not party_can_see_ticket(
            actor.party, locked, caller.participant_party_ids
        ):
            raise TicketNotFound()
        if actor.party.pk != locked.originator_id or not actor.can_act:
            raise TicketPermissionDenied()
        if locked.state != State.NEW:
            raise TicketConflict(
                _("This ticket is %(state)s; only new tickets can be routed by the rules.")
                % {"state": locked.get_state_display()},
                current_state=locked.state,
            )
        target, events = _routing_apply(locked)
        if target is not None:
            # _routing_apply built the system's ``ticket.routed`` event of a ticket being
            # created; here the route transition writes that event, so take it back (and its
            # sequence number) and hand its rule to the transition.
            decided = events.pop()
            locked.last_event_seq -= 1
            TicketEvent.objects.bulk_create(events)
            events += _perform_locked(
                locked,
                "route",
                actor,
                {"to_party": target, "rule": decided.data["rule"], "priority": locked.priority},
            )
            locked.save(update_fields=["priority", "sla_policy"])
        else:
            if not any(e.kind in ("routing.held", "routing.applied") for e in events):
                events.append(
                    _event_build(
                        locked,
                        kind="routing.unmatched",
                        actor=actor,
                        visibility=Visibility.PARTIES,
                    )
                )
            TicketEvent.objects.bulk_create(events)
            locked.save(update_fields=["priority", "sla_policy", "last_event_seq", "updated_at"])
        _Change(events).publish_on_commit()
    return locked


def _action_apply(ticket: Ticket, action: str, args: dict, now) -> set[str]:
    """The data side of each transition; returns the fields it changed."""
    if action == "route":
        target: Party = args["to_party"]
        if ticket.handler_id and ticket.handler_id != target.pk:
            Participant.objects.filter(
                ticket=ticket, party_id=ticket.handler_id, role=ParticipantRole.HANDLER
            ).update(role=ParticipantRole.COLLABORATOR)
        ticket.handler = target
        _participant_ensure(ticket, target, ParticipantRole.HANDLER)
        return {"handler"}
    if action == "decline":
        Participant.objects.filter(
            ticket=ticket, party_id=ticket.handler_id, role=ParticipantRole.HANDLER
        ).update(role=ParticipantRole.COLLABORATOR)
        ticket.handler = None
        return {"handler"}
    if action == "escalate":
        _participant_ensure(ticket, ticket.platform, ParticipantRole.ARBITER)
        return set()
    if action == "resolve":
        ticket.outcome = args["outcome"]
        ticket.resolution_note = args.get("note", "")
        ticket.resolved_at = now
        return {"outcome", "resolution_note", "resolved_at"}
    if action == "reopen":
        ticket.resolved_at = None
        return {"resolved_at"}
    if action in ("close", "cancel"):
        ticket.closed_at = now
        ticket.next_sla_check_at = None
        return {"closed_at", "next_sla_check_at"}
    return set()


def _event_data(action: str, args: dict) -> dict:
    data = {key: value for key, value in args.items() if key != "to_party"}
    if action == "route":
        target: Party = args["to_party"]
        data["to_party"] = {"slug": target.slug, "name": target.name, "kind": target.kind}
    return data


def ticket_assign(*, ticket: Ticket, assignee, actor: Actor) -> Ticket:
    """Give the ticket to ``assignee`` (a user), or to nobody with None, and write a
    ``ticket.assigned`` event visible to the holding party only.

    Only the party holding the ticket assigns it: its supervisors, admins and API keys to any of
    its agents, an agent only to themselves. The assignee must be an active member of that party
    who may act. Raises ``TicketNotFound`` (invisible ticket), ``TicketPermissionDenied`` or
    ``TicketValidationError``; assigning the current assignee again writes nothing.
    """
    if actor.party is None or not actor.can_act:
        raise TicketPermissionDenied()
    with transaction.atomic():
        locked = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("assignee", "custody_party")
            .get(pk=ticket.pk)
        )
        caller = ticket_caller(locked, actor)
        if not party_can_see_ticket(actor.party, locked, caller.participant_party_ids):
            raise TicketNotFound()
        if locked.custody_party_id != actor.party.pk:
            raise TicketPermissionDenied(_("Only the party holding the ticket assigns it."))
        if actor.user is not None:
            role = (
                Membership.objects.filter(user=actor.user, party=actor.party)
                .values_list("role", flat=True)
                .first()
            )
            assigns_others = role in (Role.ADMIN, Role.SUPERVISOR)
            if not assigns_others and (assignee is None or assignee.pk != actor.user.pk):
                raise TicketPermissionDenied(_("Agents may only take tickets themselves."))
        if assignee is not None:
            membership = (
                Membership.objects.filter(user=assignee, party=actor.party, user__is_active=True)
                .exclude(role=Role.VIEWER)
                .first()
            )
            if membership is None:
                raise TicketValidationError(
                    field_errors={"assignee": [_("Not an agent of the party holding it.")]}
                )
            membership.last_assigned_at = timezone.now()
            membership.save(update_fields=["last_assigned_at"])
        if (assignee.pk if assignee is not None else None) == locked.assignee_id:
            return locked
        event = _assignment_set(locked, assignee, actor, strategy="manual")
        event.save()
        locked.save(update_fields=["assignee", "last_event_seq", "updated_at"])
        _Change([event]).publish_on_commit()
    return locked
