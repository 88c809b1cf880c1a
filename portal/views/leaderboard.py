"""The streamer's partner leaderboard page."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import PartyKind

from ..access import party_view, portal_render
from ..leaderboard import partner_leaderboard


class PeriodForm(forms.Form):
    DAYS = [("1", _("Last 24 hours")), ("7", _("Last 7 days")), ("30", _("Last 30 days"))]
    days = forms.TypedChoiceField(
        label=_("Period"), choices=DAYS, coerce=int, initial="7", required=False
    )


@party_view(kinds=[PartyKind.STREAMER])
def leaderboard(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    days = (form.cleaned_data.get("days") if form.is_valid() else None) or 7
    end = timezone.now()
    rows = partner_leaderboard(request.party, start=end - timedelta(days=days), end=end)
    status = 400 if form.errors else 200
    return portal_render(
        request, "portal/leaderboard.html", {"form": form, "rows": rows}, status=status
    )
