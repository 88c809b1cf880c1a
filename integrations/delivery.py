"""Sending the outbox: claim due rows, POST them signed, record the attempt, schedule a retry.

At-least-once: a row is claimed with ``FOR UPDATE SKIP LOCKED`` and leased for a while; if the
process dies mid-send, the lease runs out and another worker sends it again with the same
``webhook-id``. Per endpoint and ticket, a row waits while an earlier one of the same ticket is
still pending, so receivers get each ticket's events in sequence order.
"""

from __future__ import annotations

import json
import logging
import random
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from collab.config_cache import WEBHOOK_ENDPOINTS, config_forget
from tenants.models import Membership, Role

from .addresses import AddressRefused, url_address_check
from .models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .robots import ANSWER_LIMIT, robot_answer_error, robot_request
from .signing import headers
from .worker import kick

logger = logging.getLogger(__name__)

# Delays after each failed attempt (Standard Webhooks' suggested shape); they add up to about
# 27.6 hours, so a receiver that is down for a full day still gets everything.
RETRY_DELAYS = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# Longer than the send timeout, so a row is never sent twice by two live workers.
LEASE = timedelta(minutes=2)
TIMEOUT_SECONDS = 10
RETRY_AFTER_CAP = timedelta(hours=24)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could point at a private address after the URL check; treat it as a failure.
    def redirect_request(self, req, fp, code, msg, hdrs, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


@dataclass
class Outcome:
    status_code: int | None
    error: str
    retry_after: timedelta | None = None

    @property
    def succeeded(self) -> bool:
        # A robot's 200 answer can still carry an error code (``robots.robot_answer_error``).
        ok = self.status_code is not None and 200 <= self.status_code < 300
        return ok and not self.error


def deliveries_claim(limit: int = 50) -> list[WebhookDelivery]:
    """Take up to ``limit`` due rows, each the earliest pending one of its ticket for its
    endpoint, and lease them so no other worker takes them meanwhile."""
    now = timezone.now()
    earlier_pending = WebhookDelivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"),
        ticket_id=OuterRef("ticket_id"),
        seq__lt=OuterRef("seq"),
        status=DeliveryStatus.PENDING,
    )
    with transaction.atomic():
        claimed = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=DeliveryStatus.PENDING,
                next_attempt_at__lte=now,
                endpoint__is_active=True,
            )
            .exclude(Exists(earlier_pending))
            .order_by("next_attempt_at", "id")
            .values_list("pk", flat=True)[:limit]
        )
        if claimed:
            WebhookDelivery.objects.filter(pk__in=claimed).update(next_attempt_at=now + LEASE)
    return list(
        WebhookDelivery.objects.filter(pk__in=claimed).select_related("endpoint").order_by("id")
    )


def _retry_after(value: str | None) -> timedelta | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        delay = timedelta(seconds=int(value))
    else:
        try:
            when: datetime = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        delay = when - timezone.now()
    return max(timedelta(0), min(delay, RETRY_AFTER_CAP))


def _send(delivery: WebhookDelivery) -> Outcome:
    endpoint = delivery.endpoint
    try:
        url_address_check(endpoint.url)
    except AddressRefused as exc:
        return Outcome(None, str(exc))
    if endpoint.is_robot:
        # The chat tool's own format and signing; the party payload is only the source.
        url, body = robot_request(endpoint, delivery.payload, time.time())
        signed = {}
    else:
        url = endpoint.url
        body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
        signed = headers(endpoint.secret, delivery.message_id, int(time.time()), body)
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310
    request.add_header("Content-Type", "application/json")
    request.add_header("User-Agent", "Collab-Webhooks/1")
    for name, value in signed.items():
        request.add_header(name, value)
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            if endpoint.is_robot:
                answer = response.read(ANSWER_LIMIT)
                return Outcome(response.status, robot_answer_error(endpoint.kind, answer))
            return Outcome(response.status, "")
    except urllib.error.HTTPError as exc:
        return Outcome(exc.code, f"HTTP {exc.code}", _retry_after(exc.headers.get("Retry-After")))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Outcome(None, str(getattr(exc, "reason", exc))[:300])


def _backoff(attempts: int) -> timedelta:
    delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    # ±20 % jitter so a receiver coming back is not hit by every retry at the same instant.
    return delay * random.uniform(0.8, 1.2)


def endpoint_disable(endpoint: WebhookEndpoint, reason: str) -> None:
    """Turn the endpoint off and tell its party's admins by e-mail."""
    changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_reason=reason[:200]
    )
    if not changed:
        return
    config_forget(WEBHOOK_ENDPOINTS, [endpoint.party_id])
    recipients = list(
        Membership.objects.filter(party_id=endpoint.party_id, role=Role.ADMIN)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    logger.warning("webhook endpoint %s disabled: %s", endpoint.pk, reason)
    if recipients:
        send_mail(
            _("Collab: webhook endpoint disabled"),
            _("Deliveries to %(url)s were stopped: %(reason)s. Fix it, then re-enable it.")
            % {"url": endpoint.url, "reason": reason},
            None,
            recipients,
            fail_silently=True,
        )


def delivery_attempt(delivery: WebhookDelivery) -> Outcome:
    """One attempt: send, log it, and set the row to succeeded, failed or its next try."""
    started = timezone.now()
    outcome = _send(delivery)
    finished = timezone.now()
    attempts = delivery.attempts + 1
    update: dict = {
        "attempts": attempts,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error,
    }
    disable_reason = ""
    if outcome.succeeded:
        update |= {"status": DeliveryStatus.SUCCEEDED, "delivered_at": finished}
    elif outcome.status_code == 410:
        update |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
        disable_reason = _("the receiver answered 410 Gone")
    elif attempts >= MAX_ATTEMPTS:
        update |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
        disable_reason = _("deliveries kept failing for more than a day")
    else:
        delay = outcome.retry_after if outcome.retry_after is not None else _backoff(attempts)
        update["next_attempt_at"] = finished + delay
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            started_at=started,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=int((finished - started).total_seconds() * 1000),
            succeeded=outcome.succeeded,
        )
        WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
            **update
        )
    if disable_reason:
        endpoint_disable(delivery.endpoint, disable_reason)
    return outcome


def deliver_due(max_rounds: int = 100) -> int:
    """Send every due delivery; returns how many attempts were made. Each round sends at most
    one row per ticket and endpoint, so it loops until nothing is due."""
    sent = 0
    for _round in range(max_rounds):
        batch = deliveries_claim()
        if not batch:
            break
        for delivery in batch:
            delivery_attempt(delivery)
            sent += 1
    return sent


def delivery_redeliver(delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue a delivery again (same ``webhook-id``) with a fresh retry schedule."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    delivery.refresh_from_db()
    transaction.on_commit(kick)
    return delivery
