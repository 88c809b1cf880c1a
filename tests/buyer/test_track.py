"""``/track``: order number + last four phone digits, rate limited, revealing nothing on a miss."""

from __future__ import annotations

import pytest

from buyer.ratelimit import TRACK_LIMIT
from tests.conftest import make_ticket

pytestmark = pytest.mark.django_db


def test_matching_pair_shows_the_status(client, cast):
    ticket, _token = make_ticket(cast, order_number="DY2026111100001")
    response = client.post("/track", {"order_number": "DY2026111100001", "phone_last4": "5678"})
    assert response.status_code == 200
    assert [r["reference"] for r in response.context["results"]] == [ticket.reference]
    page = response.content.decode()
    assert ticket.reference in page and cast.brand.name not in page


def test_wrong_phone_looks_exactly_like_an_unknown_order(client, cast):
    make_ticket(cast, order_number="DY2026111100001")
    wrong_phone = client.post("/track", {"order_number": "DY2026111100001", "phone_last4": "0000"})
    no_order = client.post("/track", {"order_number": "DY2099999999999", "phone_last4": "0000"})
    assert wrong_phone.status_code == no_order.status_code == 200
    assert wrong_phone.context["results"] == no_order.context["results"] == []
    # Same page apart from the CSRF token.
    strip = lambda r: r.content.decode().split("csrfmiddlewaretoken")[0]  # noqa: E731
    assert strip(wrong_phone) == strip(no_order)


def test_bad_input_is_a_400_with_field_errors(client, cast):
    response = client.post("/track", {"order_number": "", "phone_last4": "12a4"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"order_number", "phone_last4"}


def test_lookups_are_rate_limited_per_address(client, cast):
    allowed, _window = TRACK_LIMIT
    for attempt in range(allowed):
        response = client.post(
            "/track", {"order_number": f"DY{attempt:06d}", "phone_last4": "1234"}
        )
        assert response.status_code == 200
    blocked = client.post("/track", {"order_number": "DY000001", "phone_last4": "1234"})
    assert blocked.status_code == 429
    other = client.post(
        "/track", {"order_number": "DY000001", "phone_last4": "1234"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 200
