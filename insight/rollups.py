"""The rollup job: folds new ticket events into per-party hourly figures, per-holder SLA counts
and per-minute top-issue counts.

Every hourly row has a daily twin (per UTC day, same counters) written by the same run, so long
periods sum days instead of hours.

How it runs: a periodic, incremental job (``rollup_advance``) reads ``TicketEvent`` by id above a
stored watermark (``RollupCursor``), never writing on the ticket hot path. Celery beat runs it
every ``COLLAB_INSIGHT_REFRESH_SECONDS`` in production (``insight.tasks``); on the embedded
default ``manage.py insight_refresh`` loops beside the SLA sweeper (``make run``). The cursor row
is locked for the whole run, so concurrent runners queue instead of double counting.

Ids are assigned at insert but transactions may commit out of id order, so the job only reads
events older than ``COLLAB_INSIGHT_SETTLE_SECONDS`` (10 s): a transaction writing events must
commit within that time (ticket writes and 250-row bulk chunks take well under a second), or its
events are skipped until ``manage.py insight_refresh --rebuild``.

Scope: a party's rows hold the events of the tickets it may see (``tickets.selectors`` rule:
participants, and the platform in strong oversight), all of each ticket's events, whenever the
party joined. ``rollup_rebuild`` recomputes everything from scratch (after a change of oversight
mode, or to repair).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tenants.models import Oversight, Party
from tickets.models import Outcome, Participant, Ticket, TicketEvent

from . import durations
from .keywords import subject_keywords
from .models import (
    DailyFigures,
    DailySummary,
    Dimension,
    HolderDaily,
    HolderHourly,
    HourlyFigures,
    HourlySummary,
    RollupCursor,
    TicketAudience,
    TopIssueMinute,
)

CURSOR = "events"
BATCH = 5000
UPSERT_ROWS = 500  # rows per INSERT … ON CONFLICT statement on SQLite
KEEP_MINUTES = timedelta(hours=3)  # top issues compare the last hour with the one before
COUNTERS = ("intake", "accepted", "resolved", "reopened", "escalated", "breached", "breached_own")
HISTORY_KINDS = (
    "ticket.created",
    "ticket.routed",
    "ticket.accepted",
    "ticket.info_requested",
    "ticket.buyer_replied",
    "ticket.escalated",
    "ticket.resolved",
    "ticket.reopened",
)
_FIGURE_KINDS = (
    "ticket.created",
    "ticket.routed",
    "ticket.accepted",
    "ticket.resolved",
    "ticket.reopened",
    "ticket.escalated",
    "ticket.rated",
    "sla.breached",
)


def hour_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def minute_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


@dataclass
class Deltas:
    """What a set of events adds to the rollup tables, keyed like their unique constraints."""

    hourly: dict[tuple, Counter] = field(default_factory=lambda: defaultdict(Counter))
    summary: dict[tuple, Counter] = field(default_factory=lambda: defaultdict(Counter))
    holder: dict[tuple, Counter] = field(default_factory=lambda: defaultdict(Counter))
    minutes: dict[tuple, Counter] = field(default_factory=lambda: defaultdict(Counter))


def time_to_accept(history: list[tuple], event_id: int) -> float | None:
    """Seconds from the latest routing before this acceptance to it."""
    routed = accepted = None
    for pk, kind, at in history:
        if pk == event_id:
            accepted = at
            break
        if kind == "ticket.routed":
            routed = at
    return (accepted - routed).total_seconds() if routed and accepted else None


def time_to_resolve(history: list[tuple], event_id: int) -> float | None:
    """Seconds from creation (or the latest reopening) to this resolution, without the time the
    buyer held the ticket (awaiting an answer): the companies' handling time."""
    start = paused_since = None
    paused = 0.0
    for pk, kind, at in history:
        if paused_since is not None:
            paused += (at - paused_since).total_seconds()
            paused_since = None
        if pk == event_id:
            return (at - start).total_seconds() - paused if start else None
        if kind in ("ticket.created", "ticket.reopened"):
            start, paused = at, 0.0
        elif kind == "ticket.info_requested":
            paused_since = at
    return None


