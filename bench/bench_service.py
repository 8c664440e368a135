"""In-service members and volunteering benchmark (issue 15) on the bench district: 20,000
in-service members, 400 organ units, three years of activities and about 2,000,000
hours lines (``service/synth.py``).

    .venv/bin/python bench/bench_service.py     # needs the district of bench_foundation.py
    .venv/bin/python bench/bench_service.py --only coverage,ledger

Adds the module's synthetic rows when the district has none (timed, once; a district
generated after the module arrived has them already), then measures:

* a community's pairing coverage report, ``coverage.coverage(user, community)``, as its
  secretary (and the page ``service:coverage`` when it is routed);
* a member's hours ledger, ``ledger.ledger(user, volunteer, year)``, as the community's
  secretary and as the member themself;
* 500 concurrent check-ins to one activity (``activities.check_in``, 50 threads each with
  its own database connection, 500 volunteers of the community), then 50 repeated scans:
  lines counted after, exactly 500 and no volunteer twice;
* the employer feedback reports of every in-service member of the district as a task:
  ``feedback.start`` + ``feedback.run(batch_id)``.

The coverage and ledger parts run in a transaction that is rolled back. The check-in part
must commit (the threads' connections see only committed rows): its activity, sign-ups
and lines are deleted after it; its 500 volunteers (``benchsv_ci_*``) stay for the next
run. The feedback batch and its file are deleted after the run, leaving the district
without a batch as the synth made it.
"""

import argparse
import json
import random
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

DISTRICT_CODE = "510199"
YEAR = 2026
RATING_YEAR = 2025
CHECKINS = 500
THREADS = 50
TARGETS = {
    "coverage_p95_ms": 200.0,
    "ledger_p95_ms": 50.0,
    "checkin_seconds": 60.0,
    "feedback_seconds": 600.0,
}
PARTS = ("coverage", "ledger", "checkin", "feedback")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(PARTS), help="parts, comma-separated")
    parser.add_argument("--fresh", action="store_true", help="(run_all's option: unused here)")
    return parser.parse_known_args(argv)[0]


def ensure_synth(*apps: str) -> dict:
    """The synthetic rows of ``apps`` (``service``, ``visits``), generated once on a bench
    district made before they existed (and the time it took)."""
    import importlib

    from django.db import connection, transaction

    from gongzhi.areas.models import Area, Household
    from gongzhi.areas.synth import RESIDENTS_PER_HOUSEHOLD, SynthContext
    from gongzhi.service.models import Report
    from gongzhi.visits.models import CareHousehold

    district = Area.objects.get(code=DISTRICT_CODE)
    present = {
        "service": Report.objects.filter(path__under=district.path).exists(),
        "visits": CareHousehold.objects.filter(path__under=district.path).exists(),
    }
    info = {}
    for app in apps:
        stamp = common.bench_var_dir() / f"{app}-synth.json"
        if present[app]:
            info[app] = (
                json.loads(stamp.read_text()) if stamp.exists() else {"generated": "earlier"}
            )
            continue
        module = importlib.import_module(f"gongzhi.{app}.synth")
        # The district's size, as it was generated (1,000,000 residents by default).
        households = Household.objects.filter(path__under=district.path).count()
        ctx = SynthContext(
            residents=round(households * RESIDENTS_PER_HOUSEHOLD),
            seed=1,
            district_code=DISTRICT_CODE,
            district_name=district.name,
            log=lambda line: print(line, flush=True),
            district=district,
        )
        with common.Timer() as t:
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA synchronous=OFF")
                    cursor.execute("PRAGMA cache_size=-524288")
            with transaction.atomic():
                module.synthesize(ctx)
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA optimize")
                    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    cursor.execute("PRAGMA synchronous=NORMAL")
            elif connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")
        info[app] = {
            "seconds": round(t.seconds, 1),
            "steps_s": {k: round(v, 1) for k, v in ctx.timings.items()},
            "counts": ctx.counts,
            "when": common.machine()["when"],
        }
        stamp.write_text(json.dumps(info[app], ensure_ascii=False, indent=2))
    return info


def bench_user(username, role, area):
    from gongzhi.accounts.models import User
    from gongzhi.core.testing import make_user

    return User.objects.filter(username=username).first() or make_user(username, role, area)


def busiest_communities(district, n: int) -> list:
    """The ``n`` communities with the most in-service members' reports."""
    from django.db.models import Count

    from gongzhi.areas.models import Area
    from gongzhi.service.models import Report

    top = (
        Report.objects.filter(path__under=district.path)
        .values("community")
        .annotate(n=Count("id"))
        .order_by("-n")[:n]
    )
    return list(Area.objects.filter(pk__in=[row["community"] for row in top]))


