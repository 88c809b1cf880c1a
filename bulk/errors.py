from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tickets.errors import TicketError


class BulkJobNotFound(TicketError):
    """Also for another party's job: it looks missing, never forbidden."""

    code = "not_found"
    status = 404
    default_message = _("No such job.")
