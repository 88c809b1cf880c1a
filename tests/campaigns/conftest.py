"""Campaign tests: review jobs run inline, files go to a temp dir; a running campaign."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tenants.models import ApiKey, ApiKeyScope, Party


@pytest.fixture(autouse=True)
def _bulk_inline(settings, tmp_path) -> None:
    settings.COLLAB_BULK_RUNNER = "inline"
    settings.MEDIA_ROOT = str(tmp_path / "media")


def key_client(party: Party, *scopes: str) -> APIClient:
    """An API client holding a fresh key of ``party`` (all scopes unless named)."""
    _key, raw = ApiKey.issue(
        party=party, name="bulk test", scopes=list(scopes) or [s.value for s in ApiKeyScope]
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def campaign(cast):
    from datetime import timedelta

    from django.utils import timezone

    from campaigns.services import campaign_create

    now = timezone.now()
    return campaign_create(
        actor=cast.actor("lucy-live"),
        name="Double 11 shoes giveaway",
        slug="d11-shoes",
        prize="Running shoes",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=5),
        handling_party=cast.merchant,
        size_options=["40", "41", "42"],
        colour_options=["black", "white"],
        eligibility="list",
        eligible_orders=["DY0001", "DY0002"],
    )
