"""The bell, the notifications page, the settings page and the API: each person sees and
changes only their own; another person's notification is 404; API keys are refused."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from notifications.delivery import notification_emails_send
from notifications.models import Notification, NotificationSettings
from tenants.middleware import ACTING_PARTY_SESSION_KEY
from tenants.models import ApiKey, ApiKeyScope, Membership, Role
from tests.conftest import drive, make_ticket
from tickets.services import ticket_assign

pytestmark = pytest.mark.django_db


def signed_in(user, party=None) -> Client:
    client = Client()
    client.force_login(user)
    if party is not None:
        session = client.session
        session[ACTING_PARTY_SESSION_KEY] = party.pk
        session.save()
    return client


@pytest.fixture
def routed(cast):
    ticket, _token = make_ticket(cast)
    return drive(cast, ticket, "routed")


def _note_of(user) -> Notification:
    return Notification.objects.get(recipient=user)


def test_the_bell_shows_the_unread_count_on_every_page(cast, routed):
    page = signed_in(cast.user("north-peak", Role.SUPERVISOR)).get("/portal/inbox/")
    assert b'data-collab-live="/ws/notifications/"' in page.content
    assert b'<span class="bell-count" aria-live="polite">1</span>' in page.content
    page = signed_in(cast.user("lucy-live", Role.SUPERVISOR)).get("/portal/inbox/")
    assert b'<span class="bell-count" aria-live="polite">0</span>' in page.content


def test_list_open_and_mark_read(cast, routed):
    supervisor = cast.user("north-peak", Role.SUPERVISOR)
    # The supervisor also works for the merchant and acts for it now.
    Membership.objects.create(user=supervisor, party=cast.merchant, role=Role.AGENT)
    client = signed_in(supervisor, cast.merchant)
    page = client.get("/portal/notifications/")
    assert page.status_code == 200
    assert routed.reference in page.content.decode()
    assert "North Peak" in page.content.decode()
    note = _note_of(supervisor)
    # Opening it marks it read and shows the ticket as the party that was notified.
    response = client.post(f"/portal/notifications/{note.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == f"/portal/t/{routed.reference}/"
    assert client.get(response["Location"]).status_code == 200
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_one_and_mark_all(cast, routed):
    admin = cast.user("north-peak", Role.ADMIN)
    client = signed_in(admin)
    note = _note_of(admin)
    assert client.post(f"/portal/notifications/{note.pk}/read/").status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None
    second, _token = make_ticket(cast, order_number="DY2")
    drive(cast, second, "routed")
    assert client.post("/portal/notifications/read-all/").status_code == 302
    assert not Notification.objects.filter(recipient=admin, read_at__isnull=True).exists()


def test_another_persons_notification_is_not_found(cast, routed):
    note = _note_of(cast.user("north-peak", Role.SUPERVISOR))
    for user, party in [
        (cast.user("north-peak", Role.ADMIN), cast.brand),  # same party, another person
        (cast.user("stranger-brand", Role.ADMIN), cast.outsider),
    ]:
        client = signed_in(user, party)
        for action in ("read", "open"):
            response = client.post(f"/portal/notifications/{note.pk}/{action}/")
            assert response.status_code == 404
        listed = client.get("/portal/notifications/").content.decode()
        assert f'data-notification="{note.pk}"' not in listed
    assert (
        routed.reference
        not in signed_in(cast.user("stranger-brand", Role.ADMIN))
        .get("/portal/notifications/")
        .content.decode()
    )
    note.refresh_from_db()
    assert note.read_at is None
    assert (
        signed_in(cast.user("north-peak", Role.ADMIN)).get("/portal/notifications/").status_code
        == 200
    )


def test_signed_out_people_are_sent_to_login(client):
    for url in ("/portal/notifications/", "/portal/notifications/settings/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_someone_who_left_the_party_no_longer_sees_its_notifications(cast, routed):
    supervisor = cast.user("north-peak", Role.SUPERVISOR)
    Membership.objects.create(user=supervisor, party=cast.merchant, role=Role.AGENT)
    Membership.objects.filter(user=supervisor, party=cast.brand).delete()
    page = signed_in(supervisor, cast.merchant).get("/portal/notifications/")
    assert routed.reference not in page.content.decode()


def test_settings_are_honoured(cast, django_capture_on_commit_callbacks):
    agent = cast.user("north-peak")
    agent.email = "agent@north-peak.example"
    agent.save(update_fields=["email"])
    client = signed_in(agent)
    page = client.get("/portal/notifications/settings/")
    assert page.status_code == 200
    assert b'name="digest"' not in page.content  # agents get no digest
    # Bell off for assignments but e-mail on; nothing else by e-mail.
    kinds = ["routed", "sla_warning", "sla_breached", "buyer_replied", "escalated"]
    response = client.post(
        "/portal/notifications/settings/",
        {"in_app": kinds, "email": ["assigned"], "digest": "on"},
    )
    assert response.status_code == 302
    choices = NotificationSettings.objects.get(user=agent)
    assert choices.muted_kinds == ["assigned", "escalation_decided"]
    assert choices.email_kinds == ["assigned"]
    assert choices.digest is False
    assert (
        client.post("/portal/notifications/settings/", {"in_app": ["nonsense"]}).status_code == 400
    )

    ticket, _token = make_ticket(cast)
    ticket = drive(cast, ticket, "in_progress")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_assign(
            ticket=ticket, assignee=agent, actor=cast.actor("north-peak", Role.SUPERVISOR)
        )
    # Sent after the commit: in the web process on the embedded default, by a Celery task
    # with a broker (run here as the worker would).
    notification_emails_send()
    note = Notification.objects.get(recipient=agent)
    assert (note.kind, note.in_app, note.email_state) == ("assigned", False, "sent")
    assert [m.to for m in mail.outbox] == [["agent@north-peak.example"]]
    assert ticket.reference in mail.outbox[0].subject
    assert f"/portal/t/{ticket.reference}/" in mail.outbox[0].body
    # Not in the bell: not counted, not listed.
    assert b'aria-live="polite">0</span>' in client.get("/portal/notifications/").content


def test_a_kind_turned_off_everywhere_writes_nothing(cast):
    supervisor = cast.user("north-peak", Role.SUPERVISOR)
    NotificationSettings.objects.create(user=supervisor, muted_kinds=["routed"])
    ticket, _token = make_ticket(cast)
    drive(cast, ticket, "routed")
    assert not Notification.objects.filter(recipient=supervisor).exists()
    assert Notification.objects.filter(recipient=cast.user("north-peak", Role.ADMIN)).exists()


# ---- API ----


def _api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_api_lists_and_marks_read_for_the_signed_in_person(cast, routed):
    supervisor = cast.user("north-peak", Role.SUPERVISOR)
    client = _api(supervisor)
    body = client.get("/api/v1/notifications/").json()
    assert body["unread"] == 1 and body["has_next"] is False
    [row] = body["results"]
    assert (row["kind"], row["ticket"], row["party"]) == ("routed", routed.reference, "north-peak")
    assert client.get("/api/v1/notifications/", {"page_size": 0}).status_code == 400
    # Someone else's id is ignored, one's own is marked.
    theirs = _note_of(cast.user("north-peak", Role.ADMIN))
    marked = client.post("/api/v1/notifications/read/", {"ids": [theirs.pk]}, format="json")
    assert marked.json() == {"marked": 0, "unread": 1}
    marked = client.post("/api/v1/notifications/read/", {"ids": [row["id"]]}, format="json")
    assert marked.json() == {"marked": 1, "unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    bad = client.post("/api/v1/notifications/read/", {}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    outsider = _api(cast.user("stranger-brand", Role.ADMIN)).get("/api/v1/notifications/")
    assert outsider.json()["results"] == []


def test_api_keys_have_no_notifications(cast, routed):
    _key, raw = ApiKey.issue(party=cast.brand, name="oms", scopes=list(ApiKeyScope.values))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for response in (
        client.get("/api/v1/notifications/"),
        client.post("/api/v1/notifications/read/", {"all": True}, format="json"),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "session_required"
    assert APIClient().get("/api/v1/notifications/").status_code in (401, 403)
