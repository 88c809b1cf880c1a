"""Opening tickets, one or a batch, with validation, routing rules and SLA deadlines."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.config_cache import (
    PARTNERS,
    PARTY_CALENDAR,
    PRODUCTS,
    ROUTING_RULES,
    SLA_POLICIES,
    config_cached,
)
from collab.prepared import cursor_prepared
from integrations.outbox import deliveries_rows
from tenants.actors import Actor
from tenants.models import Party, PartyKind, RoutingMode
from tenants.selectors import partner_qs_for_streamer

from .. import deadlines
from ..errors import (
    TicketError,
    TicketPermissionDenied,
    TicketValidationError,
)
from ..forms_schema import form_data_validate
from ..models import (
    BusinessCalendar,
    Channel,
    Custody,
    Participant,
    ParticipantRole,
    Priority,
    Product,
    ReferenceCounter,
    RoutingRule,
    SlaPolicy,
    Ticket,
    TicketCategory,
    TicketEvent,
    Visibility,
)
from ..routing import RoutingDecision, RoutingFacts, routing_decide
from ..selectors import buyer_token_digest
from ..workflow import State
from .custody import _auto_assign
from .events import _Change, _event_build
from .inserts import tickets_insert

# The sequence behind references on PostgreSQL (migration 0006); its ``nextval`` takes no lock
# that lasts until commit, unlike an UPDATE of the day's counter row.
_REFERENCE_SEQUENCE = "tickets_reference_seq"


def _references_next(count: int) -> list[str]:
    """``count`` new ``AS-YYYYMMDD-NNNNNN`` references, ascending and unique for the day.

    On PostgreSQL the numbers come from a sequence, minus the day's base (the sequence's value
    before the day's first reference, stored in the day's counter row once): concurrent
    creators never wait for each other, and numbers are consecutive unless a create rolled back
    (a gap, as with any sequence; references are unique, not gapless). SQLite runs one writer at
    a time, so there the day's counter row is simply incremented in the transaction."""
    day = timezone.localdate()
    if connection.vendor == "postgresql":
        numbers = _references_drawn(day, count)
    else:
        numbers = _references_counted(day, count)
    return [f"AS-{day:%Y%m%d}-{n:06d}" for n in numbers]


def _references_drawn(day, count: int) -> list[int]:
    table = ReferenceCounter._meta.db_table
    with cursor_prepared() as cursor:
        for _attempt in range(2):
            cursor.execute(
                f"SELECT nextval('{_REFERENCE_SEQUENCE}') - c.last FROM {table} c "  # noqa: S608
                "CROSS JOIN generate_series(1, %s) WHERE c.day = %s",
                [count, day],
            )
            numbers = sorted(row[0] for row in cursor.fetchall())
            if numbers:
                return numbers
            # The day's first reference: its base is the last value handed out so far, so
            # every later nextval gives a number >= 1. A concurrent first creator waits here
            # for ours to commit, then finds the row.
            cursor.execute(
                f"INSERT INTO {table} (day, last) "  # noqa: S608
                "SELECT %s, CASE WHEN is_called THEN last_value ELSE last_value - 1 END "
                f"FROM {_REFERENCE_SEQUENCE} ON CONFLICT (day) DO NOTHING",
                [day],
            )
    raise RuntimeError("reference counter unavailable")


def _references_counted(day, count: int) -> list[int]:
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
        return list(range(last - count + 1, last + 1))
    raise RuntimeError("reference counter unavailable")


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
    # Inside a caller's transaction (the API's idempotency record) no savepoint of its own:
    # an error here fails that whole transaction, and callers that go on after one (the bulk
    # runner) open their own atomic block.
    with transaction.atomic(savepoint=False):
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
    """Build and insert checked requests inside the caller's transaction; one statement for
    all of them on PostgreSQL (one per table on SQLite), configuration read once."""
    now = timezone.now()
    lookups = _CreateLookups()
    built = [
        _ticket_build(actor, originator, request, reference=reference, now=now, lookups=lookups)
        for request, reference in zip(requests, _references_next(len(requests)), strict=True)
    ]
    events = [event for new in built for event in new.events]
    # Who takes part in each ticket, by reference: the outbox rows are built before the insert.
    taking_part = {new.ticket.reference: {p.party_id for p in new.participants} for new in built}
    outbox_written = tickets_insert(
        [new.ticket for new in built],
        events,
        [p for new in built for p in new.participants],
        [period for new in built for period in new.periods],
        outbox=lambda inserted: deliveries_rows(inserted, participants=taking_part),
    )
    for new in built:
        _participants_hold(new.ticket, new.participants)
    _Change(events, outbox_written).publish_on_commit()
    return [(new.ticket, new.token) for new in built]


