"""A batch of writes in one transaction (a bulk chunk) is published together after commit: every
committed event once, nothing of a rolled-back transaction or savepoint, outbox rows alike."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from integrations.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import make_ticket
from tickets.models import Ticket
from tickets.services import side_effects_batched

from .conftest import joined, next_event

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("memory_layer"),
]


class Abandon(Exception):
    pass


@database_sync_to_async
def _endpoint(cast) -> None:
    WebhookEndpoint.objects.create(party=cast.streamer, url="https://oms.example.com/hook")


@database_sync_to_async
def _batch(cast, orders: list[str], *, refuse: str = "", abandon: bool = False) -> None:
    """Create one ticket per order number in one transaction and one batch; the ``refuse`` one
    is rolled back in its own savepoint, as a refused row of a chunk is."""
    with transaction.atomic(), side_effects_batched():
        for order in orders:
            if order == refuse:
                with pytest.raises(Abandon), transaction.atomic():
                    make_ticket(cast, order_number=order)
                    raise Abandon
            else:
                make_ticket(cast, order_number=order)
        if abandon:
            raise Abandon


@database_sync_to_async
def _deliveries_by_order() -> list[str]:
    orders = dict(Ticket.objects.values_list("pk", "order_number"))
    return sorted(orders[t] for t in WebhookDelivery.objects.values_list("ticket_id", flat=True))


async def _orders_pushed(socket, count: int) -> list[str]:
    frames = [await next_event(socket) for _ in range(count)]
    assert await socket.receive_nothing(timeout=0.2)
    return [f["event"]["ticket"] for f in frames]


async def test_a_batch_pushes_each_committed_event_once(cast):
    await _endpoint(cast)
    inbox = await joined("/ws/party/", user=cast.user("lucy-live"), party=cast.streamer)
    await _batch(cast, ["A-1", "A-2", "A-3"])
    pushed = await _orders_pushed(inbox, 3)
    references = await database_sync_to_async(
        lambda: list(Ticket.objects.order_by("pk").values_list("reference", flat=True))
    )()
    assert pushed == references
    assert await _deliveries_by_order() == ["A-1", "A-2", "A-3"]
    await inbox.disconnect()


async def test_a_rolled_back_batch_pushes_nothing_and_leaves_no_outbox_rows(cast):
    await _endpoint(cast)
    inbox = await joined("/ws/party/", user=cast.user("lucy-live"), party=cast.streamer)
    with pytest.raises(Abandon):
        await _batch(cast, ["B-1", "B-2"], abandon=True)
    await _batch(cast, ["sentinel"])
    # The next frame is the sentinel's: nothing of the abandoned batch was pushed or queued.
    (pushed,) = await _orders_pushed(inbox, 1)
    sentinel = await database_sync_to_async(Ticket.objects.get)(order_number="sentinel")
    assert pushed == sentinel.reference
    assert await _deliveries_by_order() == ["sentinel"]
    await inbox.disconnect()


async def test_a_row_rolled_back_inside_a_batch_is_not_published(cast):
    await _endpoint(cast)
    inbox = await joined("/ws/party/", user=cast.user("lucy-live"), party=cast.streamer)
    await _batch(cast, ["C-1", "C-2", "C-3"], refuse="C-2")
    pushed = await _orders_pushed(inbox, 2)
    kept = await database_sync_to_async(
        lambda: list(Ticket.objects.order_by("pk").values_list("reference", flat=True))
    )()
    assert pushed == kept and len(kept) == 2
    assert await _deliveries_by_order() == ["C-1", "C-3"]
    await inbox.disconnect()
