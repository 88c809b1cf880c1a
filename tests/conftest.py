"""Shared cast (STYLE.md §8): a platform in strong and one in weak oversight, a streamer, two
brands, a merchant, an outsider, and their people; plus helpers to build tickets in any state."""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import pytest
from asgiref.sync import SyncToAsync
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from collab.config_cache import config_cache_clear
from tenants.actors import Actor
from tenants.models import (
    ApiKey,
    ApiKeyScope,
    Membership,
    Oversight,
    Partnership,
    Party,
    PartyKind,
    Role,
)
from tickets.models import Outcome, Ticket, TicketCategory
from tickets.services import ticket_create, ticket_perform

requires_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
)


@pytest.fixture(scope="session", autouse=True)
def _close_connection_pools(django_db_setup, django_db_blocker):
    """Async tests (sockets, live servers) reach PostgreSQL from worker threads, whose pooled
    connections would keep the test database busy when pytest-django drops it."""
    yield
    with django_db_blocker.unblock():
        # sync_to_async runs database code in one shared thread when no outer async_to_sync
        # exists (pytest-asyncio); its connection is that thread's own.
        SyncToAsync.single_thread_executor.submit(connections.close_all).result()
        if hasattr(connection, "close_pool"):
            connection.close_pool()


@pytest.fixture(autouse=True)
def _ticket_categories(request) -> None:
    """Every test that touches the database finds the seeded categories. The flush after a
    transactional test empties what the data migration seeded; it is put back here (cheaply, one
    query when present) instead of by serialized rollback, which clashes with the content types
    that a flush recreates."""
    if request.node.get_closest_marker("django_db") is None and not (
        {"db", "transactional_db"} & set(request.fixturenames)
    ):
        return
    request.getfixturevalue("db")
    if not TicketCategory.objects.exists():
        seed = importlib.import_module("tickets.migrations.0002_seed_ticket_categories").seed
        seed(django_apps, None)


@pytest.fixture(autouse=True)
def _no_cached_configuration() -> None:
    """Each test starts with no cached configuration: a rolled-back test's rows (SQLite hands
    their ids out again) and categories re-seeded after a flush must not live on in it."""
    config_cache_clear()


@pytest.fixture(autouse=True)
def _no_background_sender(settings) -> None:
    """No webhook-sender thread: tests that send webhooks drive ``deliver_due`` themselves. A
    thread left running across tests would hold the in-memory SQLite database while a
    transactional test's teardown flushes it ("database table is locked")."""
    settings.COLLAB_WEBHOOK_INPROCESS_WORKER = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in LANGUAGE_CODE: a language an earlier test's request activated in this
    thread must not decide the language of texts a later test writes (reasons, notes)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@dataclass
class Cast:
    platform: Party
    weak_platform: Party
    streamer: Party
    weak_streamer: Party
    brand: Party
    other_brand: Party
    merchant: Party
    outsider: Party
    members: dict[str, Membership]

    def actor(self, slug: str, role: str = Role.AGENT) -> Actor:
        return Actor.for_membership(self.members[f"{slug}:{role}"])

    def user(self, slug: str, role: str = Role.AGENT):
        return self.members[f"{slug}:{role}"].user


def _party(slug: str, kind: str, **extra) -> Party:
    return Party.objects.create(slug=slug, name=slug.replace("-", " ").title(), kind=kind, **extra)


@pytest.fixture
def cast(db) -> Cast:
    platform = _party("starmall", PartyKind.PLATFORM, oversight=Oversight.STRONG)
    weak_platform = _party("quietmall", PartyKind.PLATFORM, oversight=Oversight.WEAK)
    streamer = _party("lucy-live", PartyKind.STREAMER, platform=platform)
    weak_streamer = _party("quiet-live", PartyKind.STREAMER, platform=weak_platform)
    brand = _party("north-peak", PartyKind.BRAND)
    other_brand = _party("glow-lab", PartyKind.BRAND)
    merchant = _party("swift-ship", PartyKind.MERCHANT)
    outsider = _party("stranger-brand", PartyKind.BRAND)
    for s in (streamer, weak_streamer):
        for partner in (brand, other_brand, merchant):
            Partnership.objects.create(streamer=s, partner=partner)
    User = get_user_model()
    members: dict[str, Membership] = {}
    for party in (
        platform,
        weak_platform,
        streamer,
        weak_streamer,
        brand,
        other_brand,
        merchant,
        outsider,
    ):
        for role in Role.values:
            user = User.objects.create_user(f"{party.slug}-{role}", password="pw-collab-test")
            members[f"{party.slug}:{role}"] = Membership.objects.create(
                user=user, party=party, role=role
            )
    return Cast(
        platform,
        weak_platform,
        streamer,
        weak_streamer,
        brand,
        other_brand,
        merchant,
        outsider,
        members,
    )


