from __future__ import annotations

import pytest

from integrations.models import WebhookEndpoint
from tenants.models import ApiKey
from tickets.models import BusinessCalendar, RoutingRule

pytestmark = pytest.mark.django_db

PAGES = [
    "/portal/settings/",
    "/portal/settings/keys/",
    "/portal/settings/webhooks/",
    "/portal/settings/calendars/",
]


@pytest.mark.parametrize("page", PAGES)
def test_only_party_admins(cast, login, client, page):
    assert client.get(page).status_code == 302
    assert login(cast.brand.slug, "admin").get(page).status_code == 200
    for role in ("supervisor", "agent", "viewer"):
        assert login(cast.brand.slug, role).get(page).status_code == 403


def test_rules_and_policies_only_for_streamers_and_platforms(cast, login):
    assert login(cast.streamer.slug, "admin").get("/portal/settings/rules/").status_code == 200
    assert login(cast.platform.slug, "admin").get("/portal/settings/policies/").status_code == 200
    assert login(cast.brand.slug, "admin").get("/portal/settings/rules/").status_code == 404
    assert login(cast.brand.slug, "admin").get("/portal/settings/nonsense/").status_code == 404


def test_members_list_only_own_party_and_role_change(cast, login):
    client = login(cast.brand.slug, "admin")
    page = client.get("/portal/settings/")
    names = {m.user.username for m, _form in page.context["forms"]}
    assert names == {f"north-peak-{r}" for r in ("admin", "supervisor", "agent", "viewer")}
    agent = cast.members[f"{cast.brand.slug}:agent"]
    response = client.post(
        f"/portal/settings/members/{agent.pk}/",
        {f"m{agent.pk}-role": "supervisor", f"m{agent.pk}-skills": ["quality"]},
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert (agent.role, agent.skills) == ("supervisor", ["quality"])
    other = cast.members[f"{cast.outsider.slug}:agent"]
    assert client.post(f"/portal/settings/members/{other.pk}/", {}).status_code == 404


def test_last_admin_cannot_be_demoted(cast, login):
    admin = cast.members[f"{cast.brand.slug}:admin"]
    response = login(cast.brand.slug, "admin").post(
        f"/portal/settings/members/{admin.pk}/", {f"m{admin.pk}-role": "agent"}
    )
    assert response.status_code == 400
    admin.refresh_from_db()
    assert admin.role == "admin"


def test_api_key_shown_once_then_revoked(cast, login):
    client = login(cast.brand.slug, "admin")
    created = client.post("/portal/settings/keys/", {"name": "OMS", "scopes": ["tickets:read"]})
    raw = created.context["raw_key"]
    assert raw.startswith("ck_") and raw.encode() in created.content
    key = ApiKey.authenticate(raw)
    assert key is not None and key.party == cast.brand
    assert raw.encode() not in client.get("/portal/settings/keys/").content
    other = ApiKey.issue(party=cast.outsider, name="theirs")[0]
    assert client.post(f"/portal/settings/keys/{other.pk}/revoke/").status_code == 404
    client.post(f"/portal/settings/keys/{key.pk}/revoke/")
    assert ApiKey.authenticate(raw) is None


def test_api_key_without_name_or_scope_is_refused(cast, login):
    response = login(cast.brand.slug, "admin").post("/portal/settings/keys/", {"name": ""})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "scopes"}
    assert not ApiKey.objects.exists()


def test_webhook_endpoint_add_and_refuse_bad_url(cast, login, settings):
    client = login(cast.brand.slug, "admin")
    settings.COLLAB_WEBHOOK_ALLOW_PRIVATE_URLS = False
    refused = client.post("/portal/settings/webhooks/", {"url": "http://127.0.0.1:9/hook"})
    assert refused.status_code == 400 and "url" in refused.context["form"].errors
    assert not WebhookEndpoint.objects.exists()
    settings.COLLAB_WEBHOOK_ALLOW_PRIVATE_URLS = True
    assert (
        client.post("/portal/settings/webhooks/", {"url": "http://127.0.0.1:9/hook"}).status_code
        == 302
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.party == cast.brand
    client.post(f"/portal/settings/webhooks/{endpoint.pk}/toggle/")
    endpoint.refresh_from_db()
    assert not endpoint.is_active


def test_calendar_and_rule_are_owned_by_the_acting_party(cast, login):
    client = login(cast.streamer.slug, "admin")
    response = client.post(
        "/portal/settings/calendars/",
        {
            "name": "Office",
            "time_zone": "Asia/Shanghai",
            "weekly_hours": "{}",
            "holidays": "[]",
            "extra_working_days": "[]",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert BusinessCalendar.objects.get().owner == cast.streamer
    bad = client.post("/portal/settings/rules/", {"name": ""})
    assert bad.status_code == 400 and "name" in bad.context["form"].errors
    assert not RoutingRule.objects.exists()
    form = client.get("/portal/settings/rules/").context["form"]
    assert cast.outsider not in form.fields["target"].queryset
