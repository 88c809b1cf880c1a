"""Who is notified of which committed ticket event. Decisions where the issue is silent:

* **assigned** — the new assignee (not when they took the ticket themselves).
* **routed** — the receiving party's *desk*: its admins and supervisors, and agents whose skills
  name the ticket's category. Agents with no skills handle everything and learn of their work
  through assignment instead, so a big party's generalists are not told of every ticket.
* **sla_warning** — the assignee; when nobody is assigned, the holding party's supervisors and
  admins (somebody must hear the clock).
* **sla_breached** — the assignee, plus the supervisors the sweeper named in ``data.notify``
  (breach action *notify supervisor*).
* **buyer_replied** — the assignee, for the buyer's answer and for any message the buyer writes.
* **escalated** — the platform's desk, and the supervisors and admins of the party that was
  handling the ticket.
* **escalation_decided** (the platform resolves, routes or cancels an escalated ticket) — the
  supervisors and admins of the handling and the originating party.

Always: never the person who acted; only active people of active parties; only when their party
may see the ticket (``party_can_see_ticket``) and the event (``event_visible_to_party``), so an
internal note or assignment of one party never notifies another; one notification per person
and event (the first rule above that matches wins).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection

from collab.prepared import cursor_prepared
from tenants.actors import ActorKind
from tenants.models import Membership, Party, Role
from tickets.models import Ticket, TicketCategory, TicketEvent
from tickets.selectors import (
    event_visible_to_party,
    participant_party_ids,
    party_can_see_ticket,
)

from .models import NotificationKind, NotificationSettings

_SUPERVISING = (Role.ADMIN, Role.SUPERVISOR)
_User = get_user_model()
_USERNAME = _User._meta.get_field(_User.USERNAME_FIELD).column
_SETTINGS_OF_USER = _User._meta.get_field("notification_settings")
ESCALATED = "escalated"
# Event kinds that can notify anyone: the rest (most of a busy day) cost no query at all.
RELEVANT_KINDS = frozenset(
    {
        "ticket.assigned",
        "ticket.routed",
        "sla.warning",
        "sla.breached",
        "ticket.buyer_replied",
        "comment.added",
        "ticket.escalated",
        "ticket.resolved",
        "ticket.cancelled",
    }
)


@dataclass(frozen=True)
class Want:
    """A person to notify about an event, by a rule: by user id, or by username (the events
    name people by username), as a member of ``party_id``."""

    party_id: int
    kind: str
    user_id: int | None = None
    username: str | None = None
    desk: bool = False  # the party's desk (see the module docstring) rather than one person
    supervisors: bool = False


def _relevant(event: TicketEvent) -> bool:
    if event.kind not in RELEVANT_KINDS:
        return False
    if event.kind == "comment.added":
        return event.actor_kind == ActorKind.BUYER
    if event.kind in ("ticket.resolved", "ticket.cancelled", "ticket.routed"):
        return event.kind == "ticket.routed" or event.from_state == ESCALATED
    return True


def _wants(event: TicketEvent, ticket: Ticket) -> list[Want]:
    """The rules of the module docstring for one event; pure, on what is in memory."""
    kind, data = event.kind, event.data or {}
    custody = ticket.custody_party_id
    wants: list[Want] = []

    def assignee(notification_kind: str) -> None:
        if ticket.assignee_id and custody:
            wants.append(Want(custody, notification_kind, user_id=ticket.assignee_id))

    if kind == "ticket.assigned" and data.get("assignee") and custody:
        wants.append(Want(custody, NotificationKind.ASSIGNED, username=data["assignee"]))
    elif kind == "ticket.routed":
        if ticket.handler_id:
            wants.append(Want(ticket.handler_id, NotificationKind.ROUTED, desk=True))
        if event.from_state == ESCALATED:
            wants += _decided(ticket)
    elif kind == "sla.warning":
        if ticket.assignee_id:
            assignee(NotificationKind.SLA_WARNING)
        elif custody:
            wants.append(Want(custody, NotificationKind.SLA_WARNING, supervisors=True))
    elif kind == "sla.breached":
        assignee(NotificationKind.SLA_BREACHED)
        for username in data.get("notify") or []:
            if custody:
                wants.append(Want(custody, NotificationKind.SLA_BREACHED, username=username))
    elif kind in ("ticket.buyer_replied", "comment.added"):
        assignee(NotificationKind.BUYER_REPLIED)
    elif kind == "ticket.escalated":
        if ticket.platform_id:
            wants.append(Want(ticket.platform_id, NotificationKind.ESCALATED, desk=True))
        if ticket.handler_id:
            wants.append(Want(ticket.handler_id, NotificationKind.ESCALATED, supervisors=True))
    elif kind in ("ticket.resolved", "ticket.cancelled"):
        wants += _decided(ticket)
    return wants


def _decided(ticket: Ticket) -> list[Want]:
    parties = [p for p in (ticket.handler_id, ticket.originator_id) if p]
    return [
        Want(party_id, NotificationKind.ESCALATION_DECIDED, supervisors=True)
        for party_id in dict.fromkeys(parties)
    ]


def _matches(want: Want, membership: Membership, category_code: str) -> bool:
    if want.user_id is not None:
        return membership.user_id == want.user_id
    if want.username is not None:
        return membership.user.get_username() == want.username
    if membership.role in _SUPERVISING:
        return True
    return want.desk and membership.role == Role.AGENT and category_code in membership.skills


def _category_codes(tickets: dict[int, Ticket]) -> dict[int, str]:
    """Category codes, from memory when the services loaded them (they usually have)."""
    field = Ticket._meta.get_field("category")
    missing = {t.category_id for t in tickets.values() if not field.is_cached(t)}
    known = (
        dict(TicketCategory.objects.filter(pk__in=missing).values_list("pk", "code"))
        if missing
        else {}
    )
    return {
        ticket_id: ticket.category.code if field.is_cached(ticket) else known[ticket.category_id]
        for ticket_id, ticket in tickets.items()
    }


def _people(wanted: list[tuple[TicketEvent, Want]]) -> list[Membership]:
    """The memberships the wants may name: active people of active parties who supervise, are
    named by id or username, or sit on a wanted desk; with their user, settings and party.

    One raw statement: the ORM query it replaces (three joins, four alternatives) cost more CPU
    to compile than to run, a sixth of an API create (bench/README.md). Users and parties come
    back with the columns the rules read; anything else loads on access, as deferred fields."""
    party_ids = sorted({w.party_id for _e, w in wanted})
    # (condition, its fixed parameters, the values of its IN list): empty lists drop out.
    alternatives = [
        ("m.role IN ({})", [], set(_SUPERVISING)),
        ("m.user_id IN ({})", [], {w.user_id for _e, w in wanted if w.user_id}),
        (f"u.{_USERNAME} IN ({{}})", [], {w.username for _e, w in wanted if w.username}),
        (
            "(m.role = %s AND m.party_id IN ({}))",
            [Role.AGENT],
            {w.party_id for _e, w in wanted if w.desk},
        ),
    ]
    where, params = [], [True, True, *party_ids]
    for condition, fixed, values in alternatives:
        if values:
            where.append(condition.format(_placeholders(values)))
            params += [*fixed, *sorted(values)]
    # Table and column names come from the models; every value is a parameter.
    sql = (  # noqa: S608
        "SELECT {columns}, u.{name} AS u_name, u.email AS u_email, p.kind AS p_kind,"
        " p.oversight AS p_oversight, s.id AS s_id, s.muted_kinds AS s_muted,"
        " s.email_kinds AS s_email FROM {membership} m"
        " JOIN {party} p ON p.id = m.party_id JOIN {user} u ON u.id = m.user_id"
        " LEFT JOIN {settings} s ON s.user_id = m.user_id"
        " WHERE p.is_active = %s AND u.is_active = %s AND m.party_id IN ({parties})"
        " AND ({where}) ORDER BY m.id"
    ).format(
        columns=", ".join(f"m.{field.column}" for field in Membership._meta.concrete_fields),
        name=_USERNAME,
        membership=Membership._meta.db_table,
        party=Party._meta.db_table,
        user=_User._meta.db_table,
        settings=NotificationSettings._meta.db_table,
        parties=_placeholders(party_ids),
        where=" OR ".join(where),
    )
    found = _memberships(sql, params)
    for membership in found:
        user = _User.from_db(
            connection.alias,
            ["id", _User.USERNAME_FIELD, "email", "is_active"],
            [membership.user_id, membership.u_name, membership.u_email, True],
        )
        choices = None
        if membership.s_id is not None:
            choices = NotificationSettings.from_db(
                connection.alias,
                ["id", "user_id", "muted_kinds", "email_kinds"],
                [membership.s_id, user.pk, _json(membership.s_muted), _json(membership.s_email)],
            )
        _SETTINGS_OF_USER.set_cached_value(user, choices)
        membership.user = user
        membership.party = Party.from_db(
            connection.alias,
            ["id", "kind", "oversight", "is_active"],
            [membership.party_id, membership.p_kind, membership.p_oversight, True],
        )
    return found


# The columns the people statement adds to the membership's, in its order.
_EXTRA_COLUMNS = ("u_name", "u_email", "p_kind", "p_oversight", "s_id", "s_muted", "s_email")


def _memberships(sql: str, params: list) -> list[Membership]:
    """The people statement's rows as memberships with its extra columns as attributes. On
    PostgreSQL the statement is prepared (it is a four-table join, planned again on every
    create before) and the rows become models directly: a ``RawQuerySet`` spent as long
    resolving its columns. SQLite keeps the ``RawQuerySet``, whose converters it needs."""
    if connection.vendor != "postgresql":
        return list(Membership.objects.raw(sql, params))
    with cursor_prepared() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    fields = Membership._meta.concrete_fields
    found = []
    for row in rows:
        membership = Membership.from_db(
            connection.alias,
            None,  # every field, in the model's order
            [
                field.from_db_value(value, None, connection)
                if hasattr(field, "from_db_value")
                else value
                for field, value in zip(fields, row, strict=False)
            ],
        )
        for name, value in zip(_EXTRA_COLUMNS, row[len(fields) :], strict=True):
            setattr(membership, name, value)
        found.append(membership)
    return found


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def _json(value):
    """A JSON column read as an extra column of a raw query: text (PostgreSQL as Django loads
    it, SQLite) or already decoded."""
    return json.loads(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class Recipient:
    event: TicketEvent
    membership: Membership
    kind: str


def recipients_for(
    events: list[TicketEvent], *, participants: dict[int, set[int]] | None = None
) -> list[Recipient]:
    """Who to notify of ``events`` (see the module docstring), in event order. Costs nothing
    when no event can notify anyone; otherwise one query for the people of the parties
    concerned (with their settings), one for the tickets' participants unless the caller holds
    them (``participants``, party ids by ticket id), and at most one for categories the
    services had not loaded: per batch, never per event."""
    wanted = [
        (event, want)
        for event in events
        if _relevant(event)
        for want in _wants(event, event.ticket)
    ]
    if not wanted:
        return []
    people: dict[int, list[Membership]] = defaultdict(list)
    for membership in _people(wanted):
        people[membership.party_id].append(membership)
    tickets = {event.ticket_id: event.ticket for event, _want in wanted}
    if participants is None:
        participants = participant_party_ids(tickets.values())
    codes = _category_codes(tickets)

    found: list[Recipient] = []
    seen: set[tuple[int, int]] = set()
    for event, want in wanted:
        ticket = tickets[event.ticket_id]
        for membership in people.get(want.party_id, []):
            key = (event.pk, membership.user_id)
            if key in seen or membership.user_id == event.actor_user_id:
                continue
            if not _matches(want, membership, codes[ticket.pk]):
                continue
            party = membership.party
            if not party_can_see_ticket(party, ticket, participants[ticket.pk]):
                continue
            if not event_visible_to_party(event, party.pk):
                continue
            seen.add(key)
            found.append(Recipient(event, membership, want.kind))
    return found