def _participants_hold(ticket: Ticket, participants: list[Participant]) -> None:
    """Keep the new ticket's participants on it as if prefetched: the outbox, notifications,
    the live push and ``allowed_actions`` then ask nothing more about them."""
    held = ticket.participants.all()
    held._result_cache = participants
    held._prefetch_done = True
    ticket._prefetched_objects_cache = {"participants": held}


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
    """What creating tickets reads besides the request: routing rules, partners, SLA policies,
    calendars and products by SKU, from the configuration cache (``collab.config_cache``,
    dropped on every save)."""

    def __init__(self) -> None:
        super().__init__()
        self._config: dict[tuple[str, object], Any] = {}

    def _cached(self, kind: str, ident: object, load: Callable[[], Any]) -> Any:
        # Kept per call as well: a bulk chunk asks for the same entries for each of its rows.
        if (kind, ident) not in self._config:
            self._config[kind, ident] = config_cached(kind, ident, load)
        return self._config[kind, ident]

    def rules(self, owners: list[int]) -> list[RoutingRule]:
        return [
            rule
            for owner_id in owners
            for rule in self._cached(
                ROUTING_RULES,
                owner_id,
                lambda owner_id=owner_id: list(
                    RoutingRule.objects.filter(owner_id=owner_id, is_active=True)
                ),
            )
        ]

    def product(self, owner_id: int, sku: str) -> Product | None:
        (product,) = self._cached(
            PRODUCTS, f"{owner_id}:{sku}", lambda: [_product_get(owner_id, sku)]
        )
        return product

    def partners(self, streamer: Party) -> dict[int, Party]:
        return self._cached(
            PARTNERS,
            streamer.pk,
            lambda: {p.pk: p for p in partner_qs_for_streamer(streamer)},
        )

    def policies(self, owners: list[int]) -> list[SlaPolicy]:
        return [
            policy
            for owner_id in owners
            for policy in self._cached(
                SLA_POLICIES,
                owner_id,
                lambda owner_id=owner_id: list(
                    SlaPolicy.objects.filter(is_active=True, owner_id=owner_id).select_related(
                        "calendar"
                    )
                ),
            )
        ]

    def party_calendar(self, party: Party) -> BusinessCalendar | None:
        (calendar,) = self._cached(
            PARTY_CALENDAR,
            party.pk,
            lambda: [BusinessCalendar.objects.filter(owner=party, is_default=True).first()],
        )
        return calendar


def _product_get(owner_id: int, sku: str) -> Product | None:
    """The product by its unique (owner, sku), by raw SQL: compiling the ORM query cost three
    times as much CPU as running it (bench/README.md, API creates). On PostgreSQL the statement
    is prepared and its row made a model directly; resolving a ``RawQuerySet``'s columns cost
    as much again. SQLite keeps the ``RawQuerySet``, whose converters it needs."""
    if connection.vendor != "postgresql":
        return next(iter(Product.objects.raw(_product_sql(), [owner_id, sku])), None)
    with cursor_prepared() as cursor:
        cursor.execute(_product_sql(), [owner_id, sku])
        row = cursor.fetchone()
    return Product.from_db(connection.alias, None, row) if row else None


@functools.cache
def _product_sql() -> str:
    columns = ", ".join(field.column for field in Product._meta.concrete_fields)
    return f"SELECT {columns} FROM {Product._meta.db_table} WHERE owner_id = %s AND sku = %s"  # noqa: S608


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
