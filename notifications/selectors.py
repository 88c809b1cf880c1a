"""Reads: a person's notifications. Always scoped to the person, and to the parties they still
belong to (someone who left a party no longer sees what reached them as its member)."""

from __future__ import annotations

from django.db.models import Count, F, QuerySet

from tenants.models import Membership, Role

from .models import Notification, NotificationSettings


def notification_qs_for_user(user) -> QuerySet[Notification]:
    """The person's bell entries, newest first."""
    return (
        Notification.objects.filter(
            recipient=user,
            in_app=True,
            party__memberships__user=user,
            party__is_active=True,
        )
        .select_related("ticket", "event", "party")
        .order_by("-id")
    )


def unread_count(user) -> int:
    return notification_qs_for_user(user).filter(read_at__isnull=True).count()


def unread_counts(user_ids: set[int]) -> dict[int, int]:
    """Unread counts of several people in one query (for the live push)."""
    if not user_ids:
        return {}
    rows = (
        Notification.objects.filter(
            recipient_id__in=user_ids,
            in_app=True,
            read_at__isnull=True,
            party__is_active=True,
            party__memberships__user_id=F("recipient_id"),
        )
        .values("recipient_id")
        .annotate(n=Count("id"))
    )
    return {row["recipient_id"]: row["n"] for row in rows}


def notification_settings_get(user) -> NotificationSettings:
    """The person's choices, or the defaults (unsaved) if they never changed them."""
    return NotificationSettings.objects.filter(user=user).first() or NotificationSettings(user=user)


def user_supervises(user) -> bool:
    """Supervisors and admins of an active party may take the daily digest."""
    return Membership.objects.filter(
        user=user, role__in=[Role.SUPERVISOR, Role.ADMIN], party__is_active=True
    ).exists()
