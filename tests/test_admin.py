"""The back office: every registered model's list, search and detail pages open for the operator
(a superuser) on the seeded demo, and event rows cannot be edited."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from tickets.models import TicketEvent


@pytest.fixture
def operator_client(client, db):
    call_command("seed_demo", tickets=20)
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


@pytest.mark.parametrize(
    "model", list(admin.site._registry), ids=lambda m: f"{m._meta.app_label}.{m._meta.model_name}"
)
def test_every_admin_page_opens(operator_client, model):
    name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    changelist = operator_client.get(reverse(f"{name}_changelist"), {"q": "a"})
    assert changelist.status_code == 200
    first = model._default_manager.first()
    if first is not None:
        change = operator_client.get(reverse(f"{name}_change", args=[first.pk]))
        assert change.status_code == 200


def test_events_are_read_only_in_admin(operator_client):
    event = TicketEvent.objects.first()
    url = reverse("admin:tickets_ticketevent_change", args=[event.pk])
    response = operator_client.post(url, {"kind": "forged"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.kind != "forged"
