"""The supervisors' daily digest: one e-mail each morning per person who asked for it, with
what reached them since the last one and, for each party they supervise, its open and breached
tickets now. Sent by Celery beat (``notification_digest_task``) in production and by
``manage.py notifications_digest`` anywhere (the embedded default has no scheduler: run the
command from cron, or by hand in the demo)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tenants.models import Membership, Role
from tickets.models import Ticket
from tickets.workflow import OPEN_STATES

from .models import Notification, NotificationKind, NotificationSettings
from .texts import text_of

# A digest is daily: a second run the same day (a retried beat, a manual run) sends nothing.
MIN_INTERVAL = timedelta(hours=20)
LOOKBACK = timedelta(days=1)
LINES_PER_KIND = 10


def _party_figures(party_ids: set[int]) -> dict[int, dict[str, int]]:
    figures: dict[int, dict[str, int]] = defaultdict(lambda: {"open": 0, "breached": 0})
    held = Ticket.objects.filter(custody_party_id__in=party_ids, state__in=list(OPEN_STATES))
    for party_id, breached in held.values_list("custody_party_id", "sla_breached"):
        figures[party_id]["open"] += 1
        figures[party_id]["breached"] += int(breached)
    return figures


def digest_for(choices: NotificationSettings, now) -> tuple[str, str] | None:
    """Subject and body of one person's digest, or None if they supervise nothing now."""
    user = choices.user
    supervised = list(
        Membership.objects.filter(
            user=user, role__in=[Role.SUPERVISOR, Role.ADMIN], party__is_active=True
        ).select_related("party")
    )
    if not supervised:
        return None
    since = max(choices.digest_sent_at or now - LOOKBACK, now - LOOKBACK)
    rows = list(
        Notification.objects.filter(
            recipient=user,
            created_at__gt=since,
            party_id__in=[m.party_id for m in supervised],
        )
        .select_related("ticket", "event", "party")
        .order_by("party_id", "kind", "-id")
    )
    grouped: dict[tuple[int, str], list[Notification]] = defaultdict(list)
    for row in rows:
        grouped[(row.party_id, row.kind)].append(row)
    figures = _party_figures({m.party_id for m in supervised})
    parties = [
        {
            "name": m.party.name,
            "open": figures[m.party_id]["open"],
            "breached": figures[m.party_id]["breached"],
            "kinds": [
                {
                    "label": NotificationKind(kind).label,
                    "count": len(items),
                    "lines": [text_of(item) for item in items[:LINES_PER_KIND]],
                }
                for (party_id, kind), items in grouped.items()
                if party_id == m.party_id
            ],
        }
        for m in supervised
    ]
    subject = _("Collab daily digest: %(count)s notifications") % {"count": len(rows)}
    body = render_to_string(
        "notifications/digest.txt",
        {"user": user, "parties": parties, "base_url": settings.COLLAB_PUBLIC_BASE_URL},
    )
    return subject, body


def digest_send(*, now=None, force: bool = False) -> int:
    """Send the digest to everyone who asked for it and has not had one today (``force``:
    regardless). Returns how many were sent."""
    now = now or timezone.now()
    people = NotificationSettings.objects.filter(digest=True, user__is_active=True).exclude(
        user__email=""
    )
    if not force:
        people = people.exclude(digest_sent_at__gt=now - MIN_INTERVAL)
    sent = 0
    for choices in people.select_related("user"):
        with translation.override(settings.LANGUAGE_CODE):
            message = digest_for(choices, now)
            if message is None:
                continue
            send_mail(message[0], message[1], None, [choices.user.email])
        NotificationSettings.objects.filter(pk=choices.pk).update(digest_sent_at=now)
        sent += 1
    return sent
