"""Bulk jobs run inline after commit in tests (no thread, no broker), files go to a temp dir."""

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
