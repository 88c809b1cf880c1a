"""Portal pages for campaigns: the list (with the buyer link and QR code), the streamer's form to
open or change a campaign, and the review page, where the team approves, rejects, accepts,
exports and marks shipped in bulk."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bulk.runner import error_text
from bulk.services import bulk_export_create
from portal.access import forbidden, party_view, portal_render
from portal.forms import errors_apply
from tenants.models import PartyKind
from tickets.errors import TicketError, TicketPermissionDenied
from tickets.workflow import State

from .forms import CampaignForm
from .review import Decision, campaign_counts, campaign_review_start
from .selectors import campaign_get_for_party, campaign_qs_for_party, registration_qs_for_party
from .services import campaign_create, campaign_eligible_orders_add, campaign_update


@party_view
def campaign_list(request):
    return portal_render(
        request, "campaigns/portal_list.html", {"campaigns": campaign_qs_for_party(request.party)}
    )


@party_view(kinds=[PartyKind.STREAMER])
@require_http_methods(["GET", "POST"])
def campaign_new(request):
    form = CampaignForm(request.POST or None, party=request.party)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_create(
                actor=request.actor,
                eligible_orders=form.eligible_order_numbers(),
                **form.service_args(),
            )
        except TicketPermissionDenied:
            return forbidden(request)
        except TicketError as exc:
            errors_apply(form, exc)
        else:
            messages.success(request, _("The campaign is open for registrations at its link."))
            return redirect("campaign-review", slug=campaign.slug)
    return _form_page(request, form, None)


@party_view(kinds=[PartyKind.STREAMER])
@require_http_methods(["GET", "POST"])
def campaign_edit(request, slug: str):
    try:
        campaign = campaign_get_for_party(request.party, slug)
    except TicketError as exc:  # another streamer's campaign looks missing
        raise Http404 from exc
    form = CampaignForm(request.POST or None, party=request.party, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                campaign_update(actor=request.actor, campaign=campaign, **form.service_args())
                if form.eligible_order_numbers():
                    campaign_eligible_orders_add(
                        campaign=campaign, order_numbers=form.eligible_order_numbers()
                    )
        except TicketPermissionDenied:
            return forbidden(request)
        except TicketError as exc:
            campaign.refresh_from_db()  # the page shows what is saved, the form what was typed
            errors_apply(form, exc)
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("campaign-review", slug=campaign.slug)
    return _form_page(request, form, campaign)


def _form_page(request, form: CampaignForm, campaign):
    return portal_render(
        request,
        "campaigns/portal_form.html",
        {"form": form, "campaign": campaign},
        status=400 if form.errors else 200,
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
