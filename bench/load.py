"""Load and faults on a real server: a busy office, saturation, kill -9, backup → restore.

    .venv/bin/python bench/load.py --quick                  # ~1.5 min smoke run of every part
    .venv/bin/python bench/load.py --quick --db pg          # the same on bench/pgserver.py's server
    .venv/bin/python bench/load.py                          # 50 users × 5 min + a 100,000-row import
    .venv/bin/python bench/load.py --saturation --faults    # and the other parts
    .venv/bin/python bench/load.py --db pg --saturation --faults

Every part runs ``gongzhi run`` (gunicorn, its default 2 workers × 4 threads, loopback
only, the deadline sweep off) on the bench district (bench/common.py; ``--quick`` builds a
small district of its own) and drives it with locust as a library (``locust.env.Environment``,
headless, in a child process: locust patches the standard library with gevent, the Django
side of this script stays out of it). Users sign in through the sign-in page (the street
administrators with a TOTP code computed from their authenticator's key) and do what their
role does: household and resident lists, searches and details, the demand inbox and cases,
demands recorded through the intake page and the API and taken through their steps, party
members, the dues ledger, the area tree, now and then an export (bench/README.md "Load and
faults").

1. Busy office: ``--users`` users for ``--minutes`` with a think time of 1–5 s while one
   ``--import-rows`` residents import goes through the import page (a street administrator
   uploads the workbook); per-page p50/p95 and errors against the budgets of bench/README.md.
2. ``--saturation``: the same mix without think time, stepping up the users until requests/s
   stops growing; the peak and its p95 (aim ≥ 150 req/s on the 2 cores).
3. ``--faults``: an import and a burst of demand transitions, ``kill -9`` of the server's
   process group mid-import, a restart, then: are the import's rows all there or none, is
   every demand's status the one of its last event, does ``gongzhi audit_verify`` pass; and on
   PostgreSQL ``gongzhi backup``, a change, ``gongzhi restore``, every table compared row for
   row (count and checksum) with before.

Writes bench/results/load-sqlite.json or bench/results/postgresql/load-pg.json (``-quick``
for ``--quick``); exits 0 when every target is met, 3 when one is missed. The rows the run
adds (the import's residents, the users' demands) are deleted afterwards; the audit log
keeps its records (append-only) and the accounts ``load_*`` stay for the next run.
"""

import argparse
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

DISTRICT_CODE = "510199"
# The test accounts' password (gongzhi.core.testing.make_user sets it): set once, when an
# account is made; hashing it again for 128 accounts at every run would cost a minute.
PASSWORD = "Test@Passw0rd!"  # noqa: S105 (bench accounts on a bench database)
MARKER = "压测"  # in every demand title the run records, to find them again

# Budgets under load (bench/README.md "Load and faults" says why): p95 in ms per kind of page.
BUDGET_MS = {"read": 500.0, "write": 1000.0, "export": 5000.0, "sign-in": 2000.0}
IMPORT_BUDGET_S = 120.0  # the 100,000-row import with the office at work: 2× its idle target
SATURATION_AIM = 150.0  # requests/s

# Every page the users ask for, by the name it is reported under, and its kind.
PAGES = {
    "sign-in: page": "sign-in",
    "sign-in: password": "sign-in",
    "sign-in: second factor": "sign-in",
    "areas: tree": "read",
    "areas: area page": "read",
    "households: list": "read",
    "households: search": "read",
    "residents: list": "read",
    "residents: search": "read",
    "resident: detail": "read",
    "residents: coverage": "read",
    "demands: list": "read",
    "demands: inbox": "read",
    "demands: supervision": "read",
    "demands: API inbox": "read",
    "demand: detail": "read",
    "demand: API detail": "read",
    "demand: intake form": "read",
    "party: organizations": "read",
    "party: members": "read",
    "dues: ledger": "read",
    "dues: arrears": "read",
    "demand: create (page)": "write",
    "demand: create (API)": "write",
    "demand: classify (page)": "write",
    "demand: handle itself (page)": "write",
    "demand: dispatch (page)": "write",
    "demand: answer (page)": "write",
    "demand: accept (API)": "write",
    "demand: answer (API)": "write",
    "residents: export of a grid": "export",
    "households: export of a community": "export",
}

