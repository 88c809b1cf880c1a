"""Reads about parties and people."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from .models import Membership, Partnership, Party


def membership_qs_for_user(user: AbstractBaseUser) -> QuerySet[Membership]:
    """The parties a person may act for, platform first then by name."""
    return (
        Membership.objects.filter(user=user, party__is_active=True)
        .select_related("party")
        .order_by("party__kind", "party__name")
    )


def membership_get(*, user: AbstractBaseUser, party_id: int) -> Membership | None:
    return membership_qs_for_user(user).filter(party_id=party_id).first()


def partner_qs_for_streamer(streamer: Party) -> QuerySet[Party]:
    """Active brands and merchants a streamer works with: the only parties routing may target."""
    return Party.objects.filter(
        is_active=True,
        partner_of__streamer=streamer,
        partner_of__is_active=True,
    )


def is_partner(*, streamer: Party, party: Party) -> bool:
    return Partnership.objects.filter(
        streamer=streamer, partner=party, is_active=True, partner__is_active=True
    ).exists()
