"""Portal pages for bulk jobs and campaign review, and their isolation."""

from __future__ import annotations

import pytest
from django.test import Client

from bulk.models import BulkJob
from campaigns.models import Registration
from campaigns.services import campaign_register
from tests.bulk.files import csv_upload, size_row
from tickets.models import Ticket
from tickets.workflow import State

pytestmark = pytest.mark.django_db


def _login(cast, slug: str, role: str = "agent") -> Client:
    client = Client()
    client.force_login(cast.user(slug, role))
    return client


def test_bulk_page_starts_an_import_and_lists_it(cast):
    client = _login(cast, "lucy-live")
    response = client.post(
        "/portal/bulk/", {"kind": "import", "file": csv_upload([size_row(1), size_row(2)])}
    )
    assert response.status_code == 302
    assert Ticket.objects.count() == 2
    page = client.get("/portal/bulk/")
    job = BulkJob.objects.get()
    assert f'data-job="{job.public_id}"' in page.content.decode()
    assert 'data-collab-live="/ws/party/"' in page.content.decode()
    other = _login(cast, "north-peak").get("/portal/bulk/").content.decode()
    assert str(job.public_id) not in other


def test_review_page_approves_in_bulk_and_hides_from_outsiders(cast, campaign):
    ticket, _ = campaign_register(
        campaign=campaign,
        order_number="DY0001",
        phone="13812345678",
        form_data={"size": "42", "colour": "black", "address_confirmed": True},
    )
    streamer = _login(cast, "lucy-live")
    page = streamer.get("/portal/campaigns/d11-shoes/")
    assert page.status_code == 200
    assert "DY0001" in page.content.decode()
    response = streamer.post("/portal/campaigns/d11-shoes/", {"decision": "approve"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.handler) == (State.ROUTED, cast.merchant)
    assert "d11-shoes" in streamer.get("/portal/campaigns/").content.decode()
    for slug in ("stranger-brand", "north-peak", "starmall"):
        assert _login(cast, slug).get("/portal/campaigns/d11-shoes/").status_code == 404
    assert Registration.objects.count() == 1
