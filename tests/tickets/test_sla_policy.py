"""Which SLA policy applies to a custody period: the most specific wins, the platform's is a
floor a streamer may tighten but not loosen; plus the per-party ledger built from the periods."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import drive, make_ticket
from tickets.deadlines import sla_terms_load
from tickets.models import TicketCategory
from tickets.stats import party_sla_stats

from .sla_kit import policy, round_the_clock

pytestmark = pytest.mark.django_db


def terms(cast, ticket, party):
    loaded = sla_terms_load(ticket, party)
    return loaded[0] if loaded else None


def test_no_policy_no_clock(cast):
    ticket, _t = make_ticket(cast)
    assert terms(cast, ticket, cast.brand) is None


def test_the_most_specific_policy_wins(cast):
    size = TicketCategory.objects.get(code="size_colour_change")
    policy(cast.streamer, resolve_h=40, party_kind="brand", name="any brand")
    policy(cast.streamer, resolve_h=30, priority="normal", name="normal priority")
    by_category = policy(cast.streamer, resolve_h=20, category=size, name="size changes")
    ticket, _t = make_ticket(cast)
    assert terms(cast, ticket, cast.brand).policy_id == by_category.pk
    named = policy(cast.streamer, resolve_h=10, party=cast.brand, name="North Peak")
    assert terms(cast, ticket, cast.brand).policy_id == named.pk
    # Conditions that do not hold rule a policy out.
    assert terms(cast, ticket, cast.other_brand).policy_id == by_category.pk
    assert terms(cast, ticket, cast.merchant).policy_id == by_category.pk


def test_at_equal_specificity_the_streamers_own_policy_wins(cast):
    policy(cast.platform, resolve_h=24, party_kind="brand")
    own = policy(cast.streamer, resolve_h=12, party_kind="brand")
    ticket, _t = make_ticket(cast)
    assert terms(cast, ticket, cast.brand).policy_id == own.pk


def test_a_streamer_may_tighten_the_platform_floor(cast):
    policy(cast.platform, accept_h=4, resolve_h=24, party_kind="brand")
    policy(cast.streamer, accept_h=1, resolve_h=8, party_kind="brand")
    ticket, _t = make_ticket(cast)
    found = terms(cast, ticket, cast.brand)
    assert (found.accept_within, found.resolve_within) == (timedelta(hours=1), timedelta(hours=8))


def test_a_streamer_may_not_loosen_the_platform_floor(cast):
    policy(cast.platform, accept_h=4, resolve_h=24, party_kind="brand")
    lax = policy(cast.streamer, accept_h=12, resolve_h=72, party=cast.brand, action="escalate")
    ticket, _t = make_ticket(cast)
    found = terms(cast, ticket, cast.brand)
    assert found.policy_id == lax.pk and found.breach_action == "escalate"
    assert (found.accept_within, found.resolve_within) == (timedelta(hours=4), timedelta(hours=24))


def test_another_platforms_or_streamers_policies_never_apply(cast):
    policy(cast.weak_platform, resolve_h=1, party_kind="brand")
    policy(cast.weak_streamer, resolve_h=1, party_kind="brand")
    ticket, _t = make_ticket(cast)
    assert terms(cast, ticket, cast.brand) is None


def test_stats_count_time_held_breaches_and_compliance_per_party(cast):
    from tickets.sweeper import sla_sweep

    policy(cast.platform, accept_h=2, resolve_h=8, party_kind="brand", calendar=round_the_clock())
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        late, _t = make_ticket(cast)
        drive(cast, late, "routed")
        on_time, _t = make_ticket(cast)
        drive(cast, on_time, "in_progress")
        clock.shift(timedelta(hours=3))
        sla_sweep()
        end = timezone.now()
    rows = {r.party_slug: r for r in party_sla_stats(cast.platform, start=start, end=end, now=end)}
    brand = rows[cast.brand.slug]
    assert (brand.periods, brand.with_clock, brand.breaches) == (2, 2, 1)
    assert brand.compliance_percent == 50.0
    assert brand.held == timedelta(hours=6)
    by_category = party_sla_stats(cast.streamer, start=start, end=end, by_category=True)
    assert {(r.party_slug, r.category) for r in by_category} >= {
        (cast.brand.slug, "size_colour_change")
    }
    # An outsider sees nothing of tickets it does not take part in.
    assert party_sla_stats(cast.outsider, start=start, end=end) == []
