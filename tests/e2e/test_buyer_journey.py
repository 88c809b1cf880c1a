"""A buyer submits a size/colour change on a phone-sized page and watches it move, live."""

from __future__ import annotations

import pytest

from tenants.models import ApiKey

from .conftest import api

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _step(page) -> str:
    return page.locator("#live-status").get_attribute("data-step")


@pytest.fixture
def keys(cast) -> dict[str, str]:
    """API keys of the streamer and the brand; made before the browser starts, since Django
    refuses database calls from the thread where Playwright's event loop runs."""
    return {
        "streamer": ApiKey.issue(party=cast.streamer, name="lucy oms")[1],
        "brand": ApiKey.issue(party=cast.brand, name="north peak desk")[1],
    }


def test_buyer_watches_the_brand_accept_and_resolve_then_confirms(keys, live_server_url, browser):
    base = live_server_url
    streamer_key, brand_key = keys["streamer"], keys["brand"]

    page = browser.new_context(locale="zh-CN", **PHONE).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/r/lucy-live/size_colour_change")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.fill("[name=order_number]", "DY2026111100777")
    page.fill("[name=buyer_phone]", "13812345678")
    page.fill("[name=fd_new_size]", "43")
    page.fill("[name=fd_new_colour]", "灰色")
    page.check("[name=buyer_consent]")
    page.click("button[type=submit]")

    reference = page.locator("#reference").inner_text().strip()
    link = page.locator("#tracking-link").input_value()
    assert reference.startswith("AS-") and "/t/" in link
    page.goto(link)
    assert _step(page) == "submitted"
    page.wait_for_selector("#live-indicator.live")
    # A reload would wipe this marker: every later step must arrive without one.
    page.evaluate("window.__noReload = true")

    api(
        base,
        streamer_key,
        "POST",
        f"tickets/{reference}/actions/route/",
        {"to_party": "north-peak"},
    )
    api(base, brand_key, "POST", f"tickets/{reference}/actions/accept/")
    page.wait_for_selector("#live-status[data-step=in_progress]")
    api(
        base,
        brand_key,
        "POST",
        f"tickets/{reference}/comments/",
        {"body": "新鞋今天发出", "visibility": "public"},
    )
    page.wait_for_selector("#timeline li:has-text('新鞋今天发出')")
    api(base, brand_key, "POST", f"tickets/{reference}/actions/resolve/", {"outcome": "exchange"})
    page.wait_for_selector("#live-status[data-step=resolved]")
    page.wait_for_selector(".action-confirm button")
    assert page.evaluate("window.__noReload") is True
    assert "North Peak" not in page.content()

    page.click(".action-confirm button")
    page.wait_for_selector("#live-status[data-step=closed]")
    page.wait_for_selector(".action-rate")
    detail = api(base, streamer_key, "GET", f"tickets/{reference}/")
    assert detail["state"] == "closed"
