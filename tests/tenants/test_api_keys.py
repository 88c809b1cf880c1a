"""API keys (shown once, stored as a digest, revocable) and the acting party of a person."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from rest_framework import exceptions
from rest_framework.request import Request

from tenants.actors import Actor, ActorKind
from tenants.authentication import ApiKeyAuthentication, ApiKeyUser
from tenants.middleware import ACTING_PARTY_SESSION_KEY, acting_membership, acting_party_set
from tenants.models import ApiKey, ApiKeyScope, Membership, Role


@pytest.fixture
def issued(cast) -> tuple[ApiKey, str]:
    return ApiKey.issue(party=cast.brand, name="OMS sync")


def test_issued_key_authenticates_as_its_party(cast, issued):
    key, raw = issued
    assert raw.startswith(f"ck_{key.prefix}_")
    found = ApiKey.authenticate(raw)
    assert found == key
    assert found.party == cast.brand
    actor = Actor.for_api_key(found)
    assert (actor.kind, actor.party, actor.can_act) == (ActorKind.API_KEY, cast.brand, True)


def test_only_a_digest_is_stored(issued):
    key, raw = issued
    secret = raw.split("_", 2)[2]
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert all(secret not in str(value) for value in stored.values())
    assert raw not in str(stored)
    assert len(stored["digest"]) == 64 and stored["digest"] != secret


def test_each_issue_gives_a_new_key(cast, issued):
    _key, raw = issued
    _other, other_raw = ApiKey.issue(party=cast.brand, name="OMS sync")
    assert raw != other_raw
    assert ApiKey.authenticate(other_raw) == _other


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda raw: raw[:-1] + ("A" if raw[-1] != "A" else "B"), id="wrong-secret"),
        pytest.param(lambda raw: "ck_00000000_" + raw.split("_", 2)[2], id="unknown-prefix"),
        pytest.param(lambda raw: "xx" + raw[2:], id="wrong-marker"),
        pytest.param(lambda raw: raw.rsplit("_", 1)[0], id="secret-missing"),
        pytest.param(lambda raw: "", id="empty"),
        pytest.param(lambda raw: "not a key", id="garbage"),
    ],
)
def test_wrong_keys_are_refused(issued, tamper):
    _key, raw = issued
    assert ApiKey.authenticate(tamper(raw)) is None


def test_revoked_key_is_refused(issued):
    key, raw = issued
    key.revoke()
    assert ApiKey.authenticate(raw) is None


def test_key_of_an_inactive_party_is_refused(cast, issued):
    _key, raw = issued
    cast.brand.is_active = False
    cast.brand.save(update_fields=["is_active"])
    assert ApiKey.authenticate(raw) is None


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda key, cast: key.revoke(), id="revoked"),
        pytest.param(
            lambda key, cast: (
                setattr(cast.brand, "is_active", False)
                or cast.brand.save(update_fields=["is_active"])
            ),
            id="party-deactivated",
        ),
        pytest.param(
            lambda key, cast: ApiKey.objects.get(pk=key.pk).revoke(), id="revoked-elsewhere"
        ),
    ],
)
def test_a_key_in_use_is_refused_at_once_after_a_change(client, cast, issued, change):
    """Authentication answers from a cached copy of the key; saving the key or its party drops
    the copy, so the next request is refused."""
    key, raw = issued
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/tickets/", **auth).status_code == 200
    assert client.get("/api/v1/tickets/", **auth).status_code == 200  # from the cache
    change(key, cast)
    assert client.get("/api/v1/tickets/", **auth).status_code == 401


def test_read_only_key_may_not_act(cast):
    key, _raw = ApiKey.issue(party=cast.brand, name="BI", scopes=[ApiKeyScope.READ])
    assert Actor.for_api_key(key).can_act is False


def _drf_request(header: str | None) -> Request:
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    return Request(RequestFactory().get("/api/v1/tickets/", **extra))


def test_bearer_header_authenticates_and_records_use(issued):
    key, raw = issued
    user, auth = ApiKeyAuthentication().authenticate(_drf_request(f"Bearer {raw}"))
    assert isinstance(user, ApiKeyUser) and auth == key
    key.refresh_from_db()
    assert key.last_used_at is not None


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer ck_00000000_nope"])
def test_bad_bearer_header_fails_authentication(issued, header):
    with pytest.raises(exceptions.AuthenticationFailed):
        ApiKeyAuthentication().authenticate(_drf_request(header))


def test_other_schemes_are_left_to_other_authenticators(issued):
    assert ApiKeyAuthentication().authenticate(_drf_request(None)) is None
    assert ApiKeyAuthentication().authenticate(_drf_request("Basic dTpw")) is None


def _person_request(user):
    request = RequestFactory().get("/portal/")
    request.user = user
    request.session = SessionStore()
    return request


@pytest.fixture
def two_hats(cast):
    """A person who works for the streamer and for the brand."""
    user = cast.user(cast.streamer.slug)
    Membership.objects.create(user=user, party=cast.brand, role=Role.SUPERVISOR)
    return user


def test_acting_party_switches_between_own_parties(cast, two_hats):
    request = _person_request(two_hats)
    assert acting_party_set(request, cast.brand.pk) is True
    membership = acting_membership(request)
    assert (membership.party, membership.role) == (cast.brand, Role.SUPERVISOR)
    assert acting_party_set(request, cast.streamer.pk) is True
    assert acting_membership(request).party == cast.streamer


def test_acting_party_refuses_a_party_the_person_is_not_a_member_of(cast, two_hats):
    request = _person_request(two_hats)
    assert acting_party_set(request, cast.brand.pk) is True
    for party in (cast.outsider, cast.platform, cast.merchant):
        assert acting_party_set(request, party.pk) is False
    assert acting_party_set(request, 10**9) is False
    assert request.session[ACTING_PARTY_SESSION_KEY] == cast.brand.pk
    assert acting_membership(request).party == cast.brand


def test_acting_party_falls_back_when_the_membership_is_gone(cast, two_hats):
    request = _person_request(two_hats)
    acting_party_set(request, cast.brand.pk)
    Membership.objects.filter(user=two_hats, party=cast.brand).delete()
    assert acting_membership(request).party == cast.streamer


def test_an_inactive_party_cannot_be_acted_for(cast, two_hats):
    cast.brand.is_active = False
    cast.brand.save(update_fields=["is_active"])
    request = _person_request(two_hats)
    assert acting_party_set(request, cast.brand.pk) is False
    assert acting_membership(request).party == cast.streamer