def timed(calls, warm: int) -> dict:
    """Run each call, the first ``warm`` untimed; p50/p95 of the rest."""
    times, cpu = [], []
    for i, call in enumerate(calls):
        with common.Timer() as t:
            call()
        if i >= warm:
            times.append(t.seconds)
            cpu.append(t.cpu)
    return common.summary_ms(times, cpu)


def coverage_part(district, rng) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from gongzhi.accounts.roles import Role
    from gongzhi.core.testing import sign_in
    from gongzhi.service import coverage

    picked = busiest_communities(district, 3) + random.Random(15).sample(
        list(district_communities(district)), 2
    )
    secretaries = [
        (c, bench_user(f"benchsv_sj_{c.code}", Role.COMMUNITY_SECRETARY, c)) for c in picked
    ]
    sizes = []

    def call(community, user):
        def run():
            sizes.append(size_of(coverage.coverage(user, community)))

        return run

    calls = [call(*secretaries[i % len(secretaries)]) for i in range(160)]
    result = {"function": timed(calls, warm=10), "rows": sorted(set(sizes))}
    with CaptureQueriesContext(connection) as queries:
        coverage.coverage(secretaries[0][1], secretaries[0][0])
    result["function"]["queries"] = len(queries)
    try:
        url = reverse("service:coverage")
    except NoReverseMatch:
        result["page"] = "service:coverage not routed in this tree"
        return result
    clients = [(c, sign_in(Client(), user)) for c, user in secretaries]
    first = clients[0][1].get(f"{url}?area={clients[0][0].pk}")
    if first.status_code != 200:
        result["page"] = f"{url}?within=…: status {first.status_code}"
        return result

    def page(community, client):
        def run():
            response = client.get(f"{url}?area={community.pk}")
            assert response.status_code == 200, response.status_code

        return run

    result["page"] = timed([page(*clients[i % len(clients)]) for i in range(55)], warm=5)
    result["page"]["url"] = f"{url}?area=<community>"
    return result


def size_of(value) -> int | None:
    """Rows of a selector's answer: a list, or an object with ``rows``/``lines``."""
    for name in ("rows", "lines"):
        if hasattr(value, name):
            value = getattr(value, name)
            break
    try:
        return len(value)
    except TypeError:
        return None


def district_communities(district):
    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area

    return Area.objects.filter(path__under=district.path, level=Level.COMMUNITY).order_by("path")


def ledger_part(district, rng) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongzhi.accounts.roles import Role
    from gongzhi.service import ledger
    from gongzhi.service.models import Volunteer

    result = {}
    communities = busiest_communities(district, 5)
    samples = []
    for community in communities:
        secretary = bench_user(f"benchsv_sj_{community.code}", Role.COMMUNITY_SECRETARY, community)
        volunteers = list(
            Volunteer.objects.filter(community=community)
            .exclude(member=None)
            .exclude(user=None)
            .select_related("user")
        )
        samples += [(secretary, v) for v in rng.sample(volunteers, min(60, len(volunteers)))]
    rng.shuffle(samples)
    lines = []

    def as_secretary(user, volunteer):
        return lambda: lines.append(size_of(ledger.ledger(user, volunteer, YEAR)) or 0)

    result["as_secretary"] = timed([as_secretary(u, v) for u, v in samples], warm=10)
    result["as_secretary"]["lines_per_ledger"] = {
        "min": min(lines),
        "max": max(lines),
        "mean": round(sum(lines) / len(lines), 1),
    }
    result["as_member"] = timed(
        [lambda v=v: ledger.ledger(v.user, v, YEAR) for _u, v in samples[:150]], warm=10
    )
    with CaptureQueriesContext(connection) as queries:
        ledger.ledger(samples[0][0], samples[0][1], YEAR)
    result["queries"] = len(queries)
    return result


