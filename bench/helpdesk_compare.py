"""The same ticket workload against Gongzhi and django-helpdesk, side by side.

    .venv/bin/python bench/helpdesk_compare.py [--tickets 100000] [--json OUT]

django-helpdesk is installed from PyPI into its own virtualenv (/tmp/helpdesk-venv) with a
small Django project of its own, created by this script in a work directory outside the
repository (/tmp/gongzhi-helpdesk-bench: its SQLite database and a Gongzhi var directory
with a synthetic district of the same number of cases). Both load the same Chinese texts
(demands.corpus). Each side then runs, in its own process, through the Django test client
and the whole middleware stack, as an all-powerful staff user:

* list    — the open cases, first page (helpdesk: the list page and its DataTables JSON
            request, as the browser makes them; Gongzhi: /demands/?status=…)
* search  — a Chinese word in title and text (helpdesk: ``search_string``, icontains;
            Gongzhi: the bigram full-text index)
* detail  — one case with its history
* create  — the staff form's POST (helpdesk: /tickets/submit/; Gongzhi: /demands/intake/)
* status  — a status change with a comment (helpdesk: /tickets/<id>/update/ resolving;
            Gongzhi: /demands/<id>/answer/)

and prints p50/p95 per operation; the speed-up is helpdesk's p95 over Gongzhi's. Only
this file is ours: helpdesk's code stays in its virtualenv.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from common import percentile

PROJECT = Path(__file__).resolve().parent.parent
# Outside the repository on purpose (another project's code and data), under /tmp.
VENV = Path(os.environ.get("HELPDESK_VENV", "/tmp/helpdesk-venv"))  # noqa: S108
WORK = Path(os.environ.get("HELPDESK_WORK", "/tmp/gongzhi-helpdesk-bench"))  # noqa: S108
HELPDESK_VERSION = "2.6.1"
OPERATIONS = ("list", "search", "detail", "create", "status_change")
WORDS = ["漏水", "楼道灯", "停车难", "电梯困人", "清运", "广场舞", "违建", "停水"]
ROUNDS = int(os.environ.get("HELPDESK_ROUNDS", "100"))

SETTINGS = """
from pathlib import Path
BASE = Path(__file__).resolve().parent
SECRET_KEY = "helpdesk-benchmark-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize", "rest_framework", "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "hdproject.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.debug", "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages"]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE / "helpdesk.sqlite3",
             "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}}