def contribute(
    deltas: Deltas,
    event: TicketEvent,
    ticket: Ticket,
    viewers: list[Party],
    history: list[tuple],
    party_ids: dict[str, int],
    now: datetime,
) -> None:
    """Add one event to ``deltas`` for every viewer in ``viewers``. The single definition of
    what each event counts for, shared by the job and the from-scratch recomputation."""
    kind, data, at = event.kind, event.data or {}, event.created_at
    hour = hour_of(at)
    counters: dict = {}
    summary: dict[str, int] = {}
    holders: list[tuple[int | None, int, int]] = []  # (holder id, received, breached)
    if kind == "ticket.created":
        counters["intake"] = summary["intake"] = 1
        holders.append((ticket.originator_id, 1, 0))
    elif kind == "ticket.routed":
        holders.append((party_ids.get((data.get("to_party") or {}).get("slug")), 1, 0))
    elif kind == "ticket.accepted":
        counters["accepted"] = 1
        seconds = time_to_accept(history, event.pk)
        if seconds is not None:
            summary[f"accept_{durations.bucket_of(seconds)}"] = 1
    elif kind == "ticket.resolved":
        counters["resolved"] = 1
        seconds = time_to_resolve(history, event.pk)
        if seconds is not None:
            summary[f"resolve_{durations.bucket_of(seconds)}"] = 1
        if data.get("outcome") in Outcome.values:
            summary[f"outcome_{data['outcome']}"] = 1
    elif kind == "ticket.reopened":
        counters["reopened"] = 1
    elif kind == "ticket.escalated":
        counters["escalated"] = 1
        holders.append((ticket.platform_id, 1, 0))
    elif kind == "ticket.rated" and data.get("rating") in (1, 2, 3, 4, 5):
        summary[f"rating_{data['rating']}"] = 1
    elif kind == "sla.breached":
        counters["breached"] = 1
        holders.append((party_ids.get((data.get("party") or {}).get("slug")), 0, 1))
    breached_party = (data.get("party") or {}).get("slug") if kind == "sla.breached" else None
    keys: list[tuple[str, str]] = []
    if kind == "ticket.created" and now - at < KEEP_MINUTES:
        keys.append((Dimension.CATEGORY, str(ticket.category_id)))
        if ticket.sku:
            keys.append((Dimension.PRODUCT, ticket.sku[:64]))
        keys.extend((Dimension.KEYWORD, word) for word in subject_keywords(ticket.subject))
    for viewer in viewers:
        if counters:
            row = deltas.hourly[(viewer.pk, hour, ticket.category_id, ticket.channel)]
            row.update(counters)
            if breached_party is not None and breached_party == viewer.slug:
                row["breached_own"] += 1
        if summary:
            deltas.summary[(viewer.pk, hour)].update(summary)
        for holder_id, received, breached in holders:
            if holder_id is not None:
                deltas.holder[(viewer.pk, hour, holder_id)].update(
                    received=received, breached=breached
                )
        for dimension, key in keys:
            deltas.minutes[(viewer.pk, minute_of(at), dimension, key)]["count"] += 1


def audiences(tickets: dict[int, Ticket]) -> dict[int, set[int]]:
    """Ticket id → ids of the parties that may see it now (the selectors' visibility rule)."""
    seen: dict[int, set[int]] = defaultdict(set)
    for ticket_id, party_id in Participant.objects.filter(ticket_id__in=tickets).values_list(
        "ticket_id", "party_id"
    ):
        seen[ticket_id].add(party_id)
    strong = set(
        Party.objects.filter(
            pk__in={t.platform_id for t in tickets.values() if t.platform_id},
            oversight=Oversight.STRONG,
        ).values_list("pk", flat=True)
    )
    for ticket in tickets.values():
        if ticket.platform_id in strong:
            seen[ticket.pk].add(ticket.platform_id)
    return seen