# Roles in the order accounts are handed out: every 10 users are 3 community staff, 1
# secretary, 3 grid workers, 1 street administrator and 2 handlers of property companies.
ROLE_CYCLE = [
    "staff",
    "grid",
    "handler",
    "staff",
    "secretary",
    "grid",
    "street",
    "staff",
    "grid",
    "handler",
]
TEXTS = [
    ("楼道灯不亮", "3单元楼道灯坏了一个多星期，晚上老人上下楼看不见台阶。"),
    ("小区停车难", "晚上车位不够，消防通道被私家车占用，希望规划临时车位。"),
    ("屋顶漏水", "顶楼住户反映下雨天屋顶漏水，墙面已经发霉。"),
    ("垃圾清运不及时", "垃圾桶满了两天没人清运，夏天气味很大。"),
    ("广场舞噪音", "晚上九点以后广场舞音响声音太大，影响孩子学习休息。"),
    ("电梯经常故障", "2栋电梯这个月停了三次，有老人被困过一次。"),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument("--users", type=int, default=50, help="busy office: signed-in users")
    parser.add_argument("--minutes", type=float, default=5.0, help="busy office: duration")
    parser.add_argument("--saturation", action="store_true", help="also step up to saturation")
    parser.add_argument("--faults", action="store_true", help="also kill -9 (and PG restore)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run of every part: a small district of its own, short and small",
    )
    parser.add_argument("--skip-office", action="store_true", help="leave the busy office out")
    parser.add_argument(
        "--import-rows", type=int, help="rows of the import (100,000; quick 12,000)"
    )
    parser.add_argument("--residents", type=int, help="district size (1,000,000; quick 20,000)")
    parser.add_argument("--step-seconds", type=float, help="saturation: each step (45; quick 8)")
    parser.add_argument("--workers", type=int, help="gongzhi run --workers (its default: 2)")
    parser.add_argument("--threads", type=int, help="gongzhi run --threads (its default: 4)")
    parser.add_argument(
        "--source",
        choices=("head", "worktree"),
        default="head",
        help="the code under test: a snapshot of the last commit (default; others may be "
        "editing the working tree) or the working tree as it is",
    )
    parser.add_argument("--child-locust", metavar="CONFIG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.saturation = args.faults = True
        args.users = min(args.users, 12)
        args.minutes = min(args.minutes, 0.4)
    args.import_rows = args.import_rows or (12_000 if args.quick else 100_000)
    args.residents = args.residents or (20_000 if args.quick else 1_000_000)
    args.step_seconds = args.step_seconds or (8.0 if args.quick else 45.0)
    args.steps = [4, 8, 16] if args.quick else [8, 16, 32, 48, 64, 96, 128]
    return args


# --- The code under test -------------------------------------------------------------------


def source(args) -> dict:
    """With ``--source head`` (the default), the committed ``src/`` in a directory of its own
    (``git archive HEAD``) goes first on this process's path and on the servers' and
    commands' ``PYTHONPATH``: the shared working tree may hold someone's edit in progress
    (a run once met ``ImportError`` from a half-made change). The editable install's path
    (``src/`` of the working tree, from a .pth file) comes after both."""
    import atexit
    import shutil

    def git(*command) -> str:
        return subprocess.run(  # noqa: S603
            ["git", *command],  # noqa: S607
            cwd=common.PROJECT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.rstrip()  # not the first line's leading space: porcelain's "XY path"

    commit = git("rev-parse", "HEAD")
    changed = [line[3:] for line in git("status", "--porcelain", "src").splitlines()]
    if args.source == "worktree":
        return {"source": "working tree", "commit": commit, "uncommitted_in_src": changed}
    snapshot = Path(tempfile.mkdtemp(prefix="gongzhi-load-src-"))
    atexit.register(shutil.rmtree, snapshot, True)
    archive = subprocess.run(  # noqa: S603
        ["git", "archive", commit, "src"],  # noqa: S607
        cwd=common.PROJECT,
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(snapshot)], input=archive, check=True)  # noqa: S603, S607
    src = str(snapshot / "src")
    sys.path.insert(0, src)
    os.environ["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [os.environ.get("PYTHONPATH")])])
    return {"source": f"snapshot of {commit[:10]}", "commit": commit, "not_tested": changed}


def private_checkpoints() -> str:
    """The run's audit checkpoints in a file of its own (a copy of the var directory's, so
    that those are verified too): the faults part writes one, and a checkpoint left in the
    shared bench var directory would make audit_verify fail there once the district is
    generated again."""
    import atexit
    import shutil

    shared = common.bench_var_dir() / "audit" / "checkpoints.jsonl"
    directory = Path(tempfile.mkdtemp(prefix="gongzhi-load-audit-"))
    atexit.register(shutil.rmtree, directory, True)
    private = directory / "checkpoints.jsonl"
    if os.environ.get("GONGZHI_AUDIT_CHECKPOINT_FILE"):
        shared = Path(os.environ["GONGZHI_AUDIT_CHECKPOINT_FILE"])
    if shared.exists():
        shutil.copyfile(shared, private)
    os.environ["GONGZHI_AUDIT_CHECKPOINT_FILE"] = str(private)
    return f"{private} (a copy of {shared})" if shared.exists() else str(private)


# --- The database -------------------------------------------------------------------------


@contextlib.contextmanager
def database(args):
    """Point this process (and the servers it starts) at the database of the run: the bench
    SQLite file or bench/pgserver.py's server (durability on); ``--quick`` uses a small
    district of its own (var/bench-load-quick[-pg]/, database gz_load_quick)."""
    if args.db == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        if args.quick:
            os.environ["GONGZHI_VAR_DIR"] = str(common.PROJECT / "var" / "bench-load-quick")
        yield {"server": None}
        return
    import pgserver

    with pgserver.running() as url:
        name = pgserver.DATABASE
        if args.quick:
            name = "gz_load_quick"
            port = pgserver._pidfile_port()
            if not pgserver._psql(port, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):  # noqa: S608
                pgserver._psql(port, f"CREATE DATABASE {name}")
            url = url.rsplit("/", 1)[0] + "/" + name
            os.environ["GONGZHI_VAR_DIR"] = str(common.PROJECT / "var" / "bench-load-quick-pg")
        else:
            # The keys the PostgreSQL bench district was written under (run_all.py --pg).
            os.environ.setdefault("GONGZHI_VAR_DIR", str(pgserver.PG_DIR))
        os.environ["DATABASE_URL"] = url
        yield {"server": url, "database": name}


def ensure_district(args) -> dict:
    import types

    import bench_foundation

    return bench_foundation.ensure_district(
        types.SimpleNamespace(residents=args.residents, seed=1, area_tree_only=False)
    )


# --- Accounts and what the users look at ------------------------------------------------------


def make_plan(args, prefix: str, count: int) -> dict:
    """``count`` accounts named ``load_<prefix>…`` (made on first use, password and
    authenticator reset on every run) and the ids their pages need, for the locust child."""
    from django.db.models import Max
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from gongzhi.accounts.models import User
    from gongzhi.accounts.roles import Role
    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area, Household
    from gongzhi.core.testing import make_user
    from gongzhi.demands.choices import UnitKind
    from gongzhi.demands.models import Category, Demand, Unit
    from gongzhi.dues.models import DuesCharge
    from gongzhi.party.choices import BRANCH_TYPES
    from gongzhi.party.models import Organization
    from gongzhi.residents.models import Resident

    rng = random.Random(7)
    district = Area.objects.get(code=DISTRICT_CODE)
    streets = list(Area.objects.filter(parent=district, level=Level.STREET).order_by("code")[:2])
    communities = []
    for street in streets:
        for community in Area.objects.filter(parent=street, level=Level.COMMUNITY).order_by("code")[
            :4
        ]:
            communities.append((street, community))

    def sample(values, n):
        values = list(values)
        return rng.sample(values, min(n, len(values)))

    def residents_under(path, n):
        rows = Resident.objects.filter(path__under=path, present=True).values_list(
            "id", "name", "short_initials", "phone_tail"
        )[:3000]
        picked = sample(rows, n)
        terms = [name[:2] for _i, name, _s, _p in picked[:10]]
        terms += [initials[:3] for _i, _n, initials, _p in picked[10:18] if initials]
        terms += [tail for _i, _n, _s, tail in picked[18:24] if tail]
        return [pk for pk, *_rest in picked], terms

    plan_communities = []
    for street, community in communities:
        grids = list(
            Area.objects.filter(parent=community, level=Level.GRID)
            .order_by("code")
            .values_list("id", flat=True)[:6]
        )
        grid_data = []
        for grid_id in grids:
            grid = Area.objects.get(pk=grid_id)
            residents, terms = residents_under(grid.path, 30)
            grid_data.append(
                {
                    "id": grid_id,
                    "households": Household.objects.filter(path__under=grid.path).count(),
                    "residents": residents,
                    "terms": terms,
                }
            )
        residents, terms = residents_under(community.path, 40)
        organizations = list(
            Organization.objects.filter(path__under=community.path, is_active=True).values_list(
                "id", "org_type"
            )
        )
        property_unit = Unit.objects.filter(
            path=community.path, kind=UnitKind.PROPERTY, is_active=True
        ).first()
        plan_communities.append(
            {
                "id": community.pk,
                "name": community.name,
                "street": street.pk,
                "households": Household.objects.filter(path__under=community.path).count(),
                "grids": grid_data,
                "residents": residents,
                "terms": terms,
                "organizations": [pk for pk, _t in organizations][:10],
                "branches": [pk for pk, kind in organizations if kind in BRANCH_TYPES][:10],
                "demands": list(
                    Demand.objects.filter(path__under=community.path)
                    .order_by("-received_at")
                    .values_list("id", flat=True)[:40]
                ),
                "property_unit": property_unit.pk if property_unit else None,
                "buildings": list(
                    Area.objects.filter(path__under=community.path, level=Level.BUILDING)
                    .values_list("name", flat=True)
                    .distinct()[:5]
                ),
            }
        )
    may_close = (
        Category.objects.filter(is_active=True, community_may_close=True, children__isnull=True)
        .order_by("id")
        .first()
    )
    any_category = Category.objects.filter(is_active=True, children__isnull=True).order_by("-id")
    month = DuesCharge.objects.aggregate(m=Max("month"))["m"]

    accounts = []
    per_role: dict[str, int] = {}
    handlers_of: dict[int, list] = {}
    for n in range(count):
        role = ROLE_CYCLE[n % len(ROLE_CYCLE)]
        index = per_role.get(role, 0)
        per_role[role] = index + 1
        c = index % len(plan_communities)
        community = plan_communities[c]
        area_id = community["id"]
        grid = None
        if role == "grid":
            grid = community["grids"][(index // len(plan_communities)) % len(community["grids"])]
            area_id = grid["id"]
        elif role == "street":
            streets_used = sorted({x["street"] for x in plan_communities})
            area_id = streets_used[index % len(streets_used)]
        username = f"load_{prefix}{n:03d}_{role}"
        accounts.append(
            {
                "username": username,
                "role": role,
                "community": c if role != "street" else None,
                "grid": grid["id"] if grid else None,
                "area": area_id,
            }
        )
        if role == "handler":
            handlers_of.setdefault(c, []).append(accounts[-1])
    for group in handlers_of.values():
        for i, account in enumerate(group):
            account["shard"] = [i, len(group)]

    roles = {
        "staff": Role.COMMUNITY_STAFF,
        "secretary": Role.COMMUNITY_SECRETARY,
        "grid": Role.GRID_WORKER,
        "street": Role.STREET_ADMIN,
        "handler": Role.UNIT_HANDLER,
    }
    from axes.models import AccessAttempt
    from django.utils import timezone

    AccessAttempt.objects.filter(username__startswith="load_").delete()
    for account in accounts:
        area = Area.objects.get(pk=account["area"])
        if account["role"] == "handler":
            area = Area.objects.get(pk=plan_communities[account["community"]]["id"])
        user = User.objects.filter(username=account["username"]).first()
        if user is None:
            user = make_user(account["username"], roles[account["role"]], area)
        user.password_changed_at = timezone.now()
        user.must_change_password = False
        user.is_active = True
        user.save()
        if account["role"] == "handler":
            unit_id = plan_communities[account["community"]]["property_unit"]
            if unit_id:
                Unit.objects.get(pk=unit_id).handlers.add(user)
        if account["role"] == "street":
            TOTPDevice.objects.filter(user=user).delete()
            device = TOTPDevice.objects.create(user=user, name="load", confirmed=True)
            account["totp"] = device.key  # hex, as django_otp stores it
    return {
        "password": PASSWORD,
        "marker": MARKER,
        "communities": plan_communities,
        "streets": sorted({c["street"] for c in plan_communities}),
        "category_self": may_close.pk if may_close else None,
        "category_any": list(any_category.values_list("id", flat=True)[:5]),
        "month": month.strftime("%Y-%m") if month else None,
        "accounts": accounts,
    }


def totp_code(hex_key: str, at: float | None = None) -> str:
    """The authenticator's code now (django_otp's own TOTP: 30 s steps, 6 digits)."""
    from django_otp.oath import TOTP

    totp = TOTP(bytes.fromhex(hex_key), step=30, t0=0, digits=6, drift=0)
    totp.time = at or time.time()
    return f"{totp.token():06d}"


# --- The server ------------------------------------------------------------------------------


# The public development audit key (settings.py's default): the bench databases' first
# records were chained under it, before their var directories had key files of their own
# (bench/common.py); declared old, as a deployment declares a key it rotated away from, so
# that audit_verify checks those records instead of stopping at the first of them.
DEVELOPMENT_AUDIT_KEY = "gongzhi-insecure-audit-key"


def server_env() -> dict:
    old = [k for k in os.environ.get("GONGZHI_AUDIT_OLD_KEYS", "").split(",") if k]
    return {
        **os.environ,
        "GONGZHI_LOG_LEVEL": "WARNING",
        "GONGZHI_PLAIN_STATIC": "1",
        "GONGZHI_VAR_DIR": str(common.bench_var_dir()),
        "GONGZHI_AUDIT_OLD_KEYS": ",".join([*old, DEVELOPMENT_AUDIT_KEY]),
    }


class Server:
    """``gongzhi run`` on a free loopback port, in a process group of its own (gunicorn's
    arbiter, its workers and the upload checker's children); stdout and stderr (the access
    log and every warning or traceback) appended to ``log``."""

    def __init__(self, args, log: Path):
        import bench_demands

        self.args, self.log = args, log
        self.port = bench_demands.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [
            str(common.PROJECT / ".venv" / "bin" / "gongzhi"),
            "run",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--sweep-seconds",
            "0",
        ]
        if args.workers:
            command += ["--workers", str(args.workers)]
        if args.threads:
            command += ["--threads", str(args.threads)]
        self.command = command
        with log.open("ab") as out:
            out.write(f"\n=== {time.strftime('%H:%M:%S')} {' '.join(command)}\n".encode())
            self.process = subprocess.Popen(  # noqa: S603
                command,
                env=server_env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started = time.perf_counter()
        self.ready_seconds = self.wait()

    def wait(self, timeout: float = 120) -> float:
        import urllib.request

        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"gongzhi run ended (exit {self.process.returncode}); see {self.log}"
                )
            try:
                urllib.request.urlopen(f"{self.base}/accounts/login/", timeout=5)  # noqa: S310
                return round(time.perf_counter() - self.started, 2)
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"gongzhi run did not come up; see {self.log}") from None
                time.sleep(0.25)

    @property
    def pgid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float | None:
        import bench_demands

        return bench_demands.group_cpu_seconds(self.pgid)

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pgid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.pgid, signal.SIGKILL)
                self.process.wait(timeout=30)

    def kill9(self) -> list[int]:
        """SIGKILL to the whole process group; returns the pids that were in it."""
        members = group_members(self.pgid)
        os.killpg(self.pgid, signal.SIGKILL)
        self.process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while group_members(self.pgid) and time.monotonic() < deadline:
            time.sleep(0.1)
        return members


def group_members(pgid: int) -> list[int]:
    """The live processes of a process group (zombies, dead and waiting to be reaped by
    init, are not counted)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            found.append(int(stat.parent.name))
    return sorted(found)


# --- A browser-like client for this process (the import, the fault burst) --------------------------


TOTP_STEPS_USED: dict[str, int] = {}


def sign_in(base: str, account: dict, password: str):
    """A requests session signed in through the sign-in page (and the second factor)."""
    import requests

    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=60).raise_for_status()
    response = session.post(
        f"{base}/accounts/login/",
        data={
            "username": account["username"],
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        allow_redirects=False,
        timeout=120,
    )
    if response.status_code != 302 or "/accounts/login" in response.headers.get("Location", ""):
        raise SystemExit(f"sign-in of {account['username']} answered {response.status_code}")
    if account.get("totp"):
        for _attempt in range(3):
            # A code is good once: an account signed in again within the same 30 s step
            # waits for the next one.
            while int(time.time() // 30) <= TOTP_STEPS_USED.get(account["username"], -1):
                time.sleep(0.5)
            TOTP_STEPS_USED[account["username"]] = int(time.time() // 30)
            response = session.post(
                f"{base}/accounts/two-factor/",
                data={
                    "token": totp_code(account["totp"]),
                    "csrfmiddlewaretoken": session.cookies["csrftoken"],
                },
                allow_redirects=False,
                timeout=60,
            )
            if response.status_code == 302:
                break
            time.sleep(31 - time.time() % 30)  # a code is good once: wait for the next one
        else:
            raise SystemExit(f"second factor of {account['username']}: {response.status_code}")
    return session


def api_headers(session, key: str | None = None) -> dict:
    headers = {"X-CSRFToken": session.cookies["csrftoken"], "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    return headers


# --- The census workbook and the import through its page ------------------------------------------


def write_census(path: Path, street, n: int, serial: int) -> None:
    """A census workbook of ``n`` new people in the street's households (bench_residents'
    layout). Their ID numbers begin with region 51019<serial>: the synthetic district's
    residents have 510198, its party members 510199 and bench_residents' census 510197."""
    import xlsxwriter

    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area, Household
    from gongzhi.core import pii
    from gongzhi.core.names import person_name
    from gongzhi.residents.imports import ResidentImporter

    rng = random.Random(serial)
    names = {
        pk: (level, name, parent)
        for pk, level, name, parent in Area.objects.filter(path__under=street.path).values_list(
            "id", "level", "name", "parent_id"
        )
    }

    def chain(area_id):
        found = {}
        while area_id in names:
            level, name, parent = names[area_id]
            found[level] = name
            area_id = parent
        return found

    households = list(
        Household.objects.filter(path__under=street.path).values_list("area_id", "door_number")
    )
    chains = {}
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet(str(ResidentImporter.sheet_title))
    sheet.write_row(0, 0, [str(c.header) for c in ResidentImporter.columns])
    for i in range(n):
        area_id, door = households[i % len(households)]
        c = chains.get(area_id) or chains.setdefault(area_id, chain(area_id))
        first17 = (
            f"51019{serial}{1950 + i % 60}{1 + i // 60 % 12:02d}{1 + i // 720 % 28:02d}"
            f"{i // 20160 % 1000:03d}"
        )
        sheet.write_row(
            i + 1,
            0,
            [
                c.get(Level.COMMUNITY, ""),
                c.get(Level.GRID, ""),
                c.get(Level.ESTATE, ""),
                c.get(Level.BUILDING, ""),
                c.get(Level.UNIT, ""),
                door,
                person_name(rng),
                first17 + pii.check_char(first17),
                f"13{serial}{i:08d}",
                "其他",
                "汉族",
                "群众",
                "四川省成都市",
                "否",
            ],
        )
    book.close()


def import_actor(args, prefix: str, street) -> dict:
    """A street administrator of the import's street (its own account: a TOTP code is good
    once, and the users' street administrators sign in at the same time)."""
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from gongzhi.accounts.models import User
    from gongzhi.accounts.roles import Role
    from gongzhi.core.testing import make_user

    username = f"load_{prefix}import_{street.code}"
    user = User.objects.filter(username=username).first() or make_user(
        username, Role.STREET_ADMIN, street
    )
    user.password_changed_at = timezone.now()
    user.save()
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="load", confirmed=True)
    return {"username": username, "role": "street", "totp": device.key}


class PageImport(threading.Thread):
    """The residents import as a user does it: sign in, open the import page, upload the
    workbook, wait for the answer (the import runs inside the request), read the result."""

    def __init__(self, base: str, account: dict, workbook: Path, partial: bool = False):
        super().__init__(daemon=True)
        self.base, self.account, self.workbook, self.partial = base, account, workbook, partial
        self.result: dict = {}
        self.started = self.ended = None

    def run(self):
        try:
            session = sign_in(self.base, self.account, PASSWORD)
            session.get(f"{self.base}/residents/import/", timeout=60).raise_for_status()
            self.started = time.time()
            with self.workbook.open("rb") as handle:
                data = {"csrfmiddlewaretoken": session.cookies["csrftoken"]}
                if self.partial:
                    data["partial"] = "on"
                response = session.post(
                    f"{self.base}/residents/import/",
                    data=data,
                    files={"file": ("入户清查.xlsx", handle, "application/octet-stream")},
                    allow_redirects=False,
                    timeout=1800,
                )
            self.ended = time.time()
            self.result = {
                "status": response.status_code,
                "seconds": round(self.ended - self.started, 1),
            }
            if response.status_code == 302:
                page = session.get(self.base + response.headers["Location"], timeout=60)
                self.result["result_page"] = page.status_code
                self.result["page_text"] = page_summary(page.text)
            else:
                self.result["body"] = response.text[:300]
        except Exception as exc:  # noqa: BLE001 (reported: the kill -9 ends it this way)
            self.ended = self.ended or time.time()
            self.result = {**self.result, "exception": f"{type(exc).__name__}: {exc}"[:300]}


def page_summary(html: str) -> str:
    """The visible text of a result page's main part, shortened."""
    main = re.search(r"<main.*?</main>", html, re.S)
    text = re.sub(r"<[^>]+>", " ", main.group(0) if main else html)
    return re.sub(r"\s+", " ", text).strip()[:400]


# --- The locust child --------------------------------------------------------------------------------


def run_locust(server: Server, config: dict, log: Path, on_line=None) -> dict:
    """Run the locust child with ``config``; returns its output (samples and steps). Lines
    it prints go to ``on_line`` as they come (READY, STEP …)."""
    with tempfile.TemporaryDirectory(prefix="gongzhi-load-") as tmp:
        config = {**config, "base": server.base, "pgid": server.pgid}
        config["out"] = str(Path(tmp) / "out.json")
        config["stop_file"] = str(Path(tmp) / "stop")
        path = Path(tmp) / "config.json"
        path.write_text(json.dumps(config, ensure_ascii=False))
        child = subprocess.Popen(  # noqa: S603 (this script, the same interpreter)
            [sys.executable, __file__, "--child-locust", str(path)],
            stdout=subprocess.PIPE,
            stderr=log.with_name(log.name.replace("server", "locust")).open("ab"),
            text=True,
            cwd=common.PROJECT,
        )
        for line in child.stdout:
            line = line.rstrip()
            print(f"  [locust] {line}", flush=True)
            if on_line:
                on_line(line, config["stop_file"])
        code = child.wait()
        if code != 0 or not Path(config["out"]).exists():
            raise SystemExit(f"the locust child failed (exit {code}); see {log.parent}")
        return json.loads(Path(config["out"]).read_text())


def locust_child(config_path: str) -> int:
    """In a process of its own: locust as a library, the users of the config, until the
    stop file appears (office) or the steps are done (saturation); samples to ``out``."""
    import bench_demands
    import gevent
    from locust import HttpUser, between, constant, task
    from locust.env import Environment
    from locust.exception import StopUser

    config = json.loads(Path(config_path).read_text())
    accounts = list(config["accounts"])
    samples: list = []
    signed_in = [0, 0]  # done, failed

    def on_request(request_type, name, response_time, response_length, exception=None, **kw):
        response = kw.get("response")
        status = getattr(response, "status_code", 0) or 0
        error = None if exception is None else str(exception)[:300]
        samples.append(
            [name, round(kw.get("start_time") or 0, 3), round(response_time, 1), error, status]
        )

    class Office(HttpUser):
        host = config["base"]
        wait_time = between(1, 5) if config["think"] else constant(0)

        def on_start(self):
            self.account = accounts.pop(0)
            behaviour = BEHAVIOURS[self.account["role"]]
            self.behaviour = behaviour(self, config, self.account)
            if not self.behaviour.sign_in():
                signed_in[1] += 1
                raise StopUser()
            signed_in[0] += 1

        @task
        def step(self):
            self.behaviour.step()

    env = Environment(user_classes=[Office], host=config["base"], stop_timeout=30)
    env.events.request.add_listener(on_request)
    runner = env.create_local_runner()
    cpu_started = time.process_time()
    output: dict = {"steps": [], "windows": {}}

    def wait_signed_in(n: int, timeout: float = 600) -> None:
        deadline = time.time() + timeout
        while sum(signed_in) < n and time.time() < deadline:
            gevent.sleep(0.2)

    if config["mode"] == "office":
        runner.start(config["users"], spawn_rate=config["spawn_rate"])
        wait_signed_in(config["users"])
        output["signed_in"], output["sign_in_failed"] = signed_in
        t0, cpu0 = time.time(), time.process_time()
        print(f"READY {t0:.3f} signed in {signed_in[0]}, failed {signed_in[1]}", flush=True)
        cap = time.time() + config["max_seconds"]
        while not Path(config["stop_file"]).exists() and time.time() < cap:
            gevent.sleep(0.5)
        t1 = time.time()
        output["windows"]["office"] = [t0, t1]
        output["client_cpu_seconds"] = round(time.process_time() - cpu0, 2)
        print(f"STOP {t1:.3f}", flush=True)
    else:
        best, flat = 0.0, 0
        for users in config["steps"]:
            if users > len(config["accounts"]):
                break
            runner.start(users, spawn_rate=config["spawn_rate"])
            wait_signed_in(users)
            gevent.sleep(3)  # the new users past their first page
            t0, cpu0 = time.time(), time.process_time()
            server0 = bench_demands.group_cpu_seconds(config["pgid"]) or 0.0
            db0 = bench_demands.database_cpu_seconds() if config["pg"] else None
            gevent.sleep(config["step_seconds"])
            t1 = time.time()
            server_cpu = (bench_demands.group_cpu_seconds(config["pgid"]) or 0.0) - server0
            db_cpu = bench_demands.database_cpu_seconds() - db0 if config["pg"] else None
            window = [s for s in samples if t0 <= s[1] < t1 and not s[0].startswith("sign-in")]
            done = [s for s in window if s[3] is None]
            rps = len(done) / (t1 - t0)
            times = sorted(s[2] for s in done)
            p95 = times[int(0.95 * (len(times) - 1))] if times else None
            step = {
                "users": users,
                "window": [t0, t1],
                "per_second": round(rps, 1),
                "p95_ms_rough": p95,
                "errors": len(window) - len(done),
                "server_cpu_seconds": round(server_cpu, 1),
                "database_cpu_seconds": round(db_cpu, 1) if db_cpu is not None else None,
                "client_cpu_seconds": round(time.process_time() - cpu0, 1),
            }
            output["steps"].append(step)
            print(f"STEP {json.dumps(step)}", flush=True)
            # Requests/s stopped growing: two steps in a row not 5% above the best so far
            # (one alone may be another process's burst on the shared cores).
            flat = flat + 1 if users != config["steps"][0] and rps < best * 1.05 else 0
            if flat == 2:
                break
            best = max(best, rps)
    runner.stop()
    runner.quit()
    output["samples"] = samples
    output["client_cpu_total"] = round(time.process_time() - cpu_started, 1)
    Path(config["out"]).write_text(json.dumps(output, ensure_ascii=False))
    return 0


class Behaviour:
    """What one signed-in user does; ``step()`` is one thing a person does between two
    pauses (a page, or a form and the page it leads to)."""

    actions: list = []

    def __init__(self, user, config, account):
        self.client, self.config, self.account = user.client, config, account
        self.rng = random.Random(account["username"])
        c = account.get("community")
        self.community = config["communities"][c] if c is not None else None
        self.choices = [getattr(self, name) for _w, name in self.actions]
        self.weights = [w for w, _name in self.actions]
        self.serial = 0

    # -- requests --------------------------------------------------------------------

    def _check(self, response, expect, name):
        if response.status_code in expect:
            response.success()
        elif not response.status_code:  # no answer: the connection failed or was closed
            error = getattr(response, "error", None)
            response.failure(f"{name}: no answer: {type(error).__name__}: {error}"[:300])
        else:
            response.failure(f"{name}: HTTP {response.status_code} {describe(response)}")
        return response

    def get(self, name, url, expect=(200,)):
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as r:
            return self._check(r, expect, name)

    def post(self, name, url, data, expect=(302,)):
        data = {**data, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}
        with self.client.post(
            url, data=data, name=name, allow_redirects=False, catch_response=True
        ) as r:
            return self._check(r, expect, name)

    def api(self, name, url, body, expect=(200, 201), key=None):
        headers = {"X-CSRFToken": self.client.cookies.get("csrftoken", "")}
        if key:
            headers["Idempotency-Key"] = key
        with self.client.post(url, json=body, headers=headers, name=name, catch_response=True) as r:
            return self._check(r, expect, name)

    def sign_in(self) -> bool:
        for _attempt in range(3):
            self.get("sign-in: page", "/accounts/login/")
            r = self.post(
                "sign-in: password",
                "/accounts/login/",
                {"username": self.account["username"], "password": self.config["password"]},
            )
            if r.status_code != 302 or "/accounts/login" in r.headers.get("Location", ""):
                continue
            if not self.account.get("totp"):
                return True
            r = self.post(
                "sign-in: second factor",
                "/accounts/two-factor/",
                {"token": totp_code(self.account["totp"])},
            )
            if r.status_code == 302:
                return True
            import gevent

            gevent.sleep(31 - time.time() % 30)  # a code is good once: the next one
        return False

    def step(self):
        self.rng.choices(self.choices, self.weights)[0]()

    # -- what several roles do -------------------------------------------------------

    def grid(self):
        grids = self.community["grids"]
        if self.account.get("grid"):
            return next(g for g in grids if g["id"] == self.account["grid"])
        return self.rng.choice(grids)

    def tree(self):
        # A user whose scope is one area is sent on to that area's page, as a browser is.
        r = self.get("areas: tree", "/areas/", expect=(200, 302))
        if r.status_code == 302:
            self.get("areas: area page", r.headers["Location"])

    def community_page(self):
        self.get("areas: area page", f"/areas/{self.community['id']}/")

    def households(self):
        area, count = self.community["id"], self.community["households"]
        if self.account["role"] == "grid":
            g = self.grid()
            area, count = g["id"], g["households"]
        page = self.rng.randint(1, max(1, (count - 1) // 50 + 1))
        self.get("households: list", f"/areas/households/?within={area}&page={page}")

    def household_search(self):
        words = self.community["buildings"] or ["1栋"]
        self.get(
            "households: search",
            f"/areas/households/?within={self.community['id']}&q={self.rng.choice(words)}",
        )

    def residents(self):
        self.get("residents: list", f"/residents/?within={self.grid()['id']}")

    def resident_search(self):
        source = self.grid() if self.account["role"] == "grid" else self.community
        terms = source["terms"] or self.community["terms"] or ["张"]
        self.get("residents: search", f"/residents/?q={self.rng.choice(terms)}")

    def resident_detail(self):
        source = self.grid() if self.account["role"] == "grid" else self.community
        if source["residents"]:
            self.get("resident: detail", f"/residents/{self.rng.choice(source['residents'])}/")

    def demands(self):
        url = self.rng.choice(["/demands/", "/demands/?status=closed", "/demands/?page=2"])
        self.get("demands: list", url)

    def inbox(self):
        tab = self.rng.choice(["", "?tab=dispatch", "?tab=follow"])
        self.get("demands: inbox", f"/demands/inbox/{tab}")

    def demand_detail(self):
        if self.community and self.community["demands"]:
            self.get("demand: detail", f"/demands/{self.rng.choice(self.community['demands'])}/")

    def members(self):
        orgs = self.community["organizations"]
        if orgs:
            self.get("party: members", f"/party/members/?organization={self.rng.choice(orgs)}")

    def ledger(self):
        branches = self.community["branches"]
        if branches and self.config["month"]:
            self.get(
                "dues: ledger",
                f"/dues/?organization={self.rng.choice(branches)}&month={self.config['month']}",
            )

    def export_residents(self):
        self.get(
            "residents: export of a grid", f"/residents/?within={self.grid()['id']}&export=xlsx"
        )

    def export_households(self):
        self.get(
            "households: export of a community",
            f"/areas/households/?within={self.community['id']}&export=xlsx",
        )

    def title(self):
        title, content = self.rng.choice(TEXTS)
        self.serial += 1
        marker = f"{self.config['marker']}{self.account['username'][5:]}-{self.serial}"
        return f"{title}（{marker}）", content


class Staff(Behaviour):
    """A community's desk: the registry, the demand desk (intake through the page, then
    classify, handle itself or dispatch to the property company, answer), party and dues."""

    actions = [
        (8, "households"),
        (3, "household_search"),
        (5, "residents"),
        (8, "resident_search"),
        (6, "resident_detail"),
        (6, "inbox"),
        (4, "demand_detail"),
        (3, "create"),
        (6, "work"),
        (2, "members"),
        (2, "ledger"),
        (2, "tree"),
        (0.4, "export_residents"),
    ]

    def __init__(self, *args):
        super().__init__(*args)
        self.own: list[list] = []  # [id, version, status]

    def create(self):
        self.get("demand: intake form", "/demands/intake/")
        title, content = self.title()
        r = self.post(
            "demand: create (page)",
            "/demands/intake/",
            {
                "channel": "desk",
                "received_at": "",
                "area": self.community["id"],
                "location": "",
                "household": "",
                "title": title,
                "content": content,
                "suggestion": "",
                "category": "",
                "urgency": "",
                "merge_into": "",
                "requester_kind": "resident",
                "requester_name": "李女士",
                "requester_phone": "13900001234",
            },
        )
        found = re.search(r"/demands/(\d+)/", r.headers.get("Location", ""))
        if r.status_code == 302 and found:
            self.own.append([int(found.group(1)), 1, "received"])
            self.get("demand: detail", found.group(0))

    def work(self):
        if not self.own:
            return self.inbox()
        demand = self.own[0]
        pk, version, status = demand
        if status == "received":
            category = self.config["category_self"] or self.config["category_any"][0]
            action, name = "classify", "demand: classify (page)"
            data = {"classify-category": category, "classify-urgency": ""}
            after = "classified"
        elif status == "classified":
            if self.rng.random() < 0.5 and self.community["property_unit"]:
                action, name = "dispatch", "demand: dispatch (page)"
                data = {"dispatch-unit": self.community["property_unit"]}
                after = "dispatched"
            else:
                action, name, data, after = (
                    "handle_self",
                    "demand: handle itself (page)",
                    {},
                    "accepted",
                )
        else:  # accepted by the community itself
            action, name = "answer", "demand: answer (page)"
            data = {
                "answer-answer": "已协调物业处理，并电话告知诉求人。",
                "answer-resolved": "1",
                "answer-contacted": "on",
            }
            after = "answered"
        data[f"{action}-version"] = version
        r = self.post(name, f"/demands/{pk}/{action}/", data)
        if r.status_code != 302:
            self.own.pop(0)
            return None
        demand[1], demand[2] = version + 1, after
        if after in ("answered", "dispatched"):
            self.own.pop(0)  # done here (a dispatched case is the company's now)
        self.get("demand: detail", f"/demands/{pk}/")
        return None


class Secretary(Behaviour):
    actions = [
        (6, "demands"),
        (5, "inbox"),
        (5, "members"),
        (5, "ledger"),
        (3, "tree"),
        (3, "community_page"),
        (4, "residents"),
        (4, "resident_search"),
        (3, "resident_detail"),
        (3, "demand_detail"),
        (0.4, "export_households"),
    ]


class GridWorker(Behaviour):
    """A grid worker on the round: households and people of the grid, demands recorded
    through the API (as the mobile page does), the case list."""

    actions = [
        (8, "households"),
        (8, "resident_search"),
        (6, "resident_detail"),
        (3, "residents"),
        (3, "create"),
        (3, "own_detail"),
        (3, "demands"),
        (2, "tree"),
    ]

    def __init__(self, *args):
        super().__init__(*args)
        self.own: list[int] = []

    def create(self):
        title, content = self.title()
        r = self.api(
            "demand: create (API)",
            "/api/v1/demands",
            {
                "area_id": self.account["grid"],
                "title": title,
                "content": content,
                "channel": "visit",
                "requester_kind": "resident",
                "requester_name": "王先生",
                "requester_phone": "13800001111",
            },
            expect=(201,),
            key=f"load-{self.account['username']}-{self.serial}-{time.time():.0f}",
        )
        if r.status_code == 201:
            self.own.append(r.json()["id"])

    def own_detail(self):
        if not self.own:
            return self.demands()
        self.get("demand: API detail", f"/api/v1/demands/{self.rng.choice(self.own[-20:])}")
        return None


class StreetAdmin(Behaviour):
    actions = [
        (4, "tree"),
        (4, "street_page"),
        (5, "supervision"),
        (5, "demands"),
        (3, "coverage"),
        (3, "organizations"),
        (3, "arrears"),
        (4, "street_search"),
    ]

    def street_page(self):
        self.get("areas: area page", f"/areas/{self.account['area']}/")

    def supervision(self):
        self.get("demands: supervision", "/demands/supervision/")

    def coverage(self):
        self.get("residents: coverage", "/residents/coverage/")

    def organizations(self):
        self.get("party: organizations", "/party/")

    def arrears(self):
        self.get("dues: arrears", "/dues/arrears/")

    def street_search(self):
        mine = [c for c in self.config["communities"] if c["street"] == self.account["area"]]
        terms = [t for c in mine for t in c["terms"]] or ["张"]
        self.get("residents: search", f"/residents/?q={self.rng.choice(terms)}")


class Handler(Behaviour):
    """A property company's handler: the inbox, and the run's demands dispatched to the
    company accepted and answered through the API (each handler its share of them)."""

    actions = [(4, "inbox_page"), (5, "work"), (3, "detail")]

    def __init__(self, *args):
        super().__init__(*args)
        self.seen: list[int] = []

    def inbox_page(self):
        self.get("demands: inbox", "/demands/inbox/")

    def detail(self):
        if self.seen:
            self.get("demand: detail", f"/demands/{self.rng.choice(self.seen[-20:])}/")
        else:
            self.inbox_page()

    def work(self):
        with self.client.get(
            "/api/v1/demands/inbox?limit=50",
            name="demands: API inbox",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            self._check(r, (200,), "demands: API inbox")
            rows = r.json() if r.status_code == 200 else []
        mine, shards = self.account.get("shard", [0, 1]), None
        for row in rows if isinstance(rows, list) else rows.get("items", []):
            if self.config["marker"] not in row["title"] or row["id"] % mine[1] != mine[0]:
                continue
            shards = row
            break
        if shards is None:
            return
        pk, version = shards["id"], shards["version"]
        if shards["status"] == "dispatched":
            self.api("demand: accept (API)", f"/api/v1/demands/{pk}/accept", {"version": version})
            self.seen.append(pk)
        elif shards["status"] in ("accepted", "in_progress"):
            self.api(
                "demand: answer (API)",
                f"/api/v1/demands/{pk}/answer",
                {"version": version, "text": "物业已派人维修完毕。", "resolved": True},
            )


BEHAVIOURS = {
    "staff": Staff,
    "secretary": Secretary,
    "grid": GridWorker,
    "street": StreetAdmin,
    "handler": Handler,
}


def describe(response) -> str:
    """What a refused request said: the redirect, the API's error or the form's message."""
    if 300 <= response.status_code < 400:
        return response.headers.get("Location", "")
    text = response.text or ""
    if text.startswith("{"):
        return text[:200]
    found = re.findall(
        r'class="(?:invalid-feedback|alert alert-danger)[^"]*"[^>]*>(.*?)</', text, re.S
    )
    return " | ".join(re.sub(r"\s+", " ", f).strip() for f in found)[:200] or text[:120]


# --- Figures ------------------------------------------------------------------------------------


def summarise(samples, start: float, end: float) -> dict:
    """Per page: n, errors, p50/p95/max (ms, wall time at the client) of the requests that
    began in [start, end); totals, requests/s and the distinct errors."""
    by_name: dict[str, list] = {}
    errors: dict[str, int] = {}
    for name, began, ms, error, _status in samples:
        if not start <= began < end:
            continue
        by_name.setdefault(name, []).append((ms, error))
        if error:
            errors[error] = errors.get(error, 0) + 1
    pages = {}
    for name in sorted(by_name, key=lambda n: (list(PAGES).index(n) if n in PAGES else 99, n)):
        rows = by_name[name]
        ok = [ms for ms, error in rows if error is None]
        kind = PAGES.get(name, "read")
        p95 = round(common.percentile(ok, 95), 1) if ok else None
        pages[name] = {
            "kind": kind,
            "n": len(rows),
            "errors": len(rows) - len(ok),
            "p50_ms": round(common.percentile(ok, 50), 1) if ok else None,
            "p95_ms": p95,
            "max_ms": round(max(ok), 1) if ok else None,
            "budget_ms": BUDGET_MS[kind],
            # Within its budget; its errors count against the no-error target.
            "ok": p95 is not None and p95 <= BUDGET_MS[kind],
        }
    total = sum(p["n"] for p in pages.values())
    return {
        "seconds": round(end - start, 1),
        "requests": total,
        "per_second": round(total / (end - start), 1) if end > start else None,
        "errors": sum(p["errors"] for p in pages.values()),
        "error_samples": dict(sorted(errors.items(), key=lambda kv: -kv[1])[:10]),
        "pages": pages,
    }


def print_pages(summary: dict) -> None:
    print(f"    {'page':<36}{'kind':<9}{'n':>6}{'err':>5}{'p50':>9}{'p95':>9}{'max':>9}  budget")
    for name, p in summary["pages"].items():
        mark = "ok" if p["ok"] else "MISS"
        print(
            f"    {name:<36}{p['kind']:<9}{p['n']:>6}{p['errors']:>5}{p['p50_ms'] or '-':>9}"
            f"{p['p95_ms'] or '-':>9}{p['max_ms'] or '-':>9}  {p['budget_ms']:.0f} {mark}"
        )


def log_lines(log: Path, since: int, pattern: str = r"(ERROR|Traceback|CRITICAL|WARNING)") -> list:
    """The server log's warnings, errors and tracebacks written after byte ``since``."""
    with log.open("rb") as handle:
        handle.seek(since)
        text = handle.read().decode("utf-8", "replace")
    return [line for line in text.splitlines() if re.search(pattern, line)][:40]


def status_counts(log: Path, since: int) -> dict:
    """Answers by status in the access log written after byte ``since``."""
    counts: dict[str, int] = {}
    with log.open("rb") as handle:
        handle.seek(since)
        for line in handle.read().decode("utf-8", "replace").splitlines():
            found = re.search(r'" (\d{3}) ', line)
            if found:
                counts[found.group(1)] = counts.get(found.group(1), 0) + 1
    return dict(sorted(counts.items()))


# --- Rows the run adds, and taking them away ----------------------------------------------------


def high_water() -> dict:
    from gongzhi.core.models import AuditLog
    from gongzhi.demands.models import Demand
    from gongzhi.residents.models import Resident

    def top(model):
        return model.objects.order_by("-id").values_list("id", flat=True).first() or 0

    return {"resident": top(Resident), "demand": top(Demand), "audit": top(AuditLog)}


def clean_up(before: dict) -> dict:
    """Delete the residents added after ``before`` (the imports) and the demands the load
    accounts recorded, as bench_residents and bench_demands do; the audit log stays."""
    from django.db import transaction

    from gongzhi.demands.models import Demand
    from gongzhi.residents.models import Resident, ResidentMove, ResidentTag

    with transaction.atomic():
        ResidentTag.objects.filter(resident_id__gt=before["resident"]).delete()
        ResidentMove.objects.filter(resident_id__gt=before["resident"]).delete()
        residents = Resident.objects.filter(id__gt=before["resident"])._raw_delete(
            Resident.objects.db
        )
    demands, _by_model = Demand.objects.filter(
        created_by__username__startswith="load_", id__gt=before["demand"]
    ).delete()
    return {"residents_deleted": residents, "demand_rows_deleted": demands}


# --- 1. The busy office --------------------------------------------------------------------------


def office(args, log: Path) -> dict:
    from gongzhi.areas.models import Area
    from gongzhi.residents.models import Resident

    plan = make_plan(args, "o", args.users)
    street = Area.objects.get(pk=plan["streets"][0])
    actor = import_actor(args, "o", street)
    before = high_water()
    result: dict = {"users": args.users, "minutes": args.minutes, "import_rows": args.import_rows}
    with tempfile.TemporaryDirectory(prefix="gongzhi-load-") as tmp:
        workbook = Path(tmp) / "census.xlsx"
        print(f"  census workbook of {args.import_rows:,} rows for {street.name} …", flush=True)
        write_census(workbook, street, args.import_rows, serial=3)
        server = Server(args, log)
        since = log.stat().st_size
        importer = PageImport(server.base, actor, workbook)
        state: dict = {}

        def on_line(line: str, stop_file: str) -> None:
            if line.startswith("READY"):
                state["t0"] = float(line.split()[1])
                state["cpu0"] = server.cpu_seconds()
                state["db0"] = db_cpu()
                importer.start()
                threading.Thread(target=stopper, args=(stop_file,), daemon=True).start()

        def stopper(stop_file: str) -> None:
            time.sleep(args.minutes * 60)
            importer.join(timeout=3600)
            state["cpu1"], state["db1"] = server.cpu_seconds(), db_cpu()
            Path(stop_file).touch()

        try:
            out = run_locust(
                server,
                {
                    "mode": "office",
                    "think": True,
                    "users": args.users,
                    "spawn_rate": 2,
                    "max_seconds": args.minutes * 60 + 3600,
                    "pg": args.db == "pg",
                    **plan,
                },
                log,
                on_line,
            )
        finally:
            server.stop()
        t0, t1 = out["windows"]["office"]
        summary = summarise(out["samples"], t0, t1)
        sign_ins = summarise(out["samples"], 0, t1)
        summary["sign_in"] = {k: v for k, v in sign_ins["pages"].items() if k.startswith("sign-in")}
        if importer.started:
            during = summarise(out["samples"], importer.started, importer.ended or t1)
            summary["while_importing"] = {
                k: during[k] for k in ("seconds", "requests", "per_second", "errors")
            }
            summary["while_importing"]["read_p95_ms"] = round(
                common.percentile(
                    [
                        s[2]
                        for s in out["samples"]
                        if importer.started <= s[1] < (importer.ended or t1)
                        and s[3] is None
                        and PAGES.get(s[0]) == "read"
                    ],
                    95,
                ),
                1,
            )
        written = Resident.objects.filter(id__gt=before["resident"]).count()
        result.update(
            signed_in=out["signed_in"],
            sign_in_failed=out["sign_in_failed"],
            window=summary,
            import_result={**importer.result, "rows_in_database": written},
            server_cpu_seconds=round(state["cpu1"] - state["cpu0"], 1)
            if state.get("cpu1") is not None and state.get("cpu0") is not None
            else None,
            database_cpu_seconds=round(state["db1"] - state["db0"], 1)
            if state.get("db1") is not None
            else None,
            client_cpu_seconds=out["client_cpu_seconds"],
            server_answers=status_counts(log, since),
            server_log=log_lines(log, since),
            server=" ".join(server.command[1:]),
        )
    result["cleanup"] = clean_up(before)
    return result


def db_cpu() -> float | None:
    import bench_demands

    return bench_demands.database_cpu_seconds()


# --- 2. Saturation ------------------------------------------------------------------------------


def saturation(args, log: Path) -> dict:
    plan = make_plan(args, "s", max(args.steps))
    before = high_water()
    server = Server(args, log)
    since = log.stat().st_size
    try:
        out = run_locust(
            server,
            {
                "mode": "saturation",
                "think": False,
                "steps": args.steps,
                "step_seconds": args.step_seconds,
                "spawn_rate": 4,
                "pg": args.db == "pg",
                **plan,
            },
            log,
        )
    finally:
        server.stop()
    steps = []
    for step in out["steps"]:
        figures = summarise(out["samples"], *step["window"])
        reads = [
            s[2]
            for s in out["samples"]
            if step["window"][0] <= s[1] < step["window"][1] and s[3] is None
        ]
        n = figures["requests"] - figures["errors"]
        steps.append(
            {
                **{k: v for k, v in step.items() if k != "window"},
                "per_second": round(n / figures["seconds"], 1),
                "p50_ms": round(common.percentile(reads, 50), 1),
                "p95_ms": round(common.percentile(reads, 95), 1),
                "server_cpu_ms_per_request": round(step["server_cpu_seconds"] / n * 1000, 1)
                if n
                else None,
                "error_samples": figures["error_samples"],
                "pages_p95_ms": {k: p["p95_ms"] for k, p in figures["pages"].items()},
            }
        )
    peak = max(steps, key=lambda s: s["per_second"]) if steps else None
    return {
        "steps": steps,
        "peak": peak,
        "stopped_growing": len(steps) < len(args.steps),
        "server_answers": status_counts(log, since),
        "server_log": log_lines(log, since),
        "cleanup": clean_up(before),
    }


# --- 3. kill -9 mid-import, and 4. backup → restore -------------------------------------------------


class Burst(threading.Thread):
    """One community desk taking demands through their steps through the API as fast as it
    can (create, classify, handle itself, answer) until told to stop; what the server
    acknowledged last for each demand is kept."""

    def __init__(self, base: str, account: dict, plan: dict, stop: threading.Event):
        super().__init__(daemon=True)
        self.base, self.account, self.plan, self.stop = base, account, plan, stop
        self.acknowledged: dict[int, tuple[int, str]] = {}
        self.errors: list[str] = []
        self.requests = 0

    def run(self):
        import requests

        community = self.plan["communities"][self.account["community"]]
        category = self.plan["category_self"] or self.plan["category_any"][0]
        try:
            session = sign_in(self.base, self.account, PASSWORD)
        except (SystemExit, requests.RequestException) as exc:
            self.errors.append(f"sign-in: {exc}")
            return
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                title, content = TEXTS[n % len(TEXTS)]
                r = session.post(
                    f"{self.base}/api/v1/demands",
                    json={
                        "area_id": community["id"],
                        "title": f"{title}（{MARKER}{self.account['username'][5:]}-{n}）",
                        "content": content,
                        "channel": "phone",
                        "requester_kind": "anonymous",
                    },
                    headers=api_headers(
                        session, f"burst-{self.account['username']}-{n}-{time.time()}"
                    ),
                    timeout=60,
                )
                self.requests += 1
                if r.status_code != 201:
                    self.errors.append(f"create {r.status_code} {r.text[:120]}")
                    continue
                pk, version = r.json()["id"], r.json()["version"]
                self.acknowledged[pk] = (version, "received")
                for action, body, status in (
                    ("classify", {"category_id": category}, "classified"),
                    ("handle_self", {}, "accepted"),
                    ("answer", {"text": "已处理。", "resolved": True}, "answered"),
                ):
                    r = session.post(
                        f"{self.base}/api/v1/demands/{pk}/{action}",
                        json={"version": version, **body},
                        headers=api_headers(session),
                        timeout=60,
                    )
                    self.requests += 1
                    if r.status_code != 200:
                        self.errors.append(f"{action} {r.status_code} {r.text[:120]}")
                        break
                    version = r.json()["version"]
                    self.acknowledged[pk] = (version, status)
            except requests.RequestException as exc:
                self.errors.append(f"connection: {type(exc).__name__}")
                return


def demand_consistency(since_id: int) -> dict:
    """Every demand's status against its last event that names a status (a full scan of
    the demands and their events), and for the demands made after ``since_id``: one event
    per version (a transition writes both in one transaction)."""
    from django.db import connection
    from django.db.models import Count, Q

    from gongzhi.demands.models import Demand

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT d.id, d.status, e.to_status FROM demands_demand d
            LEFT JOIN (SELECT demand_id, max(id) AS last FROM demands_demandevent
                       WHERE to_status <> '' GROUP BY demand_id) l ON l.demand_id = d.id
            LEFT JOIN demands_demandevent e ON e.id = l.last
            WHERE e.to_status IS NULL OR e.to_status <> d.status
            """
        )
        mismatched = cursor.fetchall()
    recent = Demand.objects.filter(id__gt=since_id).annotate(
        events_n=Count("events", filter=~Q(events__action="merged_in"))
    )
    bad_versions = [(d.pk, d.version, d.events_n) for d in recent if d.version != d.events_n]
    return {
        "demands_checked": Demand.objects.count(),
        "status_differs_from_last_event": len(mismatched),
        "mismatch_samples": mismatched[:10],
        "recent_demands": recent.count(),
        "recent_version_not_event_count": len(bad_versions),
        "recent_samples": bad_versions[:10],
        "seconds": round(time.perf_counter() - started, 1),
        "ok": not mismatched and not bad_versions,
    }


def chain_since(first_id: int) -> dict:
    """The audit chain from record ``first_id`` on, checked as audit_verify does (each
    record's keyed hash, and its link to the one before): tells what a crash did from what
    was there before the run."""
    from gongzhi.core import audit
    from gongzhi.core.models import AuditLog

    prev = (
        AuditLog.objects.filter(id__lt=first_id).order_by("-id").values_list("hash", flat=True)
    ).first() or ""
    checked, broken = 0, None
    for row in AuditLog.objects.filter(id__gte=first_id).order_by("id").iterator(chunk_size=2000):
        if row.prev_hash != prev or audit.compute_hash(row) != row.hash:
            broken = row.id
            break
        prev = row.hash
        checked += 1
    return {"from_id": first_id, "checked": checked, "first_broken": broken, "ok": broken is None}


def gongzhi(*command, timeout: float = 7200) -> dict:
    """A ``gongzhi`` command on the bench database: exit code, output tail, seconds."""
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [str(common.PROJECT / ".venv" / "bin" / "gongzhi"), *command],
        env=server_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return {
        "command": "gongzhi " + " ".join(command),
        "exit_code": done.returncode,
        "output": (done.stdout + done.stderr).strip()[-1500:],
        "seconds": round(time.perf_counter() - started, 1),
    }


def faults(args, log: Path) -> dict:
    from gongzhi.areas.models import Area
    from gongzhi.core import audit
    from gongzhi.core.models import AuditLog
    from gongzhi.residents.models import Resident, ResidentMove
    from gongzhi.residents.services import BULK_BATCH

    plan = make_plan(args, "f", 10)
    desks = [a for a in plan["accounts"] if a["role"] == "staff"][:3]
    street = Area.objects.get(pk=plan["streets"][0])
    actor = import_actor(args, "f", street)
    before = high_water()
    result: dict = {"import_rows": args.import_rows, "batch_rows": BULK_BATCH}
    with tempfile.TemporaryDirectory(prefix="gongzhi-load-") as tmp:
        workbook = Path(tmp) / "census.xlsx"
        print(f"  census workbook of {args.import_rows:,} rows …", flush=True)
        write_census(workbook, street, args.import_rows, serial=5)
        # A checkpoint of the audit chain's head, so that audit_verify after the crash also
        # proves the newest records before it are still there.
        result["checkpoint_before"] = audit.write_checkpoint()
        server = Server(args, log)
        since = log.stat().st_size
        importer = PageImport(server.base, actor, workbook)
        stop = threading.Event()
        bursts = [Burst(server.base, account, plan, stop) for account in desks]
        importer.start()
        for burst in bursts:
            burst.start()
        # Kill once some of the import's batches are committed and some are not.
        target = max(1, min(args.import_rows - 1, int(args.import_rows * 0.4)))
        deadline = time.monotonic() + 1800
        seen = 0
        while time.monotonic() < deadline and importer.is_alive():
            seen = Resident.objects.filter(id__gt=before["resident"]).count()
            if seen >= target:
                break
            time.sleep(0.05)
        import_alive = importer.is_alive()
        acknowledged_before_kill = sum(len(b.acknowledged) for b in bursts)
        killed_at = time.time()
        members = server.kill9()
        stop.set()
        importer.join(timeout=120)
        for burst in bursts:
            burst.join(timeout=120)
        result["kill"] = {
            "import_running": import_alive,
            "rows_seen_before_kill": seen,
            "processes_killed": len(members),
            "left_in_group": group_members(server.pgid),
            "seconds_after_upload": round(killed_at - (importer.started or killed_at), 1),
            "burst_demands_acknowledged": acknowledged_before_kill,
            "burst_requests": sum(b.requests for b in bursts),
            "burst_errors_before_kill": [
                e for b in bursts for e in b.errors if "connection" not in e
            ][:5],
            "import_client": importer.result,
        }
        print(f"  kill -9 at {seen:,} rows: {result['kill']}", flush=True)

        # Restart and look: the database first, then as a user.
        restarted = Server(args, log)
        result["restart_seconds"] = restarted.ready_seconds
        try:
            rows = Resident.objects.filter(id__gt=before["resident"])
            kept = rows.count()
            moves = ResidentMove.objects.filter(resident_id__gt=before["resident"]).count()
            imported_records = AuditLog.objects.filter(
                id__gt=before["audit"], action="residents.resident.imported"
            ).count()
            result["import_after_restart"] = {
                "rows_expected": args.import_rows,
                "rows_in_database": kept,
                "whole_batches": kept // BULK_BATCH if kept else 0,
                "moves_in_database": moves,
                "audit_records_of_the_import": imported_records,
                "all_or_nothing": kept in (0, args.import_rows),
                "every_row_has_its_move": moves == kept,
            }
            acknowledged = {pk: s for b in bursts for pk, s in b.acknowledged.items()}
            from gongzhi.demands.models import Demand

            behind = []
            for pk, version, _status in Demand.objects.filter(
                pk__in=list(acknowledged)
            ).values_list("id", "version", "status"):
                if version < acknowledged[pk][0]:
                    behind.append((pk, version, acknowledged[pk]))
            result["demands_after_restart"] = {
                **demand_consistency(before["demand"]),
                "acknowledged_demands": len(acknowledged),
                "acknowledged_but_lost": len(behind)
                + len(
                    set(acknowledged)
                    - set(
                        Demand.objects.filter(pk__in=list(acknowledged)).values_list(
                            "id", flat=True
                        )
                    )
                ),
                "lost_samples": behind[:5],
            }
            result["audit_verify"] = gongzhi("audit_verify")
            # The chain from the checkpoint written before the crash on (audit_verify above
            # stops at the first break, which may be older than this run).
            checkpoint = result["checkpoint_before"] or {}
            result["audit_chain_since_checkpoint"] = chain_since(
                checkpoint.get("id") or before["audit"] + 1
            )
            try:
                page = sign_in(restarted.base, desks[0], PASSWORD).get(
                    f"{restarted.base}/demands/inbox/", timeout=60
                )
                result["signed_in_page_after_restart"] = page.status_code
            except (SystemExit, OSError) as exc:
                result["signed_in_page_after_restart"] = f"{type(exc).__name__}: {exc}"
            # What a user who tries again meets: the same file, all or nothing, then only
            # the valid rows.
            again = PageImport(restarted.base, actor, workbook)
            again.run()
            result["import_again"] = again.result
            result["rows_after_import_again"] = Resident.objects.filter(
                id__gt=before["resident"]
            ).count()
            if result["rows_after_import_again"] != args.import_rows:
                partial = PageImport(restarted.base, actor, workbook, partial=True)
                partial.run()
                result["import_again_valid_rows_only"] = partial.result
                result["rows_after_valid_rows_only"] = Resident.objects.filter(
                    id__gt=before["resident"]
                ).count()
        finally:
            restarted.stop()
    result["server_answers"] = status_counts(log, since)
    result["server_log"] = log_lines(log, since)
    result["cleanup"] = clean_up(before)
    return result


def table_checksums(tables=None, audit_upto: int | None = None) -> dict:
    """PostgreSQL: {table: [rows, checksum]} for every table of the public schema (the sum
    of the first 60 bits of each row's md5: order-free, one pass), and the sequences."""
    from django.db import connection

    with connection.cursor() as cursor:
        if tables is None:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            tables = [row[0] for row in cursor.fetchall()]
        sums = {}
        for table in tables:
            where = (
                f" WHERE id <= {int(audit_upto)}" if table == "core_auditlog" and audit_upto else ""
            )
            cursor.execute(
                f"SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0) FROM \"{table}\" t{where}"  # noqa: S608 (names from the catalog)
            )
            count, total = cursor.fetchone()
            sums[table] = [count, str(total)]
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
        )
        sums["sequences"] = dict(cursor.fetchall())
    return sums


def backup_restore(args) -> dict:
    """``gongzhi backup``, a change, ``gongzhi restore``: every table's rows (count and
    checksum) and the sequences compared with before the backup. The web server is not
    running (docs/deploy.md: stop it for a restore)."""
    from django.db import connection

    from gongzhi.accounts.models import User
    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area, Household
    from gongzhi.core.models import AuditLog
    from gongzhi.demands import services as demand_services

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        others = cursor.fetchone()[0]
    if others:
        return {
            "skipped": f"{others} other connection(s) to the database: a restore would "
            "drop tables under someone else's run"
        }
    result: dict = {}
    started = time.perf_counter()
    before = table_checksums()
    result["checksum_seconds"] = round(time.perf_counter() - started, 1)
    audit_top = AuditLog.objects.order_by("-id").values_list("id", flat=True).first()
    with tempfile.TemporaryDirectory(prefix="gongzhi-load-") as tmp:
        dump = Path(tmp) / "load.pgdump"
        result["backup"] = gongzhi("backup", "--output", str(dump))
        result["backup_bytes"] = dump.stat().st_size if dump.exists() else None
        # Change something: a demand recorded through the services, a household edited.
        user = User.objects.filter(username__startswith="load_f").order_by("id").first()
        district = Area.objects.get(code=DISTRICT_CODE)
        community = (
            Area.objects.filter(path__under=district.path, level=Level.COMMUNITY)
            .order_by("code")
            .first()
        )
        demand = demand_services.create_demand(
            actor=user,
            area=community,
            title=f"备份后的改动（{MARKER}）",
            content="恢复后应当消失。",
            channel="phone",
            requester_kind="anonymous",
        )
        household = Household.objects.filter(path__under=community.path).order_by("id").first()
        Household.objects.filter(pk=household.pk).update(door_number=household.door_number + "改")
        changed = table_checksums(["demands_demand", "demands_demandevent", "areas_household"])
        result["change"] = {
            "demand": demand.pk,
            "household": household.pk,
            "tables_that_differ": [
                t for t, v in changed.items() if t != "sequences" and v != before[t]
            ],
        }
        connection.close()
        result["restore"] = gongzhi("restore", "--yes", str(dump))
    after = table_checksums(audit_upto=audit_top)
    differ = [
        t for t in before if t not in ("sequences", "core_auditlog") and before[t] != after.get(t)
    ]
    new_audit = list(
        AuditLog.objects.filter(id__gt=audit_top).values_list("id", "action").order_by("id")
    )
    sequences = {
        name: [value, after["sequences"].get(name)]
        for name, value in before["sequences"].items()
        if after["sequences"].get(name) != value
    }
    result.update(
        tables=len(before) - 1,
        rows=sum(v[0] for t, v in before.items() if t != "sequences"),
        tables_that_differ=differ,
        audit_log_up_to_backup_identical=after["core_auditlog"] == before["core_auditlog"],
        audit_records_after_restore=new_audit,
        sequences_that_differ=sequences,
        audit_verify=gongzhi("audit_verify"),
        identical=not differ and after["core_auditlog"] == before["core_auditlog"],
    )
    return result


# --- Main ----------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child_locust:
        return locust_child(args.child_locust)
    code = source(args)
    with database(args) as db:
        checkpoints = private_checkpoints()
        machine = common.start()
        print(
            f"Load and faults on {machine['database']} (load average {machine['loadavg']}), "
            f"var {common.bench_var_dir()}, code: {code['source']}",
            flush=True,
        )
        district = ensure_district(args)
        suffix = "-quick" if args.quick else ""
        log = common.bench_var_dir() / f"load-server{suffix}.log"
        log.write_text("")
        result: dict = {
            "benchmark": "load",
            "quick": args.quick,
            "machine_before": machine,
            "district": {k: district.get(k) for k in ("residents", "reused", "counts")},
            "database": db,
            "code": code,
            "audit_checkpoints": checkpoints,
            "budgets_ms": BUDGET_MS,
            "server_log": str(log),
        }
        targets: dict = {}
        # A run of some of the parts writes beside the full run's figures, not over them.
        parts = [
            part
            for part, on in (
                ("office", not args.skip_office),
                ("saturation", args.saturation),
                ("faults", args.faults),
            )
            if on
        ]
        name = f"load-{args.db}{suffix}" + ("" if len(parts) == 3 else "-" + "-".join(parts))

        def part(key: str, function, *more) -> dict | None:
            """Run one part; if it fails, say so, take its rows away and go on."""
            before = high_water()
            try:
                result[key] = function(args, *more)
            except (Exception, SystemExit) as exc:  # noqa: BLE001 (reported, then the next part)
                result[key] = {"failed": f"{type(exc).__name__}: {exc}"[:1000]}
                targets[f"{key}_ran"] = {
                    "value": result[key]["failed"],
                    "target": "ran",
                    "ok": False,
                }
                print(f"  {key} FAILED: {result[key]['failed']}", flush=True)
                result[key]["cleanup_after_failure"] = clean_up(before)
                return None
            finally:
                common.write_result(name, {**result, "targets": targets, "partial": True})
            return result[key]

        if not args.skip_office:
            print(f"Busy office: {args.users} users for {args.minutes} min …", flush=True)
            figures = part("office", office, log)
        if not args.skip_office and figures:
            window = figures["window"]
            print_pages(window)
            targets["office_no_errors"] = {
                "value": window["errors"] + figures["sign_in_failed"],
                "target": 0,
                "ok": window["errors"] + figures["sign_in_failed"] == 0,
            }
            missed = [n for n, p in window["pages"].items() if not p["ok"]]
            targets["office_every_page_within_budget"] = {
                "value": missed or "all",
                "target": "p95 within budget",
                "ok": not missed,
            }
            sign_in_missed = [n for n, p in window["sign_in"].items() if not p["ok"]]
            targets["office_sign_in_within_budget"] = {
                "value": sign_in_missed or "all",
                "target": f"p95 ≤ {BUDGET_MS['sign-in']:.0f} ms",
                "ok": not sign_in_missed,
            }
            imported = figures["import_result"]
            done = imported.get("rows_in_database") == args.import_rows
            targets["office_import_complete"] = {
                "value": imported.get("rows_in_database"),
                "target": args.import_rows,
                "ok": done,
            }
            if done and not args.quick:
                targets["office_import_seconds"] = common.target(
                    imported.get("seconds"), IMPORT_BUDGET_S, unit="s"
                )
        if args.saturation:
            print(f"Saturation: steps {args.steps}, {args.step_seconds} s each …", flush=True)
            sat = part("saturation", saturation, log) or {"steps": [], "peak": None}
            for step in sat["steps"]:
                print(
                    f"    {step['users']:>4} users: {step['per_second']:>6} req/s, p50 "
                    f"{step['p50_ms']} ms, p95 {step['p95_ms']} ms, errors {step['errors']}, "
                    f"server CPU {step['server_cpu_ms_per_request']} ms/request"
                )
            if sat["peak"]:
                targets["saturation_per_second_aim"] = common.target(
                    sat["peak"]["per_second"], SATURATION_AIM, unit="/s", higher_is_worse=False
                )
        if args.faults:
            print("Faults: kill -9 mid-import …", flush=True)
            fault = part("faults", faults, log) or {}
            after = fault.get("import_after_restart", {})
            targets["kill9_import_all_or_nothing"] = {
                "value": f"{after.get('rows_in_database')} of {after.get('rows_expected')} rows",
                "target": "all or none",
                "ok": bool(after.get("all_or_nothing")),
            }
            demands = fault.get("demands_after_restart", {})
            targets["kill9_demands_consistent"] = {
                "value": {
                    "status_not_last_event": demands.get("status_differs_from_last_event"),
                    "version_not_event_count": demands.get("recent_version_not_event_count"),
                    "acknowledged_but_lost": demands.get("acknowledged_but_lost"),
                },
                "target": "0, 0, 0",
                "ok": bool(demands.get("ok")) and demands.get("acknowledged_but_lost") == 0,
            }
            targets["kill9_audit_verify"] = {
                "value": fault.get("audit_verify", {}).get("exit_code"),
                "target": 0,
                "ok": fault.get("audit_verify", {}).get("exit_code") == 0,
            }
            segment = fault.get("audit_chain_since_checkpoint", {})
            targets["kill9_audit_chain_since_checkpoint"] = {
                "value": f"{segment.get('checked')} records, first broken {segment.get('first_broken')}",
                "target": "none broken",
                "ok": bool(segment.get("ok")),
            }
            if args.db == "pg":
                print("Backup → change → restore …", flush=True)
                restore = part("backup_restore", backup_restore) or {"skipped": "failed"}
                if "skipped" not in restore:
                    targets["restore_identical_row_for_row"] = {
                        "value": restore["tables_that_differ"] or "identical",
                        "target": "identical",
                        "ok": restore["identical"],
                    }
        result["machine_after"] = common.machine()
        result["targets"] = targets
        path = common.write_result(name, result)
    print("\nTargets:")
    for name, t in targets.items():
        print(f"  {'ok  ' if t['ok'] else 'MISS'} {name}: {t['value']} (target {t['target']})")
    print(f"\nWritten to {path.relative_to(common.PROJECT)}; server log {log}")
    if any(key.endswith("_ran") for key in targets):
        return 1  # a part failed: the script's failure, not a missed target
    return 0 if all(t["ok"] for t in targets.values()) else common.TARGET_MISSED


if __name__ == "__main__":
    sys.exit(main())
