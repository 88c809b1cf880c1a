"""Writes: notifications from committed ticket events, reading them, a person's settings.

``notifications_write`` runs inside the events' transaction (called by ``tickets.services``
beside the webhook outbox), like an outbox: the notifications commit with the events or not at
all, so a crash after the commit loses no bell entry and no e-mail (the rows wait with
``email_state=pending`` until a sender takes them). The live push to ``user.<id>`` and the
immediate e-mails happen after the commit.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from tickets.models import TicketEvent

from .models import EmailState, Notification, NotificationKind, NotificationSettings
from .recipients import recipients_for


def notifications_write(
    events: list[TicketEvent], *, participants: dict[int, set[int]] | None = None
) -> int:
    """Write the notifications of ``events`` (see ``notifications.recipients`` for who gets
    what, and ``participants``), honouring each person's settings. Must run inside the events'
    transaction. One bulk insert per batch at most; returns how many rows were written."""
    rows: list[Notification] = []
    for recipient in recipients_for(events, participants=participants):
        user = recipient.membership.user
        choices = getattr(user, "notification_settings", None) or NotificationSettings()
        in_app = choices.in_app(recipient.kind)
        email = choices.email(recipient.kind) and bool(user.email)
        if not in_app and not email:
            continue
        rows.append(
            Notification(
                recipient_id=user.pk,
                party_id=recipient.membership.party_id,
                kind=recipient.kind,
                ticket_id=recipient.event.ticket_id,
                event=recipient.event,
                in_app=in_app,
                email_state=EmailState.PENDING if email else EmailState.NONE,
            )
        )
    if not rows:
        return 0
    Notification.objects.bulk_create(rows)
    ids = [row.pk for row in rows]

    def after_commit() -> None:
        from .delivery import notifications_committed

        notifications_committed(ids, [row.recipient_id for row in rows])

    transaction.on_commit(after_commit)
    return len(rows)


def notification_mark_read(*, user, notification_ids: list[int] | None = None) -> int:
    """Mark the person's notifications read: the given ones, or all of them with None. Ids that
    are not the person's are ignored (nothing to learn from the count). Returns how many
    changed; the person's other open pages get the new unread count."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    changed = qs.update(read_at=timezone.now())
    if changed:

        def after_commit() -> None:
            from .delivery import unread_pushed

            unread_pushed([user.pk])

        transaction.on_commit(after_commit)
    return changed


def notification_settings_update(
    *, user, muted_kinds: list[str], email_kinds: list[str], digest: bool
) -> NotificationSettings:
    """Save the person's choices. ``digest`` only sticks for people who supervise or administer
    a party (the digest is a supervisor's morning summary)."""
    from .selectors import user_supervises

    valid = set(NotificationKind.values)
    choices, _created = NotificationSettings.objects.get_or_create(user=user)
    choices.muted_kinds = sorted(set(muted_kinds) & valid)
    choices.email_kinds = sorted(set(email_kinds) & valid)
    choices.digest = digest and user_supervises(user)
    choices.save(update_fields=["muted_kinds", "email_kinds", "digest"])
    return choices
