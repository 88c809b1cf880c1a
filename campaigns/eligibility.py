"""Whether an order may claim a campaign's prize. Pure apart from the winners' list lookup."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .models import Campaign, Eligibility


def order_eligibility(campaign: Campaign, order_number: str) -> tuple[bool, str]:
    """``(eligible, note)``; the note tells the team why, in their review list."""
    if campaign.eligibility == Eligibility.LIST:
        if campaign.eligible_orders.filter(order_number=order_number).exists():
            return True, _("On the winners' list.")
        return False, _("Not on the winners' list.")
    if campaign.eligibility == Eligibility.PATTERN:
        if re.fullmatch(campaign.order_pattern, order_number):
            return True, _("Order number matches the rule.")
        return False, _("Order number does not match the rule.")
    return True, _("No eligibility rule; check by hand.")
