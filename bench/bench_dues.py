"""Dues benchmark (issue 4) on the bench district's 60,000 members.

    .venv/bin/python bench/bench_dues.py     # needs the district of bench_foundation.py

Declares every member's basis (the dues synth step) if missing, then times the monthly
run for all members (three months, so arrears build up), pays about 70% in bulk, and
measures a branch's ledger page and the district's arrears list. Everything after the
declarations runs in a transaction that is rolled back, so runs repeat exactly.
"""

import random
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

DISTRICT_CODE = "510199"
TARGETS = {"run_s": 10.0, "ledger_p95_ms": 80.0, "arrears_p95_ms": 200.0}
MONTHS = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]


def ensure_declarations() -> int:
    from gongzhi.areas.models import Area
    from gongzhi.areas.synth import SynthContext
    from gongzhi.dues import synth
    from gongzhi.dues.models import DuesProfile

    declared = DuesProfile.objects.filter(member__path__under=f"/{DISTRICT_CODE}/").count()
    if declared:
        return declared
    district = Area.objects.get(code=DISTRICT_CODE)
    ctx = SynthContext(
        residents=1_000_000,
        seed=1,
        district_code=DISTRICT_CODE,
        district_name=district.name,
        log=print,
        district=district,
    )
    from django.db import transaction

    with transaction.atomic():
        synth.synthesize(ctx)
    return DuesProfile.objects.filter(member__path__under=f"/{DISTRICT_CODE}/").count()


def main() -> int:
    common.start()  # migrates: a bench database made before a migration catches up
    from django.db import transaction
    from django.test import Client

    from gongzhi.accounts.roles import Role
    from gongzhi.areas.models import Area
    from gongzhi.core.testing import make_user, sign_in
    from gongzhi.dues import services
    from gongzhi.dues.choices import PaymentMethod
    from gongzhi.dues.models import DuesAccount, DuesCharge
    from gongzhi.party.models import Member, Organization

    result = {"machine": common.machine(), "declared": ensure_declarations()}
    rng = random.Random(7)
    with transaction.atomic():
        district = Area.objects.get(code=DISTRICT_CODE)
        admin = make_user("benchd_qu", Role.DISTRICT_ADMIN, district)
        runs = []
        for month in MONTHS:
            with common.Timer() as t:
                outcome = services.run_month(month, actor=admin)
            runs.append(
                {
                    "month": outcome["month"],
                    "charged": outcome["charged"],
                    "seconds": round(t.seconds, 2),
                    "cpu_seconds": round(t.cpu, 2),
                }
            )
            members = {
                m.pk: m
                for m in Member.objects.filter(
                    pk__in=DuesCharge.objects.filter(month=month).values("member_id")
                )
            }
            rows = [
                {
                    "member": members[member_id],
                    "month": month,
                    "amount": amount,
                    "paid_on": month,
                    "method": PaymentMethod.CASH,
                    "receiver": "组织委员",
                }
                for member_id, amount in DuesCharge.objects.filter(
                    month=month, amount__gt=0
                ).values_list("member_id", "amount")
                if rng.random() < 0.7
            ]
            with common.Timer() as t:
                services.record_payments(rows, actor=admin)
            runs[-1]["payments"] = len(rows)
            runs[-1]["payments_seconds"] = round(t.seconds, 2)
        result["monthly_runs"] = runs
        print("monthly runs:", runs, flush=True)

        # A branch's ledger page, as its community secretary.
        branches = list(
            Organization.objects.filter(path__under=district.path, org_type="grid_branch").order_by(
                "tree_path"
            )[::60][:5]
        )
        clients = []
        for branch in branches:
            community = Area.objects.get(path="/".join(branch.path.split("/")[:4]) + "/")
            client = sign_in(
                Client(), make_user(f"benchd_sj_{branch.pk}", Role.COMMUNITY_SECRETARY, community)
            )
            clients.append((branch, client))
        times, cpu = [], []
        for i in range(220):
            branch, client = clients[i % len(clients)]
            with common.Timer() as t:
                response = client.get(f"/dues/?organization={branch.pk}&month=2026-03")
            assert response.status_code == 200 and "党费台账" in response.content.decode()
            times.append(t.seconds)
            cpu.append(t.cpu)
        result["ledger_page"] = common.summary_ms(times[20:], cpu[20:])

        # The district's arrears list (3+ consecutive unpaid months), as the district admin
        # (signed in with the second factor the role requires).
        client = sign_in(Client(), admin)
        times, cpu = [], []
        for i in range(120):
            with common.Timer() as t:
                response = client.get(f"/dues/arrears/?page={1 + i % 5}")
            assert response.status_code == 200, response.status_code
            times.append(t.seconds)
            cpu.append(t.cpu)
        result["arrears_page"] = common.summary_ms(times[10:], cpu[10:])
        result["arrears_members"] = DuesAccount.objects.filter(unpaid_streak__gte=3).count()
        transaction.set_rollback(True)

    worst_run = max(r["seconds"] for r in result["monthly_runs"])
    result["targets"] = {
        "run_s": common.target(worst_run, TARGETS["run_s"], unit="s"),
        "ledger_p95_ms": common.target(
            result["ledger_page"]["p95_ms"], TARGETS["ledger_p95_ms"], unit="ms"
        ),
        "arrears_p95_ms": common.target(
            result["arrears_page"]["p95_ms"], TARGETS["arrears_p95_ms"], unit="ms"
        ),
    }
    path = common.write_result("dues", result)
    for run in result["monthly_runs"]:
        print(
            f"run {run['month']}: {run['charged']:,} charges in {run['seconds']} s; "
            f"{run['payments']:,} payments in {run['payments_seconds']} s"
        )
    for name, t in result["targets"].items():
        print(
            f"{name:16} {t['value']:>10} {t['unit']}  (target {t['target']})  {'ok' if t['ok'] else 'MISSED'}"
        )
    print(f"details: {path}")
    return 0 if all(t["ok"] for t in result["targets"].values()) else common.TARGET_MISSED


if __name__ == "__main__":
    sys.exit(main())