SIZE_FORM = {"new_size": "42", "new_colour": "black"}


def make_ticket(cast: Cast, *, streamer: Party | None = None, **overrides) -> tuple[Ticket, str]:
    streamer = streamer or cast.streamer
    fields = {
        "category": TicketCategory.objects.get(code="size_colour_change"),
        "subject": "Shoes: change size",
        "order_number": "DY2026111100001",
        "buyer_name": "张三丰",
        "buyer_phone": "13812345678",
        "buyer_address": {
            "province": "浙江省",
            "city": "杭州市",
            "district": "西湖区",
            "detail": "文三路 90 号 502 室",
        },
        "buyer_consent": True,
        "form_data": SIZE_FORM,
        "brand": cast.brand,
        "merchant": cast.merchant,
    }
    fields.update(overrides)
    return ticket_create(actor=cast.actor(streamer.slug), **fields)


# Action paths that bring a fresh ticket to each state, with the brand as handler.
def _route(cast, streamer):
    return ("route", cast.actor(streamer.slug), {"to_party": cast.brand})


def drive(cast: Cast, ticket: Ticket, state: str, *, streamer: Party | None = None) -> Ticket:
    """Move a new ticket to ``state`` along the ordinary path, acting as the right parties."""
    streamer = streamer or cast.streamer
    brand = cast.actor(cast.brand.slug)
    paths = {
        "new": [],
        "routed": [_route(cast, streamer)],
        "in_progress": [_route(cast, streamer), ("accept", brand, {})],
        "awaiting_buyer": [
            _route(cast, streamer),
            ("accept", brand, {}),
            ("request_info", brand, {"question": "Photo please"}),
        ],
        "resolved": [
            _route(cast, streamer),
            ("accept", brand, {}),
            ("resolve", brand, {"outcome": Outcome.EXCHANGE}),
        ],
        "closed": [
            _route(cast, streamer),
            ("accept", brand, {}),
            ("resolve", brand, {"outcome": Outcome.EXCHANGE}),
            ("close", cast.actor(streamer.slug), {}),
        ],
        "escalated": [_route(cast, streamer), ("escalate", brand, {"reason": "Stuck"})],
        "cancelled": [("cancel", cast.actor(streamer.slug), {"reason": "Withdrawn"})],
    }
    for action, actor, args in paths[state]:
        ticket = ticket_perform(ticket=ticket, action=action, actor=actor, **args)
    assert ticket.state == state
    return ticket


class KeyClients:
    def __init__(self, cast) -> None:
        self.cast = cast
        self._clients: dict[tuple[str, tuple[str, ...]], APIClient] = {}

    def __call__(self, slug: str, *scopes: str) -> APIClient:
        scopes = scopes or tuple(s.value for s in ApiKeyScope)
        if (slug, scopes) not in self._clients:
            party = next(p for p in self._parties() if p.slug == slug)
            _key, raw = ApiKey.issue(party=party, name=f"test {slug}", scopes=list(scopes))
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
            self._clients[(slug, scopes)] = client
        return self._clients[(slug, scopes)]

    def _parties(self):
        c = self.cast
        return [
            c.platform,
            c.weak_platform,
            c.streamer,
            c.weak_streamer,
            c.brand,
            c.other_brand,
            c.merchant,
            c.outsider,
        ]


@pytest.fixture
def api(cast) -> KeyClients:
    return KeyClients(cast)


@pytest.fixture
def login(cast):
    """Portal clients signed in as a member of the cast, in English unless a test asks for
    Chinese."""

    def as_member(slug: str, role: str = "agent", language: str = "en") -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(cast.user(slug, role))
        return client

    return as_member
