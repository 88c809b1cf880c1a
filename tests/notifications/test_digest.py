"""The supervisors' daily digest: content, once a day, supervisors only."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from notifications.digest import digest_send
from notifications.models import NotificationSettings
from notifications.services import notification_settings_update
from tenants.models import Role
from tests.conftest import drive, make_ticket

pytestmark = pytest.mark.django_db


def _with_email(user, address: str):
    user.email = address
    user.save(update_fields=["email"])
    return user


def test_the_digest_lists_what_reached_a_supervisor_and_the_partys_open_tickets(cast, settings):
    settings.LANGUAGE_CODE = "en"  # e-mails are written in the site language
    supervisor = _with_email(cast.user("north-peak", Role.SUPERVISOR), "sup@north-peak.example")
    agent = _with_email(cast.user("north-peak"), "agent@north-peak.example")
    notification_settings_update(user=supervisor, muted_kinds=[], email_kinds=[], digest=True)
    # An agent cannot take the digest: the choice does not stick.
    assert not notification_settings_update(
        user=agent, muted_kinds=[], email_kinds=[], digest=True
    ).digest
    first, _token = make_ticket(cast)
    drive(cast, first, "routed")
    second, _token = make_ticket(cast, order_number="DY2")
    drive(cast, second, "escalated")

    mail.outbox.clear()
    assert digest_send() == 1
    [message] = mail.outbox
    assert message.to == ["sup@north-peak.example"]
    body = message.body
    assert "North Peak" in body
    assert first.reference in body and second.reference in body
    assert "== North Peak ==\nOpen tickets held now: 1 (SLA breached: 0)" in body
    assert f"Escalation opened: 1\n  - {second.reference} was escalated to the platform: Stuck" in (
        body
    )
    assert "Ticket routed to my party: 2\n" in body
    assert f"  - {first.reference} was routed to your party: Shoes: change size" in body
    assert "/portal/notifications/" in body

    # Once a day: a second run (a retried beat) sends nothing; the next morning does.
    assert digest_send() == 0
    with time_machine.travel(timezone.now() + timedelta(hours=24)):
        assert digest_send() == 1


def test_the_command_sends_the_digest(cast, capsys, settings):
    settings.LANGUAGE_CODE = "en"
    supervisor = _with_email(cast.user("starmall", Role.ADMIN), "ops@starmall.example")
    NotificationSettings.objects.create(user=supervisor, digest=True)
    mail.outbox.clear()
    call_command("notifications_digest")
    assert "digests sent: 1" in capsys.readouterr().out
    assert "Starmall" in mail.outbox[0].body
    call_command("notifications_digest")
    assert "digests sent: 0" in capsys.readouterr().out
    call_command("notifications_digest", "--force")
    assert "digests sent: 1" in capsys.readouterr().out