def checkin_volunteers(community, n: int) -> list:
    """``n`` volunteers of ``community`` with accounts (in-service members' role), made
    once and kept for the next run."""
    from datetime import date

    from django.db.models import Max

    from gongzhi.accounts.models import RoleAssignment, User
    from gongzhi.accounts.roles import Role
    from gongzhi.core.bulk import insert_rows
    from gongzhi.service.models import Volunteer

    prefix = f"benchsv_ci_{community.code}_"
    have = list(
        Volunteer.objects.filter(user__username__startswith=prefix).select_related("user")[:n]
    )
    if len(have) < n:
        start = User.objects.aggregate(top=Max("id"))["top"] + 1
        missing = range(len(have), n)
        users = [
            (start + i, f"{prefix}{k}", f"志愿者{k}", "!", community.path)
            for i, k in enumerate(missing)
        ]
        insert_rows(User, ("id", "username", "full_name", "password", "home_path"), users)
        insert_rows(
            RoleAssignment,
            ("user_id", "role", "area_id"),
            [(u[0], Role.INSERVICE_MEMBER, community.pk) for u in users],
        )
        insert_rows(
            Volunteer,
            ("community_id", "path", "name", "user_id", "joined_on"),
            [(community.pk, community.path, u[2], u[0], date(2026, 1, 1)) for u in users],
        )
        have = list(
            Volunteer.objects.filter(user__username__startswith=prefix).select_related("user")[:n]
        )
    return have


def checkin_part(district, rng) -> dict:
    from datetime import timedelta

    from django.db import close_old_connections, connection
    from django.utils import timezone

    from gongzhi.core.bulk import insert_rows
    from gongzhi.service import activities
    from gongzhi.service.choices import ActivityState, HoursSource, SignUpState
    from gongzhi.service.models import Activity, Hours, SignUp

    community = busiest_communities(district, 1)[0]
    volunteers = checkin_volunteers(community, CHECKINS)
    now = timezone.now()
    activity = Activity.objects.create(
        community=community,
        path=community.path,
        title="基准测试：并发签到",
        place="社区党群服务中心",
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=3),
        capacity=CHECKINS,
        status=ActivityState.PUBLISHED,
        code=f"{rng.randint(0, 999_999):06d}",
    )
    insert_rows(
        SignUp,
        ("activity_id", "volunteer_id", "path", "status"),
        [(activity.pk, v.pk, community.path, SignUpState.CONFIRMED) for v in volunteers],
    )
    errors: Counter = Counter()
    gate = threading.Barrier(THREADS)
    started_at: list[float] = []

    def worker(batch):
        try:
            gate.wait()
            for volunteer in batch:
                try:
                    activities.check_in(activity, actor=volunteer.user, code=activity.code)
                except Exception as exc:  # noqa: BLE001 (counted and reported)
                    errors[f"{type(exc).__name__}: {exc}"[:200]] += 1
        finally:
            connection.close()  # each thread's own connection

    batches = [volunteers[i::THREADS] for i in range(THREADS)]
    try:
        started_at.append(time.perf_counter())
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(worker, batches))
        seconds = time.perf_counter() - started_at[0]
        close_old_connections()
        lines = Hours.objects.filter(activity=activity, source=HoursSource.CHECKIN)
        count = lines.count()
        distinct = lines.values("volunteer").distinct().count()
        # Scanned again: every one refused, nothing doubled.
        repeat_errors: Counter = Counter()
        again = volunteers[:50]
        gate_again = threading.Barrier(len(again))

        def repeat(volunteer):
            try:
                gate_again.wait()
                activities.check_in(activity, actor=volunteer.user, code=activity.code)
                repeat_errors["accepted"] += 1
            except Exception as exc:  # noqa: BLE001
                repeat_errors[type(exc).__name__] += 1
            finally:
                connection.close()

        with ThreadPoolExecutor(len(again)) as pool:
            list(pool.map(repeat, again))
        after_repeat = lines.count()
    finally:
        Hours.objects.filter(activity=activity).delete()
        SignUp.objects.filter(activity=activity).delete()
        activity.delete()
    return {
        "activity_community": community.full_name,
        "threads": THREADS,
        "check_ins": CHECKINS,
        "seconds": round(seconds, 2),
        "per_second": round(CHECKINS / seconds, 1),
        "lines": count,
        "distinct_volunteers": distinct,
        "errors": dict(errors),
        "repeated_scans": len(again),
        "repeat_outcomes": dict(repeat_errors),
        "lines_after_repeats": after_repeat,
        "exact": count == CHECKINS == distinct == after_repeat and not errors,
    }


