"""Portal page benchmark on PostgreSQL with 100,000 tickets (run by hand).

    createdb -h 127.0.0.1 -U postgres collab_bench_e
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_bench_e \\
        .venv/bin/python bench/portal_pages.py [--tickets 100000] [--requests 60]

Seeds the demo parties and people (``seed_demo --tickets 0``), then bulk-inserts tickets with
SQL over generate_series: four states, one streamer, three brands and two merchants holding
them, a participant row per party, an open custody period with SLA deadlines, and three events
per ticket. Then renders pages through Django's test client as a brand agent (the biggest
holder, about a third of the tickets) and reports server-side p50/p95 and queries per page.
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

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from tenants.models import Party  # noqa: E402
from tickets.models import Custody, Participant, Ticket, TicketCategory, TicketEvent  # noqa: E402

HOLDERS = ["north-peak", "north-peak", "north-peak", "glow-lab", "kitchen-joy", "swift-ship"]
STATES = ["routed", "in_progress", "in_progress", "resolved"]


def seed(total: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", tickets=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    if Ticket.objects.count() >= total:
        return
    parties = {p.slug: p.pk for p in Party.objects.all()}
    streamer, platform = parties["lucy-live"], parties["starmall"]
    holders = "ARRAY[" + ",".join(str(parties[s]) for s in HOLDERS) + "]"
    states = "ARRAY[" + ",".join(f"'{s}'" for s in STATES) + "]"
    category = TicketCategory.objects.get(code="size_colour_change").pk
    holder = f"({holders})[1 + g % {len(HOLDERS)}]"
    state = f"({states})[1 + g % {len(STATES)}]"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO tickets_ticket (reference, platform_id, originator_id, category_id,
              priority, channel, subject, description, order_number, sku, product_name,
              livestream_session, buyer_name, buyer_phone, buyer_phone_last4, buyer_address,
              buyer_consent, form_data, buyer_token_hash, state, handler_id, custody_party_id,
              outcome, resolution_note, rating_comment, resolve_by, sla_breached,
              last_event_seq, created_at, updated_at, sla_policy_id)
            SELECT 'AS-BENCH-' || lpad(g::text, 7, '0'), {platform}, {streamer}, {category},
              (ARRAY['low','normal','high','urgent'])[1 + g % 4], 'portal',
              'Bench ticket ' || g, 'Size change', 'DY' || g, 'NP-SHOE-01', '北峰轻徒步鞋', '',
              '张伟', '138' || lpad((g % 100000000)::text, 8, '0'),
              lpad((g % 10000)::text, 4, '0'),
              '{{"province": "浙江省", "city": "杭州市", "district": "西湖区",
                "detail": "文三路 1 号"}}'::jsonb,
              g % 3 = 0, '{{"new_size": "42", "new_colour": "black"}}'::jsonb,
              md5(g::text) || md5((g + 1)::text), {state}, {holder},
              CASE WHEN {state} = 'resolved' THEN NULL ELSE {holder} END,
              '', '', '', now() + (g % 96 - 24) * interval '1 hour', g % 17 = 0, 3,
              now() - (g % 720) * interval '1 hour', now(), NULL
            FROM generate_series(1, {total}) AS g
            """
        )
        cursor.execute(
            f"""
            INSERT INTO {Participant._meta.db_table} (ticket_id, party_id, role, joined_at)
            SELECT id, originator_id, 'originator', created_at FROM tickets_ticket
            UNION ALL
            SELECT id, handler_id, 'handler', created_at FROM tickets_ticket
            """
        )
        cursor.execute(
            f"""
            INSERT INTO {Custody._meta.db_table} (ticket_id, party_id, state, started_at,
              accept_by, resolve_by)
            SELECT id, custody_party_id, state, created_at, created_at + interval '4 hours',
              resolve_by FROM tickets_ticket WHERE state <> 'resolved'
            """
        )
        cursor.execute(
            f"""
            INSERT INTO {TicketEvent._meta.db_table} (ticket_id, seq, kind, actor_kind,
              actor_party_id, from_state, to_state, data, visibility, created_at)
            SELECT t.id, s.seq, (ARRAY['ticket.created','ticket.routed','comment.added'])[s.seq],
              'user', t.originator_id, '', '', '{{"body": "bench"}}'::jsonb,
              (ARRAY['public','parties','internal'])[s.seq], t.created_at
            FROM tickets_ticket t CROSS JOIN generate_series(1, 3) AS s(seq)
            """
        )
        cursor.execute("ANALYZE")


def measure(client: Client, label: str, urls: list[str]) -> None:
    timings, queries = [], set()
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.add(len(captured))
    timings.sort()
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    print(
        f"{label:<34} n={len(timings):<4} p50={statistics.median(timings):7.1f} ms  "
        f"p95={p95:7.1f} ms  queries/page={sorted(queries)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    setup_test_environment()
    seed(args.tickets)
    brand = Party.objects.get(slug="north-peak")
    print(
        f"tickets={Ticket.objects.count()}  held by {brand.slug}="
        f"{Ticket.objects.filter(custody_party=brand).count()}"
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.login(username="northpeak-agent", password="collab-demo")  # noqa: S106 - demo login
    client.get("/portal/inbox/")  # warm up
    n = args.requests
    measure(client, "inbox (custody, deadline sort)", ["/portal/inbox/"] * n)
    measure(client, "inbox page 40", ["/portal/inbox/?page=40"] * n)
    measure(client, "inbox all visible, newest", ["/portal/inbox/?scope=all&sort=-created"] * n)
    measure(
        client,
        "inbox filtered (urgent, breached)",
        ["/portal/inbox/?priority=urgent&breached=on"] * n,
    )
    measure(client, "inbox search phone last 4", [f"/portal/inbox/?q={i:04d}" for i in range(n)])
    references = list(
        Ticket.objects.filter(custody_party=brand).values_list("reference", flat=True)[:n]
    )
    measure(client, "ticket page", [f"/portal/t/{ref}/" for ref in references])


if __name__ == "__main__":
    main()