def histories(ticket_ids, *, up_to: int) -> dict[int, list[tuple]]:
    found: dict[int, list[tuple]] = defaultdict(list)
    rows = (
        TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind__in=HISTORY_KINDS, pk__lte=up_to)
        .order_by("ticket_id", "pk")
        .values_list("ticket_id", "pk", "kind", "created_at")
    )
    for ticket_id, pk, kind, at in rows:
        found[ticket_id].append((pk, kind, at))
    return found


_TICKET_FIELDS = (
    "id",
    "category_id",
    "channel",
    "subject",
    "sku",
    "platform_id",
    "originator_id",
)
_EVENT_FIELDS = ("id", "ticket_id", "kind", "data", "created_at")


def _fold(events: list[TicketEvent], deltas: Deltas, *, now: datetime, only: dict | None) -> None:
    """Contribute ``events`` to ``deltas``: to every current viewer of its ticket, or with
    ``only`` (ticket id → party ids) to those parties only (a late joiner's back-fill)."""
    ticket_ids = {e.ticket_id for e in events}
    tickets = Ticket.objects.only(*_TICKET_FIELDS).in_bulk(ticket_ids)
    seen = audiences(tickets) if only is None else only
    party_ids = dict(Party.objects.values_list("slug", "pk"))
    parties = Party.objects.only("id", "slug").in_bulk({p for ids in seen.values() for p in ids})
    need_history = {e.ticket_id for e in events if e.kind in ("ticket.accepted", "ticket.resolved")}
    history = histories(need_history, up_to=max(e.pk for e in events)) if need_history else {}
    for event in events:
        viewers = [parties[p] for p in sorted(seen.get(event.ticket_id, ()))]
        if viewers:
            contribute(
                deltas,
                event,
                tickets[event.ticket_id],
                viewers,
                history.get(event.ticket_id, []),
                party_ids,
                now,
            )


def _upsert(model, key_fields: tuple[str, ...], deltas: dict[tuple, Counter]) -> None:
    """Add ``deltas`` (key → counter deltas) to ``model``'s rows in SQL:
    ``INSERT … ON CONFLICT (key) DO UPDATE SET c = c + excluded.c`` (PostgreSQL and SQLite),
    so nothing is read back and a row is created the first time."""
    if not deltas:
        return
    table = model._meta.db_table
    keys = [model._meta.get_field(name) for name in key_fields]
    # Every counter column, also those this batch leaves at 0 (Django defaults are not the
    # database's, so a new row needs them all).
    counted = [f for f in model._meta.concrete_fields if not f.primary_key and f not in keys]
    counters = [f.name for f in counted]
    fields = keys + counted
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    conflict = ", ".join(quote(f.column) for f in keys)
    updates = ", ".join(
        f"{quote(f.column)} = {table}.{quote(f.column)} + excluded.{quote(f.column)}"
        for f in fields[len(keys) :]
    )
    rows = [
        [f.get_db_prep_value(v, connection) for f, v in zip(keys, key, strict=True)]
        + [delta.get(name, 0) for name in counters]
        for key, delta in deltas.items()
    ]
    head = f"INSERT INTO {table} ({columns}) "
    tail = f" ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array per column through unnest: a VALUES list of thousands of placeholders
            # costs more in the driver's query parsing than in the database.
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
            columns_data = [list(column) for column in zip(*rows, strict=True)]
            cursor.execute(head + f"SELECT * FROM unnest({arrays})" + tail, columns_data)  # noqa: S608
            return
        row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for first in range(0, len(rows), UPSERT_ROWS):
            chunk = rows[first : first + UPSERT_ROWS]
            values = ", ".join([row_sql] * len(chunk))
            # Table and column names come from the model, every value is a parameter.
            cursor.execute(
                head + f"VALUES {values}" + tail,
                [value for row in chunk for value in row],
            )


def by_day(hourly: dict[tuple, Counter]) -> dict[tuple, Counter]:
    """Hourly deltas keyed ``(party, hour, …)`` summed per UTC day: ``(party, day, …)``."""
    daily: dict[tuple, Counter] = defaultdict(Counter)
    for (party, hour, *rest), counter in hourly.items():
        daily[(party, hour.replace(hour=0), *rest)].update(counter)
    return daily


