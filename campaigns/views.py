"""The buyer's campaign page ``/c/<slug>`` (mobile first, no account) and its QR code image."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from buyer.ratelimit import CAMPAIGN_LIMIT, limit_exceeded
from tickets.errors import TicketError, TicketValidationError

from .errors import CampaignNotFound
from .selectors import campaign_get_public
from .services import campaign_register


def _campaign_or_404(slug: str):
    try:
        return campaign_get_public(slug)
    except CampaignNotFound as exc:
        raise Http404 from exc


@require_http_methods(["GET", "POST"])
def campaign_page(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign_or_404(slug)
    if request.method == "POST" and limit_exceeded(request, "campaign", CAMPAIGN_LIMIT):
        return render(request, "buyer/rate_limited.html", status=429)
    context = {"campaign": campaign, "window": campaign.window_state(), "values": {}, "errors": {}}
    if request.method == "POST" and context["window"] == "open":
        values = {
            "order_number": request.POST.get("order_number", ""),
            "phone": request.POST.get("phone", ""),
            "buyer_name": request.POST.get("buyer_name", ""),
            "size": request.POST.get("size", ""),
            "colour": request.POST.get("colour", ""),
        }
        context["values"] = values
        try:
            _ticket, token = campaign_register(
                campaign=campaign,
                order_number=values["order_number"],
                phone=values["phone"],
                buyer_name=values["buyer_name"],
                consent=request.POST.get("consent") == "on",
                form_data={
                    "size": values["size"],
                    "colour": values["colour"],
                    "address_confirmed": request.POST.get("address_confirmed") == "on",
                },
            )
        except TicketValidationError as exc:
            # Form schema errors come as ``form_data.size``; the page shows them by the field.
            context["errors"] = {
                k.removeprefix("form_data."): v for k, v in exc.field_errors.items()
            }
        except TicketError as exc:  # already registered, closed, not open
            context["refusal"] = exc.message
        else:
            return redirect(f"/t/{token}")
        status = 409 if "refusal" in context else 400
        return render(request, "campaigns/register.html", context, status=status)
    return render(request, "campaigns/register.html", context)


@cache_control(max_age=300)
def campaign_qr(request: HttpRequest, slug: str) -> HttpResponse:
    """A PNG of the buyer link, large enough to scan from a livestream screen."""
    campaign = _campaign_or_404(slug)
    url = f"{settings.COLLAB_PUBLIC_BASE_URL.rstrip('/')}/c/{campaign.slug}"
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=12, border=2)
    return HttpResponse(buffer.getvalue(), content_type="image/png")
