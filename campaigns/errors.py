from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tickets.errors import TicketError


class CampaignNotFound(TicketError):
    code = "not_found"
    status = 404
    default_message = _("No such campaign.")


class CampaignNotOpen(TicketError):
    code = "campaign_not_open"
    status = 409
    default_message = _("Registration has not opened yet.")


class CampaignClosed(TicketError):
    code = "campaign_closed"
    status = 409
    default_message = _("Registration has closed.")


class AlreadyRegistered(TicketError):
    code = "already_registered"
    status = 409
    default_message = _("This order is already registered for this campaign.")
