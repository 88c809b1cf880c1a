"""Party settings for the party's admins: people, API keys, webhooks, routing rules, SLA
policies and business calendars. Django admin stays the operator's back office."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from integrations.models import WebhookDelivery, WebhookEndpoint
from tenants.models import ApiKey, Membership, PartyKind
from tickets.models import BusinessCalendar, RoutingRule, SlaPolicy

from ..access import party_view, portal_render
from ..settings_forms import (
    ApiKeyForm,
    BusinessCalendarForm,
    MembershipForm,
    RoutingRuleForm,
    SlaPolicyForm,
    WebhookEndpointForm,
)

RULE_OWNERS = (PartyKind.STREAMER, PartyKind.PLATFORM)

# Party-owned configuration edited with one generic list/create/delete page each.
OWNED = {
    "rules": (RoutingRule, RoutingRuleForm, gettext_lazy("Routing rules"), RULE_OWNERS),
    "policies": (SlaPolicy, SlaPolicyForm, gettext_lazy("SLA policies"), RULE_OWNERS),
    "calendars": (
        BusinessCalendar,
        BusinessCalendarForm,
        gettext_lazy("Business calendars"),
        tuple(PartyKind),
    ),
}


def _tabs(party) -> list[tuple[str, str]]:
    tabs = [("members", _("Members")), ("keys", _("API keys")), ("webhooks", _("Webhooks"))]
    tabs += [(slug, str(spec[2])) for slug, spec in OWNED.items() if party.kind in spec[3]]
    tabs.append(("quality", _("Reply quality")))  # the quality app's phrase list
    return tabs


def _render(request, template: str, tab: str, context: dict, status: int = 200):
    context = {"tabs": _tabs(request.party), "tab": tab, **context}
    return portal_render(request, template, context, status=status)


@party_view(admin=True)
def members(request: HttpRequest) -> HttpResponse:
    rows = Membership.objects.filter(party=request.party).select_related("user")
    forms = [(m, MembershipForm(instance=m, prefix=f"m{m.pk}")) for m in rows]
    return _render(request, "portal/settings/members.html", "members", {"forms": forms})


@require_POST
@party_view(admin=True)
def member_update(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id, party=request.party)
    form = MembershipForm(request.POST, instance=membership, prefix=f"m{membership.pk}")
    if not form.is_valid():
        rows = Membership.objects.filter(party=request.party).select_related("user")
        forms = [
            (m, form if m.pk == membership.pk else MembershipForm(instance=m, prefix=f"m{m.pk}"))
            for m in rows
        ]
        return _render(
            request, "portal/settings/members.html", "members", {"forms": forms}, status=400
        )
    form.save()
    messages.success(request, _("Saved."))
    return redirect("portal:settings")


def _keys_page(request, form, raw_key: str = "", status: int = 200):
    keys = ApiKey.objects.filter(party=request.party).order_by("-created_at")
    context = {"keys": keys, "form": form, "raw_key": raw_key}
    return _render(request, "portal/settings/keys.html", "keys", context, status=status)


@party_view(admin=True)
def api_keys(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _keys_page(request, ApiKeyForm())
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _keys_page(request, form, status=400)
    _key, raw = ApiKey.issue(
        party=request.party,
        name=form.cleaned_data["name"],
        scopes=form.cleaned_data["scopes"],
        created_by=request.user,
    )
    # Rendered, not redirected: the raw key must never sit in a session or a URL.
    return _keys_page(request, ApiKeyForm(), raw_key=raw)


@require_POST
@party_view(admin=True)
def api_key_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=key_id, party=request.party, revoked_at__isnull=True)
    key.revoke()
    messages.success(request, _("Key revoked."))
    return redirect("portal:settings_keys")


def _webhooks_page(request, form, status: int = 200):
    endpoints = WebhookEndpoint.objects.filter(party=request.party)
    deliveries = (
        WebhookDelivery.objects.filter(endpoint__party=request.party)
        .select_related("endpoint")
        .order_by("-created_at")[:50]
    )
    context = {"endpoints": endpoints, "deliveries": deliveries, "form": form}
    return _render(request, "portal/settings/webhooks.html", "webhooks", context, status)


@party_view(admin=True)
def webhooks(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _webhooks_page(request, WebhookEndpointForm())
    form = WebhookEndpointForm(request.POST, instance=WebhookEndpoint(party=request.party))
    if not form.is_valid():
        return _webhooks_page(request, form, status=400)
    form.save()
    messages.success(request, _("Endpoint added."))
    return redirect("portal:settings_webhooks")


@require_POST
@party_view(admin=True)
def webhook_toggle(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=endpoint_id, party=request.party)
    endpoint.is_active = not endpoint.is_active
    endpoint.disabled_reason = "" if endpoint.is_active else _("Disabled in the portal.")
    endpoint.save(update_fields=["is_active", "disabled_reason"])
    return redirect("portal:settings_webhooks")


def _owned_spec(request, kind: str):
    if kind not in OWNED or request.party.kind not in OWNED[kind][3]:
        raise Http404(_("No such settings page."))
    return OWNED[kind]


@party_view(admin=True)
def owned(request: HttpRequest, kind: str) -> HttpResponse:
    model, form_class, title, _kinds = _owned_spec(request, kind)
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, party=request.party)
        if form.is_valid():
            form.save()
            messages.success(request, _("Saved."))
            return redirect("portal:settings_owned", kind=kind)
        status = 400
    else:
        form = form_class(party=request.party)
    context = {"rows": model.objects.filter(owner=request.party), "form": form, "title": title}
    return _render(request, "portal/settings/owned.html", kind, context, status)


@require_POST
@party_view(admin=True)
def owned_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = _owned_spec(request, kind)[0]
    row = get_object_or_404(model, pk=pk, owner=request.party)
    try:
        row.delete()
    except ProtectedError:
        messages.error(request, _("Still in use; it cannot be deleted."))
    return redirect("portal:settings_owned", kind=kind)
