"""Demands benchmark: 1,000,000 demands over three years in the 1,000,000-resident district.

    .venv/bin/python bench/bench_demands.py            # adds the demands to var/bench/ if missing
    .venv/bin/python bench/bench_demands.py --fresh    # regenerate the whole bench district
    .venv/bin/python bench/bench_demands.py --skip-helpdesk
    .venv/bin/python bench/bench_demands.py --only api,export   # just those parts
    .venv/bin/python bench/bench_demands.py --only load --load-clients 50

Measures (bench/README.md "bench_demands.py"): the handler's inbox and filtered lists,
Chinese full-text search, the three rates for a street and month and for the district
and year (checked against the rows, and not stale after a closing), creation through the
API on a real server (``gongzhi run``, gunicorn on a loopback port, concurrent clients),
the ledger export of 100,000 rows, the suggested category's accuracy on held-out
demands, 50 concurrent clients reading lists (with and without searches) from the same
server, and the same ticket workload against django-helpdesk (bench/helpdesk_compare.py).
"""

import argparse
import contextlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

DISTRICT_CODE = "510199"
LIST_P95_MS = 80.0
SEARCH_P95_MS = 200.0
RATES_STREET_P95_MS = 300.0
RATES_DISTRICT_MS = 1000.0
API_CREATE_PER_S = 100.0
EXPORT_S = 20.0
EXPORT_ROWS = 100_000
PARTS = ("lists", "search", "rates", "export", "suggestion", "api", "load", "helpdesk")
SEARCH_WORDS = [
    "漏水",
    "楼道灯",
    "停车难",
    "电梯困人",
    "清运",
    "广场舞",
    "违建",
    "停水",
    "路灯不亮",
    "噪音",
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="regenerate the bench district")
    parser.add_argument("--requests", type=int, default=240, help="page requests per figure")
    parser.add_argument("--api-seconds", type=float, default=30.0, help="API creation run")
    parser.add_argument("--api-clients", type=int, default=8, help="concurrent API clients")
    parser.add_argument("--load-seconds", type=float, default=30.0, help="each load run")
    parser.add_argument("--load-clients", type=int, default=50, help="concurrent page clients")
    parser.add_argument("--skip-helpdesk", action="store_true")
    parser.add_argument("--helpdesk-tickets", type=int, default=100_000)
    parser.add_argument(
        "--only",
        type=lambda v: [p.strip() for p in v.split(",") if p.strip()],
        default=list(PARTS),
        help=f"comma-separated parts to run ({', '.join(PARTS)}; default all)",
    )
    args = parser.parse_args(argv)
    unknown = set(args.only) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    if args.only != list(PARTS):
        args.skip_helpdesk = args.skip_helpdesk or "helpdesk" not in args.only
    return args


# --- The district and its demands -----------------------------------------------------------


def ensure_demands(args) -> dict:
    """The bench district (bench_foundation's) with its demands; adds them (timed) when
    the district was generated before the demands module had a synth step."""
    import bench_foundation

    from gongzhi.areas import synth
    from gongzhi.areas.models import Area
    from gongzhi.demands import synth as demand_synth
    from gongzhi.demands.models import Demand

    district_info = bench_foundation.ensure_district(args)
    district = Area.objects.get(code=DISTRICT_CODE)
    stamp = common.bench_var_dir() / "demands-synth.json"
    if Demand.objects.filter(path__under=district.path).exists():
        if not district_info.get("reused"):  # generated just now, with the demands in it
            steps = district_info.get("steps_s", {})
            info = {
                "seconds": round(
                    sum(
                        v
                        for k, v in steps.items()
                        if "demand" in k and k != "gongzhi.demands.synth"
                    ),
                    1,
                ),
                "steps_s": {k: v for k, v in steps.items() if "demand" in k},
                "counts": district_info.get("counts", {}),
            }
            stamp.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n")
        previous = json.loads(stamp.read_text()) if stamp.exists() else {}
        return {**previous, "demands": Demand.objects.count(), "reused": district_info["reused"]}
    print("Adding the demands to the bench district …")
    ctx = synth.SynthContext(
        residents=args.residents,
        seed=args.seed,
        district_code=DISTRICT_CODE,
        district_name=district.name,
        log=print,
        district=district,
    )
    started = time.perf_counter()
    from django.db import transaction

    with synth._fast_load(), transaction.atomic():
        demand_synth.synthesize(ctx)
    info = {
        "seconds": round(time.perf_counter() - started, 1),
        "steps_s": {k: round(v, 1) for k, v in ctx.timings.items()},
        "counts": ctx.counts,
        "machine": common.machine(),
    }
    stamp.write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n")
    return {**info, "demands": Demand.objects.count(), "reused": False}


