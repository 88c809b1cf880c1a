"""The buyer's pages: submit a request, follow it, act on it, look it up. No account: the
tracking token in the link is the key. Writes go through ``tickets.services`` only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.actors import Actor
from tenants.models import Party, PartyKind
from tickets.errors import TicketConflict, TicketError, TicketNotFound, TicketValidationError
from tickets.models import Channel, TicketCategory
from tickets.projections import event_for_buyer, ticket_for_buyer
from tickets.selectors import event_qs_for_buyer, ticket_get_for_buyer, ticket_qs_for_buyer_lookup
from tickets.services import (
    allowed_actions,
    comment_add,
    ticket_create,
    ticket_perform,
    ticket_rate,
)
from tickets.workflow import DONE_STATES, State

from . import forms
from .ratelimit import SUBMIT_LIMIT, TRACK_LIMIT, limit_exceeded
from .steps import DONE, steps_for


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "buyer/not_found.html", status=404)


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "buyer/rate_limited.html", status=429)


def submit(request: HttpRequest, streamer: str, category: str) -> HttpResponse:
    """``/r/<streamer>/<category>``: the request form, built from the category's schema."""
    seller = Party.objects.filter(slug=streamer, kind=PartyKind.STREAMER, is_active=True).first()
    kind = TicketCategory.objects.filter(
        code=category, is_active=True, buyer_can_submit=True
    ).first()
    if seller is None or kind is None:
        return _not_found(request)
    if request.method != "POST":
        form = forms.RequestForm(category=kind)
        return render(request, "buyer/submit.html", {"form": form, "category": kind})
    if limit_exceeded(request, "submit", SUBMIT_LIMIT):
        return _too_many(request)
    form = forms.RequestForm(request.POST, category=kind)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _ticket, token = ticket_create(
                actor=Actor.buyer(),
                originator=seller,
                category=kind,
                subject=f"{kind.label} · {data['order_number']}",
                description=data["description"],
                channel=Channel.BUYER_FORM,
                order_number=data["order_number"],
                buyer_name=data["buyer_name"].strip(),
                buyer_phone=data["buyer_phone"],
                buyer_address=form.buyer_address,
                buyer_consent=data["buyer_consent"],
                form_data=form.form_data,
            )
        except TicketValidationError as exc:
            form.add_service_errors(exc.field_errors)
        else:
            return redirect("buyer:saved", token=token)
    return render(request, "buyer/submit.html", {"form": form, "category": kind}, status=400)


def saved(request: HttpRequest, token: str) -> HttpResponse:
    """Right after submitting: the reference and the private link, to copy or bookmark."""
    try:
        ticket = ticket_get_for_buyer(token)
    except TicketNotFound:
        return _not_found(request)
    link = request.build_absolute_uri(f"/t/{token}")
    return render(
        request,
        "buyer/saved.html",
        {"ticket": ticket_for_buyer(ticket), "link": link, "token": token},
    )


ACTION_FORMS = {
    "reply": forms.ReplyForm,
    "confirm": None,
    "reopen": forms.ReasonForm,
    "withdraw": forms.OptionalReasonForm,
    "message": forms.MessageForm,
    "rate": forms.RatingForm,
}
# Page action → the workflow action it performs (messages and ratings are not transitions).
WORKFLOW_ACTION = {
    "reply": "buyer_reply",
    "confirm": "close",
    "reopen": "reopen",
    "withdraw": "cancel",
}


