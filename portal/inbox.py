"""The inbox query: the party's visible tickets (``ticket_qs_for_party``), narrowed by the filter
form, counted per state, sorted and paged in a constant number of queries."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from tenants.models import Party
from tickets.models import Custody, Ticket
from tickets.selectors import ticket_qs_for_party
from tickets.workflow import OPEN_STATES

from .forms import InboxFilterForm
from .sla import DUE_SOON


def inbox_base(party: Party, scope: str) -> QuerySet[Ticket]:
    """``custody``: tickets the party holds now; ``all``: every ticket it may see."""
    tickets = ticket_qs_for_party(party)
    if scope != "all":
        tickets = tickets.filter(custody_party=party)
    return tickets


def _search(q: str) -> Q:
    q = q.strip()
    if len(q) == 4 and q.isdigit():
        return Q(buyer_phone_last4=q) | Q(order_number=q)
    return Q(reference=q.upper()) | Q(order_number=q)


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def inbox_filter(tickets: QuerySet[Ticket], data: dict, *, user) -> QuerySet[Ticket]:
    """Apply the cleaned filter fields (all but ``state``, which the counts ignore)."""
    if data.get("q"):
        tickets = tickets.filter(_search(data["q"]))
    if data.get("category"):
        tickets = tickets.filter(category=data["category"])
    if data.get("priority"):
        tickets = tickets.filter(priority=data["priority"])
    assignee = data.get("assignee")
    if assignee == InboxFilterForm.ASSIGNEE_ME:
        tickets = tickets.filter(assignee=user)
    elif assignee == InboxFilterForm.ASSIGNEE_NONE:
        tickets = tickets.filter(assignee__isnull=True)
    elif assignee:
        tickets = tickets.filter(assignee_id=int(assignee))
    if data.get("breached"):
        tickets = tickets.filter(sla_breached=True)
    if data.get("due_soon"):
        tickets = tickets.filter(
            state__in=OPEN_STATES,
            resolve_by__isnull=False,
            resolve_by__lte=timezone.now() + DUE_SOON,
        )
    if data.get("created_from"):
        tickets = tickets.filter(created_at__gte=_day_start(data["created_from"]))
    if data.get("created_to"):
        tickets = tickets.filter(created_at__lt=_day_start(data["created_to"]) + timedelta(days=1))
    return tickets


def state_counts(tickets: QuerySet[Ticket]) -> dict[str, int]:
    rows = tickets.order_by().values("state").annotate(n=Count("id"))
    return {row["state"]: row["n"] for row in rows}


SORTS = {
    "deadline": [F("resolve_by").asc(nulls_last=True), "-created_at", "-id"],
    "-created": ["-created_at", "-id"],
    "created": ["created_at", "id"],
}


def inbox_order(tickets: QuerySet[Ticket], sort: str) -> QuerySet[Ticket]:
    return tickets.order_by(*SORTS.get(sort, SORTS["deadline"]))


def inbox_rows_load(party: Party, ids: list[int]) -> list[Ticket]:
    """The page's tickets in the order of ``ids``, loaded wide. Sorting tens of thousands of
    narrow rows and then loading fifty wide ones is several times faster than sorting wide
    rows (bench/portal_pages.py); the ids come from the party's selector, and so does this."""
    by_id = {t.pk: t for t in inbox_page_qs(ticket_qs_for_party(party).filter(pk__in=ids))}
    return [by_id[pk] for pk in ids if pk in by_id]


def inbox_page_qs(tickets: QuerySet[Ticket], sort: str = "deadline") -> QuerySet[Ticket]:
    """Rows with what the row template and ``ticket_for_party`` read, in two queries a page."""
    open_custody = Prefetch(
        "custodies", queryset=Custody.objects.filter(ended_at__isnull=True), to_attr="open_custody"
    )
    return (
        tickets.select_related(
            "category",
            "platform",
            "originator",
            "handler",
            "custody_party",
            "assignee",
            "brand",
            "merchant",
        )
        .prefetch_related(open_custody)
        .order_by(*SORTS.get(sort, SORTS["deadline"]))
    )
