"""The isolation matrix, generated from the URL conf: for every /api/v1/ route and method, a key
of every party that may not see the objects gets 404 and never finds them in a list."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from attachments.services import attachment_add
from bulk.models import BulkJob, BulkKind
from campaigns.models import Campaign
from integrations.delivery import deliver_due
from integrations.models import WebhookEndpoint
from tests.conftest import drive, make_ticket
from tickets.models import RoutingRule, Visibility
from tickets.services import comment_add


def _api_routes() -> list[tuple[str, object]]:
    """(route template, view class) for every pattern under api/v1/."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                found.append((prefix + str(pattern.pattern), pattern.callback.view_class))

    api = next(
        p for p in get_resolver().url_patterns if str(getattr(p, "pattern", "")) == "api/v1/"
    )
    walk(api.url_patterns, "/api/v1/")
    return found


# Person-scoped routes (``session_only``: a person's notifications) refuse every API key with
# 403; their isolation between people is tested in tests/notifications/test_pages.py.
ROUTES = [(route, view) for route, view in _api_routes() if not getattr(view, "session_only", 0)]
METHODS = ("get", "post", "patch", "put", "delete")
# Parties that may not see the victim ticket (streamer → brand; platform "starmall" is strong).
STRANGERS = ["quietmall", "quiet-live", "glow-lab", "swift-ship", "stranger-brand"]


@pytest.fixture
def victim(cast, api, tmp_path, settings):
    """A ticket between lucy-live and north-peak with an internal note, a file, and north-peak's
    webhook endpoint with a delivery; every URL kwarg the API knows is filled from it."""
    settings.MEDIA_ROOT = str(tmp_path)
    ticket, token = make_ticket(cast)
    ticket = drive(cast, ticket, "in_progress")
    brand = cast.actor("north-peak")
    comment_add(ticket=ticket, actor=brand, body="SECRET-NOTE", visibility=Visibility.INTERNAL)
    attachment = attachment_add(
        ticket=ticket,
        actor=brand,
        upload=SimpleUploadedFile("proof.txt", b"proof", content_type="text/plain"),
        visibility=Visibility.PARTIES,
    )
    endpoint = WebhookEndpoint.objects.create(party=cast.brand, url="http://127.0.0.1:9/hook")
    comment_add(ticket=ticket, actor=brand, body="hello", visibility=Visibility.PARTIES)
    delivery = endpoint.deliveries.first()
    deliver_due(max_rounds=1)
    job = BulkJob.objects.create(owner=cast.brand, kind=BulkKind.EXPORT)
    campaign = Campaign.objects.create(
        streamer=cast.streamer,
        handling_party=cast.brand,
        name="Shoes giveaway",
        slug="victim-giveaway",
        prize="Shoes",
        opens_at=timezone.now(),
        closes_at=timezone.now() + timedelta(days=1),
    )
    rule = RoutingRule.objects.create(owner=cast.streamer, name="victim rule")
    return {
        "ticket": ticket,
        "kwargs": {
            "reference": ticket.reference,
            "attachment_id": attachment.pk,
            "endpoint_id": endpoint.pk,
            "delivery_id": delivery.pk,
            "job_id": job.public_id,
            "slug": campaign.slug,
            # Every <pk> route is a party-owned configuration object (rule, policy, calendar):
            # one of lucy-live's stands for all of them.
            "pk": rule.pk,
            # A buyer token is a secret: any other string must look like no ticket at all.
            "token": "not-" + token[4:],
        },
    }


def _url(route: str, kwargs: dict) -> str:
    url = route
    for name, value in kwargs.items():
        for converter in ("str", "int", "uuid", "slug", ""):
            marker = f"<{converter}:{name}>" if converter else f"<{name}>"
            url = url.replace(marker, str(value))
    assert "<" not in url, f"{route}: add its URL kwarg to the isolation matrix"
    return url


def test_matrix_covers_every_route():
    assert len(ROUTES) >= 20
    names = {route for route, _view in ROUTES}
    assert "/api/v1/tickets/<str:reference>/actions/route/" in names


@pytest.mark.django_db
@pytest.mark.parametrize("stranger", STRANGERS)
def test_strangers_get_404_on_every_object_route(victim, api, stranger):
    client = api(stranger)
    checked = 0
    for route, view in ROUTES:
        if "<" not in route:
            continue
        url = _url(route, victim["kwargs"])
        for method in METHODS:
            if not hasattr(view, method):
                continue
            response = getattr(client, method)(url, {}, format="json")
            assert response.status_code == 404, (stranger, method, url, response.content[:200])
            assert victim["ticket"].reference not in response.content.decode()
            checked += 1
    assert checked >= 20


@pytest.mark.django_db
@pytest.mark.parametrize("stranger", STRANGERS)
def test_strangers_never_find_it_in_lists(victim, api, stranger):
    client = api(stranger)
    reference = victim["ticket"].reference
    for route, view in ROUTES:
        if "<" in route or not hasattr(view, "get"):
            continue
        for query in ({}, {"q": reference}, {"q": "DY2026"}, {"state": "in_progress"}):
            response = client.get(route, query)
            assert response.status_code == 200, (route, response.content[:200])
            body = json.dumps(response.json(), ensure_ascii=False)
            assert reference not in body
            assert "SECRET-NOTE" not in body
            assert "127.0.0.1:9/hook" not in body


@pytest.mark.django_db
def test_a_participant_does_not_see_another_partys_webhooks_or_internal_notes(victim, api):
    streamer = api("lucy-live")
    kwargs = victim["kwargs"]
    for route, view in ROUTES:
        if "endpoint_id" not in route:
            continue
        for method in METHODS:
            if hasattr(view, method):
                response = getattr(streamer, method)(_url(route, kwargs), {}, format="json")
                assert response.status_code == 404
    for suffix in ("comments/", "events/"):
        body = streamer.get(f"/api/v1/tickets/{kwargs['reference']}/{suffix}").content.decode()
        assert "SECRET-NOTE" not in body
    own = api("north-peak").get(f"/api/v1/tickets/{kwargs['reference']}/comments/")
    assert "SECRET-NOTE" in own.content.decode()


@pytest.mark.django_db
def test_the_strong_platform_sees_it_and_the_owner_its_endpoint(victim, api):
    kwargs = victim["kwargs"]
    assert api("starmall").get(f"/api/v1/tickets/{kwargs['reference']}/").status_code == 200
    assert api("north-peak").get(_url(ROUTES_BY_NAME["webhook"], kwargs)).status_code == 200


ROUTES_BY_NAME = {"webhook": "/api/v1/webhooks/endpoints/<int:endpoint_id>/"}
