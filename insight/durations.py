"""Duration histograms: medians and 90th percentiles from bucket counts, so the dashboard adds
up hourly rows instead of sorting every duration of the period. Pure, no I/O.

Buckets are log-spaced (the gap between a 3-minute and a 6-minute accept matters as much as the
one between 3 and 6 days). A quantile is reported as the upper edge of the bucket it falls in
("half were accepted within 30 min"): exact on the bucket grid, never falsely precise.
"""

from __future__ import annotations

from bisect import bisect_left

MINUTE, HOUR, DAY = 60, 3600, 86400
# Upper edges in seconds; a duration d goes into the first bucket whose edge is >= d; longer
# than the last edge goes into one more, open-ended bucket.
EDGES: tuple[int, ...] = (
    1 * MINUTE,
    5 * MINUTE,
    10 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    1 * HOUR,
    2 * HOUR,
    4 * HOUR,
    8 * HOUR,
    12 * HOUR,
    1 * DAY,
    2 * DAY,
    3 * DAY,
    5 * DAY,
    7 * DAY,
    14 * DAY,
    30 * DAY,
)
BUCKETS = len(EDGES) + 1


def bucket_of(seconds: float) -> int:
    return bisect_left(EDGES, max(seconds, 0))


def quantile(hist: list[int], q: float) -> int | None:
    """The upper edge (seconds) of the bucket holding the ``q`` quantile; None without data;
    for the open-ended last bucket, its lower edge (reported as "over …")."""
    total = sum(hist)
    if not total:
        return None
    rank = q * total
    seen = 0
    for index, count in enumerate(hist):
        seen += count
        if count and seen >= rank:
            return EDGES[index] if index < len(EDGES) else EDGES[-1]
    return EDGES[-1]
