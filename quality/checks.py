"""The reply check, called by ``tickets.services`` (the one door every portal, API and bulk
write goes through) for each text a party writes that reaches the buyer.

What reaches the buyer (``tickets.projections`` and the buyer pages): public comments, the
question of ``request_info``; and the ``resolve`` note, which the portal labels "Note to the
buyer" and which is stored on a public event, so it is checked too. Internal and parties-only
notes, routing notes and the reasons of decline, escalate, reopen and cancel (the buyer sees a
fixed sentence for those) are not checked; nor is what the buyer writes or the system says.

Usage in a service::

    screen = reply_screen(ticket=ticket, actor=actor, texts={...}, confirmed=confirm_warnings)
    with refusals_recorded():
        with transaction.atomic():
            ...lock, check visibility and permission...
            screen.enforce(locked)          # raises QualityBlocked / QualityConfirmationRequired
            ...write...
            screen.record_sent(locked)      # confirmed warnings, in the write's transaction

The refusal is raised inside the service's transaction (after the visibility check, so a party
never learns of a ticket it may not see) and its hits are written once that transaction has
rolled back, by ``refusals_recorded``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tenants.actors import Actor

from .errors import QualityBlocked, QualityConfirmationRequired, QualityRefused
from .matching import PhraseFound, phrases_find
from .models import HitOutcome, QualityHit, Severity
from .selectors import phrases_applying
from .services import hits_refused_record, hits_sent_record

# Transition arguments the buyer reads (see the module docstring).
BUYER_TEXT_OF_ACTION = {"request_info": "question", "resolve": "note"}


def action_texts(action: str, args: dict) -> dict[str, str]:
    """The buyer-visible texts among a transition's arguments (none for most actions)."""
    name = BUYER_TEXT_OF_ACTION.get(action)
    return {name: str(args.get(name) or "")} if name else {}


@dataclass
class ReplyScreen:
    actor: Actor
    found: list[PhraseFound] = field(default_factory=list)
    confirmed: bool = False

    def _hits(self, ticket, outcome: str, found: list[PhraseFound]) -> list[QualityHit]:
        return [
            QualityHit(
                party=self.actor.party,
                user=self.actor.user,
                api_key=self.actor.api_key,
                ticket=ticket,
                phrase=f.listed.phrase,
                from_platform=f.listed.party_id != self.actor.party.pk,
                severity=f.listed.severity,
                outcome=outcome,
                field=f.field,
                excerpt=f.excerpt[:300],
            )
            for f in found
        ]

    def enforce(self, ticket) -> None:
        """Refuse the write if a blocking phrase was found, or a warning one unconfirmed."""
        if not self.found:
            return
        blocking = [f for f in self.found if f.listed.severity == Severity.BLOCK]
        if blocking:
            raise QualityBlocked(blocking, self._hits(ticket, HitOutcome.BLOCKED, self.found))
        if not self.confirmed:
            hits = self._hits(ticket, HitOutcome.WITHDRAWN, self.found)
            raise QualityConfirmationRequired(self.found, hits)

    def record_sent(self, ticket) -> None:
        """The author confirmed the warnings and the text is going out: the hit of the refusal
        they confirmed becomes *sent* (else a new one), in the write's own transaction."""
        if not self.found:
            return
        hits_sent_record(self._hits(ticket, HitOutcome.SENT, self.found))


def reply_screen(*, ticket, actor: Actor, texts: dict[str, str], confirmed: bool) -> ReplyScreen:
    """Look for the listed phrases in buyer-visible ``texts`` a party writes on ``ticket``;
    the buyer and the system are not checked. Reads phrases only (cached); writes nothing."""
    texts = {name: text for name, text in texts.items() if text}
    if actor.party is None or actor.is_buyer or actor.is_system or not texts:
        return ReplyScreen(actor=actor, confirmed=confirmed)
    phrases = phrases_applying(actor.party.pk, ticket.platform_id)
    return ReplyScreen(actor=actor, found=phrases_find(phrases, texts), confirmed=confirmed)


@contextmanager
def refusals_recorded() -> Iterator[None]:
    """Record the hits of a refusal raised inside, after the service's transaction rolled back,
    then let the refusal go on to the caller."""
    try:
        yield
    except QualityRefused as refusal:
        hits_refused_record(refusal.hits)
        raise
