"""The ticket page: facts, custody clocks, timeline, composer and the caller's actions."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from quality.errors import QualityConfirmationRequired
from tickets.errors import (
    TicketConflict,
    TicketError,
    TicketNotFound,
    TicketPermissionDenied,
)
from tickets.forms_schema import field_label
from tickets.models import Ticket
from tickets.projections import event_for_party, ticket_for_party
from tickets.selectors import event_qs_for_party, ticket_get_for_party
from tickets.services import allowed_actions, comment_add, ticket_assign, ticket_perform

from ..access import is_htmx, party_view, portal_render
from ..forms import (
    ACTION_FORMS,
    ACTION_LABELS,
    AssignForm,
    CommentForm,
    action_form,
    errors_apply,
)
from ..sla import deadline_for
from ..timeline import timeline_entry


def ticket_for_request(request: HttpRequest, reference: str) -> Ticket:
    """The ticket if the acting party may see it; 404 otherwise, like a missing one."""
    try:
        return ticket_get_for_party(request.party, reference)
    except TicketNotFound as exc:
        raise Http404(exc.message) from exc


def _form_rows(schema: dict, data: dict) -> list[tuple[str, str]]:
    rows = []
    for name, value in data.items():
        if isinstance(value, dict):
            value = " ".join(str(part) for part in value.values() if part)
        elif isinstance(value, list):
            value = ", ".join(str(part) for part in value)
        rows.append((field_label(schema, name), value))
    return rows


def _context(request: HttpRequest, ticket: Ticket, *, bound: dict | None = None) -> dict:
    """``bound``: a form that failed (an action name or "comment" → the bound form)."""
    party = request.party
    bound = bound or {}
    facts = ticket_for_party(ticket, party)
    custodies = list(ticket.custodies.select_related("party"))
    open_custody = next((c for c in custodies if c.ended_at is None), None)
    events = event_qs_for_party(ticket, party).select_related("ticket", "actor_party", "actor_user")
    actions = [
        {
            "name": name,
            "label": ACTION_LABELS[name],
            "form": bound.get(name) or action_form(name, ticket=ticket, party=party),
            "open": name in bound,
        }
        for name in allowed_actions(ticket, request.actor)
    ]
    return {
        "ticket": ticket,
        "facts": facts,
        "form_rows": _form_rows(ticket.category.form_schema, facts["form_data"]),
        "address": " ".join(str(v) for v in facts["buyer"]["address"].values() if v),
        "deadline": deadline_for(ticket, open_custody),
        "custodies": custodies,
        "timeline": [timeline_entry(event_for_party(event)) for event in events],
        "actions": actions,
        "comment_form": bound.get("comment") or CommentForm(),
        "assign_form": (
            bound.get("assign") or AssignForm(party=party, initial={"assignee": ticket.assignee_id})
            if ticket.custody_party_id == party.pk and request.actor.can_act
            else None
        ),
        "can_write": request.actor.can_act,
    }


@party_view
def ticket_detail(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = ticket_for_request(request, reference)
    template = "portal/partials/ticket_live.html" if is_htmx(request) else "portal/ticket.html"
    return portal_render(request, template, _context(request, ticket))


def _refused(request, ticket, name, form, error: TicketError) -> HttpResponse:
    if isinstance(error, TicketNotFound):
        raise Http404(error.message)
    if isinstance(error, TicketConflict | TicketPermissionDenied):
        messages.error(request, error.message)
    else:
        errors_apply(form, error)
    if isinstance(error, QualityConfirmationRequired):
        form.confirmation_offer()
    fresh = ticket_for_request(request, ticket.reference)
    return portal_render(
        request,
        "portal/ticket.html",
        _context(request, fresh, bound={name: form}),
        status=error.status,
    )


@require_POST
@party_view
def ticket_comment(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = ticket_for_request(request, reference)
    form = CommentForm(request.POST)
    if not form.is_valid():
        context = _context(request, ticket, bound={"comment": form})
        return portal_render(request, "portal/ticket.html", context, status=400)
    try:
        comment_add(ticket=ticket, actor=request.actor, **form.cleaned_data)
    except TicketError as error:
        return _refused(request, ticket, "comment", form, error)
    messages.success(request, _("Message added."))
    return redirect("portal:ticket", reference=ticket.reference)


@require_POST
@party_view
def ticket_action(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    if action not in ACTION_FORMS:
        raise Http404(_("No such action."))
    ticket = ticket_for_request(request, reference)
    form = action_form(action, request.POST, ticket=ticket, party=request.party)
    if not form.is_valid():
        context = _context(request, ticket, bound={action: form})
        return portal_render(request, "portal/ticket.html", context, status=400)
    try:
        ticket_perform(ticket=ticket, action=action, actor=request.actor, **form.arguments())
    except TicketError as error:
        return _refused(request, ticket, action, form, error)
    messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS[action]})
    return redirect(_next_url(request) or reverse("portal:ticket", args=[ticket.reference]))


def _next_url(request: HttpRequest) -> str:
    """Consoles post actions here and want to stay where they were."""
    next_url = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
    return next_url if safe else ""


@require_POST
@party_view
def ticket_assignee(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = ticket_for_request(request, reference)
    form = AssignForm(request.POST, party=request.party)
    if not form.is_valid():
        context = _context(request, ticket, bound={"assign": form})
        return portal_render(request, "portal/ticket.html", context, status=400)
    try:
        ticket_assign(ticket=ticket, assignee=form.cleaned_data["assignee"], actor=request.actor)
    except TicketError as error:
        return _refused(request, ticket, "assign", form, error)
    messages.success(request, _("Assignment saved."))
    return redirect(_next_url(request) or reverse("portal:ticket", args=[ticket.reference]))
