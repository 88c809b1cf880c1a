"""Portal tests sign in as people of the shared cast (tests/conftest.py), in English unless a
test asks for Chinese."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def login(cast):
    def as_member(slug: str, role: str = "agent", language: str = "en") -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(cast.user(slug, role))
        return client

    return as_member
