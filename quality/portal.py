"""Portal pages: the party's phrase list (a settings tab, for its admins; a platform's list
applies to every ticket on the platform) and the supervisors' quality view of hits."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.access import forbidden, party_view, portal_render
from portal.forms import agents_of, errors_apply
from portal.views.party_settings import _render as settings_render
from tenants.models import Role
from tickets.errors import TicketError

from . import services
from .forms import HitFilterForm, PhraseForm
from .selectors import hit_qs_for_party, phrase_get_for_party, phrase_qs_for_party

HITS_PER_PAGE = 50


def _phrases_page(request: HttpRequest, form: PhraseForm, status: int = 200) -> HttpResponse:
    context = {"phrases": phrase_qs_for_party(request.party), "form": form}
    return settings_render(request, "quality/phrases.html", "quality", context, status)


@party_view(admin=True)
def phrases(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _phrases_page(request, PhraseForm())
    form = PhraseForm(request.POST)
    if form.is_valid():
        try:
            services.phrase_create(actor=request.actor, **form.cleaned_data)
        except TicketError as error:
            errors_apply(form, error)
        else:
            messages.success(request, _("Phrase added."))
            return redirect("quality:phrases")
    return _phrases_page(request, form, status=400)


@require_POST
@party_view(admin=True)
def phrase_delete(request: HttpRequest, pk: int) -> HttpResponse:
    phrase = phrase_get_for_party(request.party, pk)
    if phrase is None:
        raise Http404(_("No such phrase."))
    services.phrase_delete(actor=request.actor, phrase=phrase)
    messages.success(request, _("Phrase removed."))
    return redirect("quality:phrases")


@party_view
def hits(request: HttpRequest) -> HttpResponse:
    """Supervisors and admins: what their people wrote that the check caught, by period,
    severity, outcome and author."""
    if request.membership.role not in (Role.ADMIN, Role.SUPERVISOR):
        return forbidden(request)
    party = request.party
    agents = agents_of(party)
    form = HitFilterForm(request.GET or None, agents=agents)
    rows = hit_qs_for_party(party).none()
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        status = 200
        data = form.cleaned_data if form.is_bound else {}
        start, end = form.period() if form.is_bound else (None, None)
        agent = data.get("agent")
        rows = hit_qs_for_party(
            party,
            start=start,
            end=end,
            severity=data.get("severity", ""),
            outcome=data.get("outcome", ""),
            user_id=int(agent) if agent else None,
        )
    page = Paginator(rows, HITS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return portal_render(request, "quality/hits.html", context, status=status)