def feedback_part(district, rng) -> dict:
    from gongzhi.accounts.roles import Role
    from gongzhi.party.choices import Category
    from gongzhi.party.models import Member
    from gongzhi.service import feedback
    from gongzhi.service.models import FeedbackBatch

    admin = bench_user("benchsv_qu", Role.DISTRICT_ADMIN, district)
    members = Member.objects.filter(path__under=district.path, category=Category.IN_SERVICE).count()
    with common.Timer() as t_start:
        batch = feedback.start(actor=admin, area=district, year=RATING_YEAR)
    batch.refresh_from_db()
    run_seconds = 0.0
    ran_in_start = batch.status in ("done", "failed")
    if not ran_in_start:
        runner = getattr(feedback.run, "call_local", feedback.run)  # huey task or function
        with common.Timer() as t_run:
            runner(batch.pk)
        run_seconds = t_run.seconds
        batch.refresh_from_db()
    result = {
        "in_service_members": members,
        "start_seconds": round(t_start.seconds, 2),
        "run_seconds": round(run_seconds, 2),
        "ran_inside_start": ran_in_start,
        "seconds": round(t_start.seconds + run_seconds, 2),
        "status": batch.status,
        "batch_members": batch.members,
        "batch_units": batch.units,
        "error": batch.error,
        "file_bytes": batch.file.size if batch.file else None,
    }
    if batch.file:
        batch.file.delete(save=False)
    FeedbackBatch.objects.filter(pk=batch.pk).delete()
    return result


def main(argv=None) -> int:
    import os

    args = parse_args(argv)
    parts = [p for p in args.only.split(",") if p]
    # Background tasks run in this process (the feedback reports' task: timed here).
    os.environ.setdefault("GONGZHI_TASKS_IMMEDIATE", "1")
    common.start()
    from django.db import transaction

    from gongzhi.areas.models import Area
    from gongzhi.service.models import Hours, Report, Volunteer

    result = {"machine_before": common.machine(), "synth": ensure_synth("service")}
    district = Area.objects.get(code=DISTRICT_CODE)
    result["rows"] = {
        "reports": Report.objects.filter(path__under=district.path).count(),
        "volunteers": Volunteer.objects.filter(path__under=district.path).count(),
        "hours": Hours.objects.filter(path__under=district.path).count(),
    }
    print("synth:", result["synth"], result["rows"], flush=True)
    rng = random.Random(15)
    targets = {}
    if "coverage" in parts:
        with transaction.atomic():
            result["coverage"] = coverage_part(district, rng)
            transaction.set_rollback(True)
        print("coverage:", result["coverage"], flush=True)
        p95 = result["coverage"]["function"]["p95_ms"]
        targets["coverage_p95_ms"] = common.target(p95, TARGETS["coverage_p95_ms"], unit="ms")
        if isinstance(result["coverage"].get("page"), dict):
            targets["coverage_page_p95_ms"] = common.target(
                result["coverage"]["page"]["p95_ms"], TARGETS["coverage_p95_ms"], unit="ms"
            )
    if "ledger" in parts:
        with transaction.atomic():
            result["ledger"] = ledger_part(district, rng)
            transaction.set_rollback(True)
        print("ledger:", result["ledger"], flush=True)
        p95 = max(
            result["ledger"]["as_secretary"]["p95_ms"], result["ledger"]["as_member"]["p95_ms"]
        )
        targets["ledger_p95_ms"] = common.target(p95, TARGETS["ledger_p95_ms"], unit="ms")
    if "checkin" in parts:
        result["checkin"] = checkin_part(district, rng)
        print("check-in:", result["checkin"], flush=True)
        targets["checkin_seconds"] = common.target(
            result["checkin"]["seconds"], TARGETS["checkin_seconds"], unit="s"
        )
        targets["checkin_exactly_500_lines"] = {
            "value": f"{result['checkin']['lines']} lines, {result['checkin']['distinct_volunteers']} volunteers, "
            f"{result['checkin']['lines_after_repeats']} after repeats",
            "target": f"{CHECKINS}, {CHECKINS}, {CHECKINS}",
            "ok": result["checkin"]["exact"],
        }
    if "feedback" in parts:
        result["feedback"] = feedback_part(district, rng)
        print("feedback:", result["feedback"], flush=True)
        targets["feedback_seconds"] = common.target(
            result["feedback"]["seconds"], TARGETS["feedback_seconds"], unit="s"
        )
        targets["feedback_done"] = {
            "value": result["feedback"]["status"],
            "target": "done",
            "ok": result["feedback"]["status"] == "done",
        }
    result["machine_after"] = common.machine()
    result["targets"] = targets
    path = common.write_result("service", result)
    for name, t in targets.items():
        unit = t.get("unit", "")
        print(
            f"{name:28} {t['value']!s:>10} {unit}  (target {t['target']}{unit})  "
            f"{'ok' if t['ok'] else 'MISSED'}"
        )
    print(f"details: {path}")
    return 0 if all(t["ok"] for t in targets.values()) else common.TARGET_MISSED


if __name__ == "__main__":
    sys.exit(main())
