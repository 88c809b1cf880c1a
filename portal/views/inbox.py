"""The inbox of a brand or merchant (also the streamer's and platform's list of tickets)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

from tickets.models import TicketCategory
from tickets.projections import ticket_for_party
from tickets.workflow import State

from ..access import is_htmx, party_view, portal_render
from ..forms import InboxFilterForm, agents_of
from ..inbox import inbox_base, inbox_filter, inbox_order, inbox_rows_load, state_counts
from ..sla import deadline_for

PAGE_SIZE = 50


def inbox_rows(request: HttpRequest) -> dict:
    """The inbox's context; also serves the live refresh of the rows."""
    party = request.party
    agents = list(agents_of(party))
    form = InboxFilterForm(
        request.GET or None,
        agents=agents,
        categories=TicketCategory.objects.filter(is_active=True),
    )
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if form.is_bound and not form.is_valid():
        # Keep the fields that are valid; the errors are shown next to the others.
        data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    scope = data.get("scope") or "custody"
    tickets = inbox_filter(inbox_base(party, scope), data, user=request.user)
    counts = state_counts(tickets)
    if data.get("state"):
        tickets = tickets.filter(state=data["state"])
    ordered_ids = inbox_order(tickets, data.get("sort") or "deadline").values_list("pk", flat=True)
    paginator = Paginator(ordered_ids, PAGE_SIZE)
    # The state counts already know the total: spare the paginator its COUNT over the inbox.
    paginator.__dict__["count"] = (
        counts.get(data["state"], 0) if data.get("state") else sum(counts.values())
    )
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        {
            "ticket": ticket,
            "facts": ticket_for_party(ticket, party),
            "deadline": deadline_for(ticket, (ticket.open_custody or [None])[0]),
        }
        for ticket in inbox_rows_load(party, list(page.object_list))
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "form": form,
        "rows": rows,
        "page": page,
        "query": query.urlencode(),
        "counts": [(state, counts.get(state.value, 0)) for state in State],
        "total": sum(counts.values()),
        "active_state": data.get("state", ""),
    }


@party_view
def inbox(request: HttpRequest) -> HttpResponse:
    context = inbox_rows(request)
    status = 400 if context["form"].errors else 200
    template = "portal/partials/inbox_rows.html" if is_htmx(request) else "portal/inbox.html"
    return portal_render(request, template, context, status=status)
