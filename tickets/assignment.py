"""Who inside the custody party gets a ticket (DESIGN §5): manual, round robin or least open load,
among the party's agents whose skills cover the category, preferring those online.

Round robin hands the ticket to the agent who waited longest since their last assignment
(``Membership.last_assigned_at``), which survives restarts and needs no shared cursor row.
Least open load counts the open tickets each agent holds for the party; ties go to the one who
waited longest, then to the older membership. The services apply the choice
(``tickets.services.ticket_assign`` and the custody moves); this module only reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from django.db.models import Count
from django.utils import timezone

from tenants.models import AssignmentStrategy, Membership, Party, Role

from .models import Ticket
from .workflow import OPEN_STATES

_NEVER = datetime.min.replace(tzinfo=UTC)


def assignee_pick(
    candidates: Sequence[Membership],
    *,
    strategy: str,
    category_code: str,
    loads: dict[int, int] | None = None,
    exclude_user_id: int | None = None,
) -> Membership | None:
    """The agent to assign among ``candidates`` (the party's agents), or None. Pure."""
    if strategy == AssignmentStrategy.MANUAL:
        return None
    able = [
        m
        for m in candidates
        if (not m.skills or category_code in m.skills) and m.user_id != exclude_user_id
    ]
    pool = [m for m in able if m.is_online] or able
    if not pool:
        return None

    def waited(m: Membership) -> tuple[datetime, int]:
        return (m.last_assigned_at or _NEVER, m.pk)

    if strategy == AssignmentStrategy.LEAST_LOAD:
        loads = loads or {}
        return min(pool, key=lambda m: (loads.get(m.user_id, 0), *waited(m)))
    return min(pool, key=waited)


def assignee_choose(
    *, party: Party, category_code: str, exclude_user_id: int | None = None
) -> Membership | None:
    """Apply ``party.assignment_strategy``: one query for the agents, one more for loads."""
    if party.assignment_strategy == AssignmentStrategy.MANUAL:
        return None
    candidates = list(
        Membership.objects.filter(
            party=party, role=Role.AGENT, user__is_active=True
        ).select_related("user")
    )
    loads = None
    if party.assignment_strategy == AssignmentStrategy.LEAST_LOAD and candidates:
        loads = dict(
            Ticket.objects.filter(
                custody_party=party,
                state__in=OPEN_STATES,
                assignee_id__in=[m.user_id for m in candidates],
            )
            .values("assignee_id")
            .annotate(open_count=Count("id"))
            .values_list("assignee_id", "open_count")
        )
    return assignee_pick(
        candidates,
        strategy=party.assignment_strategy,
        category_code=category_code,
        loads=loads,
        exclude_user_id=exclude_user_id,
    )


def agent_presence_set(*, membership: Membership, online: bool) -> None:
    """The presence hook: the portal calls this when an agent connects, disconnects or sends a
    heartbeat, so automatic assignment prefers people who are there."""
    membership.is_online = online
    membership.last_seen_at = timezone.now()
    membership.save(update_fields=["is_online", "last_seen_at"])
