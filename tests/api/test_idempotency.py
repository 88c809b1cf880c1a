"""Idempotency-Key: retried, conflicting, malformed and concurrent keys."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import connection

from integrations.models import IdempotencyRecord
from tests.api.conftest import CREATE_BODY
from tests.conftest import requires_postgres
from tickets.models import Ticket, TicketEvent


def _post(client, key: str, body=CREATE_BODY):
    return client.post("/api/v1/tickets/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_a_retried_request_replays_the_first_answer_without_acting_again(api):
    client = api("lucy-live")
    first = _post(client, "order-1-size")
    again = _post(client, "order-1-size")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1 and TicketEvent.objects.count() == 1


@pytest.mark.django_db
def test_structured_field_quotes_are_the_same_key(api):
    client = api("lucy-live")
    _post(client, "k-1")
    assert _post(client, '"k-1"').headers.get("Idempotent-Replayed") == "true"


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(api):
    client = api("lucy-live")
    _post(client, "k-2")
    response = _post(client, "k-2", {**CREATE_BODY, "subject": "Something else"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "ключ", "tab\there"])
def test_malformed_keys_are_refused(api, key):
    response = _post(api("lucy-live"), key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["field_errors"]
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_keys_are_scoped_per_party_and_path(api, cast):
    assert _post(api("lucy-live"), "shared").status_code == 201
    assert _post(api("quiet-live"), "shared").status_code == 201  # another party: a new ticket
    reference = Ticket.objects.filter(originator=cast.streamer).get().reference
    comment = api("lucy-live").post(
        f"/api/v1/tickets/{reference}/comments/",
        {"body": "hi"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="shared",
    )
    assert comment.status_code == 201  # another path
    assert Ticket.objects.count() == 2


@pytest.mark.django_db
def test_failed_requests_are_not_stored_so_a_fixed_retry_runs(api):
    client = api("lucy-live")
    bad = _post(client, "k-3", {**CREATE_BODY, "category": "nope"})
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.exists()


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_request_with_the_same_key_gets_409(api):
    """Request A takes the key, then waits to insert its ticket while the test holds the
    tickets table in SHARE mode; B with the same key arrives meanwhile and is refused at once;
    A finishes; C replays A."""
    client = api("lucy-live")
    _post(client, "warm-up")
    settings = connection.settings_dict
    blocker = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=False,
    )
    blocker.execute("LOCK TABLE tickets_ticket IN SHARE MODE")
    results = {}

    def request_a():
        try:
            results["a"] = _post(client, "busy")
        finally:
            connection.close()  # this thread's own connection, so the test database can drop

    thread = threading.Thread(target=request_a)
    thread.start()
    watcher = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    )
    while (
        thread.is_alive()
        and not watcher.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"
        ).fetchone()[0]
    ):
        thread.join(timeout=0.01)  # wait until A is blocked inside its transaction
    assert thread.is_alive(), "request A finished without waiting on the held lock"
    b = _post(client, "busy")
    blocker.rollback()
    thread.join()
    blocker.close()
    watcher.close()
    assert b.status_code == 409
    assert b.json()["code"] == "idempotency_in_flight"
    assert results["a"].status_code == 201
    c = _post(client, "busy")
    assert c.status_code == 201 and c.json() == results["a"].json()
    assert Ticket.objects.count() == 2
