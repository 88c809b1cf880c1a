"""The streamer's console: the review-first triage queue and bulk actions on many tickets."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tenants.models import Party, PartyKind
from tenants.selectors import partner_qs_for_streamer
from tickets.errors import TicketError
from tickets.projections import ticket_for_party
from tickets.selectors import ticket_get_for_party, ticket_qs_for_party
from tickets.services import ticket_assign, ticket_perform, ticket_route_by_rules
from tickets.workflow import State

from ..access import party_view, portal_render
from ..forms import agents_of
from ..inbox import inbox_page_qs
from ..sla import deadline_for

PAGE_SIZE = 50
MAX_BULK = 500


class BulkForm(forms.Form):
    OPERATIONS = [
        ("route", gettext_lazy("Route to a partner")),
        ("rules", gettext_lazy("Let the rules decide")),
        ("assign", gettext_lazy("Assign to an agent")),
        ("close", gettext_lazy("Close")),
    ]
    tickets = forms.MultipleChoiceField(label=gettext_lazy("Tickets"))
    operation = forms.ChoiceField(label=gettext_lazy("Action"), choices=OPERATIONS)
    to_party = forms.ModelChoiceField(
        label=gettext_lazy("Partner"), queryset=Party.objects.none(), required=False
    )

    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Agent"), queryset=get_user_model().objects.none(), required=False
    )

    def __init__(self, *args, party: Party, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = agents_of(party)
        self.fields["to_party"].queryset = partner_qs_for_streamer(party).order_by("kind", "name")
        # References are checked one by one against the selector when the action runs.
        references = self.data.getlist("tickets") if hasattr(self.data, "getlist") else []
        self.fields["tickets"].choices = [(ref, ref) for ref in references[:MAX_BULK]]

    def clean(self):
        data = super().clean()
        if data.get("operation") == "route" and not data.get("to_party"):
            self.add_error("to_party", _("Choose the partner to route to."))
        if data.get("operation") == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Choose the agent."))
        return data


@party_view(kinds=[PartyKind.STREAMER])
def console(request: HttpRequest) -> HttpResponse:
    party = request.party
    queue = ticket_qs_for_party(party).filter(custody_party=party, state=State.NEW)
    page = Paginator(inbox_page_qs(queue, "created"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "ticket": ticket,
            "facts": ticket_for_party(ticket, party),
            "deadline": deadline_for(ticket, (ticket.open_custody or [None])[0]),
        }
        for ticket in page.object_list
    ]
    context = {
        "rows": rows,
        "page": page,
        "bulk_form": BulkForm(party=party),
        "partners": partner_qs_for_streamer(party).order_by("kind", "name"),
    }
    return portal_render(request, "portal/console.html", context)


def _apply(request: HttpRequest, reference: str, operation: str, data: dict) -> str | None:
    """Run one ticket's part of a bulk action; returns why it was refused, or None."""
    try:
        ticket = ticket_get_for_party(request.party, reference)
        if operation == "route":
            ticket_perform(
                ticket=ticket, action="route", actor=request.actor, to_party=data["to_party"]
            )
        elif operation == "rules":
            ticket = ticket_route_by_rules(ticket=ticket, actor=request.actor)
            if ticket.state == State.NEW:  # the rules ran and held it: not a refusal
                messages.info(
                    request,
                    _("%(reference)s stays in the queue: no rule routed it.")
                    % {"reference": reference},
                )
        elif operation == "assign":
            ticket_assign(ticket=ticket, assignee=data["assignee"], actor=request.actor)
        else:
            ticket_perform(ticket=ticket, action="close", actor=request.actor)
    except TicketError as error:
        details = "; ".join(m for messages_ in error.field_errors.values() for m in messages_)
        return details or error.message
    return None


@require_POST
@party_view(kinds=[PartyKind.STREAMER])
def console_bulk(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST, party=request.party)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                label = form.fields[field].label if field in form.fields else ""
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect("portal:console")
    data = form.cleaned_data
    done, refused = 0, []
    for reference in data["tickets"]:
        reason = _apply(request, reference, data["operation"], data)
        if reason is None:
            done += 1
        else:
            refused.append(f"{reference}: {reason}")
    if done:
        messages.success(request, _("%(count)d tickets done.") % {"count": done})
    for line in refused:
        messages.error(request, _("Refused %(detail)s") % {"detail": line})
    return redirect("portal:console")
