"""Socket fixtures from tests/collab, and webhooks sent by the tests themselves."""

from __future__ import annotations

import pytest

from tests.collab.conftest import any_layer, memory_layer  # noqa: F401


@pytest.fixture(autouse=True)
def _webhooks_sent_by_the_test(settings) -> None:
    # Robot deliveries are driven by the tests (deliver_due) against a local receiver.
    settings.COLLAB_WEBHOOK_INPROCESS_WORKER = False
    settings.COLLAB_WEBHOOK_ALLOW_PRIVATE_URLS = True
