"""WebSocket consumers: a party's inbox, one ticket's detail view, and the buyer's tracking page.

Protocol (JSON text frames), the same on every socket:

* client connects with ``?after=<cursor>`` (the last cursor it saw; the party inbox takes an
  event id, ticket and buyer sockets a ticket sequence number) and optionally ``&lang=en``;
* server sends ``{"type": "event", "cursor": N, "event": {...}}`` for every visible event after
  the cursor from the event log, then ``{"type": "ready", "heartbeat": seconds}``, then live
  events in the same shape, without a gap and without a duplicate;
* server sends ``{"type": "ping"}`` every heartbeat; the client answers ``{"type": "pong"}``
  (any frame counts). A socket silent for three heartbeats is closed with 4408;
* the party inbox sends ``{"type": "resync"}`` instead of a catch-up longer than
  ``CATCH_UP_LIMIT``: the client then reloads its list.

A refused join is accepted and closed at once with a code from ``CloseCode`` (browsers cannot
read the code of a refused handshake), after a ``{"type": "refused", "code": …}`` frame.
"""

from __future__ import annotations

import asyncio
import time
from enum import IntEnum
from types import SimpleNamespace

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import get_supported_language_variant

from tenants.middleware import acting_membership
from tickets.errors import TicketNotFound
from tickets.projections import event_for_buyer, event_for_party
from tickets.selectors import (
    event_qs_for_buyer,
    event_qs_for_party,
    event_qs_for_party_feed,
    ticket_get_for_buyer,
    ticket_get_for_party,
)

from .broadcast import buyer_group, party_group, ticket_group

CATCH_UP_LIMIT = 500


class CloseCode(IntEnum):
    """Why the server closed a socket. 4xxx mirror the HTTP status a page would answer."""

    BAD_REQUEST = 4400  # malformed ?after= cursor
    UNAUTHENTICATED = 4401  # no signed-in person (party sockets need a session)
    NO_PARTY = 4403  # the person acts for no active party
    NOT_FOUND = 4404  # no such ticket, or not visible to the party; bad or revoked buyer token
    HEARTBEAT_TIMEOUT = 4408  # the client stopped answering pings

    @property
    def slug(self) -> str:
        return self.name.lower()


