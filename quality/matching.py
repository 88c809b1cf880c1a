"""Finding listed phrases in a text. Pure: no I/O.

Chinese has no spaces between words, so a phrase matches anywhere as a substring, not on word
boundaries ("退款" is found in "不给退款了"). Before comparing, phrase and text are normalised the
same way: Unicode NFKC (full-width letters, digits and punctuation become their half-width
forms, so "ＶＩＰ" and "VIP" match), case folded, and every run of whitespace (full-width spaces
and line breaks included) collapsed to one space. Spaces someone puts *inside* a Chinese phrase
("退 款") are not removed: removing them would make English phrases match across words
("not ice" in "notice"); list such a variant as a phrase of its own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WHITESPACE = re.compile(r"\s+")
EXCERPT_CONTEXT = 30


def phrase_normalise(text: str) -> str:
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


@dataclass(frozen=True)
class ListedPhrase:
    """A phrase as the check holds it (cached): its owner, text, normal form and severity."""

    party_id: int
    phrase: str
    normalised: str
    severity: str


@dataclass(frozen=True)
class PhraseFound:
    listed: ListedPhrase
    field: str
    excerpt: str


def phrases_find(phrases: list[ListedPhrase], texts: dict[str, str]) -> list[PhraseFound]:
    """Every listed phrase found in any of ``texts`` (field name → text), once per phrase and
    field, with an excerpt of the normalised text around its first occurrence."""
    found = []
    for field, text in texts.items():
        normal = phrase_normalise(text)
        for listed in phrases:
            at = normal.find(listed.normalised)
            if at < 0:
                continue
            start = max(0, at - EXCERPT_CONTEXT)
            end = min(len(normal), at + len(listed.normalised) + EXCERPT_CONTEXT)
            excerpt = (
                ("…" if start else "") + normal[start:end] + ("…" if end < len(normal) else "")
            )
            found.append(PhraseFound(listed=listed, field=field, excerpt=excerpt))
    return found