SITE_ID = 1
STATIC_URL = "/static/"
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
HELPDESK_SHOW_CHANGE_PASSWORD = False
HELPDESK_TEAMS_MODE_ENABLED = False  # no pinax-teams: teams are an optional extra
LOGGING = {"version": 1, "disable_existing_loggers": True}
"""
URLS = """
from django.contrib import admin
from django.urls import include, path
urlpatterns = [
    path("admin/", admin.site.urls),  # helpdesk links a submitter's account to its admin page
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
"""


# --- Shared by both sides -----------------------------------------------------------------------


def summary(samples):
    ms = [s * 1000 for s in samples]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "mean_ms": round(sum(ms) / len(ms), 1),
    }


def run_workload(operations: dict, client) -> dict:
    """``operations``: name → callable(i) doing one operation (asserting its answer).
    One warm-up each, then ROUNDS rounds, interleaved. Before each operation, untimed,
    the client drops the messages cookie, as a browser's next page would have consumed
    the flash message ("受理成功…") that a write left for it: otherwise they pile up in
    the cookie (4 KB, re-signed on every request) because the test client never follows
    the redirect."""
    samples = {name: [] for name in operations}
    for op in operations.values():
        op(-1)
    for i in range(ROUNDS):
        for name, op in operations.items():
            client.cookies.pop("messages", None)
            started = time.perf_counter()
            op(i)
            samples[name].append(time.perf_counter() - started)
    return {name: summary(values) for name, values in samples.items()}


def check(response, status=200):
    if response.status_code != status:
        raise SystemExit(f"{response.request['PATH_INFO']} answered {response.status_code}")
    return response


# --- django-helpdesk ------------------------------------------------------------------------------


def side_helpdesk(texts_file: Path, tickets: int) -> dict:
    sys.path.insert(0, str(WORK))
    os.environ["DJANGO_SETTINGS_MODULE"] = "hdproject.settings"
    import django

    django.setup()
    from base64 import b64encode
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone
    from helpdesk.models import FollowUp, Queue, Ticket

    call_command("migrate", verbosity=0)
    user_model = get_user_model()
    staff = user_model.objects.filter(username="bench").first()
    if staff is None:
        staff = user_model.objects.create_superuser("bench", "bench@example.org", "bench")
    started = time.perf_counter()
    loaded = Ticket.objects.count()
    if loaded < tickets:
        queue = Queue.objects.first() or Queue.objects.create(
            title="社区诉求", slug="demands", allow_public_submission=True
        )
        rng = random.Random(3)
        now = timezone.now()
        rows = [json.loads(line) for line in texts_file.read_text().splitlines()]
        batch, follow = [], []
        for i, (title, content) in enumerate(rows[loaded:tickets], start=loaded):
            created = now - timedelta(minutes=(tickets - i) * 15)
            status = rng.choices([1, 2, 3, 4], weights=[2, 1, 3, 94])[0]
            batch.append(
                Ticket(
                    title=title,
                    description=content,
                    queue=queue,
                    created=created,
                    modified=created,
                    status=status,
                    priority=3,
                    submitter_email=f"r{i}@example.org",
                    assigned_to=staff,
                    secret_key=f"k{i:09d}",
                )
            )
            if len(batch) == 5000:
                made = Ticket.objects.bulk_create(batch)
                follow += [
                    FollowUp(
                        ticket=t, title="已处理", comment="已处理", date=t.created, public=True
                    )
                    for t in made
                    if t.status in (3, 4)
                ]
                FollowUp.objects.bulk_create(follow)
                batch, follow = [], []
        if batch:
            made = Ticket.objects.bulk_create(batch)
            FollowUp.objects.bulk_create(
                [
                    FollowUp(
                        ticket=t, title="已处理", comment="已处理", date=t.created, public=True
                    )
                    for t in made
                    if t.status in (3, 4)
                ]
            )
    load_seconds = time.perf_counter() - started
    queue = Queue.objects.first()
    client = Client()
    client.force_login(staff)
    open_ids = list(
        Ticket.objects.filter(status=1).order_by("-id").values_list("id", flat=True)[:200]
    )
    all_ids = list(Ticket.objects.order_by("?").values_list("id", flat=True)[:200])

    def b64(query):
        return b64encode(json.dumps(query).encode()).decode()

    open_query = b64(
        {
            "filtering": {"status__in": [1, 2]},
            "sorting": "created",
            "sortreverse": True,
            "search_string": "",
        }
    )

    def listing(i):
        check(client.get("/tickets/"))
        response = check(
            client.get(
                f"/datatables_ticket_list/{open_query}", {"draw": 1, "start": 0, "length": 25}
            )
        )
        assert response.json()["data"], "empty list"

    def search(i):
        word = WORDS[i % len(WORDS)]
        query = b64(
            {"filtering": {}, "sorting": "created", "sortreverse": True, "search_string": word}
        )
        check(client.get("/tickets/", {"q": word}))
        response = check(
            client.get(f"/datatables_ticket_list/{query}", {"draw": 1, "start": 0, "length": 25})
        )
        assert response.json()["recordsFiltered"] > 0, word

    def detail(i):
        check(client.get(f"/tickets/{all_ids[i % len(all_ids)]}/"))

    def create(i):
        response = client.post(
            "/tickets/submit/",
            {
                "queue": queue.pk,
                "title": "小区停车难",
                "body": f"基准测试第{i}条：晚上车位不够，消防通道被占。",
                "priority": 3,
                "submitter_email": "bench@example.org",
                "due_date": "",
                "assigned_to": "",
            },
        )
        check(response, 302)

    def status_change(i):
        ticket = Ticket.objects.get(pk=open_ids[i + 1])
        response = client.post(
            f"/tickets/{ticket.pk}/update/",
            {
                "queue": ticket.queue_id,
                "title": ticket.title,
                "body": ticket.description,
                "priority": ticket.priority,
                "submitter_email": ticket.submitter_email,
                "assigned_to": staff.pk,
                "owner": staff.pk,
                "due_date": "",
                "new_status": 3,
                "comment": "已答复：已处理。",
                "public": "True",
            },
        )
        if response.status_code != 302:
            form = response.context and response.context.get("form")
            raise SystemExit(f"update refused: {form.errors if form else response.status_code}")
        ticket_id = ticket.pk
        assert Ticket.objects.get(pk=ticket_id).status == 3

    result = run_workload(
        {
            "list": listing,
            "search": search,
            "detail": detail,
            "create": create,
            "status_change": status_change,
        },
        client,
    )
    return {
        "system": f"django-helpdesk {HELPDESK_VERSION} (SQLite)",
        "cases": Ticket.objects.count(),
        "load_seconds": round(load_seconds, 1),
        **result,
    }


# --- Gongzhi ------------------------------------------------------------------------------------------


def side_gongzhi(tickets: int) -> dict:
    var = WORK / "gongzhi-var"
    var.mkdir(parents=True, exist_ok=True)
    (var / "static").mkdir(exist_ok=True)
    os.environ["GONGZHI_VAR_DIR"] = str(var)
    os.environ.setdefault("GONGZHI_PLAIN_STATIC", "1")
    os.environ.setdefault("GONGZHI_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "gongzhi.settings"
    sys.path.insert(0, str(PROJECT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from gongzhi.accounts.models import User
    from gongzhi.areas import synth
    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area
    from gongzhi.core.testing import make_user, sign_in
    from gongzhi.demands.choices import Status
    from gongzhi.demands.models import Demand

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if not Area.objects.filter(code="510198").exists():
        synth.run(residents=tickets, seed=5, district_code="510198", log=print)
    load_seconds = time.perf_counter() - started
    root = User.objects.filter(username="bench_root").first() or make_user(
        "bench_root", is_superuser=True, is_staff=True
    )
    client = sign_in(Client(), root)
    area = Area.objects.filter(level=Level.GRID).order_by("id").first()
    accepted = cases_in_hand(root, area, ROUNDS + 1)
    # As in production: `gongzhi run`'s sweeper checkpoints SQLite's log off the requests
    # (core/sqlite.py). helpdesk keeps SQLite's default, automatic checkpoints.
    import threading

    from gongzhi.core.sqlite import start_checkpointer

    start_checkpointer(threading.Event())
    all_ids = list(Demand.objects.order_by("?").values_list("id", flat=True)[:200])

    def listing(i):
        response = check(client.get("/demands/", {"status": "accepted"}))
        assert b"/demands/" in response.content

    def search(i):
        word = WORDS[i % len(WORDS)]
        response = check(client.get("/demands/", {"q": word}))
        assert "没有符合条件的记录".encode() not in response.content, word

    def detail(i):
        check(client.get(f"/demands/{all_ids[i % len(all_ids)]}/"))

    def create(i):
        response = client.post(
            "/demands/intake/",
            {
                "channel": "desk",
                "area": area.pk,
                "title": "小区停车难",
                "content": f"基准测试第{i}条：晚上车位不够，消防通道被占。",
                "requester_kind": "anonymous",
            },
        )
        check(response, 302)

    def status_change(i):
        demand = Demand.objects.get(pk=accepted[i + 1])
        response = client.post(
            f"/demands/{demand.pk}/answer/",
            {
                "answer-version": demand.version,
                "answer-answer": "已答复：已处理。",
                "answer-resolved": "1",
                "answer-contacted": "on",
            },
        )
        check(response, 302)
        assert Demand.objects.get(pk=demand.pk).status == Status.ANSWERED

    result = run_workload(
        {
            "list": listing,
            "search": search,
            "detail": detail,
            "create": create,
            "status_change": status_change,
        },
        client,
    )
    return {
        "system": "Gongzhi (SQLite)",
        "cases": Demand.objects.count(),
        "load_seconds": round(load_seconds, 1),
        **result,
    }


def cases_in_hand(root, area, n: int) -> list[int]:
    """``n`` cases a handler has accepted, to answer: the district's own, topped up with
    new ones taken on by the community (each run answers some)."""
    from gongzhi.demands import services
    from gongzhi.demands.choices import Status
    from gongzhi.demands.models import Category, Demand

    def in_hand():
        return list(
            Demand.objects.filter(status__in=[Status.ACCEPTED, Status.IN_PROGRESS])
            .order_by("-id")
            .values_list("id", flat=True)[:n]
        )

    ids = in_hand()
    if len(ids) < n:
        category = Category.objects.filter(is_active=True, community_may_close=True).first()
        for i in range(n - len(ids)):
            demand = services.create_demand(
                actor=root,
                area=area,
                title="楼道灯不亮",
                content=f"补充的在办诉求{i}：三单元楼道灯坏了。",
                channel="desk",
                requester_kind="anonymous",
                category=category,
            )
            services.handle_self(demand, actor=root, version=demand.version)
        ids = in_hand()
    return ids


# --- The driver -------------------------------------------------------------------------------------


def prepare(tickets: int) -> Path:
    """The helpdesk virtualenv, its project, and the texts both sides load."""
    WORK.mkdir(parents=True, exist_ok=True)
    if not (VENV / "bin" / "python").exists():
        subprocess.check_call([sys.executable, "-m", "venv", str(VENV)])  # noqa: S603
    probe = subprocess.run(  # noqa: S603
        [str(VENV / "bin" / "python"), "-c", "import helpdesk"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        subprocess.check_call(  # noqa: S603
            [str(VENV / "bin" / "pip"), "install", "-q", f"django-helpdesk=={HELPDESK_VERSION}"]
        )
    project = WORK / "hdproject"
    project.mkdir(exist_ok=True)
    (project / "__init__.py").write_text("")
    (project / "settings.py").write_text(SETTINGS)
    (project / "urls.py").write_text(URLS)
    texts = WORK / f"texts-{tickets}.jsonl"
    if not texts.exists():
        sys.path.insert(0, str(PROJECT / "src"))
        from gongzhi.demands import corpus

        rng = random.Random(11)
        estates = ["锦绣花园", "阳光小区", "桂苑", "翠竹院落", "和园", "芳邻里", "南苑", "蜀风雅居"]
        with texts.open("w") as out:
            for _i in range(tickets):
                text = corpus.text_for(rng, corpus.pick_leaf(rng), rng.choice(estates))
                out.write(json.dumps([text.title, text.content], ensure_ascii=False) + "\n")
    return texts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--json", type=Path, help="write the result here")
    parser.add_argument("--side", choices=["helpdesk", "gongzhi"], help=argparse.SUPPRESS)
    parser.add_argument("--texts", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.side == "helpdesk":
        print(json.dumps(side_helpdesk(args.texts, args.tickets), ensure_ascii=False))
        return 0
    if args.side == "gongzhi":
        print(json.dumps(side_gongzhi(args.tickets), ensure_ascii=False))
        return 0

    texts = prepare(args.tickets)
    sides = {}
    for side, python in (("helpdesk", VENV / "bin" / "python"), ("gongzhi", Path(sys.executable))):
        print(f"{side} …", flush=True)
        out = subprocess.run(  # noqa: S603
            [
                str(python),
                __file__,
                "--side",
                side,
                "--tickets",
                str(args.tickets),
                "--texts",
                str(texts),
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=str(WORK),
        )
        if out.returncode != 0:
            print(out.stdout[-3000:], out.stderr[-3000:], file=sys.stderr)
            return 1
        sides[side] = json.loads(out.stdout.strip().splitlines()[-1])
    speedup = {
        op: round(sides["helpdesk"][op]["p95_ms"] / sides["gongzhi"][op]["p95_ms"], 1)
        for op in OPERATIONS
    }
    result = {
        "cases": args.tickets,
        "rounds": ROUNDS,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "gongzhi": sides["gongzhi"],
        "helpdesk": sides["helpdesk"],
        "speedup": speedup,
    }
    print(
        f"\n{'operation':<14} {'Gongzhi p50/p95 ms':>20} {'helpdesk p50/p95 ms':>22} {'p95 ×':>7}"
    )
    for op in OPERATIONS:
        g, h = sides["gongzhi"][op], sides["helpdesk"][op]
        print(
            f"{op:<14} {g['p50_ms']:>9} / {g['p95_ms']:>8} {h['p50_ms']:>10} / {h['p95_ms']:>9} "
            f"{speedup[op]:>7}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
