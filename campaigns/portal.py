"""Portal pages for campaigns: the list (with the buyer link and QR code) and the review page,
where the team approves, rejects, accepts, exports and marks shipped in bulk."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bulk.runner import error_text
from bulk.services import bulk_export_create
from portal.access import party_view, portal_render
from tickets.errors import TicketError
from tickets.workflow import State

from .review import Decision, campaign_counts, campaign_review_start
from .selectors import campaign_get_for_party, campaign_qs_for_party, registration_qs_for_party


@party_view
def campaign_list(request):
    return portal_render(
        request, "campaigns/portal_list.html", {"campaigns": campaign_qs_for_party(request.party)}
    )


@party_view
@require_http_methods(["GET", "POST"])
def campaign_review(request, slug: str):
    try:
        campaign = campaign_get_for_party(request.party, slug)
    except TicketError as exc:  # another party's campaign looks missing
        raise Http404 from exc
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        references = request.POST.getlist("ref") or None
        try:
            if decision == "export":
                bulk_export_create(
                    actor=request.actor,
                    filters={"campaign": campaign.slug, "state": "in_progress"},
                    file_format=request.POST.get("format", "xlsx"),
                )
            else:
                campaign_review_start(
                    actor=request.actor,
                    campaign=campaign,
                    decision=decision,
                    references=references,
                    reason=request.POST.get("reason", ""),
                )
        except TicketError as exc:
            messages.error(request, error_text(exc))
            return redirect("campaign-review", slug=slug)
        messages.success(request, _("The job started; follow it on the bulk jobs page."))
        return redirect("bulk-portal")
    registrations = registration_qs_for_party(request.party, campaign)[:500]
    return portal_render(
        request,
        "campaigns/portal_review.html",
        {
            "campaign": campaign,
            "counts": campaign_counts(request.party, campaign),
            "state_labels": dict(State.choices),
            "registrations": registrations,
            "decisions": Decision.choices,
            "is_streamer": campaign.streamer_id == request.party.pk,
        },
    )
