"""Writes. Every entry point (portal, API, buyer pages, bulk jobs, the SLA sweeper) changes
tickets through these functions and nothing else.

Each service works inside ``transaction.atomic()``, locks the ticket row, checks the state machine
and the caller's permission, saves with ``update_fields``, appends ``TicketEvent`` rows and leaves
live pushes to ``transaction.on_commit``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from collab.broadcast import events_committed
from integrations.outbox import deliveries_write
from tenants.actors import Actor
from tenants.models import Party, PartyKind
from tenants.selectors import is_partner

from .errors import TicketConflict, TicketNotFound, TicketPermissionDenied, TicketValidationError
from .forms_schema import form_data_validate
from .models import (
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
from .selectors import buyer_token_digest, party_can_see_ticket
from .workflow import ACTIONS, Caller, State, custody_after


def _reference_next() -> str:
    """``AS-YYYYMMDD-NNNNNN``. The counter row is updated in place, so concurrent creators queue
    on its row lock for the rest of their transaction and never draw the same number."""
    day = timezone.localdate()
    table = ReferenceCounter._meta.db_table
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET last = last + 1 WHERE day = %s RETURNING last",  # noqa: S608
                [day],
            )
            row = cursor.fetchone()
        if row:
            return f"AS-{day:%Y%m%d}-{row[0]:06d}"
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(day=day, last=1)
            return f"AS-{day:%Y%m%d}-{1:06d}"
        except IntegrityError:
            continue  # another creator inserted today's row first; increment it instead
    raise RuntimeError("reference counter unavailable")


@dataclass
class _Change:
    """Events written by one service call: their webhook outbox rows are written now, in the
    same transaction (a crash after commit must not lose them); live pushes go after commit."""

    events: list[TicketEvent]

    def publish_on_commit(self) -> None:
        deliveries_write(self.events)
        ids = [event.pk for event in self.events]
        transaction.on_commit(lambda: events_committed(ids))


def _event_build(
    ticket: Ticket,
    *,
    kind: str,
    actor: Actor,
    visibility: str,
    from_state: str = "",
    to_state: str = "",
    data: dict | None = None,
) -> TicketEvent:
    """The ticket's next event, unsaved. The caller holds the ticket's row lock, saves the event
    and saves ``last_event_seq`` with the ticket."""
    ticket.last_event_seq += 1
    event = TicketEvent(
        ticket=ticket,
        seq=ticket.last_event_seq,
        kind=kind,
        actor_kind=actor.kind.value,
        actor_party=actor.party,
        actor_user=actor.user,
        actor_api_key=actor.api_key,
        from_state=from_state,
        to_state=to_state,
        data=data or {},
        visibility=visibility,
    )
    return event


def _custody_move(ticket: Ticket, *, party_id: int | None, state: str, now) -> None:
    """Close the open custody period and open the next one (none once the ticket is done)."""
    Custody.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=now)
    if state in (State.CLOSED, State.CANCELLED):
        return
    Custody.objects.create(ticket=ticket, party_id=party_id, state=state, started_at=now)


def _participant_ensure(ticket: Ticket, party: Party, role: str) -> None:
    participant, created = Participant.objects.get_or_create(
        ticket=ticket, party=party, defaults={"role": role}
    )
    # The originator keeps its role; a new handler or arbiter takes over the role.
    if not created and participant.role not in (role, ParticipantRole.ORIGINATOR):
        participant.role = role
        participant.save(update_fields=["role"])


def ticket_create(
    *,
    actor: Actor,
    category: TicketCategory,
    subject: str,
    originator: Party | None = None,
    description: str = "",
    priority: str = Priority.NORMAL,
    channel: str = Channel.PORTAL,
    order_number: str = "",
    sku: str = "",
    product_name: str = "",
    brand: Party | None = None,
    merchant: Party | None = None,
    livestream_session: str = "",
    buyer_name: str = "",
    buyer_phone: str = "",
    buyer_address: dict | None = None,
    buyer_consent: bool = False,
    form_data: dict | None = None,
    buyer_token: str | None = None,
) -> tuple[Ticket, str]:
    """Open a ticket for ``originator`` (the actor's party unless a buyer or the system submits
    for a streamer). Returns the ticket and the buyer's raw access token, which is not stored
    and cannot be recovered. Invalid input raises ``TicketValidationError`` and writes nothing.
    """
    originator = originator or actor.party
    errors: dict[str, list[str]] = {}
    if originator is None:
        errors["originator"] = [_("An originating party is required.")]
    elif originator.kind == PartyKind.PLATFORM:
        errors["originator"] = [_("A platform cannot originate tickets.")]
    if actor.party is not None and not actor.can_act:
        raise TicketPermissionDenied(_("Read-only access cannot create tickets."))
    if not category.is_active:
        errors["category"] = [_("This category is not available.")]
    if not subject.strip():
        errors["subject"] = [_("A subject is required.")]
    if priority not in Priority.values:
        errors["priority"] = [_("Unknown priority.")]
    if brand is not None and brand.kind != PartyKind.BRAND:
        errors["brand"] = [_("Not a brand.")]
    if merchant is not None and merchant.kind != PartyKind.MERCHANT:
        errors["merchant"] = [_("Not a merchant.")]
    try:
        form_data = form_data_validate(category.form_schema, form_data or {})
    except TicketValidationError as exc:
        errors.update(exc.field_errors)
    if errors:
        raise TicketValidationError(field_errors=errors)

    token = buyer_token or secrets.token_urlsafe(24)  # 192 bits
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket(
            reference=_reference_next(),
            platform=originator.platform,
            originator=originator,
            category=category,
            priority=priority,
            channel=channel,
            subject=subject.strip(),
            description=description,
            order_number=order_number,
            sku=sku,
            product_name=product_name,
            brand=brand,
            merchant=merchant,
            livestream_session=livestream_session,
            buyer_name=buyer_name,
            buyer_phone=buyer_phone,
            buyer_phone_last4=buyer_phone[-4:],
            buyer_address=buyer_address or {},
            buyer_consent=buyer_consent,
            form_data=form_data,
            buyer_token_hash=buyer_token_digest(token),
            custody_party=originator,
        )
        event = _event_build(
            ticket,
            kind="ticket.created",
            actor=actor,
            visibility=Visibility.PUBLIC,
            to_state=State.NEW,
            data={"channel": channel, "category": category.code},
        )
        ticket.save()
        event.save()
        Participant.objects.create(ticket=ticket, party=originator, role=ParticipantRole.ORIGINATOR)
        Custody.objects.create(ticket=ticket, party=originator, state=State.NEW, started_at=now)
        _Change([event]).publish_on_commit()
    return ticket, token


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
    participant_ids = frozenset(ticket.participants.values_list("party_id", flat=True))
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


def ticket_perform(*, ticket: Ticket, action: str, actor: Actor, **args) -> Ticket:
    """Apply one transition of DESIGN §3 for ``actor`` and return the updated ticket.

    Raises ``TicketValidationError`` (bad arguments), ``TicketNotFound`` (the actor's party may
    not see the ticket), ``TicketConflict`` (not possible from the current state, e.g. someone
    else acted first; carries the current state) or ``TicketPermissionDenied``. On any error
    nothing is written.
    """
    if action not in ACTIONS:
        raise TicketValidationError(
            _("Unknown action."), field_errors={"action": [_("Unknown action.")]}
        )
    args = _args_validate(action, args)
    spec = ACTIONS[action]
    with transaction.atomic():
        locked = (
            # of=("self",): lock only the ticket row; PostgreSQL refuses FOR UPDATE on the
            # nullable side of the outer join to the platform.
            Ticket.objects.select_for_update(of=("self",))
            .select_related("originator", "platform", "category")
            .get(pk=ticket.pk)
        )
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

        from_state = locked.state
        old_custody = locked.custody_party_id
        transition()
        fields = _action_apply(locked, action, args, now)
        new_custody = custody_after(locked, action)
        custody_changed = new_custody != old_custody or locked.state in (
            State.AWAITING_BUYER,
            State.RESOLVED,
            State.CLOSED,
            State.CANCELLED,
        )
        if custody_changed or from_state in (State.AWAITING_BUYER, State.RESOLVED):
            locked.custody_party_id = new_custody
            if new_custody != old_custody and locked.assignee_id is not None:
                locked.assignee = None  # the assignee belonged to the previous holder
                fields.add("assignee")
            fields.add("custody_party")
            _custody_move(locked, party_id=new_custody, state=locked.state, now=now)
        elif action == "accept":
            Custody.objects.filter(ticket=locked, ended_at__isnull=True).update(accepted_at=now)

        event = _event_build(
            locked,
            kind=spec.event_kind,
            actor=actor,
            visibility=Visibility.PUBLIC if spec.public else Visibility.PARTIES,
            from_state=from_state,
            to_state=locked.state,
            data=_event_data(action, args),
        )
        event.save()
        locked.save(update_fields=[*fields, "state", "last_event_seq", "updated_at"])
        _Change([event]).publish_on_commit()
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


def comment_add(*, ticket: Ticket, actor: Actor, body: str, visibility: str) -> Comment:
    """Add a message. Buyers always write publicly; parties choose internal (their own party),
    parties (every participating party) or public (also the buyer)."""
    body = body.strip()
    errors: dict[str, list[str]] = {}
    if not body:
        errors["body"] = [_("A message is required.")]
    if len(body) > 10_000:
        errors["body"] = [_("At most 10,000 characters.")]
    if actor.is_buyer:
        visibility = Visibility.PUBLIC
    if visibility not in Visibility.values:
        errors["visibility"] = [_("Choose internal, parties or public.")]
    if errors:
        raise TicketValidationError(field_errors=errors)
    if not actor.can_act:
        raise TicketPermissionDenied(_("Read-only access cannot write messages."))
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if actor.party is not None:
            caller = ticket_caller(locked, actor)
            if not party_can_see_ticket(actor.party, locked, caller.participant_party_ids):
                raise TicketNotFound()
        comment = Comment.objects.create(
            ticket=locked,
            author_kind=actor.kind.value,
            author_party=actor.party,
            author_user=actor.user,
            body=body,
            visibility=visibility,
        )
        event = _event_build(
            locked,
            kind="comment.added",
            actor=actor,
            visibility=visibility,
            data={"comment_id": comment.pk, "body": body},
        )
        event.save()
        locked.save(update_fields=["last_event_seq", "updated_at"])
        _Change([event]).publish_on_commit()
    return comment
