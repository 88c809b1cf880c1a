"""API load benchmark on PostgreSQL (run by hand; resets the database it is given).

    createdb -h 127.0.0.1 -U postgres collab_bench_c
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_bench_c \\
        .venv/bin/python bench/api_load.py [--seconds 20] [--tickets 1000000]

1. SQL statements per API create (Idempotency-Key, routing rule, SLA policy, two webhook
   endpoints so outbox rows are written), counted in process.
2. uvicorn with two worker processes (``--pool`` database connections each, default 3); 8 and
   32 concurrent clients creating tickets (throughput, p50/p95/p99, errors). Client, server and
   database share the machine.
3. ``--tickets`` tickets bulk-inserted; a brand's inbox (``GET /api/v1/tickets/``) first page
   and a deep keyset page, p95 over 100 requests each, and the EXPLAIN of the deep page.

Before and after the load, the machine's own speed: single-row INSERT transactions per second
on one connection, the yardstick the issue gives for this machine ("PostgreSQL alone commits
about 4,500"). This virtual machine's speed moves by a third from one hour to the next, so read
the figures with the yardstick beside them, and with the load client's own CPU per request, which
follows the speed of the cores more closely (the yardstick also waits on the disk).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["COLLAB_WEBHOOK_INPROCESS_WORKER"] = "false"
os.environ["COLLAB_API_RATE"] = "10000000/min"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from sla_sweep import bulk_insert  # noqa: E402

from integrations.api.pagination import cursor_encode, keyset_after  # noqa: E402
from integrations.models import WebhookDelivery, WebhookEndpoint  # noqa: E402
from tenants.models import ApiKey, Oversight, Partnership, Party, PartyKind  # noqa: E402
from tickets.models import (  # noqa: E402
    BusinessCalendar,
    Participant,
    RoutingRule,
    SlaPolicy,
    Ticket,
    TicketCategory,
)
from tickets.selectors import ticket_qs_for_party  # noqa: E402

PORT = 8077
BODY = {
    "category": "bench",
    "subject": "Shoes: change size",
    "order_number": "DY2026111100001",
    "sku": "NP-SHOE-01",
    "buyer_name": "张三",
    "buyer_phone": "13812345678",
    "buyer_consent": True,
}


def setup() -> dict:
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    platform = Party.objects.create(
        kind=PartyKind.PLATFORM, name="P", slug="p", oversight=Oversight.STRONG
    )
    streamer = Party.objects.create(kind=PartyKind.STREAMER, name="S", slug="s", platform=platform)
    brand = Party.objects.create(kind=PartyKind.BRAND, name="B", slug="b")
    Partnership.objects.create(streamer=streamer, partner=brand)
    TicketCategory.objects.create(code="bench", name_en="Bench", name_zh_hans="Bench")
    calendar = BusinessCalendar.objects.create(owner=platform, name="24x7", always_open=True)
    SlaPolicy.objects.create(
        owner=platform,
        name="brands",
        party_kind=PartyKind.BRAND,
        accept_within=timedelta(hours=4),
        resolve_within=timedelta(hours=48),
        calendar=calendar,
    )
    RoutingRule.objects.create(
        owner=streamer, name="all to B", action="route_to_party", target=brand
    )
    for party in (streamer, brand):
        WebhookEndpoint.objects.create(party=party, url="http://127.0.0.1:9/hook")
    _key, streamer_key = ApiKey.issue(party=streamer, name="bench")
    _key, brand_key = ApiKey.issue(party=brand, name="bench")
    return {"streamer": streamer, "brand": brand, "keys": (streamer_key, brand_key)}


def sql_per_create(key: str) -> list[int]:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    counts = []
    for _ in range(6):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                "/api/v1/tickets/",
                BODY,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
            )
        assert response.status_code == 201, response.content
        counts.append(len(queries))
    return counts[1:]  # the first one warms caches (content types, the day's counter row)


def commit_rate(seconds: float = 3) -> float:
    """Single-row INSERT transactions committed per second on one connection (autocommit, the
    statement prepared), into a table of their own that is dropped afterwards."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_commit (id bigserial PRIMARY KEY, v integer)")
    raw = connection.connection  # psycopg's, in autocommit as Django leaves it
    try:
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            raw.execute("INSERT INTO bench_commit (v) VALUES (%s)", [count], prepare=True)
            count += 1
        return count / (time.perf_counter() - started)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_commit")


