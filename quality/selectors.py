"""Reads, always scoped to a party: its own phrases and hits, and the phrases that apply to a
reply it writes."""

from __future__ import annotations

from datetime import datetime

from django.core.cache import cache
from django.db.models import QuerySet

from tenants.models import Party

from .matching import ListedPhrase
from .models import QualityHit, QualityPhrase, Severity

# Phrases are read on every buyer-visible reply and change rarely: cached per party, dropped
# when the party's list changes (after commit). The timeout bounds staleness where the cache
# is per process (the embedded default's local memory).
PHRASES_CACHE_SECONDS = 60


def _cache_key(party_id: int) -> str:
    return f"quality:phrases:{party_id}"


def phrase_qs_for_party(party: Party) -> QuerySet[QualityPhrase]:
    return QualityPhrase.objects.filter(party=party)


def phrase_get_for_party(party: Party, pk: int) -> QualityPhrase | None:
    return phrase_qs_for_party(party).filter(pk=pk).first()


def hit_qs_for_party(
    party: Party,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    severity: str = "",
    outcome: str = "",
    user_id: int | None = None,
) -> QuerySet[QualityHit]:
    """The party's own hits (what its people and keys wrote), newest first, filtered."""
    hits = QualityHit.objects.filter(party=party).select_related("ticket", "user", "api_key")
    if start is not None:
        hits = hits.filter(created_at__gte=start)
    if end is not None:
        hits = hits.filter(created_at__lt=end)
    if severity:
        hits = hits.filter(severity=severity)
    if outcome:
        hits = hits.filter(outcome=outcome)
    if user_id is not None:
        hits = hits.filter(user_id=user_id)
    return hits


def phrases_cache_drop(party_id: int) -> None:
    cache.delete(_cache_key(party_id))


def phrases_applying(party_id: int, platform_id: int | None) -> list[ListedPhrase]:
    """The phrases checked in a reply the party writes on a ticket of ``platform_id``: the
    party's own and that platform's. One cache read; the database only for lists not cached.
    A phrase on both lists counts once, at the stricter severity."""
    owners = [party_id] if platform_id in (None, party_id) else [party_id, platform_id]
    cached = cache.get_many([_cache_key(owner) for owner in owners])
    missing = [owner for owner in owners if _cache_key(owner) not in cached]
    if missing:
        loaded: dict[int, list[ListedPhrase]] = {owner: [] for owner in missing}
        rows = QualityPhrase.objects.filter(party_id__in=missing).values_list(
            "party_id", "phrase", "normalised", "severity"
        )
        for owner, phrase, normalised, severity in rows:
            loaded[owner].append(ListedPhrase(owner, phrase, normalised, severity))
        fresh = {_cache_key(owner): phrases for owner, phrases in loaded.items()}
        cache.set_many(fresh, PHRASES_CACHE_SECONDS)
        cached.update(fresh)
    strictest: dict[str, ListedPhrase] = {}
    for owner in owners:
        for listed in cached[_cache_key(owner)]:
            known = strictest.get(listed.normalised)
            if known is None or (listed.severity == Severity.BLOCK != known.severity):
                strictest[listed.normalised] = listed
    return list(strictest.values())
