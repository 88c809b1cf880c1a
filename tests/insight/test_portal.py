"""``/portal/insight/``: the dashboard page, its charts and CSV downloads, per acting party."""

from __future__ import annotations

import csv
import io

import pytest

DAY = "period=custom&start=2026-11-02&end=2026-11-02"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_streamer_dashboard_shows_tables_charts_and_partners(login, history, language):
    page = login("lucy-live", "supervisor", language).get(f"/portal/insight/?{DAY}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html
    assert 'data-table="sla_by_partner"' in html and "North Peak" in html
    assert 'data-table="top_issues_15m"' in html
    assert 'href="/portal/insight/outcomes.csv?' in html


@pytest.mark.django_db
def test_every_table_downloads_as_csv(login, history):
    client = login("lucy-live", "supervisor")
    response = client.get(f"/portal/insight/sla_by_partner.csv?{DAY}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Party",
        "Periods begun",
        "Breaches",
        "Compliance (%)",
        "Previous compliance (%)",
    ]
    assert ["North Peak", "2", "1", "50.0", ""] in rows
    outcomes = client.get(f"/portal/insight/outcomes.csv?{DAY}").content.decode("utf-8-sig")
    assert "Compensation,1,0" in outcomes
    page = client.get(f"/portal/insight/?{DAY}").content.decode()
    for name in ("intake_by_category", "intake_by_day", "backlog_by_age", "handling_times"):
        assert f'href="/portal/insight/{name}.csv?' in page
        assert client.get(f"/portal/insight/{name}.csv?{DAY}").status_code == 200


@pytest.mark.django_db
def test_the_brand_has_no_partner_table(login, history):
    html = login("north-peak").get(f"/portal/insight/?{DAY}").content.decode()
    assert 'data-table="sla_by_partner"' not in html
    assert login("north-peak").get(f"/portal/insight/sla_by_partner.csv?{DAY}").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["glow-lab", "stranger-brand", "quietmall"])
def test_outsiders_see_none_of_it(login, history, slug):
    client = login(slug)
    html = client.get(f"/portal/insight/?{DAY}").content.decode()
    for secret in ("North Peak", "Swift Ship", "NP-SHOE-01", "鞋码"):
        assert secret not in html
    csv_text = client.get(f"/portal/insight/intake_by_category.csv?{DAY}").content.decode()
    assert csv_text.count("\n") == 1  # the header only


@pytest.mark.django_db
def test_a_bad_period_is_a_form_error_not_a_500(login, cast):
    client = login("lucy-live")
    page = client.get("/portal/insight/?period=custom&start=2026-11-05&end=2026-11-01")
    assert page.status_code == 400
    assert "The end is before the start." in page.content.decode()
    assert client.get("/portal/insight/outcomes.csv?period=nope").status_code == 400
    assert client.get("/portal/insight/no_such_table.csv").status_code == 404


@pytest.mark.django_db
def test_signed_out_visitors_go_to_the_login(client):
    response = client.get("/portal/insight/")
    assert response.status_code == 302 and "/login" in response["Location"]
