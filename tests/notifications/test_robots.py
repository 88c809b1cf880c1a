"""Chat group robots against a real local HTTP receiver: each tool's documented format and
signature (recomputed here from the vendors' formulas), their "200 with an error code"
answers retried, masking per party, and the same URL and isolation rules as webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.delivery import deliver_due
from integrations.models import DeliveryStatus, WebhookDelivery
from tenants.models import ApiKey, ApiKeyScope
from tests.api.receiver import receiver_start, receiver_stop
from tests.conftest import drive, make_ticket
from tickets.models import Visibility
from tickets.services import comment_add

pytestmark = pytest.mark.django_db
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def receiver():
    started = receiver_start()
    yield started
    receiver_stop(started)


def _admin(party) -> APIClient:
    _key, raw = ApiKey.issue(party=party, name="admin", scopes=list(ApiKeyScope.values))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _robot(party, **body) -> dict:
    response = _admin(party).post("/api/v1/webhooks/endpoints/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _routed(cast):
    ticket, _token = make_ticket(cast)
    return drive(cast, ticket, "routed")


def test_dingtalk_markdown_signed_in_the_query(cast, receiver):
    secret = "SECdemo0123456789"
    robot = _robot(
        cast.brand,
        kind="dingtalk",
        url=f"{receiver.url}/robot/send?access_token=tok123",
        robot_secret=secret,
    )
    assert robot["secret"] is None and "robot_secret" not in robot  # never shown back
    assert "ticket.routed" in robot["event_types"]  # alerts by default, not every event
    ticket = _routed(cast)
    before = time.time()
    assert deliver_due() == 1  # ticket.created is not an alert; the brand sees only routed
    [message] = receiver.received
    query = parse_qs(urlsplit(message.path).query)
    assert query["access_token"] == ["tok123"]
    timestamp = int(query["timestamp"][0])
    assert abs(timestamp / 1000 - before) < 60  # milliseconds
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]  # parse_qs undid the URL encoding
    body = message.json
    assert body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"title", "text"}
    assert ticket.reference in body["markdown"]["text"]
    # The brand's robot carries what the brand sees: the buyer's name masked.
    assert "张*" in body["markdown"]["text"]
    assert "张三丰" not in body["markdown"]["text"]
    assert f"/portal/t/{ticket.reference}/" in body["markdown"]["text"]


def test_feishu_card_signed_in_the_body(cast, receiver):
    secret = "feishu-secret"
    _robot(cast.streamer, kind="feishu", url=receiver.url, robot_secret=secret)
    ticket = _routed(cast)
    before = int(time.time())
    assert deliver_due() == 1
    body = receiver.received[0].json
    timestamp = int(body["timestamp"])
    assert isinstance(body["timestamp"], str) and abs(timestamp - before) < 60  # seconds
    expected = base64.b64encode(
        hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert body["sign"] == expected
    assert body["msg_type"] == "interactive"
    assert body["card"]["header"]["title"]["tag"] == "plain_text"
    text = json.dumps(body["card"], ensure_ascii=False)
    assert ticket.reference in text
    # The originating streamer sees the buyer's name in full.
    assert "张三丰" in text


def test_wecom_markdown_without_signing(cast, receiver):
    refused = _admin(cast.brand).post(
        "/api/v1/webhooks/endpoints/",
        {"kind": "wecom", "url": f"{receiver.url}?key=k", "robot_secret": "x"},
        format="json",
    )
    assert refused.status_code == 400
    assert "robot_secret" in refused.json()["field_errors"]
    _robot(cast.brand, kind="wecom", url=f"{receiver.url}/cgi-bin/webhook/send?key=abc")
    ticket = _routed(cast)
    assert deliver_due() == 1
    message = receiver.received[0]
    assert parse_qs(urlsplit(message.path).query) == {"key": ["abc"]}
    body = message.json
    assert list(body) == ["msgtype", "markdown"] and body["msgtype"] == "markdown"
    assert ticket.reference in body["markdown"]["content"]
    assert "webhook-signature" not in message.headers


@pytest.mark.parametrize(
    ("kind", "refusal", "accepted"),
    [
        ("dingtalk", {"errcode": 310000, "errmsg": "sign not match"}, {"errcode": 0}),
        ("feishu", {"code": 19021, "msg": "sign match fail"}, {"code": 0, "msg": "success"}),
        ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}, {"errcode": 0}),
    ],
)
def test_a_200_with_an_error_code_is_a_failed_attempt_and_retried(
    cast, receiver, kind, refusal, accepted
):
    _robot(cast.brand, kind=kind, url=receiver.url)
    receiver.answers.append((200, JSON, json.dumps(refusal).encode()))
    receiver.answers.append((200, JSON, json.dumps(accepted).encode()))
    with time_machine.travel(timezone.now(), tick=False) as clock:
        _routed(cast)
        assert deliver_due() == 1
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING
        assert delivery.attempts == 1
        assert str(refusal.get("errcode", refusal.get("code"))) in delivery.last_error
        assert delivery.log.get().succeeded is False
        assert deliver_due() == 0  # waits for its backoff
        clock.shift(timedelta(seconds=10))
        assert deliver_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 2)
    assert len(receiver.received) == 2


def test_robots_only_hear_of_what_their_party_may_see(cast, receiver):
    for party in (cast.outsider, cast.other_brand, cast.weak_platform):
        _robot(party, kind="wecom", url=f"{receiver.url}/{party.slug}", event_types=[])
    _robot(
        cast.brand,
        kind="wecom",
        url=f"{receiver.url}/north-peak",
        event_types=["ticket.routed", "comment.added"],
    )
    ticket = _routed(cast)
    comment_add(
        ticket=ticket,
        actor=cast.actor("lucy-live"),
        body="INTERNAL-ONLY",
        visibility=Visibility.INTERNAL,
    )
    comment_add(ticket=ticket, actor=cast.actor("lucy-live"), body="For all", visibility="parties")
    deliver_due()
    assert len(receiver.received) == 2  # routed, and the parties' message
    assert {urlsplit(m.path).path.rsplit("/", 1)[-1] for m in receiver.received} == {"north-peak"}
    assert all(b"INTERNAL-ONLY" not in m.body for m in receiver.received)


def test_private_robot_urls_are_refused_outside_development(cast, settings):
    settings.COLLAB_WEBHOOK_ALLOW_PRIVATE_URLS = False
    response = _admin(cast.brand).post(
        "/api/v1/webhooks/endpoints/",
        {"kind": "dingtalk", "url": "http://127.0.0.1:9/robot/send?access_token=x"},
        format="json",
    )
    assert response.status_code == 400
    assert "url" in response.json()["field_errors"]


def test_another_partys_robot_is_not_found(cast):
    robot = _robot(cast.brand, kind="feishu", url="http://127.0.0.1:9/hook", robot_secret="s")
    stranger = _admin(cast.outsider)
    for method in ("get", "patch", "delete"):
        response = getattr(stranger, method)(
            f"/api/v1/webhooks/endpoints/{robot['id']}/", {}, format="json"
        )
        assert response.status_code == 404
    assert stranger.get("/api/v1/webhooks/endpoints/").json() == []


def test_party_admins_add_robots_in_the_portal(cast):
    from django.test import Client

    from integrations.models import WebhookEndpoint
    from tenants.models import Role

    client = Client()
    client.force_login(cast.user("north-peak", Role.ADMIN))
    page = client.get("/portal/settings/webhooks/")
    assert page.status_code == 200 and b'value="dingtalk"' in page.content
    refused = client.post(
        "/portal/settings/webhooks/",
        {"kind": "wecom", "url": "http://127.0.0.1:9/send?key=k", "robot_secret": "x"},
    )
    assert refused.status_code == 400
    assert not WebhookEndpoint.objects.exists()
    added = client.post(
        "/portal/settings/webhooks/",
        {
            "kind": "dingtalk",
            "url": "http://127.0.0.1:9/robot/send?access_token=t",
            "robot_secret": "SECabc",
            "language": "en",
        },
    )
    assert added.status_code == 302
    robot = WebhookEndpoint.objects.get()
    assert (robot.party, robot.kind, robot.secret, robot.language) == (
        cast.brand,
        "dingtalk",
        "SECabc",
        "en",
    )
    assert "sla.breached" in robot.event_types
    # Another party's admin cannot switch it off; an agent cannot open the page.
    stranger = Client()
    stranger.force_login(cast.user("stranger-brand", Role.ADMIN))
    assert stranger.post(f"/portal/settings/webhooks/{robot.pk}/toggle/").status_code == 404
    assert b"127.0.0.1:9/robot" not in stranger.get("/portal/settings/webhooks/").content
    agent = Client()
    agent.force_login(cast.user("north-peak"))
    assert agent.get("/portal/settings/webhooks/").status_code == 403
