"""Phrase lists for the shared cast: north-peak's own, starmall's platform-wide list (lucy-live
sells on starmall) and another brand's, which must never apply to north-peak."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from quality.matching import phrase_normalise
from quality.models import QualityPhrase, Severity
from tests.conftest import drive, make_ticket


@pytest.fixture(autouse=True)
def _fresh_phrase_cache():
    # Phrase lists are cached per party id, and ids come back after a test's rollback.
    cache.clear()
    yield
    cache.clear()


def listed(party, phrase: str, severity: str) -> QualityPhrase:
    return QualityPhrase.objects.create(
        party=party, phrase=phrase, normalised=phrase_normalise(phrase), severity=severity
    )


@pytest.fixture
def phrases(cast):
    return {
        "own_block": listed(cast.brand, "滚", Severity.BLOCK),
        "own_warn": listed(cast.brand, "保证退款", Severity.WARN),
        "platform_block": listed(cast.platform, "加微信", Severity.BLOCK),
        "other_block": listed(cast.other_brand, "亲爱的", Severity.BLOCK),
    }


@pytest.fixture
def ticket(cast):
    """On starmall, in progress with north-peak."""
    ticket, _token = make_ticket(cast)
    return drive(cast, ticket, "in_progress")