class Refused(Exception):
    def __init__(self, code: CloseCode) -> None:
        super().__init__(code.slug)
        self.code = code


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Join, catch up from the event log, then relay live events, deduplicated per ticket.

    Subclasses implement ``join`` (authorise; return the groups to join) and ``backlog`` (the
    visible events after the cursor, as ``(ticket_id, seq, cursor, payload)`` tuples).
    Handlers reach the database only through ``database_sync_to_async`` (see ``dispatch``).
    """

    heartbeat_task: asyncio.Task | None = None

    async def dispatch(self, message: dict) -> None:
        """Channels' dispatch without its ``close_old_connections`` before every handler.

        Channels runs that close in the one thread-sensitive executor: a thread hop for every
        frame at every socket, all queued on one thread, so a live event for 150 inboxes waited
        behind 150 hops; it was most of the server's time in the fan-out profile
        (bench/README.md). Database work here goes through ``database_sync_to_async``, which
        closes stale connections in its own worker thread before and after, and Channels'
        ``websocket_disconnect`` still closes them once when a socket ends.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        await self.accept()
        self.last_sent: dict[int, int] = {}
        self.joined: list[str] = []
        self.last_heard = time.monotonic()
        try:
            after = self._after()
            self.joined = await self.join()
            # Join before reading the log: an event committed meanwhile is then either in the
            # backlog, or queued for us live, or both; never neither. Live messages wait in the
            # channel layer until this handler returns, and duplicates are dropped by seq.
            for group in self.joined:
                await self.channel_layer.group_add(group, self.channel_name)
            if after is not None:
                await self._catch_up(after)
        except Refused as refusal:
            await self.send_json({"type": "refused", "code": refusal.code.slug})
            await self.close(code=refusal.code)
            return
        interval = settings.COLLAB_WS_HEARTBEAT_SECONDS
        await self.send_json({"type": "ready", "heartbeat": interval})
        self.heartbeat_task = asyncio.create_task(self._heartbeat(interval))

    async def disconnect(self, code: int) -> None:
        if self.heartbeat_task is not None:
            self.heartbeat_task.cancel()
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        # Every frame is a sign of life; "pong" is the only one clients need to send, so frames
        # are not even parsed (a malformed one cannot break the socket).
        self.last_heard = time.monotonic()

    async def ticket_event(self, message: dict) -> None:
        """A live event from ``collab.broadcast``."""
        ticket_id, seq = message["ticket_id"], message["seq"]
        if seq <= self.last_sent.get(ticket_id, 0):
            return  # already sent from the backlog
        self.last_sent[ticket_id] = seq
        await self.send_json(
            {"type": "event", "cursor": self.cursor_of(message), "event": self.payload_of(message)}
        )

    async def ticket_events(self, message: dict) -> None:
        """Several live events for this socket's group from one commit, in order."""
        for item in message["messages"]:
            await self.ticket_event(item)

    # For subclasses.

    async def join(self) -> list[str]:
        raise NotImplementedError

    async def backlog(self, after: int) -> list[tuple[int, int, int, dict]] | None:
        raise NotImplementedError

    def cursor_of(self, message: dict) -> int:
        return message["seq"]

    def payload_of(self, message: dict) -> dict:
        return message["event"]

    # Internals.

    def _after(self) -> int | None:
        params = dict(
            part.split("=", 1) if "=" in part else (part, "")
            for part in self.scope.get("query_string", b"").decode("latin-1").split("&")
            if part
        )
        self.params = params
        raw = params.get("after")
        if raw is None or raw == "":
            return None
        if not raw.isdigit() or len(raw) > 18:
            raise Refused(CloseCode.BAD_REQUEST)
        return int(raw)

    async def _catch_up(self, after: int) -> None:
        rows = await self.backlog(after)
        if rows is None:
            await self.send_json({"type": "resync"})
            return
        for ticket_id, seq, cursor, payload in rows:
            self.last_sent[ticket_id] = max(seq, self.last_sent.get(ticket_id, 0))
            await self.send_json({"type": "event", "cursor": cursor, "event": payload})

    async def _heartbeat(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            if time.monotonic() - self.last_heard > 3 * interval:
                await self.close(code=CloseCode.HEARTBEAT_TIMEOUT)
                return
            await self.send_json({"type": "ping"})


def _acting_party(scope):
    """The party a signed-in person acts for, by the same rule as the portal's middleware."""
    membership = acting_membership(SimpleNamespace(user=scope["user"], session=scope["session"]))
    return membership.party if membership is not None else None


class PartyInboxConsumer(LiveConsumer):
    """``/ws/party/``: every event the acting party may see, on every ticket it may see.

    The cursor is the event id. Ids are assigned at insert and transactions may commit out of id
    order, so a client should reload its list after a ``resync`` and treat the inbox as a
    notification feed; ticket pages resume exactly by sequence number.
    """

    async def join(self) -> list[str]:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            raise Refused(CloseCode.UNAUTHENTICATED)
        self.party = await database_sync_to_async(_acting_party)(self.scope)
        if self.party is None:
            raise Refused(CloseCode.NO_PARTY)
        return [party_group(self.party.pk)]

    @database_sync_to_async
    def backlog(self, after: int):
        events = list(event_qs_for_party_feed(self.party, after_id=after)[: CATCH_UP_LIMIT + 1])
        if len(events) > CATCH_UP_LIMIT:
            return None
        return [(e.ticket_id, e.seq, e.pk, event_for_party(e)) for e in events]

    def cursor_of(self, message: dict) -> int:
        return message["event_id"]

    async def bulk_progress(self, message: dict) -> None:
        """A bulk job's progress (``bulk.progress`` from ``bulk.progress``), sent to the owning
        party's group only. Not in the event log: a reconnecting page reloads the job instead."""
        await self.send_json({"type": "bulk.progress", "job": message["job"]})

    async def insight_top_issues(self, message: dict) -> None:
        """Live top issues (``insight.top_issues`` from ``insight.top_issues``), computed for
        this party by the rollup job; not in the event log, a reconnecting page reloads them."""
        await self.send_json({"type": "insight.top_issues", "top_issues": message["top_issues"]})


class TicketDetailConsumer(LiveConsumer):
    """``/ws/tickets/<reference>/``: one ticket's events as the acting party sees them."""

    async def join(self) -> list[str]:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            raise Refused(CloseCode.UNAUTHENTICATED)
        self.party = await database_sync_to_async(_acting_party)(self.scope)
        if self.party is None:
            raise Refused(CloseCode.NO_PARTY)
        reference = self.scope["url_route"]["kwargs"]["reference"]
        try:
            self.ticket = await database_sync_to_async(ticket_get_for_party)(self.party, reference)
        except TicketNotFound as exc:
            raise Refused(CloseCode.NOT_FOUND) from exc
        return [ticket_group(self.ticket.pk, self.party.pk)]

    @database_sync_to_async
    def backlog(self, after: int):
        events = event_qs_for_party(self.ticket, self.party).filter(seq__gt=after)
        events = events.select_related("ticket", "actor_party", "actor_user")
        return [(e.ticket_id, e.seq, e.seq, event_for_party(e)) for e in events]


class BuyerTrackConsumer(LiveConsumer):
    """``/ws/track/<token>/``: the buyer's own ticket, public events in the buyer projection."""

    async def join(self) -> list[str]:
        token = self.scope["url_route"]["kwargs"]["token"]
        try:
            self.ticket = await database_sync_to_async(ticket_get_for_buyer)(token)
        except TicketNotFound as exc:
            raise Refused(CloseCode.NOT_FOUND) from exc
        try:
            self.language = get_supported_language_variant(self.params.get("lang", ""))
        except LookupError:
            self.language = settings.LANGUAGE_CODE
        return [buyer_group(self.ticket.pk)]

    @database_sync_to_async
    def backlog(self, after: int):
        with translation.override(self.language):
            return [
                (e.ticket_id, e.seq, e.seq, event_for_buyer(e))
                for e in event_qs_for_buyer(self.ticket).filter(seq__gt=after)
            ]

    def payload_of(self, message: dict) -> dict:
        payloads = message["events"]
        return payloads.get(self.language) or payloads[settings.LANGUAGE_CODE]
