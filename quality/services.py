"""Writes: a party's phrase list (its admins) and the hits the reply check records."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.actors import Actor
from tickets.errors import TicketPermissionDenied, TicketValidationError

from .matching import phrase_normalise
from .models import HitOutcome, QualityHit, QualityPhrase, Severity
from .selectors import phrases_cache_drop

PHRASE_MAX_LENGTH = 200
# A confirmation belongs to the refusal it answers if it comes within this time.
CONFIRM_WITHIN = timedelta(hours=1)


def _admin_check(actor: Actor) -> None:
    # Callers (portal settings, the admin-only API) check the role; this guards the door too.
    if actor.party is None or not actor.can_act:
        raise TicketPermissionDenied()


def _phrase_clean(party_id: int, phrase, severity, *, exclude_pk: int | None = None) -> dict:
    errors: dict[str, list[str]] = {}
    text = phrase.strip() if isinstance(phrase, str) else ""
    normalised = phrase_normalise(text)
    if not normalised:
        errors["phrase"] = [_("A phrase is required.")]
    elif len(text) > PHRASE_MAX_LENGTH:
        errors["phrase"] = [_("At most 200 characters.")]
    else:
        same = QualityPhrase.objects.filter(party_id=party_id, normalised=normalised)
        if exclude_pk is not None:
            same = same.exclude(pk=exclude_pk)
        if same.exists():
            errors["phrase"] = [_("This phrase is already on your list.")]
    if severity not in Severity.values:
        errors["severity"] = [_("Choose block or warn.")]
    if errors:
        raise TicketValidationError(field_errors=errors)
    return {"phrase": text, "normalised": normalised, "severity": severity}


def _duplicate() -> TicketValidationError:
    # Two admins adding the same phrase at once: the unique constraint decides.
    return TicketValidationError(
        field_errors={"phrase": [_("This phrase is already on your list.")]}
    )


def phrase_create(*, actor: Actor, phrase: str, severity: str, note: str = "") -> QualityPhrase:
    """Add a phrase to the actor's party's list. Raises ``TicketValidationError`` for an empty
    or too long phrase, one already listed (compared normalised: case, width, spaces) or an
    unknown severity. Takes effect for the next reply checked."""
    _admin_check(actor)
    party = actor.party
    cleaned = _phrase_clean(party.pk, phrase, severity)
    try:
        with transaction.atomic():
            created = QualityPhrase.objects.create(
                party=party,
                note=(note or "").strip()[:200],
                created_by=actor.user if actor.user is not None else None,
                **cleaned,
            )
            transaction.on_commit(lambda: phrases_cache_drop(party.pk))
    except IntegrityError as exc:
        raise _duplicate() from exc
    return created


def phrase_update(
    *,
    actor: Actor,
    phrase: QualityPhrase,
    text: str | None = None,
    severity: str | None = None,
    note: str | None = None,
) -> QualityPhrase:
    """Change a phrase of the actor's party (the caller looked it up within that party)."""
    _admin_check(actor)
    if phrase.party_id != actor.party.pk:
        raise TicketPermissionDenied()
    cleaned = _phrase_clean(
        phrase.party_id,
        phrase.phrase if text is None else text,
        phrase.severity if severity is None else severity,
        exclude_pk=phrase.pk,
    )
    for name, value in cleaned.items():
        setattr(phrase, name, value)
    if note is not None:
        phrase.note = note.strip()[:200]
    try:
        with transaction.atomic():
            phrase.save(update_fields=["phrase", "normalised", "severity", "note", "updated_at"])
            transaction.on_commit(lambda: phrases_cache_drop(phrase.party_id))
    except IntegrityError as exc:
        raise _duplicate() from exc
    return phrase


def phrase_delete(*, actor: Actor, phrase: QualityPhrase) -> None:
    _admin_check(actor)
    if phrase.party_id != actor.party.pk:
        raise TicketPermissionDenied()
    party_id = phrase.party_id
    with transaction.atomic():
        phrase.delete()
        transaction.on_commit(lambda: phrases_cache_drop(party_id))


def hits_refused_record(hits: list[QualityHit]) -> None:
    """Write the hits of a refused reply. Called outside the refusing service's transaction;
    inside a caller's own (a bulk chunk) they commit with it."""
    QualityHit.objects.bulk_create(hits)


def hits_keep(hits: list[QualityHit]) -> None:
    """Write again the hits of a refusal that a caller's transaction rolled back together with
    the refused write (an API request under an Idempotency-Key runs in one)."""
    saved = [hit.pk for hit in hits if hit.pk is not None]
    present = set(QualityHit.objects.filter(pk__in=saved).values_list("pk", flat=True))
    lost = [hit for hit in hits if hit.pk not in present]
    for hit in lost:
        hit.pk = None
    QualityHit.objects.bulk_create(lost)


def hits_sent_record(hits: list[QualityHit]) -> None:
    """Warned phrases confirmed and sent: the author's *withdrawn* hit of the same phrase on the
    same ticket within ``CONFIRM_WITHIN`` becomes *sent*, so a warned-then-confirmed reply
    counts once; a hit with no such refusal before it (the API caller confirmed up front) is
    added."""
    if not hits:
        return
    first = hits[0]
    earlier = QualityHit.objects.filter(
        party=first.party,
        user=first.user,
        api_key=first.api_key,
        ticket=first.ticket,
        outcome=HitOutcome.WITHDRAWN,
        created_at__gte=timezone.now() - CONFIRM_WITHIN,
    ).order_by("-created_at", "-id")
    pending: dict[tuple[str, str], int] = {}
    for pk, phrase, field in earlier.values_list("pk", "phrase", "field"):
        pending.setdefault((phrase, field), pk)
    confirmed = [pending[(h.phrase, h.field)] for h in hits if (h.phrase, h.field) in pending]
    QualityHit.objects.filter(pk__in=confirmed).update(outcome=HitOutcome.SENT)
    QualityHit.objects.bulk_create([h for h in hits if (h.phrase, h.field) not in pending])
