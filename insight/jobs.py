"""One refresh of insight: the rollup job then the live top-issues push. Called by Celery beat in
production and by ``manage.py insight_refresh`` on the embedded default."""

from __future__ import annotations

from django.utils import timezone

from .rollups import rollup_advance
from .top_issues import top_issues_push


def insight_refresh() -> dict:
    now = timezone.now()
    events = rollup_advance(now=now)
    pushed = top_issues_push(now=now) if events else 0
    return {"events": events, "pushed": pushed}
