"""The header's navigation reaches the bulk jobs and campaigns pages for the parties that use
them (campaigns are run by streamers and shipped by brands or merchants; platforms have none)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("slug", "campaigns"),
    [("lucy-live", True), ("north-peak", True), ("swift-ship", True), ("starmall", False)],
)
def test_nav_links_bulk_jobs_and_campaigns(cast, login, slug, campaigns):
    text = login(slug).get("/portal/inbox/").content.decode()
    nav = text[text.index("<nav") : text.index("</nav>")]
    assert 'href="/portal/bulk/"' in nav
    assert ('href="/portal/campaigns/"' in nav) is campaigns
    for link in ["/portal/bulk/", *(["/portal/campaigns/"] if campaigns else [])]:
        assert login(slug).get(link).status_code == 200