def _write(deltas: Deltas) -> None:
    _upsert(HourlyFigures, ("party", "hour", "category", "channel"), deltas.hourly)
    _upsert(HourlySummary, ("party", "hour"), deltas.summary)
    _upsert(HolderHourly, ("party", "hour", "holder"), deltas.holder)
    _upsert(DailyFigures, ("party", "day", "category", "channel"), by_day(deltas.hourly))
    _upsert(DailySummary, ("party", "day"), by_day(deltas.summary))
    _upsert(HolderDaily, ("party", "day", "holder"), by_day(deltas.holder))
    _upsert(TopIssueMinute, ("party", "minute", "dimension", "key"), deltas.minutes)


def _late_joiners(tickets: set[int], *, before: int, now: datetime) -> Deltas:
    """Tickets seen by a party that is not yet in their audience: record it, and fold the
    ticket's events already read (id <= ``before``) in for that party."""
    loaded = Ticket.objects.only(*_TICKET_FIELDS).in_bulk(tickets)
    current = audiences(loaded)
    known: dict[int, set[int]] = defaultdict(set)
    for ticket_id, party_id in TicketAudience.objects.filter(ticket_id__in=tickets).values_list(
        "ticket_id", "party_id"
    ):
        known[ticket_id].add(party_id)
    joiners = {t: current[t] - known[t] for t in tickets if current[t] - known[t]}
    TicketAudience.objects.bulk_create(
        [TicketAudience(ticket_id=t, party_id=p) for t, ids in joiners.items() for p in ids],
        batch_size=1000,
    )
    deltas = Deltas()
    earlier = list(
        TicketEvent.objects.filter(
            ticket_id__in=joiners, pk__lte=before, kind__in=_FIGURE_KINDS
        ).only(*_EVENT_FIELDS)
    )
    if earlier:
        _fold(earlier, deltas, now=now, only=joiners)
    return deltas


def rollup_advance(*, now: datetime | None = None, max_batches: int | None = None) -> int:
    """Fold every settled event after the watermark into the rollups; returns how many events
    were read. One transaction per batch of ``BATCH`` events, so a crash redoes one batch."""
    now = now or timezone.now()
    settled = now - timedelta(seconds=settings.COLLAB_INSIGHT_SETTLE_SECONDS)
    RollupCursor.objects.get_or_create(name=CURSOR)
    done = batches = 0
    while max_batches is None or batches < max_batches:
        with transaction.atomic():
            cursor = RollupCursor.objects.select_for_update().get(name=CURSOR)
            events = list(
                TicketEvent.objects.filter(pk__gt=cursor.last_event_id, created_at__lt=settled)
                .order_by("pk")
                .only(*_EVENT_FIELDS)[:BATCH]
            )
            if not events:
                break
            deltas = _late_joiners(
                {e.ticket_id for e in events}, before=cursor.last_event_id, now=now
            )
            figures = [e for e in events if e.kind in _FIGURE_KINDS]
            if figures:
                _fold(figures, deltas, now=now, only=None)
            _write(deltas)
            cursor.last_event_id = events[-1].pk
            cursor.save(update_fields=["last_event_id", "updated_at"])
        done += len(events)
        batches += 1
    TopIssueMinute.objects.filter(minute__lt=minute_of(now - KEEP_MINUTES)).delete()
    return done


def rollup_rebuild(*, now: datetime | None = None) -> int:
    """Recompute every rollup from the whole event log (from scratch)."""
    with transaction.atomic():
        RollupCursor.objects.update_or_create(name=CURSOR, defaults={"last_event_id": 0})
        for model in (
            HourlyFigures,
            HourlySummary,
            HolderHourly,
            DailyFigures,
            DailySummary,
            HolderDaily,
            TopIssueMinute,
            TicketAudience,
        ):
            model.objects.all().delete()
    return rollup_advance(now=now)
