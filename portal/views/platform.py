"""The platform console: the escalation queue to arbitrate and the oversight figures."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

from tenants.models import PartyKind
from tickets.models import Outcome
from tickets.projections import ticket_for_party
from tickets.selectors import ticket_qs_for_party
from tickets.stats import platform_oversight_figures
from tickets.workflow import State

from ..access import party_view, portal_render
from ..forms import route_targets
from ..inbox import inbox_page_qs
from ..sla import deadline_for

PAGE_SIZE = 50


@party_view(kinds=[PartyKind.PLATFORM])
def platform_console(request: HttpRequest) -> HttpResponse:
    party = request.party
    queue = ticket_qs_for_party(party).filter(state=State.ESCALATED)
    page = Paginator(inbox_page_qs(queue, "created"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "ticket": ticket,
            "facts": ticket_for_party(ticket, party),
            "deadline": deadline_for(ticket, (ticket.open_custody or [None])[0]),
            "send_back_to": route_targets(ticket, party),
        }
        for ticket in page.object_list
    ]
    context = {
        "rows": rows,
        "page": page,
        "figures": platform_oversight_figures(party),
        "compensation": Outcome.COMPENSATION,
    }
    return portal_render(request, "portal/platform.html", context)
