"""Bulk review of a campaign's claims: each decision is a bulk transition job (see the mapping in
``campaigns.services``), so every claim passes ``ticket_perform``'s checks and refusals are
reported per claim."""

from __future__ import annotations

from django.db.models import Count, TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bulk.models import BulkJob
from bulk.services import bulk_transition_create
from tenants.actors import Actor
from tickets.errors import TicketValidationError
from tickets.models import Outcome
from tickets.workflow import State

from .models import Campaign
from .selectors import registration_qs_for_party


class Decision(TextChoices):
    APPROVE = "approve", gettext_lazy("Approve: send to the party that ships")
    REJECT = "reject", gettext_lazy("Reject")
    ACCEPT = "accept", gettext_lazy("Accept for shipping")
    SHIP = "ship", gettext_lazy("Mark shipped")


# decision -> (action, the claims it applies to when no list is given)
DEFAULT_SELECTION = {
    Decision.APPROVE: {"state": [State.NEW], "eligible": True},
    Decision.REJECT: {"state": [State.NEW], "eligible": False},
    Decision.ACCEPT: {"state": [State.ROUTED]},
    Decision.SHIP: {"state": [State.IN_PROGRESS]},
}


def _action(campaign: Campaign, decision: str, reason: str) -> tuple[str, dict]:
    if decision == Decision.APPROVE:
        return "route", {"to_party": campaign.handling_party.slug, "note": _("Claim approved.")}
    if decision == Decision.REJECT:
        return "cancel", {"reason": reason or _("Not eligible for this campaign.")}
    if decision == Decision.ACCEPT:
        return "accept", {}
    return "resolve", {"outcome": Outcome.REISSUE, "note": reason or _("Gift shipped.")}


def campaign_review_start(
    *,
    actor: Actor,
    campaign: Campaign,
    decision: str,
    references: list[str] | None = None,
    reason: str = "",
) -> BulkJob:
    """Apply a decision to the listed claims, or by default to every claim it fits (approve: the
    eligible new ones; reject: the ineligible new ones; accept: the routed ones; ship: the
    accepted ones). Only the campaign's claims the actor's party may see are touched."""
    if decision not in Decision.values:
        raise TicketValidationError(field_errors={"decision": [_("Unknown decision.")]})
    visible = registration_qs_for_party(actor.party, campaign)
    if references is not None:
        visible = visible.filter(ticket__reference__in=references)
    else:
        selection = DEFAULT_SELECTION[decision]
        visible = visible.filter(ticket__state__in=selection["state"])
        if "eligible" in selection:
            visible = visible.filter(eligible=selection["eligible"])
    chosen = list(visible.values_list("ticket__reference", flat=True))
    if not chosen:
        raise TicketValidationError(
            _("No claims to apply this to."), field_errors={"references": [_("No claims.")]}
        )
    action, args = _action(campaign, decision, reason)
    return bulk_transition_create(actor=actor, action=action, args=args, references=chosen)


def campaign_counts(party, campaign: Campaign) -> dict:
    """Figures for the review page: registrations, eligible, and claims per state."""
    registrations = registration_qs_for_party(party, campaign)
    by_state = dict(
        registrations.order_by()
        .values_list("ticket__state")
        .annotate(n=Count("id"))
        .values_list("ticket__state", "n")
    )
    return {
        "registrations": sum(by_state.values()),
        "eligible": registrations.filter(eligible=True).count(),
        "by_state": by_state,
    }
