"""Insight benchmark on PostgreSQL: 1,000,000 tickets and 10,000,000 events (run by hand).

    createdb -h 127.0.0.1 -U postgres collab_bench_insight
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_bench_insight \\
        .venv/bin/python bench/insight.py [--tickets 1000000] [--runs 30]

Setup is set-based SQL (INSERT … SELECT over generate_series and over the tickets): 1 strong
platform, 20 streamers, 100 brands, 20 merchants; tickets spread over 90 days (the newest 200
a burst of quality complaints in the last 13 minutes), 10 events each (created, routed,
accepted, info requested or an SLA breach, buyer reply, comment, resolved, reopened or comment,
closed, rated). Then it measures (a) the rollup job on a sample from scratch (events/s; the
rest of the rollups is then filled by SQL, see ``rollups_fill``), (b) one incremental refresh
after 1,000 new events, (c) the portal dashboard page (p50/p95 over ``--runs``) for the
platform (every ticket), a streamer and a brand, for 7 and 30 days, and the API's dashboard,
(d) the live top-issues refresh per party (both windows) and the whole push. The database is
reset on every run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Measured as deployed: with DEBUG on, Django formats and keeps every statement it runs.
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import PositiveIntegerField  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from sla_sweep import bulk_insert  # noqa: E402

from insight import durations  # noqa: E402
from insight.models import (  # noqa: E402
    DailyFigures,
    DailySummary,
    HolderDaily,
    HolderHourly,
    HourlyFigures,
    HourlySummary,
    TopIssueMinute,
)
from insight.rollups import (  # noqa: E402
    CURSOR,
    KEEP_MINUTES,
    Deltas,
    _fold,
    _upsert,
    rollup_advance,
)
from insight.top_issues import WINDOWS, top_issues, top_issues_push  # noqa: E402
from tenants.models import ApiKey, Membership, Oversight, Party, PartyKind, Role  # noqa: E402
from tickets.models import Ticket, TicketCategory, TicketEvent  # noqa: E402

SUBJECTS = [
    "鞋码偏小想换大一码",
    "快递一直没到",
    "收到的颜色不对",
    "Sole came off after a week",
    "面霜过敏了",
    "赠品没有收到",
    "Wrong size sent",
    "耳机没有声音",
]
CHANNELS = ["portal", "api", "buyer_form", "chat_bot", "import", "campaign"]
OUTCOMES = [
    "refund",
    "exchange",
    "reissue",
    "address_changed",
    "compensation",
    "explanation",
    "rejected_with_reason",
]


def _array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def setup(total: int) -> dict:
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    platform = Party.objects.create(
        kind=PartyKind.PLATFORM, name="Mall", slug="mall", oversight=Oversight.STRONG
    )
    streamers = [
        Party.objects.create(kind=PartyKind.STREAMER, name=f"S{i}", slug=f"s{i}", platform=platform)
        for i in range(20)
    ]
    brands = [
        Party.objects.create(kind=PartyKind.BRAND, name=f"B{i}", slug=f"b{i}") for i in range(100)
    ]
    merchants = [
        Party.objects.create(kind=PartyKind.MERCHANT, name=f"M{i}", slug=f"m{i}") for i in range(20)
    ]
    categories = list(
        TicketCategory.objects.exclude(code="quality").order_by("pk").values_list("pk", flat=True)
    )
    quality = TicketCategory.objects.get(code="quality").pk
    first_streamer, first_brand, first_merchant = streamers[0].pk, brands[0].pk, merchants[0].pk
    started = time.perf_counter()
    span = "interval '90 days'"
    created = (
        f"CASE WHEN g <= 200 THEN now() - g * interval '4 seconds' "
        f"ELSE now() - {span} * (g::float / {total}) END"
    )
    bulk_insert(
        Ticket,
        total,
        {
            "reference": "'AS-B-' || g",
            "buyer_token_hash": "md5(g::text)",
            "platform_id": str(platform.pk),
            # Party ids are consecutive (created in order above).
            "originator_id": f"{first_streamer} + g %% 20",
            "handler_id": f"{first_brand} + g %% 100",
            "brand_id": f"{first_brand} + g %% 100",
            "merchant_id": f"{first_merchant} + g %% 20",
            "category_id": (
                f"CASE WHEN g <= 200 THEN {quality} "
                f"ELSE (ARRAY{categories})[1 + g %% {len(categories)}] END"
            ),
            "channel": f"({_array(CHANNELS)})[1 + g %% 6]",
            "subject": (
                f"CASE WHEN g <= 200 THEN '鞋底开胶了' ELSE ({_array(SUBJECTS)})[1 + g %% 8] END"
            ),
            "sku": "'SKU-' || (g %% 500)",
            "state": f"CASE WHEN g < {total} / 30 THEN 'in_progress' ELSE 'closed' END",
            "custody_party_id": f"CASE WHEN g < {total} / 30 THEN {first_brand} + g %% 100 END",
            "last_event_seq": "10",
            "created_at": created,
            "updated_at": created,
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tickets_participant (ticket_id, party_id, role, joined_at) "
            "SELECT id, originator_id, 'originator', created_at FROM tickets_ticket "
            "UNION ALL SELECT id, handler_id, 'handler', created_at FROM tickets_ticket"
        )
        tickets_done = time.perf_counter()
        steps = [
            (1, "'ticket.created'", "'{}'::jsonb", "interval '0'"),
            (
                2,
                "'ticket.routed'",
                "jsonb_build_object('to_party', jsonb_build_object('slug', 'b' || (t.handler_id"
                f" - {first_brand})))",
                "interval '10 minutes'",
            ),
            (3, "'ticket.accepted'", "'{}'::jsonb", "(10 + 1 + t.id % 120) * interval '1 minute'"),
            (
                4,
                "CASE WHEN t.id % 20 = 0 THEN 'sla.breached' ELSE 'ticket.info_requested' END",
                "CASE WHEN t.id % 20 = 0 THEN jsonb_build_object('party', jsonb_build_object("
                f"'slug', 'b' || (t.handler_id - {first_brand}))) ELSE '{{}}'::jsonb END",
                "interval '3 hours'",
            ),
            (5, "'ticket.buyer_replied'", "'{}'::jsonb", "interval '5 hours'"),
            (6, "'comment.added'", "'{}'::jsonb", "interval '6 hours'"),
            (
                7,
                "'ticket.resolved'",
                f"jsonb_build_object('outcome', ({_array(OUTCOMES)})[1 + t.id % 7])",
                "interval '8 hours' + (t.id % 48) * interval '1 hour'",
            ),
            (
                8,
                "CASE WHEN t.id % 10 = 0 THEN 'ticket.reopened' ELSE 'comment.added' END",
                "'{}'::jsonb",
                "interval '57 hours'",
            ),
            (9, "'ticket.closed'", "'{}'::jsonb", "interval '4 days'"),
            (
                10,
                "'ticket.rated'",
                "jsonb_build_object('rating', 1 + t.id % 5)",
                "interval '5 days'",
            ),
        ]
        for seq, kind, data, offset in steps:
            cursor.execute(
                "INSERT INTO tickets_ticketevent (ticket_id, seq, kind, actor_kind, from_state, "
                "to_state, data, visibility, created_at) "
                f"SELECT t.id, {seq}, {kind}, 'system', '', '', {data}, 'parties', "
                f"LEAST(t.created_at + {offset}, now() - interval '1 minute') "
                "FROM tickets_ticket t"
            )
        # VACUUM too, as autovacuum would have by now (it is off on the bench server): without a
        # visibility map, the backlog's index-only scans (participants, open tickets) fetch
        # every row from the heap (streamer at 1,000,000 tickets: 176 ms instead of 8 ms).
        cursor.execute("VACUUM (ANALYZE)")
    events_done = time.perf_counter()
    User = get_user_model()
    watched = {"platform": platform, "streamer": streamers[0], "brand": brands[0]}
    users = {}
    for name, party in watched.items():
        user = User.objects.create_user(f"bench-{name}")
        Membership.objects.create(user=user, party=party, role=Role.SUPERVISOR)
        users[name] = user
    _key, raw_key = ApiKey.issue(party=streamers[0], name="bench", scopes=["tickets:read"])
    return {
        "parties": watched,
        "users": users,
        "api_key": raw_key,
        "tickets_s": tickets_done - started,
        "events_s": events_done - tickets_done,
        "events": total * 10,
    }


SAMPLE_BATCHES = 4


def _bucket_sql(seconds: str) -> str:
    """SQL for ``durations.bucket_of`` (whole seconds): how many bucket edges lie below."""
    return f"width_bucket({seconds} - 0.5, ARRAY{[float(e) for e in durations.EDGES]})"


def rollups_fill() -> None:
    """Fill the rollup tables for every event at once, in SQL, with what the job would write for
    this generated history (viewers: the platform, the originating streamer, the brand), and
    move the job's watermark past them. Only the benchmark does this: running the job over
    10,000,000 events on this shared machine would take hours (see (a)); the page reads the
    same rows either way. Top-issue minutes (last three hours) go through the job's own code."""
    viewers = (
        "CROSS JOIN LATERAL (VALUES (t.platform_id), (t.originator_id), (t.handler_id)) v(party_id)"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM tickets_ticketevent")
        last_id = cursor.fetchone()[0]
        cursor.execute(
            "TRUNCATE insight_hourlyfigures, insight_hourlysummary, insight_holderhourly, "
            "insight_dailyfigures, insight_dailysummary, insight_holderdaily"
        )
        cursor.execute(
            "INSERT INTO insight_hourlyfigures (party_id, hour, category_id, channel, intake, "
            "accepted, resolved, reopened, escalated, breached, breached_own) "
            "SELECT v.party_id, date_trunc('hour', e.created_at), t.category_id, t.channel, "
            "count(*) FILTER (WHERE e.kind = 'ticket.created'), "
            "count(*) FILTER (WHERE e.kind = 'ticket.accepted'), "
            "count(*) FILTER (WHERE e.kind = 'ticket.resolved'), "
            "count(*) FILTER (WHERE e.kind = 'ticket.reopened'), 0, "
            "count(*) FILTER (WHERE e.kind = 'sla.breached'), "
            "count(*) FILTER (WHERE e.kind = 'sla.breached' AND v.party_id = t.handler_id) "
            f"FROM tickets_ticketevent e JOIN tickets_ticket t ON t.id = e.ticket_id {viewers} "
            "WHERE e.kind IN ('ticket.created', 'ticket.accepted', 'ticket.resolved', "
            "'ticket.reopened', 'sla.breached') GROUP BY 1, 2, 3, 4"
        )
        # Durations as generated: accepted 1 + id % 120 min after routing; resolved 8 + id % 48 h
        # after creation, minus the 2 h awaiting the buyer unless step 4 was a breach.
        accept = "(60 * (1 + t.id % 120))"
        resolve = "(3600 * (8 + t.id % 48) - CASE WHEN t.id % 20 = 0 THEN 0 ELSE 7200 END)"
        columns, selects = ["intake"], ["count(*) FILTER (WHERE kind = 'ticket.created')"]
        for index in range(durations.BUCKETS):
            columns += [f"accept_{index}", f"resolve_{index}"]
            selects += [
                f"count(*) FILTER (WHERE kind = 'ticket.accepted' AND ab = {index})",
                f"count(*) FILTER (WHERE kind = 'ticket.resolved' AND rb = {index})",
            ]
        for stars in range(1, 6):
            columns.append(f"rating_{stars}")
            selects.append(f"count(*) FILTER (WHERE kind = 'ticket.rated' AND stars = {stars})")
        for position, code in enumerate(OUTCOMES):
            columns.append(f"outcome_{code}")
            selects.append(f"count(*) FILTER (WHERE kind = 'ticket.resolved' AND o = {position})")
        cursor.execute(
            f"INSERT INTO insight_hourlysummary (party_id, hour, {', '.join(columns)}) "
            f"SELECT party_id, hour, {', '.join(selects)} FROM ("
            "SELECT v.party_id, date_trunc('hour', e.created_at) AS hour, e.kind, "
            f"{_bucket_sql(accept)} AS ab, {_bucket_sql(resolve)} AS rb, "
            "1 + t.id % 5 AS stars, t.id % 7 AS o "
            f"FROM tickets_ticketevent e JOIN tickets_ticket t ON t.id = e.ticket_id {viewers} "
            "WHERE e.kind IN ('ticket.created', 'ticket.accepted', 'ticket.resolved', "
            "'ticket.rated')) AS picked GROUP BY 1, 2"
        )
        cursor.execute(
            "INSERT INTO insight_holderhourly (party_id, hour, holder_id, received, breached) "
            "SELECT v.party_id, date_trunc('hour', e.created_at), "
            "CASE WHEN e.kind = 'ticket.created' THEN t.originator_id ELSE t.handler_id END, "
            "count(*) FILTER (WHERE e.kind <> 'sla.breached'), "
            "count(*) FILTER (WHERE e.kind = 'sla.breached') "
            f"FROM tickets_ticketevent e JOIN tickets_ticket t ON t.id = e.ticket_id {viewers} "
            "WHERE e.kind IN ('ticket.created', 'ticket.routed', 'sla.breached') GROUP BY 1, 2, 3"
        )
        for hourly, daily in (
            (HourlyFigures, DailyFigures),
            (HourlySummary, DailySummary),
            (HolderHourly, HolderDaily),
        ):
            # The job writes each daily row as the sum of its hourly rows per UTC day.
            fields = [f for f in daily._meta.concrete_fields if f.name not in ("id", "day")]
            keys = [f.column for f in fields if not isinstance(f, PositiveIntegerField)]
            sums = [f.column for f in fields if isinstance(f, PositiveIntegerField)]
            cursor.execute(
                f"INSERT INTO {daily._meta.db_table} (day, {', '.join(keys + sums)}) "
                "SELECT date_trunc('day', hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', "
                f"{', '.join(keys + [f'sum({c})' for c in sums])} "
                f"FROM {hourly._meta.db_table} GROUP BY 1, {', '.join(keys)}"
            )
        cursor.execute(
            "INSERT INTO insight_ticketaudience (ticket_id, party_id) "
            f"SELECT DISTINCT t.id, v.party_id FROM tickets_ticket t {viewers} "
            "ON CONFLICT DO NOTHING"
        )
        cursor.execute(
            "UPDATE insight_rollupcursor SET last_event_id = %s WHERE name = %s", [last_id, CURSOR]
        )
        cursor.execute("ANALYZE")
    recent = list(
        TicketEvent.objects.filter(
            kind="ticket.created", created_at__gte=timezone.now() - KEEP_MINUTES
        ).only("id", "ticket_id", "kind", "data", "created_at")
    )
    deltas = Deltas()
    _fold(recent, deltas, now=timezone.now(), only=None)
    TopIssueMinute.objects.all().delete()
    _upsert(TopIssueMinute, ("party", "minute", "dimension", "key"), deltas.minutes)


def percentiles(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    return f"p50 {statistics.median(samples):.0f} ms, p95 {p95:.0f} ms, max {samples[-1]:.0f} ms"


def timed(call, runs: int) -> list[float]:
    for _ in range(2):
        call()
    found = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        found.append((time.perf_counter() - began) * 1000)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    options = parser.parse_args()
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    settings.COLLAB_INSIGHT_SETTLE_SECONDS = 0
    print(f"load average before: {os.getloadavg()}")
    facts = setup(options.tickets)
    print(
        f"setup: {options.tickets:,} tickets in {facts['tickets_s']:.0f} s, "
        f"{facts['events']:,} events in {facts['events_s']:.0f} s"
    )

    # (a) The job itself on a sample: the first SAMPLE_BATCHES batches from scratch. Events
    # were inserted one seq at a time, so each batch spans all 90 days: the job's worst case
    # (live, a batch covers the last seconds and touches a few rows per party).
    settings_now = timezone.now()
    began = time.perf_counter()
    folded = rollup_advance(max_batches=SAMPLE_BATCHES)
    spent = time.perf_counter() - began
    print(f"(a) rollup job, sample: {folded:,} events in {spent:.1f} s ({folded / spent:,.0f}/s)")
    began = time.perf_counter()
    rollups_fill()
    print(f"    rest of the rollups filled by SQL in {time.perf_counter() - began:.0f} s")
    with connection.cursor() as cursor:
        for table in (
            "hourlyfigures",
            "hourlysummary",
            "holderhourly",
            "dailyfigures",
            "dailysummary",
            "holderdaily",
            "topissueminute",
        ):
            cursor.execute(f"SELECT count(*) FROM insight_{table}")
            print(f"    insight_{table}: {cursor.fetchone()[0]:,} rows")

    # (b) steady state: 1,000 new events (100 tickets' worth) since the last refresh.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tickets_ticketevent (ticket_id, seq, kind, actor_kind, from_state, "
            "to_state, data, visibility, created_at) SELECT t.id, 10 + s, 'comment.added', "
            "'system', '', '', '{}'::jsonb, 'parties', now() - interval '1 second' "
            "FROM (SELECT id FROM tickets_ticket ORDER BY id LIMIT 100) t, generate_series(1, 10) s"
        )
    began = time.perf_counter()
    rollup_advance()
    print(
        f"(b) incremental refresh, 1,000 new events: {(time.perf_counter() - began) * 1000:.0f} ms"
    )

    for name, party in facts["parties"].items():
        client = Client()
        client.force_login(facts["users"][name])
        for period in ("7d", "30d"):
            url = f"/portal/insight/?period={period}"
            assert client.get(url).status_code == 200
            samples = timed(lambda url=url, client=client: client.get(url), options.runs)
            print(f"(c) dashboard page, {name} ({party.slug}), {period}: {percentiles(samples)}")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {facts['api_key']}")
    samples = timed(lambda: api.get("/api/v1/insight/dashboard/?period=30d"), options.runs)
    print(f"(c) API dashboard, streamer, 30d: {percentiles(samples)}")

    now = settings_now
    for name, party in facts["parties"].items():
        samples = timed(
            lambda party=party: [top_issues(party, window=w, now=now) for w in WINDOWS],
            options.runs,
        )
        print(f"(d) top issues refresh (15m + 1h), {name}: {percentiles(samples)}")
    burst = top_issues(facts["parties"]["platform"], window="15m", now=now)["categories"][:1]
    print(f"    rising on the platform: {burst}")
    began = time.perf_counter()
    pushed = top_issues_push(now=now)
    spent = (time.perf_counter() - began) * 1000
    print(
        f"(d) whole push: {pushed} parties in {spent:.0f} ms ({spent / max(pushed, 1):.1f} ms each)"
    )
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
