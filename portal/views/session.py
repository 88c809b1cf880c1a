"""Signing in and out, the home page per party kind, and switching the acting party."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.middleware import acting_party_set
from tenants.models import PartyKind

from ..access import party_view


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    next_page = "portal:login"


@party_view
def home(request: HttpRequest) -> HttpResponse:
    """Each kind of party starts where its day starts."""
    if request.party.kind == PartyKind.STREAMER:
        return redirect("portal:console")
    if request.party.kind == PartyKind.PLATFORM:
        return redirect("portal:platform")
    return redirect("portal:inbox")


@require_POST
@party_view
def party_switch(request: HttpRequest) -> HttpResponse:
    try:
        party_id = int(request.POST.get("party", ""))
    except ValueError:
        party_id = 0
    if not acting_party_set(request, party_id):
        messages.error(request, _("You are not a member of that party."))
        return redirect("portal:home")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    # A ticket page of the old party may be invisible to the new one: go home instead.
    if not next_url or "/t/" in next_url:
        return redirect("portal:home")
    return redirect(next_url)
