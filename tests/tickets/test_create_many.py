"""``ticket_create_many`` (the bulk import's door) writes exactly the rows ``ticket_create`` one by
one writes: tickets, events with their sequence, participants, custody periods, outbox rows;
with a number of statements that does not grow with the number of tickets."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collab.broadcast import events_committed, party_group
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.outbox import deliveries_write
from tests.conftest import SIZE_FORM
from tickets.errors import TicketValidationError
from tickets.models import Custody, Participant, RoutingAction, Ticket, TicketCategory, TicketEvent
from tickets.services import ticket_create, ticket_create_many

from .sla_kit import policy, round_the_clock, rule

pytestmark = pytest.mark.django_db

MOMENT = timezone.make_aware(datetime(2026, 11, 11, 10, 0))


@pytest.fixture
def configured(cast):
    rule(cast.streamer, action=RoutingAction.ROUTE_TO_BRAND, category=_size())
    policy(cast.platform, accept_h=2, resolve_h=24, party_kind="brand", calendar=round_the_clock())
    for party in (cast.streamer, cast.brand, cast.platform):
        WebhookEndpoint.objects.create(party=party, url=f"https://{party.slug}.example.com/hook")
    return cast


def _size() -> TicketCategory:
    return TicketCategory.objects.get(code="size_colour_change")


def _requests(cast, prefix: str) -> list[dict]:
    address = TicketCategory.objects.get(code="address_change")
    base = {"buyer_name": "张三丰", "buyer_phone": "13812345678", "buyer_consent": True}
    return [
        {**base, "category": _size(), "subject": "Shoes", "order_number": f"{prefix}1",
         "brand": cast.brand, "form_data": SIZE_FORM},
        # No rule matches: stays new with the streamer.
        {**base, "category": address, "subject": "Move", "order_number": f"{prefix}2",
         "form_data": {"new_address": {"province": "浙江省", "city": "杭州市",
                                       "district": "西湖区", "detail": "文三路 1 号"}}},
        {**base, "category": _size(), "subject": "Bad form", "order_number": f"{prefix}3",
         "brand": cast.brand, "form_data": {"new_size": "42"}},
        {**base, "category": _size(), "subject": "Coat", "order_number": f"{prefix}4",
         "brand": cast.brand, "form_data": SIZE_FORM},
    ]  # fmt: skip


def _written(prefix: str) -> list[tuple]:
    """Everything written for the tickets of these order numbers, without ids and references."""
    tickets = Ticket.objects.filter(order_number__startswith=prefix).order_by("order_number")
    refs = {t.pk: t.order_number[len(prefix) :] for t in tickets}
    written = []
    for t in tickets:
        written.append(
            (
                refs[t.pk],
                t.state,
                t.priority,
                t.handler_id,
                t.custody_party_id,
                t.resolve_by,
                t.next_sla_check_at,
                t.last_event_seq,
                t.form_data,
                [
                    (e.seq, e.kind, e.actor_kind, e.actor_party_id, e.visibility, e.from_state,
                     e.to_state, e.data)
                    for e in TicketEvent.objects.filter(ticket=t).order_by("seq")
                ],
                sorted(Participant.objects.filter(ticket=t).values_list("party_id", "role")),
                list(
                    Custody.objects.filter(ticket=t)
                    .order_by("started_at", "id")
                    .values_list("party_id", "state", "started_at", "ended_at", "accept_by",
                                 "resolve_by", "sla_policy_id")
                ),
                sorted(
                    (d.endpoint_id, d.seq, d.kind, d.payload["data"]["ticket"]["state"],
                     # each delivery carries its own event: the ticket's, at the same sequence
                     (d.event.ticket_id, d.event.seq) == (t.pk, d.seq),
                     d.payload["data"]["event"]["ticket"] == t.reference)
                    for d in WebhookDelivery.objects.filter(ticket_id=t.pk).select_related("event")
                ),
            )
        )  # fmt: skip
    return written


def test_many_writes_what_one_by_one_writes(configured):
    cast = configured
    actor = cast.actor(cast.streamer.slug)
    with time_machine.travel(MOMENT, tick=False):
        refused = []
        for request in _requests(cast, "ONE-"):
            try:
                ticket_create(actor=actor, originator=cast.streamer, **request)
            except TicketValidationError as exc:
                refused.append(exc.field_errors)
        with transaction.atomic():
            results = ticket_create_many(
                actor=actor, originator=cast.streamer, requests=_requests(cast, "MANY-")
            )
    assert isinstance(results[2], TicketValidationError)
    assert [results[2].field_errors] == refused
    assert [r[0].state for r in results if not isinstance(r, Exception)] == [
        "routed",
        "new",
        "routed",
    ]
    one, many = _written("ONE-"), _written("MANY-")
    assert len(one) == 3 and one == many
    assert all(delivery[4:] == (True, True) for ticket in many for delivery in ticket[-1])
    assert sum(len(ticket[-1]) for ticket in many) > 3  # the outbox was written
    # References stay consecutive and distinct.
    references = [r[0].reference for r in results if not isinstance(r, Exception)]
    assert len(set(references)) == 3 and references == sorted(references)


def test_statements_do_not_grow_with_the_number_of_tickets(configured):
    cast = configured
    actor = cast.actor(cast.streamer.slug)
    ticket_create_many(actor=actor, originator=cast.streamer, requests=_requests(cast, "W-")[:1])

    def statements(count: int) -> int:
        requests = [r for r in _requests(cast, f"N{count}-") if r["subject"] != "Bad form"]
        requests = (requests * count)[:count]
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            ticket_create_many(actor=actor, originator=cast.streamer, requests=requests)
        return len(queries)

    # Small enough counts that SQLite's limit on parameters does not split an INSERT.
    assert statements(2) == statements(8)


def test_publishing_a_batch_reads_the_same_whatever_its_size(cast, settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    actor = cast.actor(cast.streamer.slug)
    layer = get_channel_layer()
    ok = [r for r in _requests(cast, "P-") if r["subject"] != "Bad form"]

    def reads(count: int) -> tuple[int, int]:
        created = ticket_create_many(
            actor=actor, originator=cast.streamer, requests=(ok * count)[:count]
        )
        events = list(
            TicketEvent.objects.filter(ticket__in=[t for t, _token in created]).select_related(
                "ticket__platform", "actor_party", "actor_user"
            )
        )  # as the services hold them when they publish
        with CaptureQueriesContext(connection) as outbox:
            assert deliveries_write(events) == 0  # no party has an endpoint: one query
        with CaptureQueriesContext(connection) as push:
            events_committed(events)  # participants
        return len(outbox), len(push)

    # Nobody listens in this process: the in-memory layer could reach no one, nothing is read.
    assert reads(2) == (1, 0)
    async_to_sync(layer.group_add)(party_group(cast.streamer.pk), "inbox.socket")
    assert reads(2) == reads(12) == (1, 1)
