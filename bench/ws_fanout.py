"""Live-push fan-out: one daphne process on channels_redis, 2,000 sockets, a stream of transitions.

    .venv/bin/pip install -e '.[bench]'        # the websockets client
    createdb -h 127.0.0.1 -U postgres collab_bench_ws
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/collab_bench_ws \\
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/ws_fanout.py --layer core
    ... the same with --layer pubsub

Sockets: ``--buyers`` buyer pages (one ticket each) plus ``--inboxes`` party inboxes (brand and
streamer agents, signed in by session). The driver (this process) applies request_info and
buyer_reply in turn through ``tickets.services`` at ``--rate`` per second; each is public, so it
must reach that ticket's buyer socket and every inbox. A separate client process holds the
sockets and stamps each frame on receipt. Latency is receipt minus the moment the transaction
committed (an on_commit hook registered before the service's own). Lost = expected deliveries
that never arrived within the drain time. The server's peak RSS is its VmHWM.

Targets (issue 5): p99 < 100 ms, 0 lost, server RSS < 300 MB on the 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _raise_file_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 20000), hard))


# ---------------------------------------------------------------------------------------------
# The client process: holds every socket, stamps every frame.


async def _client(spec_path: str, out_path: str) -> None:
    from websockets.asyncio.client import connect

    spec = json.loads(Path(spec_path).read_text())
    base, origin = spec["ws"], spec["origin"]
    receipts: list[tuple[int, str, int, float]] = []
    ready = asyncio.Event()
    connected = 0
    gate = asyncio.Semaphore(50)  # open sockets in waves, as real page loads would

    async def hold(index: int, socket_spec: dict) -> None:
        nonlocal connected
        headers = {"Cookie": socket_spec["cookie"]} if socket_spec.get("cookie") else {}
        async with gate:
            websocket = await connect(
                base + socket_spec["path"],
                origin=origin,
                additional_headers=headers,
                max_queue=None,
                ping_interval=None,
                # On the shared machine a join (session, party, ticket queries) can take longer
                # than the library's 10 s default while 2,000 sockets open.
                open_timeout=120,
            )
        ticket = socket_spec.get("ticket", "")
        async for raw in websocket:
            now = time.time()
            frame = json.loads(raw)
            if frame["type"] == "event":
                event = frame["event"]
                receipts.append((index, event.get("ticket", ticket), event["seq"], now))
            elif frame["type"] == "ready":
                connected += 1
                if connected == len(spec["sockets"]):
                    ready.set()
            elif frame["type"] == "ping":
                await websocket.send('{"type":"pong"}')

    tasks = [asyncio.create_task(hold(i, s)) for i, s in enumerate(spec["sockets"])]
    waiting = asyncio.create_task(ready.wait())
    await asyncio.wait([waiting, *tasks], return_when=asyncio.FIRST_COMPLETED)
    if not ready.is_set():  # a socket failed to open or was closed: say so, do not hang
        failed = next(task for task in tasks if task.done())
        print(f"FAILED {failed.exception()!r}", flush=True)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return
    print("READY", flush=True)
    # The driver closes our stdin when it is done and the drain time has passed.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for task in tasks:
        task.cancel()
    Path(out_path).write_text(json.dumps(receipts))
    print("DONE", flush=True)


# ---------------------------------------------------------------------------------------------
# The driver: data, server, transitions, figures.


def _setup(buyers: int, inbox_sessions: int):
    import django

    django.setup()
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from tenants.actors import Actor
    from tenants.middleware import ACTING_PARTY_SESSION_KEY
    from tenants.models import Membership, Oversight, Partnership, Party, PartyKind
    from tickets.models import Ticket, TicketCategory
    from tickets.services import ticket_create, ticket_perform

    call_command("migrate", verbosity=0)
    # Fixed parties and tickets, created once and reused: building 2,000 tickets through the
    # services takes minutes. Tokens are derived from the index so later runs can open them.
    platform, _created = Party.objects.get_or_create(
        slug="bench-mall",
        defaults={"kind": PartyKind.PLATFORM, "name": "Bench mall", "oversight": Oversight.STRONG},
    )
    streamer, _created = Party.objects.get_or_create(
        slug="bench-live",
        defaults={"kind": PartyKind.STREAMER, "name": "Bench live", "platform": platform},
    )
    brand, _created = Party.objects.get_or_create(
        slug="bench-brand", defaults={"kind": PartyKind.BRAND, "name": "Bench brand"}
    )
    Partnership.objects.get_or_create(streamer=streamer, partner=brand)
    users = {}
    for party in (streamer, brand):
        user, _created = get_user_model().objects.get_or_create(username=f"{party.slug}-agent")
        users[party.pk], _created = Membership.objects.get_or_create(user=user, party=party)
    streamer_actor = Actor.for_membership(users[streamer.pk])
    brand_actor = Actor.for_membership(users[brand.pk])

    category = TicketCategory.objects.get(code="size_colour_change")
    existing = {t.order_number: t for t in Ticket.objects.filter(originator=streamer)}
    tickets = []
    started = time.perf_counter()
    for index in range(buyers):
        token = f"bench-buyer-token-{index:06d}-9f3a7c1e5b2d4f60"
        ticket = existing.get(f"BENCH{index:06d}")
        if ticket is None:
            ticket, token = ticket_create(
                actor=streamer_actor,
                category=category,
                subject=f"bench {index}",
                order_number=f"BENCH{index:06d}",
                buyer_phone="13800001234",
                form_data={"new_size": "42", "new_colour": "black"},
                buyer_token=token,
            )
            ticket = ticket_perform(
                ticket=ticket, action="route", actor=streamer_actor, to_party=brand
            )
            ticket = ticket_perform(ticket=ticket, action="accept", actor=brand_actor)
        tickets.append((ticket, token))
    print(f"  {buyers} tickets ready ({time.perf_counter() - started:.0f} s)", flush=True)

    def cookie(membership) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(membership.user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = membership.user.get_session_auth_hash()
        session[ACTING_PARTY_SESSION_KEY] = membership.party_id
        session.create()
        return f"sessionid={session.session_key}"

    inbox_cookies = [cookie(users[brand.pk]) for _ in range(inbox_sessions)]
    inbox_cookies += [cookie(users[streamer.pk]) for _ in range(max(1, inbox_sessions // 3))]
    return tickets, inbox_cookies, brand_actor


def _server(port: int, layer: str, log: Path) -> subprocess.Popen:
    env = dict(os.environ, CHANNEL_LAYER=layer, DEBUG="false")
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    daphne = Path(sys.executable).with_name("daphne")
    with log.open("w") as output:  # a server that fails to start says why there
        return subprocess.Popen(  # noqa: S603 - our own venv's daphne
            # --websocket_connect_timeout: while 2,000 sockets open on the loaded machine a
            # join can exceed daphne's 5 s handshake limit; the stream itself is not affected.
            [
                str(daphne),
                *("-b", "127.0.0.1", "-p", str(port), "--websocket_connect_timeout", "60"),
                "config.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=_raise_file_limit,
        )


def _wait_for_port(server: subprocess.Popen, port: int, log: Path) -> None:
    """Until the server listens: start-up takes from one to many seconds on the shared machine."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited at start-up; see {log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"the server did not listen within 120 s; see {log}")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (``/proc/<pid>/stat`` fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--layer", choices=["core", "pubsub"], required=True)
    parser.add_argument("--buyers", type=int, default=1850)
    parser.add_argument("--inboxes", type=int, default=150, help="total party inbox sockets")
    parser.add_argument("--transitions", type=int, default=300)
    parser.add_argument("--rate", type=float, default=10.0, help="transitions per second")
    parser.add_argument("--drain", type=float, default=5.0)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--client", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    _raise_file_limit()
    if args.client:
        asyncio.run(_client(*args.client))
        return

    os.environ["CHANNEL_LAYER"] = args.layer
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.environ.get("REDIS_URL") or "postgres" not in os.environ.get("DATABASE_URL", ""):
        sys.exit("set DATABASE_URL (PostgreSQL) and REDIS_URL")
    print(f"ws_fanout: layer={args.layer}", flush=True)
    brand_sessions = args.inboxes * 3 // 4
    tickets, cookies, brand_actor = _setup(args.buyers, brand_sessions)
    cookies = cookies[: args.inboxes]

    from django.db import transaction

    from tenants.actors import Actor
    from tickets.services import ticket_perform

    work = Path(tempfile.mkdtemp(prefix="ws-fanout-"))
    server = _server(args.port, args.layer, work / "server.log")
    sockets = [{"path": f"/ws/track/{token}/", "ticket": t.reference} for t, token in tickets]
    sockets += [{"path": "/ws/party/", "cookie": c} for c in cookies]
    (work / "spec.json").write_text(
        json.dumps(
            {
                "ws": f"ws://127.0.0.1:{args.port}",
                "origin": f"http://127.0.0.1:{args.port}",
                "sockets": sockets,
            }
        )
    )
    _wait_for_port(server, args.port, work / "server.log")
    print(f"  server pid {server.pid}, log {work / 'server.log'}", flush=True)
    client = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            __file__,
            "--layer",
            args.layer,
            "--client",
            str(work / "spec.json"),
            str(work / "receipts.json"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    started = time.perf_counter()
    line = client.stdout.readline().strip()
    if line != "READY":
        server.terminate()
        sys.exit(f"client: {line}")
    print(
        f"  {len(sockets)} sockets connected ({time.perf_counter() - started:.1f} s); "
        f"server RSS so far {_peak_rss_mb(server.pid):.0f} MB",
        flush=True,
    )

    commits: dict[tuple[str, int], float] = {}
    interval = 1 / args.rate
    # CPU used during the stream and drain, per process: the client shares the two cores with
    # the server, and a client that saturates a core inflates the latencies it measures.
    cpu_pids = {"server": server.pid, "client": client.pid, "driver": os.getpid()}
    cpu_before = {name: _cpu_seconds(pid) for name, pid in cpu_pids.items()}
    wall_before = time.perf_counter()
    buyer = Actor.buyer()
    next_at = time.perf_counter()
    for index in range(args.transitions):
        ticket, _token = tickets[index % len(tickets)]
        stamp: list[float] = []
        with transaction.atomic():
            transaction.on_commit(lambda stamp=stamp: stamp.append(time.time()))
            if ticket.state == "in_progress":
                ticket = ticket_perform(
                    ticket=ticket, action="request_info", actor=brand_actor, question="size?"
                )
            else:  # awaiting the buyer since an earlier round or run
                ticket = ticket_perform(
                    ticket=ticket, action="buyer_reply", actor=buyer, answer="42"
                )
        tickets[index % len(tickets)] = (ticket, _token)
        commits[(ticket.reference, ticket.last_event_seq)] = stamp[0]
        next_at += interval
        time.sleep(max(0.0, next_at - time.perf_counter()))
    time.sleep(args.drain)
    wall = time.perf_counter() - wall_before
    cpu = {name: _cpu_seconds(pid) - cpu_before[name] for name, pid in cpu_pids.items()}
    client.stdin.close()
    assert client.stdout.readline().strip() == "DONE"
    client.wait()
    peak = _peak_rss_mb(server.pid)
    server.terminate()
    server.wait()

    receipts = json.loads((work / "receipts.json").read_text())
    inbox_indexes = set(range(len(tickets), len(sockets)))
    expected = len(commits) * (1 + len(inbox_indexes))
    seen: set[tuple[int, str, int]] = set()
    latencies, duplicates = [], 0
    for index, ref, seq, at in receipts:
        if (ref, seq) not in commits:
            continue
        if (index, ref, seq) in seen:
            duplicates += 1
            continue
        seen.add((index, ref, seq))
        latencies.append((at - commits[(ref, seq)]) * 1000)
    lost = expected - len(seen)
    print(
        f"  transitions {len(commits)} at {args.rate:g}/s; deliveries expected {expected}, "
        f"received {len(seen)}, lost {lost}, duplicates {duplicates}"
    )
    print(
        f"  commit-to-receipt p50 {_percentile(latencies, 0.5):.1f} ms, "
        f"p99 {_percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms"
    )
    print(f"  server peak RSS {peak:.0f} MB")
    print(
        f"  CPU over the stream and drain ({wall:.1f} s wall; 100 % = one core): "
        + ", ".join(f"{name} {100 * spent / wall:.0f} %" for name, spent in cpu.items())
    )


if __name__ == "__main__":
    main()
