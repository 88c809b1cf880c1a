"""Domain errors. The API maps each to an HTTP status once, in its exception handler."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class TicketError(Exception):
    code = "ticket_error"
    status = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message: str | None = None, *, field_errors: dict | None = None) -> None:
        self.message = str(message or self.default_message)
        self.field_errors = field_errors or {}
        super().__init__(self.message)

    def on_refused(self) -> None:
        """Called by the API's exception handler once the refused request's transactions have
        rolled back: a refusal that must leave a trace (``quality.errors``) writes it here."""


class TicketNotFound(TicketError):
    """Also raised for tickets that exist but are invisible to the caller (never 403)."""

    code = "not_found"
    status = 404
    default_message = _("No such ticket.")


class TicketPermissionDenied(TicketError):
    code = "permission_denied"
    status = 403
    default_message = _("You may not do this on this ticket.")


class TicketConflict(TicketError):
    """The action does not apply to the ticket's current state (often: someone acted first)."""

    code = "conflict"
    status = 409
    default_message = _("The ticket changed; this action no longer applies.")

    def __init__(self, message: str | None = None, *, current_state: str) -> None:
        super().__init__(message)
        self.current_state = current_state


class TicketValidationError(TicketError):
    code = "invalid"
    status = 400
    default_message = _("Some fields are invalid.")
