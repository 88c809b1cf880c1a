"""Writes. Every entry point (portal, API, buyer pages, bulk jobs, the SLA sweeper) changes
tickets through these functions and nothing else.

Each service works inside ``transaction.atomic()``, locks the ticket row, checks the state machine
and the caller's permission, saves with ``update_fields``, appends ``TicketEvent`` rows and leaves
live pushes to ``transaction.on_commit``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from collab.broadcast import events_committed
from integrations.outbox import deliveries_write
from tenants.actors import Actor, ActorKind
from tenants.models import Membership, Party, PartyKind, Role, RoutingMode
from tenants.selectors import is_partner, partner_qs_for_streamer

from . import deadlines
from .assignment import assignee_choose
from .errors import (
    TicketConflict,
    TicketError,
    TicketNotFound,
    TicketPermissionDenied,
    TicketValidationError,
)
from .forms_schema import form_data_validate
from .models import (
    Channel,
    Comment,
    Custody,
    Outcome,
    Participant,
    ParticipantRole,
    Priority,
    Product,
    ReferenceCounter,
    RoutingRule,
    Ticket,
    TicketCategory,
    TicketEvent,
    Visibility,
)
from .routing import RoutingDecision, RoutingFacts, routing_decide
from .selectors import buyer_token_digest, party_can_see_ticket
from .workflow import ACTIONS, BUYER_HOLDS_STATES, Caller, State, custody_after


def _references_next(count: int) -> list[str]:
    """``count`` consecutive ``AS-YYYYMMDD-NNNNNN`` references. The counter row is updated in
    place, so concurrent creators queue on its row lock for the rest of their transaction and
    never draw the same number."""
    day = timezone.localdate()
    table = ReferenceCounter._meta.db_table
    for _attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET last = last + %s WHERE day = %s RETURNING last",  # noqa: S608
                [count, day],
            )
            row = cursor.fetchone()
        last = row[0] if row else None
        if last is None:
            try:
                with transaction.atomic():
                    ReferenceCounter.objects.create(day=day, last=count)
                last = count
            except IntegrityError:
                continue  # another creator inserted today's row first; increment it instead
        return [f"AS-{day:%Y%m%d}-{n:06d}" for n in range(last - count + 1, last + 1)]
    raise RuntimeError("reference counter unavailable")


def _publish(events: list[TicketEvent]) -> None:
    """Outbox rows now, in the events' transaction (a crash after commit must not lose them);
    the live push after commit, once for all the events."""
    if not events:
        return
    deliveries_write(events)
    ids = [event.pk for event in events]
    transaction.on_commit(lambda: events_committed(ids))


class _Pending:
    """The events of one service call inside a ``side_effects_batched`` scope. Registered with
    ``on_commit`` only so that Django drops it, as it drops every callback, when the call's
    savepoint rolls back; the scope publishes the survivors itself and this runs as a no-op."""

    def __init__(self, events: list[TicketEvent]) -> None:
        self.events = events

    def __call__(self) -> None:
        pass


# The open ``side_effects_batched`` scope of this thread (or task): its pending calls.
_batched: ContextVar[list[_Pending] | None] = ContextVar("tickets_batched", default=None)


@dataclass
class _Change:
    """Events written by one service call: published at once, or at the end of the enclosing
    ``side_effects_batched`` scope."""

    events: list[TicketEvent]

    def publish_on_commit(self) -> None:
        batched = _batched.get()
        if batched is None or not connection.in_atomic_block:
            _publish(self.events)
            return
        pending = _Pending(self.events)
        transaction.on_commit(pending)
        batched.append(pending)


@contextmanager
def side_effects_batched() -> Iterator[None]:
    """Publish the events of every service call made inside this block together when it ends:
    one outbox write and one live push (one ``on_commit``) instead of one per call. Use it
    inside the ``transaction.atomic()`` that holds the calls (a bulk chunk); the outbox rows
    are still written in that transaction.

    Callers may rely on: events of a call whose savepoint rolled back are dropped; if the block
    raises, nothing is published; a rolled-back transaction never pushes (``on_commit``)."""
    if _batched.get() is not None:
        yield  # an outer scope publishes
        return
    pending: list[_Pending] = []
    token = _batched.set(pending)
    try:
        yield
    finally:
        _batched.reset(token)
    # Django has removed the callbacks of rolled-back savepoints; what is left was kept.
    alive = {id(callback) for _savepoints, callback, _robust in connection.run_on_commit}
    _publish([event for call in pending if id(call) in alive for event in call.events])


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


def _custody_move(ticket: Ticket, *, party: Party | None, state: str, now) -> Custody | None:
    """Close the open custody period and open the next one with its deadlines (none once the
    ticket is done). Sets ``resolve_by`` and ``next_sla_check_at`` on the ticket; the caller
    saves them. Returns the new period."""
    recent = list(
        Custody.objects.filter(ticket=ticket)
        .select_related("sla_policy")
        .order_by("-started_at", "-id")[:2]
    )
    open_period = recent[0] if recent and recent[0].ended_at is None else None
    if open_period is not None:
        Custody.objects.filter(pk=open_period.pk).update(ended_at=now)
    period = None
    if state not in (State.CLOSED, State.CANCELLED):
        resuming = open_period is not None and open_period.party_id is None and len(recent) > 1
        period = deadlines.custody_period_build(
            ticket,
            party=party,
            state=state,
            now=now,
            paused=open_period if resuming else None,
            before_pause=recent[1] if resuming else None,
        )
        period.save()
    ticket.next_sla_check_at = deadlines.next_check_for(ticket, period)
    return period


def _auto_assign(ticket: Ticket, party: Party, now) -> TicketEvent | None:
    """Give the ticket to one of ``party``'s agents by the party's strategy; returns the unsaved
    ``ticket.assigned`` event, or None (manual strategy, or nobody fits)."""
    membership = assignee_choose(
        party=party, category_code=ticket.category.code, exclude_user_id=ticket.assignee_id
    )
    if membership is None:
        return None
    Membership.objects.filter(pk=membership.pk).update(last_assigned_at=now)
    return _assignment_set(
        ticket,
        membership.user,
        Actor(kind=ActorKind.SYSTEM, party=party),
        strategy=party.assignment_strategy,
    )


def _assignment_set(ticket: Ticket, user, actor: Actor, *, strategy: str) -> TicketEvent:
    """Set the assignee and build the ``ticket.assigned`` event. Internal to the custody party:
    other companies do not learn who works on it."""
    previous = ticket.assignee.get_username() if ticket.assignee_id else None
    ticket.assignee = user
    return _event_build(
        ticket,
        kind="ticket.assigned",
        actor=actor,
        visibility=Visibility.INTERNAL,
        data={
            "assignee": user.get_username() if user is not None else None,
            "previous": previous,
            "strategy": strategy,
        },
    )


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
    request = {
        "category": category,
        "subject": subject,
        "description": description,
        "priority": priority,
        "channel": channel,
        "order_number": order_number,
        "sku": sku,
        "product_name": product_name,
        "brand": brand,
        "merchant": merchant,
        "livestream_session": livestream_session,
        "buyer_name": buyer_name,
        "buyer_phone": buyer_phone,
        "buyer_address": buyer_address,
        "buyer_consent": buyer_consent,
        "form_data": form_data,
        "buyer_token": buyer_token,
    }
    _ticket_check(actor, originator, request)
    with transaction.atomic():
        (built,) = _tickets_save(actor, originator, [request])
    return built


def ticket_create_many(
    *, actor: Actor, originator: Party, requests: list[dict]
) -> list[tuple[Ticket, str] | TicketError]:
    """Open many tickets for one originator in the caller's transaction (a bulk chunk). Each
    request holds the keyword arguments of ``ticket_create`` other than ``actor`` and
    ``originator``. Returns, in request order, ``(ticket, buyer token)`` or the ``TicketError``
    that refused the request (nothing is written for it).

    Writes exactly what ``ticket_create`` one by one would (same checks, routing rules, SLA
    deadlines, events with per-ticket ``seq``, participants, custody periods, outbox rows in the
    transaction, live pushes after commit), with a constant number of statements: routing
    rules, products, partners, SLA policies and calendars are read once, and tickets, events,
    participants and periods are inserted one statement each. Auto-assignment (a party not on
    manual assignment) still reads its agents per ticket."""
    results: list[tuple[Ticket, str] | TicketError | None] = [None] * len(requests)
    accepted: list[tuple[int, dict]] = []
    for index, request in enumerate(requests):
        request = dict(request)
        try:
            _ticket_check(actor, originator, request)
        except TicketError as exc:
            results[index] = exc
            continue
        accepted.append((index, request))
    if accepted:
        with transaction.atomic():
            created = _tickets_save(actor, originator, [request for _i, request in accepted])
        for (index, _request), result in zip(accepted, created, strict=True):
            results[index] = result
    return results  # type: ignore[return-value]


def _ticket_check(actor: Actor, originator: Party | None, request: dict) -> None:
    """Refuse an invalid request with ``TicketValidationError`` (or ``TicketPermissionDenied``);
    replaces ``form_data`` in ``request`` with the validated form."""
    category: TicketCategory = request["category"]
    brand, merchant = request.get("brand"), request.get("merchant")
    errors: dict[str, list[str]] = {}
    if originator is None:
        errors["originator"] = [_("An originating party is required.")]
    elif originator.kind == PartyKind.PLATFORM:
        errors["originator"] = [_("A platform cannot originate tickets.")]
    if actor.party is not None and not actor.can_act:
        raise TicketPermissionDenied(_("Read-only access cannot create tickets."))
    if not category.is_active:
        errors["category"] = [_("This category is not available.")]
    if not request["subject"].strip():
        errors["subject"] = [_("A subject is required.")]
    if request.get("priority", Priority.NORMAL) not in Priority.values:
        errors["priority"] = [_("Unknown priority.")]
    if brand is not None and brand.kind != PartyKind.BRAND:
        errors["brand"] = [_("Not a brand.")]
    if merchant is not None and merchant.kind != PartyKind.MERCHANT:
        errors["merchant"] = [_("Not a merchant.")]
    try:
        request["form_data"] = form_data_validate(
            category.form_schema, request.get("form_data") or {}
        )
    except TicketValidationError as exc:
        errors.update(exc.field_errors)
    if errors:
        raise TicketValidationError(field_errors=errors)


@dataclass
class _NewTicket:
    ticket: Ticket
    token: str
    events: list[TicketEvent]
    participants: list[Participant]
    periods: list[Custody]


def _tickets_save(
    actor: Actor, originator: Party, requests: list[dict]
) -> list[tuple[Ticket, str]]:
    """Build and insert checked requests inside the caller's transaction; one statement per
    table for all of them, configuration read once."""
    now = timezone.now()
    lookups = _CreateLookups()
    built = [
        _ticket_build(actor, originator, request, reference=reference, now=now, lookups=lookups)
        for request, reference in zip(requests, _references_next(len(requests)), strict=True)
    ]
    Ticket.objects.bulk_create([new.ticket for new in built])
    events = [event for new in built for event in new.events]
    TicketEvent.objects.bulk_create(events)
    Participant.objects.bulk_create([p for new in built for p in new.participants])
    Custody.objects.bulk_create([period for new in built for period in new.periods])
    _Change(events).publish_on_commit()
    return [(new.ticket, new.token) for new in built]


def _ticket_build(
    actor: Actor,
    originator: Party,
    request: dict,
    *,
    reference: str,
    now,
    lookups: _CreateLookups,
) -> _NewTicket:
    """One new ticket with its events, participants and custody periods, unsaved: routed by
    the rules, with its deadlines and, when routed, auto-assigned."""
    token = request.get("buyer_token") or secrets.token_urlsafe(24)  # 192 bits
    category: TicketCategory = request["category"]
    channel = request.get("channel", Channel.PORTAL)
    buyer_phone = request.get("buyer_phone", "")
    ticket = Ticket(
        reference=reference,
        platform=originator.platform,
        originator=originator,
        category=category,
        priority=request.get("priority", Priority.NORMAL),
        channel=channel,
        subject=request["subject"].strip(),
        description=request.get("description", ""),
        order_number=request.get("order_number", ""),
        sku=request.get("sku", ""),
        product_name=request.get("product_name", ""),
        brand=request.get("brand"),
        merchant=request.get("merchant"),
        livestream_session=request.get("livestream_session", ""),
        buyer_name=request.get("buyer_name", ""),
        buyer_phone=buyer_phone,
        buyer_phone_last4=buyer_phone[-4:],
        buyer_address=request.get("buyer_address") or {},
        buyer_consent=request.get("buyer_consent", False),
        form_data=request["form_data"],
        buyer_token_hash=buyer_token_digest(token),
        custody_party=originator,
    )
    events = [
        _event_build(
            ticket,
            kind="ticket.created",
            actor=actor,
            visibility=Visibility.PUBLIC,
            to_state=State.NEW,
            data={"channel": channel, "category": category.code},
        )
    ]
    participants = [Participant(ticket=ticket, party=originator, role=ParticipantRole.ORIGINATOR)]
    holder, periods = originator, []
    if originator.routing_mode == RoutingMode.AUTO:
        target, routing_events = _routing_apply(ticket, lookups)
        events += routing_events
        if target is not None:
            # The same route transition a person would perform; the originator's period
            # opens and closes at once so the custody ledger shows the hand-over.
            ticket.route()
            ticket.handler = ticket.custody_party = holder = target
            participants.append(
                Participant(ticket=ticket, party=target, role=ParticipantRole.HANDLER)
            )
            periods.append(
                Custody(
                    ticket=ticket, party=originator, state=State.NEW, started_at=now, ended_at=now
                )
            )
    period = deadlines.custody_period_build(
        ticket, party=holder, state=ticket.state, now=now, lookups=lookups
    )
    periods.append(period)
    ticket.next_sla_check_at = deadlines.next_check_for(ticket, period)
    if holder != originator:
        assigned = _auto_assign(ticket, holder, now)
        events += [assigned] if assigned else []
    return _NewTicket(ticket, token, events, participants, periods)


class _CreateLookups(deadlines.SlaLookups):
    """What creating tickets reads besides the request (routing rules, products, partners, SLA
    policies, calendars), read once per call of ``ticket_create_many``."""

    def __init__(self) -> None:
        super().__init__()
        self._rules: dict[tuple[int, ...], list[RoutingRule]] = {}
        self._products: dict[tuple[int, str], Product | None] = {}
        self._partners: dict[int, dict[int, Party]] = {}

    def rules(self, owners: list[int]) -> list[RoutingRule]:
        key = tuple(owners)
        if key not in self._rules:
            self._rules[key] = list(RoutingRule.objects.filter(owner_id__in=owners, is_active=True))
        return self._rules[key]

    def product(self, owner_id: int, sku: str) -> Product | None:
        if (owner_id, sku) not in self._products:
            self._products[owner_id, sku] = Product.objects.filter(
                owner_id=owner_id, sku=sku
            ).first()
        return self._products[owner_id, sku]

    def partners(self, streamer: Party) -> dict[int, Party]:
        if streamer.pk not in self._partners:
            self._partners[streamer.pk] = {p.pk: p for p in partner_qs_for_streamer(streamer)}
        return self._partners[streamer.pk]


def _routing_apply(
    ticket: Ticket, lookups: _CreateLookups | None = None
) -> tuple[Party | None, list[TicketEvent]]:
    """Run the originator's and then its platform's routing rules on the unsaved ticket: set
    priority and policy as the matching rule says, and return the partner to route to (None:
    keep it new) with the events that explain the decision. At most three queries: rules,
    product (only with a SKU), partners (only when a rule routes)."""
    lookups = lookups or _CreateLookups()
    owners = [pk for pk in (ticket.originator_id, ticket.platform_id) if pk is not None]
    rules = sorted(
        lookups.rules(owners),
        key=lambda r: (r.owner_id != ticket.originator_id, r.position, r.pk),
    )
    if not rules:
        return None, []
    product = lookups.product(ticket.originator_id, ticket.sku) if ticket.sku else None
    facts = RoutingFacts(
        category_id=ticket.category_id,
        brand_id=ticket.brand_id,
        merchant_id=ticket.merchant_id,
        sku=ticket.sku,
        product_category=product.product_category if product else "",
        channel=ticket.channel,
        priority=ticket.priority,
        text=f"{ticket.subject}\n{ticket.description}",
        product_brand_id=product.brand_id if product else None,
        product_merchant_id=product.merchant_id if product else None,
    )
    partners = lookups.partners(ticket.originator)
    decision: RoutingDecision = routing_decide(rules, facts, partner_ids=frozenset(partners))
    system = Actor.system()
    events = [
        _event_build(
            ticket,
            kind="routing.rule_skipped",
            actor=system,
            visibility=Visibility.PARTIES,
            data={"rule": {"id": s.rule_id, "name": s.rule_name}, "reason": s.reason},
        )
        for s in decision.skipped
    ]
    rule = decision.rule
    if rule is None:
        return None, events
    if decision.priority:
        ticket.priority = decision.priority
    if decision.policy_id:
        ticket.sla_policy_id = decision.policy_id
    rule_ref = {"id": rule.pk, "name": rule.name, "action": rule.action}
    target = partners.get(decision.target_id) if decision.target_id else None
    if target is not None:
        events.append(
            _event_build(
                ticket,
                kind="ticket.routed",
                actor=system,
                visibility=Visibility.PARTIES,
                from_state=State.NEW,
                to_state=State.ROUTED,
                data={
                    "to_party": {"slug": target.slug, "name": target.name, "kind": target.kind},
                    "rule": rule_ref,
                    "priority": ticket.priority,
                },
            )
        )
    else:
        events.append(
            _event_build(
                ticket,
                kind="routing.held" if decision.hold else "routing.applied",
                actor=system,
                visibility=Visibility.PARTIES,
                data={"rule": rule_ref, "priority": ticket.priority},
            )
        )
    return target, events


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
    with transaction.atomic():
        locked = (
            # of=("self",): lock only the ticket row; PostgreSQL refuses FOR UPDATE on the
            # nullable side of the outer join to the platform.
            Ticket.objects.select_for_update(of=("self",))
            .select_related("originator", "platform", "category")
            .get(pk=ticket.pk)
        )
        events = _perform_locked(locked, action, actor, args)
        _Change(events).publish_on_commit()
    return locked


def _perform_locked(locked: Ticket, action: str, actor: Actor, args: dict) -> list[TicketEvent]:
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


RATABLE_STATES = (State.RESOLVED, State.CLOSED)


def ticket_rate(*, ticket: Ticket, actor: Actor, rating: int, comment: str = "") -> Ticket:
    """The buyer rates the handling, 1 to 5, once the request is resolved or closed. A second
    rating replaces the first (buyers change their mind after the parcel arrives). Raises
    ``TicketValidationError`` for a rating outside 1..5, ``TicketPermissionDenied`` for anyone
    but the buyer and ``TicketConflict`` before the request is resolved."""
    errors: dict[str, list[str]] = {}
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        errors["rating"] = [_("Choose 1 to 5.")]
    if len(comment) > 2000:
        errors["comment"] = [_("At most 2,000 characters.")]
    if errors:
        raise TicketValidationError(field_errors=errors)
    if not actor.is_buyer:
        raise TicketPermissionDenied(_("Only the buyer rates a request."))
    with transaction.atomic():
        locked = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
        if locked.state not in RATABLE_STATES:
            raise TicketConflict(
                _("A request can be rated once it is resolved."), current_state=locked.state
            )
        locked.rating = rating
        locked.rating_comment = comment.strip()
        event = _event_build(
            locked,
            kind="ticket.rated",
            actor=actor,
            visibility=Visibility.PUBLIC,
            data={"rating": rating, "comment": locked.rating_comment},
        )
        event.save()
        locked.save(update_fields=["rating", "rating_comment", "last_event_seq", "updated_at"])
        _Change([event]).publish_on_commit()
    return locked


def ticket_event_record(
    *, ticket: Ticket, actor: Actor, kind: str, visibility: str, data: dict
) -> TicketEvent:
    """Append an event for a change another app owns (e.g. an attachment), inside the caller's
    transaction: locks the ticket, refuses a party that may not see it (``TicketNotFound``) or
    may not act (``TicketPermissionDenied``), and publishes like every other event."""
    if not actor.can_act:
        raise TicketPermissionDenied()
    locked = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    if actor.party is not None:
        caller = ticket_caller(locked, actor)
        if not party_can_see_ticket(actor.party, locked, caller.participant_party_ids):
            raise TicketNotFound()
    event = _event_build(locked, kind=kind, actor=actor, visibility=visibility, data=data)
    event.save()
    locked.save(update_fields=["last_event_seq", "updated_at"])
    _Change([event]).publish_on_commit()
    return event