def _page_context(ticket, token: str, bound: dict | None = None) -> dict:
    actions = allowed_actions(ticket, Actor.buyer())
    page_actions = [name for name, action in WORKFLOW_ACTION.items() if action in actions]
    if ticket.state not in DONE_STATES:
        page_actions.append("message")
    if ticket.state == State.CLOSED and ticket.rating is None:
        page_actions.append("rate")
    action_forms = {
        name: (bound or {}).get(name) or (ACTION_FORMS[name]() if ACTION_FORMS[name] else None)
        for name in page_actions
    }
    view = ticket_for_buyer(ticket)
    events = [{**event_for_buyer(e), "at": e.created_at} for e in event_qs_for_buyer(ticket)]
    return {
        "ticket": view,
        "token": token,
        "steps": steps_for(view["step"]),
        "is_done": view["step"] in DONE,
        "promised_by": ticket.resolve_by,
        "events": [e for e in reversed(events) if e["text"]],
        "actions": page_actions,
        "forms": action_forms,
        "actions_key": "-".join(page_actions),
        "rating": ticket.rating,
    }


def progress(request: HttpRequest, token: str) -> HttpResponse:
    """``/t/<token>``: the four steps, the promised time, public messages, what the buyer may do
    now. ``?partial=1`` renders only the live part, which the page's script swaps in on each
    pushed event; without script the page is the same after a reload."""
    try:
        ticket = ticket_get_for_buyer(token)
    except TicketNotFound:
        return _not_found(request)
    context = _page_context(ticket, token)
    if request.GET.get("partial"):
        return render(request, "buyer/_live.html", context)
    return render(request, "buyer/progress.html", context)


@require_POST
def act(request: HttpRequest, token: str, action: str) -> HttpResponse:
    """One buyer action from the progress page, then back to it (POST, redirect, GET)."""
    try:
        ticket = ticket_get_for_buyer(token)
    except TicketNotFound:
        return _not_found(request)
    form_class = ACTION_FORMS[action]
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        return _progress_with(request, ticket, token, action, form, status=400)
    data = form.cleaned_data if form is not None else {}
    buyer = Actor.buyer()
    try:
        if action == "message":
            comment_add(ticket=ticket, actor=buyer, body=data["body"], visibility="public")
        elif action == "rate":
            ticket_rate(ticket=ticket, actor=buyer, rating=data["rating"], comment=data["comment"])
        else:
            ticket_perform(ticket=ticket, action=WORKFLOW_ACTION[action], actor=buyer, **data)
    except TicketValidationError as exc:
        if form is None:
            return _progress_with(
                request, ticket, token, action, form, status=400, notice=exc.message
            )
        for field, messages in exc.field_errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return _progress_with(request, ticket, token, action, form, status=400)
    except TicketConflict:
        return _progress_with(
            request,
            ticket,
            token,
            action,
            form,
            status=409,
            notice=_("Your request changed in the meantime; here is where it stands now."),
        )
    except TicketError as exc:
        return _progress_with(
            request, ticket, token, action, form, status=exc.status, notice=exc.message
        )
    return redirect("buyer:progress", token=token)


def _progress_with(request, ticket, token, action, form, *, status, notice=""):
    ticket.refresh_from_db()
    context = _page_context(ticket, token, bound={action: form} if form is not None else None)
    context["notice"] = notice
    return render(request, "buyer/progress.html", context, status=status)


def track(request: HttpRequest) -> HttpResponse:
    """``/track``: order number + last four phone digits. Every attempt counts towards the limit
    and a wrong pair gets the same page as an order without requests, so nothing tells whether
    an order exists."""
    if request.method != "POST":
        return render(request, "buyer/track.html", {"form": forms.TrackForm()})
    if limit_exceeded(request, "track", TRACK_LIMIT):
        return _too_many(request)
    form = forms.TrackForm(request.POST)
    if not form.is_valid():
        return render(request, "buyer/track.html", {"form": form}, status=400)
    tickets = ticket_qs_for_buyer_lookup(
        order_number=form.cleaned_data["order_number"],
        phone_last4=form.cleaned_data["phone_last4"],
    )[:20]
    results = []
    for ticket in tickets:
        view = ticket_for_buyer(ticket)
        results.append({**view, "steps": steps_for(view["step"]), "promised_by": ticket.resolve_by})
    return render(
        request,
        "buyer/track.html",
        {"form": forms.TrackForm(), "results": results, "searched": True},
    )