def server_start(pool: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_POOL_MAX": str(pool),
    }
    server = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv/bin/uvicorn"),
            "config.asgi:application",
            "--workers",
            "2",
            "--port",
            str(PORT),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/healthz")
            return server
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def _percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU of each of these processes so far (``/proc``; gone ones left out)."""
    seconds = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds


def _cpu_used(server: subprocess.Popen, before: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds since ``before`` (``_cpu_seconds`` of ``_processes``), by kind, over the
    processes alive now: a database session the pool opened meanwhile counts whole, one that
    ended meanwhile counts nothing (summed per kind instead, its earlier CPU came off the total)."""
    now = {name: _cpu_seconds(pids) for name, pids in _processes(server).items()}
    return {
        name: sum(used - before[name].get(pid, 0.0) for pid, used in pids.items())
        for name, pids in now.items()
    }


def _processes(server: subprocess.Popen) -> dict[str, list[int]]:
    """The server's processes (uvicorn's supervisor and workers) and the PostgreSQL backends
    serving this database (other databases' sessions on the same server are not counted)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        backends = [pid for (pid,) in cursor.fetchall()]
    return {"server": [server.pid, *map(int, children)], "postgresql": backends}


def load(key: str, clients: int, seconds: float, server: subprocess.Popen) -> dict:
    """``clients`` concurrent clients, each on its own keep-alive connection, creating tickets
    for ``seconds``; latencies, errors, and the CPU per create of the server, of PostgreSQL and
    of this load client.

    The clients are coroutines on one event loop (uvloop) that write prepared request bytes
    and read each response whole before sending the next request, as wrk's connections do: a
    load generator should cost the machine it measures as little as it can. Thirty-two client
    threads cost 0.25-0.4 ms of CPU per request, and each response waited for its thread to get
    the GIL before its latency was taken.

    The clients start one after another, 10 ms apart, each connecting when it starts (a ramp,
    as load tools have); the measurement starts when the last has started. Connected all at
    once, they were all accepted by whichever server process woke first: 32 against 0 in one
    run, when the server's processes share the listening socket."""
    body = json.dumps(BODY).encode()
    head = (
        "POST /api/v1/tickets/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nIdempotency-Key: "
    ).encode()
    latencies: list[float] = []
    errors = [0]
    window = {"start": float("inf"), "stop": float("inf")}

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
        while (started := time.perf_counter()) < window["stop"]:
            try:
                writer.write(head + uuid.uuid4().hex.encode() + b"\r\n\r\n" + body)
                status, length = await _response_head(reader)
                await reader.readexactly(length)
                ok = status == 201
            except (OSError, ValueError, asyncio.IncompleteReadError):
                ok = False
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
            if started >= window["start"]:
                latencies.append(time.perf_counter() - started)
                errors[0] += not ok
        writer.close()

    async def run() -> None:
        running = []
        for _ in range(clients):
            running.append(asyncio.create_task(client()))
            await asyncio.sleep(0.01)
        window["start"] = time.perf_counter()
        window["stop"] = window["start"] + seconds
        await asyncio.gather(*running)

    cpu_before = {name: _cpu_seconds(pids) for name, pids in _processes(server).items()}
    client_before = time.process_time()
    uvloop.run(run())
    elapsed = time.perf_counter() - window["start"]
    cpu = _cpu_used(server, cpu_before)
    cpu["client"] = time.process_time() - client_before
    return {
        "clients": clients,
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": _percentile(latencies, 50) * 1000,
        "p95_ms": _percentile(latencies, 95) * 1000,
        "p99_ms": _percentile(latencies, 99) * 1000,
        "errors": errors[0],
        "cpu_ms_per_create": {
            name: round(seconds * 1000 / max(len(latencies), 1), 2) for name, seconds in cpu.items()
        },
    }


