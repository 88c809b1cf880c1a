"""Keywords of a ticket subject for the live top issues. Pure, no I/O.

Chinese has no spaces between words and a segmenter (jieba and the like) brings a dictionary of
tens of megabytes for a ranking that only needs *recurring* fragments. A burst of "鞋码偏小"
complaints makes the bigrams 鞋码, 码偏 and 偏小 all rise together, which is exactly the signal, so
runs of CJK characters give their character bigrams (a lone character counts as itself). Runs of
Latin letters and digits give lower-cased words of three or more characters, minus a few English
function words. Each keyword counts once per subject.
"""

from __future__ import annotations

import re

_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[A-Za-z0-9][A-Za-z0-9\-]*")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
STOP_WORDS = frozenset(
    {"the", "and", "for", "with", "not", "but", "from", "this", "that", "please", "can", "you"}
)
MAX_KEYWORDS = 20  # a very long subject must not flood the minute buckets


def subject_keywords(subject: str) -> list[str]:
    found: dict[str, None] = {}
    for run in _RUNS.findall(subject or ""):
        if _CJK.match(run):
            grams = [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
        else:
            word = run.lower().strip("-")
            grams = [word] if len(word) >= 3 and word not in STOP_WORDS else []
        for gram in grams:
            found.setdefault(gram[:64], None)
    return list(found)[:MAX_KEYWORDS]
