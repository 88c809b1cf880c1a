"""Pushes committed ticket events to the channel-layer groups allowed to see them (DESIGN §6).

Groups: ``party.<id>`` for each party that sees the event, ``ticket.<id>.party.<id>`` for that
party's open detail views, ``buyer.<ticket id>`` for public events in the buyer projection.
The events of a ticket created by the committing transaction go to ``party.<id>`` only: no
detail view or buyer page of it can be open yet. Each group gets one message per commit (its
events batched, in order). With the Redis pub/sub layer the commit's messages go out in one
pipelined round trip (``_publish_pipelined``); other layers get them through ``group_send``,
several in flight at once.

Only ``events_committed`` sends, and only ``tickets.services`` calls it, from
``transaction.on_commit``: an event of a rolled-back transaction is never pushed.
"""

from __future__ import annotations

import asyncio

import redis
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.utils import translation

from tenants.models import Party
from tickets.models import Ticket, TicketEvent, Visibility
from tickets.projections import event_for_buyer, event_for_party
from tickets.selectors import event_visible_to_party, participant_party_ids

# The message type consumers handle (``ticket_event``), and the routing facts they need to
# resume without gaps or duplicates. Consumers forward only the payload, never these ids.
MESSAGE_TYPE = "ticket.event"
# Several of those for one group from one commit, in order: ``{"type": BATCH_TYPE, "messages":
# [...]}`` (consumers handle it as ``ticket_events``).
BATCH_TYPE = "ticket.events"


def party_group(party_id: int) -> str:
    return f"party.{party_id}"


def ticket_group(ticket_id: int, party_id: int) -> str:
    return f"ticket.{ticket_id}.party.{party_id}"


def buyer_group(ticket_id: int) -> str:
    return f"buyer.{ticket_id}"


def audiences(
    events: list[TicketEvent], participants: dict[int, set[int]] | None = None
) -> dict[int, list[int]]:
    """For each event (by id), the parties that may see it: the ticket's participants, plus a
    strong-oversight platform. ``participants`` (party ids by ticket id) is read when not given:
    one query for all the events' tickets (none for tickets just created: they carry their
    participants)."""
    if participants is None:
        participants = participant_party_ids(
            {event.ticket_id: event.ticket for event in events}.values()
        )
    seen: dict[int, list[int]] = {}
    for event in events:
        ticket = event.ticket
        party_ids = set(participants[ticket.pk])
        if ticket.platform_id is not None and ticket.platform.has_strong_oversight:
            party_ids.add(ticket.platform_id)
        seen[event.pk] = sorted(pid for pid in party_ids if event_visible_to_party(event, pid))
    return seen


def audiences_of(event: TicketEvent) -> list[int]:
    """The parties that may see this one event (see ``audiences``)."""
    return audiences([event])[event.pk]


def buyer_payloads(events: list[TicketEvent]) -> dict[int, dict[str, dict]]:
    """For each public event (by id), the buyer projection in every shipped language: the
    buyer's socket picks its own, so one push serves a Chinese and an English page alike
    without a query per socket. One language switch per language for the whole list, not per
    event (switching costs more than a small event's projection)."""
    public = [event for event in events if event.visibility == Visibility.PUBLIC]
    payloads: dict[int, dict[str, dict]] = {event.pk: {} for event in public}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for event in public:
                payloads[event.pk][code] = event_for_buyer(event)
    return payloads


def _message(source: TicketEvent, **payload) -> dict:
    return {
        "type": MESSAGE_TYPE,
        "ticket_id": source.ticket_id,
        "event_id": source.pk,
        "seq": source.seq,
        **payload,
    }


def _platforms_load(events: list[TicketEvent]) -> None:
    """Fill the tickets' platform relation (``audiences`` reads its oversight) where the writer
    did not hold it already: at most one query."""
    missing = [
        event.ticket
        for event in events
        if event.ticket.platform_id is not None
        and not Ticket._meta.get_field("platform").is_cached(event.ticket)
    ]
    if missing:
        platforms = Party.objects.in_bulk({ticket.platform_id for ticket in missing})
        for ticket in missing:
            ticket.platform = platforms[ticket.platform_id]


