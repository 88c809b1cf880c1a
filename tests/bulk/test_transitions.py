"""Bulk transitions: each ticket passes ticket_perform's checks; refusals are per ticket."""

from __future__ import annotations

import pytest

from bulk.models import BulkStatus
from bulk.services import bulk_transition_create
from tests.conftest import drive, make_ticket
from tickets.errors import TicketPermissionDenied, TicketValidationError
from tickets.models import TicketEvent
from tickets.workflow import State

from .conftest import key_client

pytestmark = pytest.mark.django_db


def test_mixed_selection_reports_each_ticket(cast):
    fresh = [make_ticket(cast, order_number=f"DY{n}")[0] for n in range(3)]
    already = drive(cast, make_ticket(cast, order_number="DY9")[0], "routed")
    closed = drive(cast, make_ticket(cast, order_number="DY8")[0], "cancelled")
    foreign, _ = make_ticket(cast, streamer=cast.weak_streamer)  # invisible to lucy-live
    references = [t.reference for t in (*fresh, already, closed, foreign)] + ["AS-NOPE"]

    client = key_client(cast.streamer)
    response = client.post(
        "/api/v1/bulk-jobs/",
        {
            "kind": "transition",
            "action": "route",
            "args": {"to_party": "north-peak", "note": "batch"},
            "references": references,
        },
        format="json",
    )
    assert response.status_code == 202, response.json()
    job = response.json()
    assert (job["status"], job["succeeded"], job["failed"]) == ("succeeded", 3, 4)

    text = b"".join(client.get(job["results_url"]).streaming_content).decode("utf-8-sig")
    results = {line.split(",")[1]: line.split(",")[2:4] for line in text.splitlines()[1:]}
    for ticket in fresh:
        assert results[ticket.reference] == ["done", ""]
        ticket.refresh_from_db()
        assert (ticket.state, ticket.handler_id) == (State.ROUTED, cast.brand.pk)
    assert results[already.reference] == ["failed", "invalid"]  # already with them
    assert results[closed.reference] == ["failed", "conflict"]
    assert results[foreign.reference] == ["failed", "not_found"]  # invisible looks missing
    assert results["AS-NOPE"] == ["failed", "not_found"]
    assert TicketEvent.objects.filter(kind="ticket.routed", data__note="batch").count() == 3


def test_permissions_are_checked_per_ticket(cast):
    routed = [drive(cast, make_ticket(cast, order_number=f"DY{n}")[0], "routed") for n in range(2)]
    # The streamer may not accept: only the custody party (the brand) may.
    job = bulk_transition_create(
        actor=cast.actor("lucy-live"),
        action="accept",
        references=[t.reference for t in routed],
    )
    job.refresh_from_db()
    assert (job.succeeded, job.failed) == (0, 2)
    assert set(job.items.values_list("code", flat=True)) == {"permission_denied"}
    job = bulk_transition_create(
        actor=cast.actor("north-peak"), action="accept", filters={"state": "routed"}
    )
    job.refresh_from_db()
    assert (job.status, job.succeeded) == (BulkStatus.SUCCEEDED, 2)
    assert TicketEvent.objects.filter(kind="ticket.accepted").count() == 2


def test_resolve_close_and_assign_in_bulk(cast):
    tickets = [
        drive(cast, make_ticket(cast, order_number=f"DY{n}")[0], "in_progress") for n in range(3)
    ]
    refs = [t.reference for t in tickets]
    brand = cast.actor("north-peak", "supervisor")
    job = bulk_transition_create(
        actor=brand, action="assign", args={"assignee": "north-peak-agent"}, references=refs
    )
    job.refresh_from_db()
    assert job.succeeded == 3
    job = bulk_transition_create(
        actor=brand,
        action="resolve",
        args={"outcome": "reissue", "note": "gift shipped"},
        references=refs,
    )
    job.refresh_from_db()
    assert job.succeeded == 3
    job = bulk_transition_create(actor=cast.actor("lucy-live"), action="close", references=refs)
    job.refresh_from_db()
    assert job.succeeded == 3
    for ticket in tickets:
        ticket.refresh_from_db()
        assert (ticket.state, ticket.outcome) == (State.CLOSED, "reissue")


def test_bad_requests_are_refused_before_any_work(cast):
    actor = cast.actor("lucy-live")
    with pytest.raises(TicketValidationError):
        bulk_transition_create(actor=actor, action="teleport", references=["AS-1"])
    with pytest.raises(TicketValidationError):
        bulk_transition_create(actor=actor, action="resolve", references=["AS-1"])  # no outcome
    with pytest.raises(TicketValidationError):
        bulk_transition_create(actor=actor, action="close", references=["AS-1"], filters={})
    with pytest.raises(TicketValidationError):
        bulk_transition_create(actor=actor, action="close", filters={"state": "dreaming"})
    with pytest.raises(TicketValidationError):
        bulk_transition_create(actor=actor, action="close", filters={"state": "resolved"})
    with pytest.raises(TicketPermissionDenied):
        bulk_transition_create(
            actor=cast.actor("lucy-live", "viewer"), action="close", references=["AS-1"]
        )
