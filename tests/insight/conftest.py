"""A fixed day of events on the shared cast, with the rollup job run part-way through (so the
merchant joins a ticket after its first events were folded in) and at the end.

Times (Asia/Shanghai), T0 = Mon 2026-11-02 10:00:
  A (size_colour_change, portal, SKU NP-SHOE-01, "鞋码偏小 shoes too small"):
    T0 created by lucy-live · +10m routed to north-peak · +40m accepted (30 min to accept)
    · +1h asks the buyer · +3h buyer answers (2 h paused) · +4h hand-on to swift-ship
    · +4h30 accepted (30 min) · +5h resolved, reissue (5 h − 2 h paused = 3 h → bucket "4 h")
    · +6h reopened by lucy-live · +7h resolved, exchange (1 h from the reopening)
    · +8h closed · +8h05 rated 4 by the buyer
  B (quality, API): +20m created · +25m routed to north-peak (accept within 1 h: SLA)
    · +1h30 the sweeper breaches north-peak · +2h escalated by north-peak
    · +3h resolved by starmall (platform), compensation (2 h 40 m → bucket "4 h")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from insight.rollups import rollup_advance
from tenants.actors import Actor
from tests.conftest import make_ticket
from tickets.models import (
    BreachAction,
    BusinessCalendar,
    Outcome,
    SlaPolicy,
    Ticket,
    TicketCategory,
)
from tickets.services import ticket_perform, ticket_rate
from tickets.sweeper import sla_sweep

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
M = timedelta(minutes=1)
H = timedelta(hours=1)


@dataclass
class History:
    a: Ticket
    b: Ticket
    end: datetime


@pytest.fixture
def settled(settings):
    """The rollup job reads events the moment they are written (no settle time)."""
    settings.COLLAB_INSIGHT_SETTLE_SECONDS = 0


@pytest.fixture
def history(cast, settled) -> History:
    SlaPolicy.objects.create(
        owner=cast.streamer,
        name="brands accept within an hour",
        party_kind="brand",
        accept_within=H,
        breach_action=BreachAction.NOTIFY_SUPERVISOR,
        calendar=BusinessCalendar.objects.create(name="24×7", always_open=True),
    )
    streamer, brand = cast.actor("lucy-live"), cast.actor("north-peak")
    merchant, platform = cast.actor("swift-ship"), cast.actor("starmall")
    with time_machine.travel(T0, tick=False) as clock:

        def at(offset: timedelta) -> None:
            clock.move_to(T0 + offset)

        def act(ticket, action, actor, **args):
            return ticket_perform(ticket=ticket, action=action, actor=actor, **args)

        a, _token = make_ticket(cast, sku="NP-SHOE-01", subject="鞋码偏小 shoes too small")
        at(10 * M)
        a = act(a, "route", streamer, to_party=cast.brand)
        at(20 * M)
        b, _token = make_ticket(
            cast,
            category=TicketCategory.objects.get(code="quality"),
            form_data={"defect": "Sole came off"},
            subject="Sole came off",
            channel="api",
        )
        at(25 * M)
        b = act(b, "route", streamer, to_party=cast.brand)
        at(40 * M)
        a = act(a, "accept", brand)
        at(H)
        a = act(a, "request_info", brand, question="Which size do you wear?")
        at(90 * M)
        sla_sweep()
        at(2 * H)
        b = act(b, "escalate", brand, reason="Needs the platform")
        at(3 * H)
        a = act(a, "buyer_reply", Actor.buyer(), answer="42")
        b = act(b, "resolve", platform, outcome=Outcome.COMPENSATION)
        at(3 * H + 30 * M)
        rollup_advance()  # part-way: swift-ship is not on A yet
        at(4 * H)
        a = act(a, "route", brand, to_party=cast.merchant)
        at(4 * H + 30 * M)
        a = act(a, "accept", merchant)
        at(5 * H)
        a = act(a, "resolve", merchant, outcome=Outcome.REISSUE)
        at(6 * H)
        a = act(a, "reopen", streamer, reason="Wrong colour sent")
        at(7 * H)
        a = act(a, "resolve", merchant, outcome=Outcome.EXCHANGE)
        at(8 * H)
        a = act(a, "close", streamer)
        at(8 * H + 5 * M)
        ticket_rate(ticket=a, actor=Actor.buyer(), rating=4)
        at(9 * H)
        rollup_advance()
    return History(a=a, b=b, end=T0 + 9 * H)
