"""Schemathesis against /api/schema/, in process: no 5xx, responses conform to the schema.

Path parameters are pinned to real objects (a ticket, its buyer token, a webhook endpoint, a
campaign the key's party ships for, a finished export job) so the operations run their real code,
not only their 404s.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from bulk.services import bulk_export_create
from campaigns.services import campaign_create
from integrations.models import WebhookEndpoint
from tenants.models import ApiKey
from tests.conftest import drive, make_ticket

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))

schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())


@pytest.fixture
def world(cast, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.COLLAB_BULK_RUNNER = "inline"
    ticket, token = make_ticket(cast)
    drive(cast, ticket, "in_progress")
    endpoint = WebhookEndpoint.objects.create(party=cast.brand, url="http://127.0.0.1:9/x")
    campaign = campaign_create(
        actor=cast.actor("lucy-live"),
        name="Giveaway",
        slug="schema-giveaway",
        prize="Shoes",
        opens_at=timezone.now() - timedelta(hours=1),
        closes_at=timezone.now() + timedelta(hours=1),
        handling_party=cast.brand,
    )
    job = bulk_export_create(actor=cast.actor("north-peak"))
    _key, raw = ApiKey.issue(party=cast.brand, name="schemathesis")
    # Campaigns are written by their streamer: its key reaches the paths a brand's cannot.
    _key, streamer_raw = ApiKey.issue(party=cast.streamer, name="schemathesis")
    # As Django's test client does: the WSGI handler must not close the test's connection
    # (it lives inside the test transaction) at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {
        "headers": {"Authorization": f"Bearer {raw}"},
        "streamer_headers": {"Authorization": f"Bearer {streamer_raw}"},
        "params": {
            "reference": ticket.reference,
            "token": token,
            "endpoint_id": endpoint.pk,
            "slug": campaign.slug,
            "job_id": str(job.public_id),
        },
    }
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.include(
    path_regex="^/api/v1/(tickets|webhooks|public|products|routing-rules|sla-policies|calendars"
    "|stats|campaigns|bulk-jobs)"
).parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case, world):
    _call_and_check(case, world, world["headers"])


@pytest.mark.django_db
@schema.include(path_regex="^/api/v1/campaigns").parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_campaign_api_conforms_to_its_schema_for_the_streamer(case, world):
    _call_and_check(case, world, world["streamer_headers"])


def _call_and_check(case, world, headers) -> None:
    for name, value in world["params"].items():
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = value
    response = case.call(headers=headers)
    case.validate_response(
        response,
        checks=(
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ),
    )
