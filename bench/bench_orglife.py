"""Organizational life benchmark (issue 14) on the bench district: 3,000 organizations,
60,000 members and three years of meetings (≈600,000 meetings, ≈6 M roster rows).

    .venv/bin/python bench/bench_orglife.py     # needs the district of bench_foundation.py

Adds the module's synthetic rows (``orglife/synth.py``) when the district has none (timed,
once), then measures, in a transaction that is rolled back:

* the compliance calendar of one street (~300 organizations × 12 months):
  ``compliance.matrix`` as the street's administrator, and the page itself;
* a member's study-hours ledger: the hours per year of one member (and the ledger page,
  when the study pages' route ``orglife:study_ledger`` exists);
* the yearly plan of every organization of the district for a new year
  (``plans.generate_all``, as the district administrator).
"""

import json
import random
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

DISTRICT_CODE = "510199"
YEAR = 2026
TARGETS = {"matrix_p95_ms": 150.0, "ledger_p95_ms": 50.0, "generate_all_s": 60.0}


def synth_stamp() -> Path:
    return common.bench_var_dir() / "orglife-synth.json"


def ensure_meetings() -> dict:
    """The module's synthetic rows, generated once (and the time it took)."""
    from gongzhi.areas.models import Area
    from gongzhi.areas.synth import SynthContext
    from gongzhi.orglife import synth
    from gongzhi.orglife.models import Meeting

    district = Area.objects.get(code=DISTRICT_CODE)
    if Meeting.objects.filter(path__under=district.path).exists():
        stamp = synth_stamp()
        return json.loads(stamp.read_text()) if stamp.exists() else {"generated": "earlier"}
    ctx = SynthContext(
        residents=1_000_000,
        seed=1,
        district_code=DISTRICT_CODE,
        district_name=district.name,
        log=lambda line: print(line, flush=True),
        district=district,
    )
    from django.db import connection, transaction

    with common.Timer() as t:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.execute("PRAGMA cache_size=-524288")
        with transaction.atomic():
            synth.synthesize(ctx)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA optimize")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                cursor.execute("PRAGMA synchronous=NORMAL")
    info = {
        "seconds": round(t.seconds, 1),
        "steps_s": {k: round(v, 1) for k, v in ctx.timings.items()},
        "counts": ctx.counts,
        "when": common.machine()["when"],
    }
    synth_stamp().write_text(json.dumps(info, ensure_ascii=False, indent=2))
    return info