def events_committed(
    events: list[TicketEvent], *, participants: dict[int, set[int]] | None = None
) -> None:
    """Called from ``transaction.on_commit`` with the events the committed transaction saved,
    as the services hold them (ticket, actor party and user attached): they are not read back,
    which cost a sweep or an import chunk one wide query and a model per event and ticket.
    ``participants`` are the tickets' participants as the transaction wrote them (the
    services read them once for the outbox, the notifications and this push)."""
    layer = get_channel_layer()
    # The in-memory layer (embedded default) reaches this process's sockets only: with none in
    # a group, there is nobody to tell (the sweeper and import processes, a server with no page
    # open), and the payloads and the trip into async code are skipped.
    in_memory = isinstance(layer, InMemoryChannelLayer)
    if layer is None or not events or (in_memory and not layer.groups):
        return
    _platforms_load(events)
    # One participants query at most however many events the commit carries (a bulk chunk or a
    # sweeper batch holds hundreds of tickets).
    events = sorted(events, key=lambda event: (event.ticket_id, event.seq))
    seen = audiences(events, participants)
    # A ticket created by this very commit has no detail view or buyer page open yet: whoever
    # opens one does so after the commit and renders the ticket as committed, so only the
    # inboxes (party groups) hear of it. An import chunk's 1,000 tickets skipped two buyer
    # projections and two detail-group sends per event this way.
    new = {event.ticket_id for event in events if event.kind == "ticket.created"}
    for_buyers = buyer_payloads([event for event in events if event.ticket_id not in new])
    sends: list[tuple[str, dict]] = []
    for event in events:
        party_message = _message(event, event=event_for_party(event))
        for party_id in seen[event.pk]:
            sends.append((party_group(party_id), party_message))
            if event.ticket_id not in new:
                sends.append((ticket_group(event.ticket_id, party_id), party_message))
        if event.pk in for_buyers:
            sends.append(
                (buyer_group(event.ticket_id), _message(event, events=for_buyers[event.pk]))
            )
    grouped = _per_group(sends)
    if in_memory:
        grouped = [(group, message) for group, message in grouped if group in layer.groups]
    publisher = _pubsub_publisher(layer)
    if publisher is not None:
        _publish_pipelined(publisher, layer, grouped)
        return
    # One trip into async code for the whole commit: outside a server (commands, workers) each
    # async_to_sync call starts an event loop and the Redis layer a connection for it.
    async_to_sync(_group_send_all)(layer, grouped)


def _per_group(sends: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """One message per group: a group that gets several events from this commit gets them in
    one ``ticket.events`` message, in order (consumers unpack it). With Redis each group send
    is a round trip: a 1,000-ticket sweep batch sent its inboxes a thousand messages each."""
    by_group: dict[str, list[dict]] = {}
    for group, message in sends:
        by_group.setdefault(group, []).append(message)
    return [
        (group, messages[0] if len(messages) == 1 else {"type": BATCH_TYPE, "messages": messages})
        for group, messages in by_group.items()
    ]


# Group sends in flight at once: each group gets one message per commit, so their order across
# groups does not matter, and waiting for each Redis round trip in turn cost a sweep batch of
# 1,000 warnings about a third of a second.
_SENDS_IN_FLIGHT = 64


async def _group_send_all(layer, sends: list[tuple[str, dict]]) -> None:
    for start in range(0, len(sends), _SENDS_IN_FLIGHT):
        await asyncio.gather(
            *(
                layer.group_send(group, message)
                for group, message in sends[start : start + _SENDS_IN_FLIGHT]
            )
        )


# Plain Redis clients by URL for ``_pubsub_publisher`` (each holds a connection pool, which
# redis-py resets in a forked child).
_publishers: dict[str, redis.Redis] = {}


def _pubsub_publisher(layer) -> tuple[redis.Redis, str] | None:
    """With the Redis pub/sub layer on one host (production's default): a plain client on that
    host and the layer's prefix; None for any other layer, which gets ``group_send``."""
    config = settings.CHANNEL_LAYERS["default"]
    hosts = config.get("CONFIG", {}).get("hosts", [])
    if (
        not isinstance(layer, RedisPubSubChannelLayer)
        or len(hosts) != 1
        or not isinstance(hosts[0], str)
    ):
        return None
    if hosts[0] not in _publishers:
        _publishers[hosts[0]] = redis.Redis.from_url(hosts[0])
    return _publishers[hosts[0]], config["CONFIG"].get("prefix", "asgi")


def _publish_pipelined(publisher: tuple[redis.Redis, str], layer, sends) -> None:
    """The PUBLISH commands ``RedisPubSubChannelLayer.group_send`` would send, one per group, in
    one pipelined round trip from this thread. The layer publishes each on its own, one round
    trip after another under a per-connection lock, from an event loop (and a connection) that
    a sync caller started for the purpose: 38 % of a 10,000-warning sweep's time. What
    subscribers receive is the same bytes on the same channel: the layer's serializer, and its
    group channel name (``<prefix>__group__<group>``, channels_redis 4, pinned in pyproject;
    tests/collab run the sockets against this path on the real Redis)."""
    client, prefix = publisher
    with client.pipeline(transaction=False) as pipe:
        for group, message in sends:
            pipe.publish(f"{prefix}__group__{group}", layer.serialize(message))
        pipe.execute()