async def _response_head(reader: asyncio.StreamReader) -> tuple[int, int]:
    """The status and Content-Length of the response being read (ValueError without one)."""
    lines = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return status, int(value)
    raise ValueError("response without Content-Length")


def fill(total: int, streamer: Party, brand: Party) -> None:
    """``total`` tickets, one a second back in time; the brand takes part in every other one."""
    category = TicketCategory.objects.get(code="bench")
    before = Ticket.objects.count()
    bulk_insert(
        Ticket,
        total,
        {
            "reference": "'BENCH-' || g",
            "buyer_token_hash": "md5('bench' || g::text)",
            "platform_id": str(streamer.platform_id),
            "originator_id": str(streamer.pk),
            "handler_id": str(brand.pk),
            "custody_party_id": str(brand.pk),
            "category_id": str(category.pk),
            "subject": "'bench'",
            "state": "'routed'",
            "last_event_seq": "1",
            "created_at": "now() - interval '1 hour' - g * interval '1 second'",
        },
    )
    first = Ticket.objects.filter(reference="BENCH-1").values_list("pk", flat=True).get()
    for party, every in ((streamer, 1), (brand, 2)):
        bulk_insert(
            Participant,
            total // every,
            {
                "ticket_id": f"{first - 1} + g * {every}",
                "party_id": str(party.pk),
                "role": "'originator'" if party == streamer else "'handler'",
            },
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    assert Ticket.objects.count() == before + total


def page_latency(key: str, query: str, n: int = 100) -> tuple[float, float]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        conn.request(
            "GET", f"/api/v1/tickets/?page_size=50{query}", None, {"Authorization": f"Bearer {key}"}
        )
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
        timings.append(time.perf_counter() - started)
    return _percentile(timings, 50) * 1000, _percentile(timings, 95) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    # Connections per server process. Here PostgreSQL shares the two cores with the server and
    # the clients: more sessions than it can run at once contend inside PostgreSQL (README,
    # DATABASE_POOL_MAX; bench/README.md has the measurements).
    parser.add_argument("--pool", type=int, default=3)
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    world = setup()
    streamer_key, brand_key = world["keys"]
    print(f"machine: {commit_rate():,.0f} single-row commits/s on one connection (issue: ~4,500)")
    counts = sql_per_create(streamer_key)
    print(f"SQL statements per API create (routing, SLA, event, outbox): {counts}")
    print(f"outbox rows per create: {WebhookDelivery.objects.count() / Ticket.objects.count():.1f}")
    print(f"server: uvicorn, 2 worker processes, {args.pool} database connections each")
    server = server_start(args.pool)
    try:
        for clients in (8, 32):
            load(streamer_key, clients, 3, server)  # warm-up: pools, caches
            print(json.dumps(load(streamer_key, clients, args.seconds, server)))
        fill(args.tickets, world["streamer"], world["brand"])
        brand = world["brand"]
        visible = ticket_qs_for_party(brand).order_by("-created_at", "-id")
        deep = visible.values_list("created_at", "id")[args.tickets // 4]
        cursor = cursor_encode(*deep)
        first = page_latency(brand_key, "")
        deep_page = page_latency(brand_key, f"&cursor={cursor}")
        print(
            f"inbox at {Ticket.objects.count():,} tickets: first page p50/p95 "
            f"{first[0]:.1f}/{first[1]:.1f} ms; deep page (row {args.tickets // 4:,}) "
            f"p50/p95 {deep_page[0]:.1f}/{deep_page[1]:.1f} ms"
        )
        qs = keyset_after(visible, cursor)
        print(qs[:51].explain(analyze=True, buffers=True))
        print(f"machine after: {commit_rate():,.0f} single-row commits/s on one connection")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
