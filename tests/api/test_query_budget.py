"""What an API create costs in SQL statements (issue 4: at most 12, the same for every create).
A regression test on the count, not a timing: the figures are in bench/README.md."""

from __future__ import annotations

import uuid

from django.db import connection

from integrations.models import WebhookDelivery, WebhookEndpoint
from tickets.models import Product, RoutingAction, Ticket

from ..tickets.sla_kit import policy, round_the_clock, rule

# The integrator's usual request: no brand or merchant named (the rules route it), a SKU.
BODY = {
    "category": "size_colour_change",
    "subject": "Shoes: change size",
    "sku": "NP-SHOE-01",
    "buyer_name": "张三",
    "buyer_phone": "13812345678",
    "buyer_consent": True,
    "form_data": {"new_size": "42", "new_colour": "black"},
}


# BEGIN/COMMIT (savepoints under the test's transaction), key lock with the idempotency record,
# reference, product, the ticket with its events, participants and custody periods (one
# statement on PostgreSQL, four on SQLite), outbox INSERT, the desk's people, their
# notifications INSERT, idempotency record INSERT; after commit the notifications push reads
# its two. Category, routing rules, partners, SLA policies and webhook endpoints come from the
# configuration cache (collab.config_cache). The bench's world, without people on the brand's
# desk, costs 9 (bench/README.md).
def budget() -> int:
    return 12 if connection.vendor == "postgresql" else 15


def test_an_api_create_costs_a_constant_number_of_statements(
    cast, api, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    """With everything a create can touch: an Idempotency-Key, a routing rule that routes to a
    brand, an SLA policy, webhook endpoints of both parties (outbox rows), the brand's desk
    notified, and the live push after commit."""
    Product.objects.create(owner=cast.streamer, sku="NP-SHOE-01", brand=cast.brand)
    policy(cast.platform, accept_h=2, resolve_h=24, party_kind="brand", calendar=round_the_clock())
    rule(cast.streamer, action=RoutingAction.ROUTE_TO_BRAND)
    for party in (cast.streamer, cast.brand):
        WebhookEndpoint.objects.create(party=party, url="http://127.0.0.1:9/hook")
    client = api(cast.streamer.slug)

    def create(n: int):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/api/v1/tickets/",
                {**BODY, "order_number": f"DY{n:06d}"},
                format="json",
                HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
            )

    assert create(0).status_code == 201  # the key's first use, the day's first reference
    for n in range(1, 4):
        with django_assert_max_num_queries(budget()):
            response = create(n)
        assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(reference=response.json()["reference"])
    assert ticket.state == "routed" and ticket.handler == cast.brand
    assert WebhookDelivery.objects.filter(ticket_id=ticket.pk).count() == 4
