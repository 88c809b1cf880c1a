"""Webhooks against a real local HTTP receiver, verified with the standardwebhooks package."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from integrations.delivery import MAX_ATTEMPTS, deliver_due
from integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.api.conftest import CREATE_BODY
from tests.api.receiver import receiver_start, receiver_stop
from tests.conftest import make_ticket
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    started = receiver_start()
    yield started
    receiver_stop(started)


def _endpoint(api, slug: str, url: str, **extra) -> dict:
    response = api(slug).post("/api/v1/webhooks/endpoints/", {"url": url, **extra}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _create_and_route(api) -> str:
    reference = api("lucy-live").post("/api/v1/tickets/", CREATE_BODY, format="json").json()
    reference = reference["reference"]
    routed = api("lucy-live").post(
        f"/api/v1/tickets/{reference}/actions/route/", {"to_party": "north-peak"}, format="json"
    )
    assert routed.status_code == 200
    return reference


def test_signed_per_party_payloads_only_to_parties_that_see_the_event(api, receiver):
    secrets = {
        slug: _endpoint(api, slug, f"{receiver.url}/{slug}")["secret"]
        for slug in ("lucy-live", "north-peak", "starmall", "stranger-brand", "quietmall")
    }
    reference = _create_and_route(api)
    assert deliver_due() == 5  # created → lucy, starmall; routed → lucy, starmall, north-peak

    by_party = defaultdict(list)
    for message in receiver.received:
        slug = message.path.rsplit("/", 1)[-1]
        payload = Webhook(secrets[slug]).verify(message.body, message.headers)
        by_party[slug].append(payload)
    assert set(by_party) == {"lucy-live", "north-peak", "starmall"}
    assert [p["type"] for p in by_party["lucy-live"]] == ["ticket.created", "ticket.routed"]
    assert [p["type"] for p in by_party["north-peak"]] == ["ticket.routed"]
    routed = by_party["north-peak"][0]["data"]
    assert routed["seq"] == 2 and routed["ticket"]["reference"] == reference
    # Masking follows the party: the originator sees the phone, the brand does not.
    assert by_party["lucy-live"][1]["data"]["ticket"]["buyer"]["phone"] == "13812345678"
    assert routed["ticket"]["buyer"]["phone"] == "*******5678"


def test_receiver_down_then_up_gets_everything_once_in_order(api, cast):
    down = receiver_start()
    port = down.server.server_address[1]
    url = down.url
    receiver_stop(down)  # nobody listens on the port now
    _endpoint(api, "lucy-live", url)
    references = [_create_and_route(api) for _ in range(3)]
    for reference in references:
        api("lucy-live").post(
            f"/api/v1/tickets/{reference}/comments/", {"body": "any news?"}, format="json"
        )
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        for _round in range(3):  # three failed rounds while the receiver is down
            deliver_due()
            traveller.shift(timedelta(hours=1))
        assert not WebhookAttempt.objects.filter(succeeded=True).exists()
        up = receiver_start(port)
        try:
            for _round in range(6):
                deliver_due()
                traveller.shift(timedelta(hours=3))
        finally:
            receiver_stop(up)

    deliveries = WebhookDelivery.objects.all()
    assert deliveries.count() == 9
    assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    succeeded = WebhookAttempt.objects.filter(succeeded=True)
    assert succeeded.count() == 9  # none twice
    seqs = defaultdict(list)
    for message in up.received:
        data = message.json["data"]
        seqs[data["ticket"]["reference"]].append(data["seq"])
    assert {ref: seq for ref, seq in seqs.items()} == {ref: [1, 2, 3] for ref in references}


def test_410_disables_the_endpoint_at_once(api, receiver):
    endpoint = _endpoint(api, "lucy-live", receiver.url)
    receiver.answers.append((410, {}))
    _create_and_route(api)
    deliver_due()
    assert len(receiver.received) == 1
    stored = WebhookEndpoint.objects.get(pk=endpoint["id"])
    assert not stored.is_active and "410" in stored.disabled_reason
    # Re-enabling resumes what is still pending, in order.
    response = api("lucy-live").patch(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}/", {"is_active": True}, format="json"
    )
    assert response.status_code == 200
    deliver_due()
    assert [m.json["data"]["seq"] for m in receiver.received] == [1, 2]


def test_retry_after_is_honoured(api, receiver):
    _endpoint(api, "lucy-live", receiver.url)
    receiver.answers.append((503, {"Retry-After": "120"}))
    api("lucy-live").post("/api/v1/tickets/", CREATE_BODY, format="json")
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at == now + timedelta(seconds=120)
    with time_machine.travel(now + timedelta(seconds=119), tick=False):
        assert deliver_due() == 0
    with time_machine.travel(now + timedelta(seconds=121), tick=False):
        assert deliver_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"]


def test_persistent_failure_disables_and_tells_the_party_admins(api, cast, receiver):
    admin = cast.user("lucy-live", "admin")
    admin.email = "admin@lucy.example"
    admin.save()
    endpoint = _endpoint(api, "lucy-live", receiver.url)
    receiver.answers.extend([(500, {})] * MAX_ATTEMPTS)
    api("lucy-live").post("/api/v1/tickets/", CREATE_BODY, format="json")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        for _hour in range(40):  # the whole retry schedule, jitter included (< 34 h)
            deliver_due()
            traveller.shift(timedelta(hours=1))
    assert len(receiver.received) == MAX_ATTEMPTS
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED
    assert not WebhookEndpoint.objects.get(pk=endpoint["id"]).is_active
    assert [m.to for m in mail.outbox] == [["admin@lucy.example"]]


def test_outbox_rows_belong_to_the_events_transaction(api, cast, receiver):
    WebhookEndpoint.objects.create(party=cast.streamer, url=receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_ticket(cast)
        assert WebhookDelivery.objects.count() == 1  # written before commit, not on_commit
        raise RuntimeError("crash before commit")
    assert WebhookDelivery.objects.count() == 0
    assert Ticket.objects.count() == 0


def test_private_urls_are_refused_unless_allowed(api, settings):
    settings.COLLAB_WEBHOOK_ALLOW_PRIVATE_URLS = False
    for url in ("http://127.0.0.1:8080/x", "http://10.0.0.5/x", "http://[::1]/x", "ftp://a.b/"):
        response = api("lucy-live").post("/api/v1/webhooks/endpoints/", {"url": url}, format="json")
        assert response.status_code == 400, url
        assert "url" in response.json()["field_errors"]


def test_manual_redelivery_sends_the_same_message_again(api, receiver):
    endpoint = _endpoint(api, "lucy-live", receiver.url)
    api("lucy-live").post("/api/v1/tickets/", CREATE_BODY, format="json")
    deliver_due()
    log = api("lucy-live").get(f"/api/v1/webhooks/endpoints/{endpoint['id']}/deliveries/").json()
    assert [d["status"] for d in log] == ["succeeded"]
    response = api("lucy-live").post(
        f"/api/v1/webhooks/endpoints/{endpoint['id']}/deliveries/{log[0]['id']}/redeliver/"
    )
    assert response.status_code == 200 and response.json()["status"] == "pending"
    deliver_due()
    ids = [m.headers["webhook-id"] for m in receiver.received]
    assert ids == [log[0]["message_id"]] * 2


def test_webhook_management_needs_the_admin_scope(api):
    reader = api("lucy-live", "tickets:read", "tickets:write")
    response = reader.get("/api/v1/webhooks/endpoints/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
