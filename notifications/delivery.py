"""After the commit: the live push to ``user.<id>`` and the e-mails.

The socket group is per person, not per party: a person's bell counts what reached them in
every party they belong to. The push carries the fresh unread count, so a page never counts by
itself and a missed push is repaired by the next one or by a reload.
"""

from __future__ import annotations

import logging
import smtplib

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from .models import EmailState, Notification
from .selectors import unread_counts
from .texts import payload_of, text_of

logger = logging.getLogger(__name__)

MESSAGE_TYPE = "notification.push"
EMAIL_BATCH = 200


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def notifications_committed(ids: list[int], user_ids: list[int]) -> None:
    """Called from ``on_commit``: push each new notification with its recipient's unread count,
    then send the e-mails the recipients asked for."""
    rows = list(
        Notification.objects.filter(pk__in=ids)
        .select_related("ticket", "event", "party")
        .order_by("pk")
    )
    layer = get_channel_layer()
    if layer is not None:
        in_app = [row for row in rows if row.in_app]
        counts = unread_counts({row.recipient_id for row in in_app})
        sends = [
            (
                user_group(row.recipient_id),
                {
                    "type": MESSAGE_TYPE,
                    "unread": counts.get(row.recipient_id, 0),
                    "notification": payload_of(row),
                },
            )
            for row in in_app
        ]
        async_to_sync(_group_send_all)(layer, sends)
    if any(row.email_state == EmailState.PENDING for row in rows):
        _emails_kick()


def unread_pushed(user_ids: list[int]) -> None:
    """Tell the people's open pages their new unread count (after marking read)."""
    layer = get_channel_layer()
    if layer is None:
        return
    counts = unread_counts(set(user_ids))
    sends = [
        (user_group(user_id), {"type": MESSAGE_TYPE, "unread": counts.get(user_id, 0)})
        for user_id in user_ids
    ]
    async_to_sync(_group_send_all)(layer, sends)


async def _group_send_all(layer, sends: list[tuple[str, dict]]) -> None:
    for group, message in sends:
        await layer.group_send(group, message)


def _emails_kick() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # Embedded default: the console backend costs nothing; production queues a task.
        notification_emails_send()
        return
    from .tasks import notification_emails_task

    notification_emails_task.delay()


def notification_emails_send(limit: int = EMAIL_BATCH) -> int:
    """Send pending notification e-mails, one per notification, in the site language (people
    have no stored language). A row is taken with ``SKIP LOCKED`` and marked sent
    in the same transaction, so two senders never send it twice; a crash before the commit
    leaves it pending for the next run. Returns how many were sent."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(email_state=EmailState.PENDING)
            .select_related("recipient", "ticket", "event")
            .order_by("pk")[:limit]
        )
        sent = []
        with translation.override(settings.LANGUAGE_CODE):
            for row in rows:
                if not row.recipient.email:
                    sent.append(row.pk)
                    continue
                text = text_of(row)
                link = f"{settings.COLLAB_PUBLIC_BASE_URL}/portal/t/{row.ticket.reference}/"
                try:
                    send_mail(
                        (_("Collab: %(text)s") % {"text": text})[:200],
                        f"{text}\n\n{link}\n",
                        None,
                        [row.recipient.email],
                    )
                except (smtplib.SMTPException, OSError):
                    # The mail server is away: keep what was sent, the rest stays pending.
                    logger.exception("notification e-mail failed; will retry")
                    break
                sent.append(row.pk)
        Notification.objects.filter(pk__in=sent).update(email_state=EmailState.SENT)
    return len(sent)
