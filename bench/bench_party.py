"""Party benchmark (issue 3): 60,000 members in ~3,000 organizations of the bench district.

    .venv/bin/python bench/bench_party.py     # needs the district of bench_foundation.py

Measures the member list filtered by branch and category, talent search by skill, the
organization tree with member counts for one street, and an import of 10,000 members.
Everything runs inside a transaction that is rolled back, so runs repeat exactly.
"""

import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

DISTRICT_CODE = "510199"
TARGETS = {"member_list_p95_ms": 60.0, "talent_p95_ms": 100.0, "tree_ms": 150.0, "import_s": 20.0}


def main() -> int:
    common.start()  # migrates: a bench database made before a migration catches up
    from django.db import transaction
    from django.test import Client

    from gongzhi.accounts.roles import Role
    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area
    from gongzhi.core.testing import make_user, sign_in
    from gongzhi.party import selectors
    from gongzhi.party.choices import BRANCH_TYPES, Category
    from gongzhi.party.models import Member, Organization

    members = Member.objects.filter(path__under=f"/{DISTRICT_CODE}/").count()
    if not members:
        raise SystemExit(
            "No party members in the bench district: run bench/bench_foundation.py --fresh first."
        )
    result = {
        "machine": common.machine(),
        "members": members,
        "organizations": Organization.objects.filter(path__under=f"/{DISTRICT_CODE}/").count(),
    }
    with transaction.atomic():
        communities = list(
            Area.objects.filter(level=Level.COMMUNITY, path__under=f"/{DISTRICT_CODE}/").order_by(
                "code"
            )
        )
        picked = communities[:: max(1, len(communities) // 5)][:5]
        secretaries = [
            (c, make_user(f"benchp_sj_{c.code}", Role.COMMUNITY_SECRETARY, c)) for c in picked
        ]
        street = picked[0].parent
        street_admin = make_user(f"benchp_jd_{street.code}", Role.STREET_ADMIN, street)

        # Member list filtered by branch and category (the page, as a community secretary).
        # One signed-in client per secretary, made before the timing: a new test client
        # loads the whole middleware chain (whitenoise indexes every static file) on its
        # first request, which a running server does once.
        clients = [(community, sign_in(Client(), user)) for community, user in secretaries]
        times, cpu = [], []
        for i in range(240):
            community, client = clients[i % len(clients)]
            branch = Organization.objects.filter(
                path__under=community.path, org_type__in=BRANCH_TYPES
            ).order_by("tree_path")[i % 3]
            category = [Category.SELF_MANAGED, Category.RETIRED, Category.IN_SERVICE][i % 3]
            with common.Timer() as t:
                response = client.get(
                    f"/party/members/?organization={branch.pk}&category={category}"
                )
            assert response.status_code == 200, response.status_code
            times.append(t.seconds)
            cpu.append(t.cpu)
        result["member_list"] = common.summary_ms(times[20:], cpu[20:])

        # Talent search by skill, as a street admin (all the street's members).
        client = Client()
        client.force_login(street_admin)
        times, cpu = [], []
        for i in range(200):
            skill = ["法律", "义诊", "理发", "调解", "摄影"][i % 5]
            with common.Timer() as t:
                found = list(selectors.talent_search(street_admin, skill)[:50])
            times.append(t.seconds)
            cpu.append(t.cpu)
        assert found
        result["talent_search"] = common.summary_ms(times[10:], cpu[10:])

        # The organization tree with member counts for one street.
        times = []
        for _ in range(30):
            with common.Timer() as t:
                nodes = selectors.organization_tree(street_admin)
            times.append(t.seconds)
        result["street_tree"] = {**common.summary_ms(times[3:]), "organizations": len(nodes)}

        # Import of 10,000 members into one community's branches (through the importer).
        result["import"] = import_members(secretaries[0])
        transaction.set_rollback(True)

    result["targets"] = {
        "member_list_p95_ms": common.target(
            result["member_list"]["p95_ms"], TARGETS["member_list_p95_ms"], unit="ms"
        ),
        "talent_p95_ms": common.target(
            result["talent_search"]["p95_ms"], TARGETS["talent_p95_ms"], unit="ms"
        ),
        "tree_ms": common.target(result["street_tree"]["p95_ms"], TARGETS["tree_ms"], unit="ms"),
        "import_s": common.target(result["import"]["seconds"], TARGETS["import_s"], unit="s"),
    }
    path = common.write_result("party", result)
    for name, t in result["targets"].items():
        print(
            f"{name:22} {t['value']:>10} {t['unit']}  (target {t['target']})  {'ok' if t['ok'] else 'MISSED'}"
        )
    print(f"queries and details: {path}")
    return 0 if all(t["ok"] for t in result["targets"].values()) else common.TARGET_MISSED


def import_members(secretary) -> dict:
    import xlsxwriter
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gongzhi.party.imports import MemberImporter
    from gongzhi.party.models import Organization
    from gongzhi.party.synth import synth_id_number

    community, user = secretary
    branches = list(
        Organization.objects.filter(path__under=community.path, org_type="grid_branch").values_list(
            "name", flat=True
        )
    )
    headers = [
        "姓名",
        "身份证号",
        "手机号",
        "党员状态",
        "党员类别",
        "所在党支部",
        "入党日期",
        "转正日期",
        "学历",
        "特长技能",
    ]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    sheet = book.add_worksheet("党员")
    sheet.write_row(0, 0, headers)
    for i in range(1, 10_001):
        sheet.write_row(
            i,
            0,
            [
                f"导入党员{i}",
                synth_id_number(i, "510198"),
                f"139{i:08d}",
                "正式党员",
                "自管党员",
                branches[i % len(branches)],
                "2000-07-01",
                "2001-07-01",
                "大学本科",
                "法律咨询",
            ],
        )
    book.close()
    upload = SimpleUploadedFile("党员.xlsx", buffer.getvalue())
    with common.Timer() as t:
        outcome = MemberImporter(actor=user).run(upload)
    written = getattr(outcome, "written", None)
    return {
        "rows": 10_000,
        "seconds": round(t.seconds, 2),
        "cpu_seconds": round(t.cpu, 2),
        "written": written,
        "errors": len(getattr(outcome, "errors", []) or []),
    }


if __name__ == "__main__":
    sys.exit(main())