def bench_users():
    """A handler of the busiest district department and of a property company, a
    community secretary and its street's administrator, a district administrator."""
    from gongzhi.accounts.models import User
    from gongzhi.accounts.roles import Role
    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area
    from gongzhi.core.testing import make_user
    from gongzhi.demands.choices import UnitKind
    from gongzhi.demands.models import Unit

    def user(username, role, area):
        return User.objects.filter(username=username).first() or make_user(username, role, area)

    district = Area.objects.get(code=DISTRICT_CODE)
    communities = list(
        Area.objects.filter(level=Level.COMMUNITY, path__under=district.path).order_by("code")
    )
    community = communities[len(communities) // 2]
    street = community.parent
    department = Unit.objects.get(path=district.path, name="区城管局")
    company = Unit.objects.get(path=community.path, kind=UnitKind.PROPERTY)
    handler = user("bench_dm_cgj", Role.UNIT_HANDLER, district)
    department.handlers.add(handler)
    company_handler = user(f"bench_dm_wy_{community.code}", Role.UNIT_HANDLER, community)
    company.handlers.add(company_handler)
    return {
        "district": district,
        "street": street,
        "community": community,
        "department": department,
        "handler": handler,
        "company_handler": company_handler,
        "secretary": user(f"bench_sj_{community.code}", Role.COMMUNITY_SECRETARY, community),
        "street_admin": user(f"bench_jd_{street.code}", Role.STREET_ADMIN, street),
        "district_admin": user("bench_dm_qu", Role.DISTRICT_ADMIN, district),
    }


# --- Measuring pages ----------------------------------------------------------------------------


def client_for(user):
    from django.test import Client

    from gongzhi.core.testing import sign_in

    return sign_in(Client(), user)


def timed_get(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries, common.Timer() as timer:
        response = client.get(url)
        body = (
            b"".join(response.streaming_content)
            if getattr(response, "streaming", False)
            else response.content
        )
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return timer, len(queries), body


def measure(cases, requests: int) -> dict:
    """``cases``: [(name, client, url, expected bytes or None)]: warm each, then time them
    round-robin until ``requests`` requests."""
    per_case = {}
    for name, client, url, expected in cases:
        _t, _n, body = timed_get(client, url)
        if expected is not None and expected.encode() not in body:
            raise SystemExit(f"GET {url} does not show {expected!r}")
        per_case[name] = {"samples": [], "cpu": [], "queries": set(), "url": url}
    rounds = max(1, -(-requests // len(cases)))
    for _round in range(rounds):
        for name, client, url, _expected in cases:
            timer, n_queries, _body = timed_get(client, url)
            entry = per_case[name]
            entry["samples"].append(timer.seconds)
            entry["cpu"].append(timer.cpu)
            entry["queries"].add(n_queries)
    samples = [s for e in per_case.values() for s in e["samples"]]
    cpu = [s for e in per_case.values() for s in e["cpu"]]
    return {
        **common.summary_ms(samples, cpu),
        "cases": {
            name: {
                "url": e["url"],
                **common.summary_ms(e["samples"], e["cpu"]),
                "queries": sorted(e["queries"]),
            }
            for name, e in per_case.items()
        },
    }


def inbox_and_lists(users, args) -> dict:
    from gongzhi.demands import selectors
    from gongzhi.demands.models import Category

    handler, company = client_for(users["handler"]), client_for(users["company_handler"])
    secretary, street = client_for(users["secretary"]), client_for(users["street_admin"])
    district = client_for(users["district_admin"])
    open_in_inbox = selectors.worklist(users["handler"]).count()
    last = max(1, (open_in_inbox - 1) // 50 + 1)
    leak = Category.objects.get(name="房屋漏水").pk
    lights = Category.objects.get(name="路灯照明").pk
    community = users["community"]
    inbox = [
        ("inbox_department_p1", handler, "/demands/inbox/", None),
        (
            "inbox_department_p2",
            handler,
            "/demands/inbox/?page=2" if last > 1 else "/demands/inbox/",
            None,
        ),
        ("inbox_department_last", handler, f"/demands/inbox/?page={last}", None),
        ("inbox_property_company", company, "/demands/inbox/", None),
        ("inbox_desk_to_dispatch", secretary, "/demands/inbox/?tab=dispatch", None),
        ("inbox_desk_to_follow_up", secretary, "/demands/inbox/?tab=follow", None),
        ("supervision_street", street, "/demands/supervision/", None),
    ]
    lists = [
        ("list_community", secretary, "/demands/", None),
        (
            "list_community_closed_category",
            secretary,
            f"/demands/?status=closed&category={leak}",
            None,
        ),
        ("list_street", street, "/demands/", None),
        ("list_street_closed_category", street, f"/demands/?status=closed&category={lights}", None),
        ("list_street_community", street, f"/demands/?within={community.pk}&status=closed", None),
        ("list_street_overdue", street, "/demands/?overdue=true", None),
        (
            "list_street_month",
            street,
            "/demands/?received_after=2026-09-01&received_before=2026-09-30",
            None,
        ),
        ("list_street_page_40", street, "/demands/?page=40", None),
        ("list_district_urgency", district, "/demands/?urgency=urgent&status=closed", None),
        ("api_list_street", street, "/api/v1/demands?status=closed&limit=50", None),
        ("api_inbox_department", handler, "/api/v1/demands/inbox?limit=50", None),
    ]
    return {
        "open_in_department_inbox": open_in_inbox,
        "inbox": measure(inbox, args.requests),
        "filtered_lists": measure(lists, args.requests),
    }


def search(users, args) -> dict:
    from gongzhi.core.search import search as fts
    from gongzhi.demands.models import Demand

    clients = {
        "community": client_for(users["secretary"]),
        "street": client_for(users["street_admin"]),
        "district": client_for(users["district_admin"]),
    }
    cases = []
    for word in SEARCH_WORDS:
        for who, client in clients.items():
            cases.append((f"{who}:{word}", client, f"/demands/?q={word}", None))
    cases.append(("api_street:漏水", clients["street"], "/api/v1/demands?q=漏水&limit=50", None))
    matches = {word: fts(Demand.objects.all(), word).count() for word in SEARCH_WORDS}
    return {"matches_in_district": matches, **measure(cases, args.requests)}


def rates(users, args) -> dict:
    """The three rates through the selector the pages and the API use: a street for a
    month (each of the last 12 months), the district for a year; checked against the
    demand rows; then a demand is closed and the rates move at once (rolled back)."""
    from django.db import transaction
    from django.db.models import Count, Q

    from gongzhi.demands import selectors, services
    from gongzhi.demands.choices import Outcome, Rating, Status
    from gongzhi.demands.models import Demand

    street_admin, district_admin = users["street_admin"], users["district_admin"]
    months = []
    month = date(2026, 10, 1)
    for _i in range(12):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    street_samples, street_cpu = [], []
    for _round in range(max(1, args.requests // len(months))):
        for m in months:
            start, end = selectors.month_bounds(m)
            with common.Timer() as timer:
                selectors.rates(street_admin, start, end)
            street_samples.append(timer.seconds)
            street_cpu.append(timer.cpu)
    district_samples, district_cpu = [], []
    for year in (2024, 2025):
        for _round in range(10):
            with common.Timer() as timer:
                selectors.rates(district_admin, date(year, 1, 1), date(year, 12, 31))
            district_samples.append(timer.seconds)
            district_cpu.append(timer.cpu)
    grouped = []
    for _round in range(10):
        with common.Timer() as timer:
            selectors.rates_by(district_admin, date(2025, 1, 1), date(2025, 12, 31), "community")
        grouped.append(timer.seconds)
    report = []
    for m in months[:6]:
        with common.Timer() as timer:
            selectors.monthly_report(street_admin, m)
        report.append(timer.seconds)

    # The figures are the rows: recount one street-month from the demands themselves.
    start, end = selectors.month_bounds(months[1])
    quick = selectors.rates(street_admin, start, end)
    rows = Demand.objects.filter(
        path__under=users["street"].path,
        status=Status.CLOSED,
        closed_at__gte=selectors.local_midnight(start),
        closed_at__lt=selectors.local_midnight(end, 1),
    ).aggregate(
        closed=Count("id"),
        followed=Count("id", filter=Q(followed_up=True)),
        resolved=Count("id", filter=Q(followed_up=True, outcome=Outcome.RESOLVED)),
        satisfied=Count("id", filter=Q(followed_up=True, rating=Rating.SATISFIED)),
    )
    consistent = (quick.closed, quick.followed, quick.resolved, quick.satisfied) == (
        rows["closed"],
        rows["followed"],
        rows["resolved"],
        rows["satisfied"],
    )
    # Not stale: close one open demand of the street through the services, read again.
    with transaction.atomic():
        demand = (
            Demand.objects.filter(path__under=users["street"].path, status=Status.ANSWERED)
            .order_by("-id")
            .first()
        )
        today = date.today()  # noqa: DTZ011 (the rates of the month the closing falls in)
        before = selectors.rates(street_admin, today.replace(day=1), today + timedelta(days=31))
        services.follow_up(
            demand,
            actor=street_admin,
            version=demand.version,
            rating=Rating.SATISFIED,
            note="基准测试回访",
        )
        after = selectors.rates(street_admin, today.replace(day=1), today + timedelta(days=31))
        transaction.set_rollback(True)
    fresh = after.closed == before.closed + 1 and after.satisfied == before.satisfied + 1
    return {
        "street_month": common.summary_ms(street_samples, street_cpu),
        "district_year": common.summary_ms(district_samples, district_cpu),
        "district_year_by_community": common.summary_ms(grouped),
        "street_monthly_report": common.summary_ms(report),
        "matches_the_rows": {"figures": quick.__dict__, "rows": rows, "ok": consistent},
        "closing_shows_at_once": {
            "before": before.closed,
            "after": after.closed,
            "ok": fresh,
        },
    }


# --- Creation through the API on a real server -----------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_cpu_seconds(pgid: int) -> float | None:
    """CPU seconds (user + system) of the live processes of a process group (Linux /proc),
    to tell the server's work per request from what the other users of the machine do."""
    tick = os.sysconf("SC_CLK_TCK")
    total, found = 0.0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, …
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
            found = True
    return total if found else None


def api_creation(users, args) -> dict:
    """``gongzhi run`` (gunicorn, its default 2 workers × 4 threads) on a loopback port;
    ``--api-clients`` threads POST /api/v1/demands with bearer tokens and idempotency
    keys for ``--api-seconds``; then retries of some keys must return the same demands."""
    from gongzhi.accounts.models import TokenScope, User
    from gongzhi.accounts.roles import Role
    from gongzhi.accounts.services import issue_token
    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area
    from gongzhi.core.testing import make_user
    from gongzhi.demands.models import Demand

    community = users["community"]
    desk = User.objects.filter(username="bench_dm_desk").first() or make_user(
        "bench_dm_desk", Role.COMMUNITY_STAFF, community
    )
    _token, key = issue_token(actor=desk, name="bench", days=1, scope=TokenScope.WRITE)
    grids = list(
        Area.objects.filter(path__under=community.path, level=Level.GRID).values_list(
            "id", flat=True
        )
    )
    with gongzhi_server() as (port, server):
        try:
            made = _create_through_api(args, port, server, key, grids)
        finally:
            # Leave the database as it was: the run's demands (their events and
            # notifications go with them) and its token; the audit log is append-only
            # and keeps its records.
            Demand.objects.filter(
                created_by=desk,
                idempotency_key__startswith="bench-",
                idempotency_key__endswith=f"-{port}",
            ).delete()
            _token.delete()
    return made


@contextlib.contextmanager
def gongzhi_server():
    """``gongzhi run`` (gunicorn, its default 2 workers × 4 threads) on a free loopback
    port, on the bench database; yields (port, process), stops it after."""
    port = free_port()
    env = {
        **os.environ,
        "GONGZHI_LOG_LEVEL": "WARNING",
        "GONGZHI_PLAIN_STATIC": "1",
        "GONGZHI_VAR_DIR": str(common.bench_var_dir()),
    }
    server = subprocess.Popen(  # noqa: S603
        [
            str(common.PROJECT / ".venv" / "bin" / "gongzhi"),
            "run",
            "--bind",
            f"127.0.0.1:{port}",
            "--sweep-seconds",
            "0",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("gongzhi run did not come up") from None
                time.sleep(0.5)
        yield port, server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _create_through_api(args, port, server, key, grids) -> dict:
    from gongzhi.demands.models import Demand

    base = f"http://127.0.0.1:{port}/api/v1/demands"
    before = Demand.objects.count()
    results, lock = [], threading.Lock()
    first_bodies = {}  # each client's first request, sent again as a retry afterwards
    stop_at = time.monotonic() + args.api_seconds

    def client(n: int):
        import http.client

        rng = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = 0
        while time.monotonic() < stop_at:
            body = json.dumps(
                {
                    "area_id": rng.choice(grids),
                    "title": "小区停车难",
                    "content": f"基准测试第{n}-{i}条：晚上车位不够，消防通道被占。",
                    "channel": "api",
                    "requester_kind": "resident",
                    "requester_name": "测试居民",
                    "requester_phone": "13800000000",
                },
                ensure_ascii=False,
            ).encode()
            if i == 0:
                first_bodies[n] = body
            headers = {
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"bench-{n}-{i}-{port}",
            }
            started = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/demands", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status, payload = 0, b""
            elapsed = time.perf_counter() - started
            with lock:
                results.append((status, elapsed, payload[:200] if status >= 400 else b""))
            i += 1
        conn.close()

    server_cpu, database_cpu = group_cpu_seconds(server.pid), database_cpu_seconds()
    client_cpu = time.process_time()
    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.api_clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu
    server_cpu_after = group_cpu_seconds(server.pid)
    if database_cpu is not None:
        database_cpu = database_cpu_seconds() - database_cpu
    server_cpu = (
        server_cpu_after - server_cpu
        if server_cpu is not None and server_cpu_after is not None
        else None
    )
    created = [r for r in results if r[0] == 201]
    errors = [r for r in results if r[0] != 201]
    # Retries: the same request with the same key answers 200 with the same demand (the
    # same key with other content is refused).
    retried, same = 0, 0
    for n in range(min(5, args.api_clients)):
        request = urllib.request.Request(  # noqa: S310
            base,
            data=first_bodies[n],
            headers={
                "Authorization": f"Bearer {key}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"bench-{n}-0-{port}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            retried += 1
            payload = json.loads(response.read())
            same += int(
                response.status == 200 and payload["content"].startswith(f"基准测试第{n}-0条")
            )
    after = Demand.objects.count()
    return {
        "clients": args.api_clients,
        "seconds": round(wall, 1),
        "requests": len(results),
        "created": len(created),
        "rows_added": after - before,
        "per_second": round(len(created) / wall, 1),
        "latency": common.summary_ms([r[1] for r in created]),
        # CPU per created demand: the server's processes, and the benchmark's client threads.
        "server_cpu_ms_per_demand": (
            round(server_cpu / len(created) * 1000, 1) if server_cpu and created else None
        ),
        "client_cpu_ms_per_demand": (
            round(client_cpu / len(created) * 1000, 1) if created else None
        ),
        # PostgreSQL's own processes (on SQLite its work is the server's).
        "database_cpu_ms_per_demand": (
            round(database_cpu / len(created) * 1000, 1)
            if created and database_cpu is not None
            else None
        ),
        "errors": len(errors),
        "error_samples": sorted({f"{r[0]} {r[2][:120]!r}" for r in errors})[:5],
        "retries_same_demand": f"{same}/{retried}",
        "server": "gongzhi run: gunicorn 2 workers × 4 threads, loopback",
    }


# --- Concurrent readers ------------------------------------------------------------------------


def database_cpu_seconds() -> float | None:
    """CPU seconds of the local PostgreSQL server's processes (None on SQLite, whose work
    is in the server's own processes)."""
    if not common.on_postgresql():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, IndexError, ValueError):
            continue
        if name == "postgres":
            fields = rest.split()
            # utime and stime, and cutime and cstime: a backend that ended during the
            # run (its CPU is then the postmaster's children's) still counts.
            total += sum(int(f) for f in fields[11:15]) / tick
    return total


def concurrent_load(users, args) -> dict:
    """``--load-clients`` clients reading pages of one ``gongzhi run`` at once for
    ``--load-seconds``, each signed in: the list pages of the ``lists`` part as a community
    secretary, a street and the district administrator; then the same with every third
    request a search (the ``search`` part's words at the three scopes). Requests a second,
    latency, errors, and the CPU a request of the server's processes and, on PostgreSQL,
    of the database's."""
    import http.client
    from urllib.parse import quote

    from django.conf import settings

    who = {
        "secretary": users["secretary"],
        "street": users["street_admin"],
        "district": users["district_admin"],
    }
    cookie = {
        name: f"{settings.SESSION_COOKIE_NAME}="
        + client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
        for name, user in who.items()
    }
    community = users["community"]
    lists = [
        ("secretary", "/demands/"),
        ("secretary", "/demands/?status=closed"),
        ("street", "/demands/"),
        ("street", f"/demands/?within={community.pk}&status=closed"),
        ("street", "/demands/?overdue=true"),
        ("street", "/demands/?page=40"),
        ("district", "/demands/?urgency=urgent&status=closed"),
        ("district", "/demands/"),
    ]
    searches = [(name, f"/demands/?q={quote(word)}") for word in SEARCH_WORDS for name in who]
    mixed = []
    for i in range(len(searches)):
        mixed += [lists[(2 * i) % len(lists)], lists[(2 * i + 1) % len(lists)], searches[i]]
    mixes = {"lists": lists, "lists_and_searches": mixed}

    def get(conn, name, url):
        conn.request("GET", url, headers={"Cookie": cookie[name]})
        response = conn.getresponse()
        response.read()
        return response.status

    result = {"clients": args.load_clients, "seconds_each": args.load_seconds}
    with gongzhi_server() as (port, server):
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for name, url in lists + searches:  # templates, caches and each query once
            status = get(warm, name, url)
            if status != 200:
                raise SystemExit(f"GET {url} answered {status}")
        warm.close()
        for mix_name, urls in mixes.items():
            results, lock = [], threading.Lock()
            stop_at = time.monotonic() + args.load_seconds

            def client(n: int, urls=urls, results=results, lock=lock, stop_at=stop_at):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                i = n * 7  # clients start at different places of the mix
                while time.monotonic() < stop_at:
                    name, url = urls[i % len(urls)]
                    started = time.perf_counter()
                    try:
                        status = get(conn, name, url)
                    except OSError:
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                        status = 0
                    with lock:
                        results.append((status, time.perf_counter() - started, "q=" in url))
                    i += 1
                conn.close()

            server_cpu, database_cpu = group_cpu_seconds(server.pid), database_cpu_seconds()
            client_cpu = time.process_time()
            started = time.perf_counter()
            threads = [threading.Thread(target=client, args=(n,)) for n in range(args.load_clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
            client_cpu = time.process_time() - client_cpu
            server_cpu = (group_cpu_seconds(server.pid) or 0) - (server_cpu or 0)
            if database_cpu is not None:
                database_cpu = database_cpu_seconds() - database_cpu
            ok = [r for r in results if r[0] == 200]
            result[mix_name] = {
                "requests": len(results),
                "per_second": round(len(ok) / wall, 1),
                "latency": common.summary_ms([r[1] for r in ok]),
                "search_latency": common.summary_ms([r[1] for r in ok if r[2]])
                if mix_name != "lists"
                else None,
                "errors": len(results) - len(ok),
                "server_cpu_ms_per_request": round(server_cpu / len(ok) * 1000, 1) if ok else None,
                "database_cpu_ms_per_request": (
                    round(database_cpu / len(ok) * 1000, 1)
                    if ok and database_cpu is not None
                    else None
                ),
                # The 50 client threads share the machine's two cores with the server.
                "client_cpu_ms_per_request": round(client_cpu / len(ok) * 1000, 1) if ok else None,
            }
            print(f"load {mix_name}: {result[mix_name]}", flush=True)
    result["server"] = "gongzhi run: gunicorn 2 workers × 4 threads, loopback"
    return result


# --- Ledger export --------------------------------------------------------------------------------


def ledger_export(users) -> dict:
    """The ledger of the 100,000 most recent demands of the district, as a district
    administrator asks for it (received from a date): the whole download, timed."""
    from gongzhi.demands.models import Demand
    from gongzhi.demands.selectors import local_midnight

    newest = Demand.objects.order_by("-received_at").values_list("received_at", flat=True)
    local = newest[EXPORT_ROWS - 1].astimezone(ZoneInfo("Asia/Shanghai")).date()
    rows = Demand.objects.filter(received_at__gte=local_midnight(local)).count()
    client = client_for(users["district_admin"])
    url = f"/demands/ledger/?received_after={local.isoformat()}"
    # Warm up on the newest day's ledger (a run of this part alone would otherwise time
    # the process's first request: the URLconf and the view modules being imported).
    newest_day = newest[0].astimezone(ZoneInfo("Asia/Shanghai")).date()
    timed_get(client, f"/demands/ledger/?received_after={newest_day.isoformat()}")
    with common.Timer() as timer:
        _t, _n, body = timed_get(client, url)
    with zipfile.ZipFile(BytesIO(body)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml")
    data_rows = len(re.findall(rb"<row ", sheet)) - 2  # title and header
    return {
        "url": url,
        "rows": data_rows,
        "rows_expected_about": rows,
        "seconds": round(timer.seconds, 2),
        "cpu_seconds": round(timer.cpu, 2),
        "bytes": len(body),
    }


# --- Suggested category -----------------------------------------------------------------------------


def suggestion_accuracy(sample: int = 25_000, test: int = 2_000) -> dict:
    """Train on 80% of a random sample of classified closed demands, test on held-out
    ones: top-1 and top-3 accuracy of ``services.suggest_category`` (the learned counts
    are replaced for the test and restored by the rollback)."""
    from django.db import transaction

    from gongzhi.demands import services
    from gongzhi.demands.choices import Status
    from gongzhi.demands.models import Category, Demand, TokenCount

    rng = random.Random(7)
    top = Demand.objects.order_by("-id").values_list("id", flat=True).first()
    ids = rng.sample(range(1, top + 1), min(sample * 2, top))
    rows = list(
        Demand.objects.filter(pk__in=ids, status=Status.CLOSED, category__isnull=False).values_list(
            "pk", "category_id", "title", "content"
        )[:sample]
    )
    rng.shuffle(rows)
    cut = int(len(rows) * 0.8)
    train, held_out = rows[:cut], rows[cut:][:test]
    with transaction.atomic():
        TokenCount.objects.all().delete()
        Category.objects.update(trained=0, trained_tokens=0)
        with common.Timer() as learning:
            services.learn_many((c, f"{t} {x}") for _pk, c, t, x in train)
        top1 = top3 = 0
        timings = []
        for _pk, category_id, title, content in held_out:
            with common.Timer() as timer:
                ranked = [c.pk for c, _p in services.suggest_category(f"{title} {content}")]
            timings.append(timer.seconds)
            top1 += int(ranked[:1] == [category_id])
            top3 += int(category_id in ranked[:3])
        transaction.set_rollback(True)
    return {
        "train": len(train),
        "test": len(held_out),
        "top1": round(top1 / len(held_out), 4),
        "top3": round(top3 / len(held_out), 4),
        "categories": Category.objects.filter(children__isnull=True).count(),
        "learning_seconds": round(learning.seconds, 1),
        "suggest_latency": common.summary_ms(timings),
    }


# --- The comparison with django-helpdesk --------------------------------------------------------------


def helpdesk(args) -> dict:
    script = Path(__file__).resolve().parent / "helpdesk_compare.py"
    out = common.results_dir() / "helpdesk_compare.json"
    out.unlink(missing_ok=True)
    code = subprocess.call(  # noqa: S603
        [sys.executable, str(script), "--tickets", str(args.helpdesk_tickets), "--json", str(out)],
        cwd=common.PROJECT,
    )
    if code != 0 or not out.exists():
        return {"ok": False, "exit_code": code}
    return json.loads(out.read_text())


# --- Main -------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    before = common.start(args.fresh)
    synth_info = ensure_demands(args)
    users = bench_users()
    only = set(args.only)
    lists = searching = figures = export = accuracy = creation = load = comparison = None
    if "lists" in only:
        print("Inbox and filtered lists …", flush=True)
        lists = inbox_and_lists(users, args)
    if "search" in only:
        print("Full-text search …", flush=True)
        searching = search(users, args)
    if "rates" in only:
        print("Rates …", flush=True)
        figures = rates(users, args)
    if "export" in only:
        print("Ledger export …", flush=True)
        export = ledger_export(users)
    if "suggestion" in only:
        print("Suggested category …", flush=True)
        accuracy = suggestion_accuracy()
    if "api" in only:
        print("Creation through the API …", flush=True)
        creation = api_creation(users, args)
    if "load" in only:
        print("Concurrent readers …", flush=True)
        load = concurrent_load(users, args)
    if not args.skip_helpdesk:
        print("django-helpdesk comparison …", flush=True)
        comparison = helpdesk(args)

    targets = {}
    if lists:
        list_p95 = max(lists["inbox"]["p95_ms"], lists["filtered_lists"]["p95_ms"])
        targets["inbox_and_lists_p95"] = common.target(list_p95, LIST_P95_MS, unit="ms")
    if searching:
        targets["search_p95"] = common.target(searching["p95_ms"], SEARCH_P95_MS, unit="ms")
    if figures:
        fresh = figures["matches_the_rows"]["ok"] and figures["closing_shows_at_once"]["ok"]
        targets["rates_street_month_p95"] = common.target(
            figures["street_month"]["p95_ms"], RATES_STREET_P95_MS, unit="ms"
        )
        targets["rates_district_year_max"] = common.target(
            figures["district_year"]["max_ms"], RATES_DISTRICT_MS, unit="ms"
        )
        targets["rates_match_rows_and_never_stale"] = {
            "value": fresh,
            "target": True,
            "ok": fresh,
        }
    if creation:
        targets["api_creation_per_s"] = common.target(
            creation["per_second"], API_CREATE_PER_S, unit="/s", higher_is_worse=False
        )
        targets["api_creation_no_errors"] = {
            "value": creation["errors"],
            "target": 0,
            "ok": creation["errors"] == 0,
        }
    if export:
        targets["ledger_export_100k_s"] = common.target(export["seconds"], EXPORT_S, unit="s")
        targets["ledger_export_rows"] = {
            "value": export["rows"],
            "target": EXPORT_ROWS,
            "ok": export["rows"] >= EXPORT_ROWS,
        }
    if comparison and comparison.get("ok") is not False and "speedup" in comparison:
        slowest = min(comparison["speedup"].values())
        targets["helpdesk_min_speedup"] = common.target(
            slowest, 3.0, unit="×", higher_is_worse=False
        )
    result = {
        "benchmark": "demands",
        "parts": sorted(only),
        "machine_before": before,
        "machine_after": common.machine(),
        "synth": synth_info,
        "lists": lists,
        "search": searching,
        "rates": figures,
        "ledger_export": export,
        "suggestion_accuracy": accuracy,
        "api_creation": creation,
        "concurrent_load": load,
        "helpdesk": comparison,
        "targets": targets,
    }
    # A partial run keeps the full run's figures: it writes beside them.
    name = "demands" if only >= set(PARTS) - {"helpdesk"} else "demands-" + "-".join(args.only)
    path = common.write_result(name, result)
    print_report(result)
    print(f"\nWritten to {path.relative_to(common.PROJECT)}")
    return 0 if all(t["ok"] for t in targets.values()) else common.TARGET_MISSED


def print_report(r) -> None:
    lists, s, rt, ex, acc, api = (
        r["lists"],
        r["search"],
        r["rates"],
        r["ledger_export"],
        r["suggestion_accuracy"],
        r["api_creation"],
    )
    lines = [
        "",
        f"Demands benchmark ({r['machine_before']['database']}, {r['synth']['demands']:,} demands, "
        f"load {r['machine_before']['loadavg']} → {r['machine_after']['loadavg']})",
        f"  synth: {r['synth'].get('seconds')} s {r['synth'].get('steps_s', {})}",
    ]
    if lists:
        lines += [
            f"  inbox ({lists['open_in_department_inbox']} open for the department): "
            f"p50 {lists['inbox']['p50_ms']} ms, p95 {lists['inbox']['p95_ms']} ms "
            f"(CPU p95 {lists['inbox']['cpu_p95_ms']} ms)",
            f"  filtered lists: p50 {lists['filtered_lists']['p50_ms']} ms, "
            f"p95 {lists['filtered_lists']['p95_ms']} ms "
            f"(CPU p95 {lists['filtered_lists']['cpu_p95_ms']} ms)",
        ]
    if s:
        lines.append(
            f"  full-text search: p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms "
            f"(CPU p95 {s['cpu_p95_ms']} ms)"
        )
    if rt:
        lines.append(
            f"  rates street×month: p95 {rt['street_month']['p95_ms']} ms; district×year: "
            f"max {rt['district_year']['max_ms']} ms; by community for a year: "
            f"p95 {rt['district_year_by_community']['p95_ms']} ms; match rows "
            f"{rt['matches_the_rows']['ok']}, fresh after closing {rt['closing_shows_at_once']['ok']}"
        )
    if ex:
        lines.append(
            f"  ledger export: {ex['rows']:,} rows in {ex['seconds']} s "
            f"(CPU {ex['cpu_seconds']} s, {ex['bytes'] / 1e6:.1f} MB)"
        )
    if acc:
        lines.append(
            f"  suggested category: top-1 {acc['top1']:.1%}, top-3 {acc['top3']:.1%} "
            f"(train {acc['train']:,}, test {acc['test']:,}, {acc['categories']} categories)"
        )
    if api:
        lines.append(
            f"  API creation: {api['per_second']} demands/s ({api['created']} in "
            f"{api['seconds']} s, {api['clients']} clients), p50 {api['latency']['p50_ms']} ms, "
            f"p95 {api['latency']['p95_ms']} ms, errors {api['errors']}, "
            f"retries {api['retries_same_demand']} same demand; CPU a demand: server "
            f"{api['server_cpu_ms_per_demand']} ms, client {api['client_cpu_ms_per_demand']} ms"
        )
    if r.get("helpdesk"):
        h = r["helpdesk"]
        if "speedup" in h:
            lines.append(
                f"  vs django-helpdesk at {h['cases']} cases (p95 ms, Gongzhi / helpdesk):"
            )
            for op, speed in h["speedup"].items():
                lines.append(
                    f"    {op:<14} {h['gongzhi'][op]['p95_ms']:>8} / {h['helpdesk'][op]['p95_ms']:>8}"
                    f"  = {speed}×"
                )
        else:
            lines.append(f"  django-helpdesk comparison failed: {h}")
    lines.append(
        "  targets: "
        + ", ".join(f"{k} {'ok' if v['ok'] else 'MISSED'}" for k, v in r["targets"].items())
    )
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