def main() -> int:
    common.start()
    from django.db import connection, transaction
    from django.db.models import Sum
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from gongzhi.accounts.roles import Role
    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area
    from gongzhi.core.testing import make_user, sign_in
    from gongzhi.orglife import compliance, plans
    from gongzhi.orglife.models import Meeting, StudyRecord
    from gongzhi.orglife.permissions import VIEW
    from gongzhi.party.models import Member

    result = {"machine": common.machine(), "synth": ensure_meetings()}
    district = Area.objects.get(code=DISTRICT_CODE)
    result["rows"] = {
        "meetings": Meeting.objects.filter(path__under=district.path).count(),
        "study_records": StudyRecord.objects.count(),
    }
    print("synth:", result["synth"], result["rows"], flush=True)
    rng = random.Random(14)
    with transaction.atomic():
        # The compliance calendar of a street, as its administrator.
        streets = list(Area.objects.filter(parent=district, level=Level.STREET).order_by("code"))
        picked = streets[::4][:3]
        admins = [(s, make_user(f"bencho_jd_{s.code}", Role.STREET_ADMIN, s)) for s in picked]
        times, cpu, sizes = [], [], []
        for i in range(150):
            street, admin = admins[i % len(admins)]
            with common.Timer() as t:
                matrix = compliance.matrix(admin, street, YEAR, today=date(2026, 12, 7))
            times.append(t.seconds)
            cpu.append(t.cpu)
            sizes.append(len(matrix.rows))
        result["matrix"] = common.summary_ms(times[15:], cpu[15:])
        result["matrix"]["organizations"] = sorted(set(sizes))
        with CaptureQueriesContext(connection) as queries:
            compliance.matrix(admins[0][1], admins[0][0], YEAR)
        result["matrix"]["queries"] = len(queries)
        print("matrix:", result["matrix"], flush=True)

        clients = [(s, sign_in(Client(), a)) for s, a in admins]
        times, cpu = [], []
        for i in range(45):
            street, client = clients[i % len(clients)]
            with common.Timer() as t:
                response = client.get(f"/orglife/compliance/?year={YEAR}&area={street.pk}")
            assert response.status_code == 200, response.status_code
            times.append(t.seconds)
            cpu.append(t.cpu)
        result["matrix_page"] = common.summary_ms(times[5:], cpu[5:])
        print("matrix page:", result["matrix_page"], flush=True)

        # A member's study-hours ledger: hours per year, through the scope.
        community = Area.objects.filter(path__under=district.path, level=Level.COMMUNITY).first()
        secretary = make_user("bencho_sj", Role.COMMUNITY_SECRETARY, community)
        member_ids = list(
            Member.objects.filter(path__under=community.path).values_list("id", flat=True)
        )
        sample = rng.sample(member_ids, min(200, len(member_ids)))
        times, cpu = [], []
        for member_id in sample:
            with common.Timer() as t:
                rows = list(
                    StudyRecord.objects.visible_to(secretary, VIEW)
                    .filter(member_id=member_id)
                    .values("year")
                    .annotate(hours=Sum("hours"))
                    .order_by("year")
                )
            assert rows, member_id
            times.append(t.seconds)
            cpu.append(t.cpu)
        result["ledger_query"] = common.summary_ms(times[10:], cpu[10:])
        print("ledger query:", result["ledger_query"], flush=True)
        try:
            ledger_url = reverse("orglife:study_ledger", args=[sample[0]])
        except NoReverseMatch:
            ledger_url = None
        if ledger_url:
            client = sign_in(Client(), secretary)
            times, cpu = [], []
            for member_id in sample[:60]:
                with common.Timer() as t:
                    response = client.get(reverse("orglife:study_ledger", args=[member_id]))
                assert response.status_code == 200, response.status_code
                times.append(t.seconds)
                cpu.append(t.cpu)
            result["ledger_page"] = common.summary_ms(times[5:], cpu[5:])
            print("ledger page:", result["ledger_page"], flush=True)
        else:
            result["ledger_page"] = "orglife:study_ledger not routed in this tree"

        # Every plan of the district for a new year, as the district administrator.
        admin = make_user("bencho_qu", Role.DISTRICT_ADMIN, district)
        with common.Timer() as t:
            done = plans.generate_all(admin, YEAR + 1, district)
        result["generate_all"] = {
            "seconds": round(t.seconds, 2),
            "cpu_seconds": round(t.cpu, 2),
            "organizations": done.organizations,
            "plans": done.plans,
            "meetings": done.meetings,
        }
        with common.Timer() as t:
            again = plans.generate_all(admin, YEAR + 1, district)
        result["generate_all"]["again_seconds"] = round(t.seconds, 2)
        result["generate_all"]["again_meetings"] = again.meetings
        print("generate_all:", result["generate_all"], flush=True)
        transaction.set_rollback(True)

    ledger_p95 = result["ledger_query"]["p95_ms"]
    if isinstance(result["ledger_page"], dict):
        ledger_p95 = max(ledger_p95, result["ledger_page"]["p95_ms"])
    result["targets"] = {
        "matrix_p95_ms": common.target(
            result["matrix"]["p95_ms"], TARGETS["matrix_p95_ms"], unit="ms"
        ),
        "matrix_page_p95_ms": common.target(
            result["matrix_page"]["p95_ms"], TARGETS["matrix_p95_ms"], unit="ms"
        ),
        "ledger_p95_ms": common.target(ledger_p95, TARGETS["ledger_p95_ms"], unit="ms"),
        "generate_all_s": common.target(
            result["generate_all"]["seconds"], TARGETS["generate_all_s"], unit="s"
        ),
    }
    path = common.write_result("orglife", result)
    for name, t in result["targets"].items():
        print(
            f"{name:20} {t['value']:>10} {t['unit']}  (target {t['target']})  "
            f"{'ok' if t['ok'] else 'MISSED'}"
        )
    print(f"details: {path}")
    return 0 if all(t["ok"] for t in result["targets"].values()) else common.TARGET_MISSED


if __name__ == "__main__":
    sys.exit(main())
