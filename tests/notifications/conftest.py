"""Socket fixtures from tests/collab, and webhooks sent by the tests themselves."""

from __future__ import annotations

import pytest

from tests.collab.conftest import any_layer, memory_layer  # noqa: F401


@pytest.fixture(autouse=True)
def _local_receivers_allowed(settings) -> None:
    # The tests' receivers listen on 127.0.0.1.
    settings.COLLAB_WEBHOOK_ALLOW_PRIVATE_URLS = True
