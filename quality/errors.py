"""Refusals of a reply for its wording. Children of ``TicketError``, so the API's one exception
handler answers them (422 with a stable code) and the portal puts them on the form's field."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets.errors import TicketError

from .matching import PhraseFound
from .services import hits_keep


def _quoted(found: list[PhraseFound]) -> str:
    return ", ".join(f"“{phrase}”" for phrase in dict.fromkeys(f.listed.phrase for f in found))


class QualityRefused(TicketError):
    """Carries the hits to record: the service writes them outside its rolled-back transaction
    (``quality.checks.refusals_recorded``); ``on_refused`` puts back any that an enclosing
    transaction of the caller rolled back as well."""

    status = 422

    def __init__(self, found: list[PhraseFound], hits: list) -> None:
        self.found = found
        self.hits = hits
        fields = sorted({f.field for f in found})
        message = self.message_for(found)
        super().__init__(message, field_errors={field: [message] for field in fields})

    def message_for(self, found: list[PhraseFound]) -> str:
        raise NotImplementedError

    def on_refused(self) -> None:
        hits_keep(self.hits)


class QualityBlocked(QualityRefused):
    code = "quality_blocked"
    default_message = gettext_lazy("The reply contains a prohibited phrase.")

    def message_for(self, found: list[PhraseFound]) -> str:
        return _("Not sent: buyers may not be told %(phrases)s. Please reword.") % {
            "phrases": _quoted(found)
        }


class QualityConfirmationRequired(QualityRefused):
    code = "quality_confirmation_required"
    default_message = gettext_lazy("The reply contains a risky phrase; confirm to send it.")

    def message_for(self, found: list[PhraseFound]) -> str:
        return _(
            "Check your wording: %(phrases)s is risky in a reply to a buyer. "
            "Reword it, or confirm to send it as it is."
        ) % {"phrases": _quoted(found)}
