"""Demo visits and care cases for the demo street: three years of visit records by the
grid worker ``wanggeyuan`` (their grid of 和顺社区), the community worker ``gongzuozhe``
(the community's other grids) and the in-service members who sign in (``zaizhi``, to the
households paired with them by the ``reports`` demo); the recent ones with photos-free
follow-ups: a few turned into demands through the demands intake, three care cases with
helpers (the households' paired members first) and help given — one closed after its
review, one waiting for the review's decision, one open. Loads once.

Call after ``gongzhi.service.demo_reports.load(today)`` (pairs exist):
``gongzhi.visits.demo_visits.load(today)``. Without pairs, only the staff's visits."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.core import bulk
from gongzhi.service.models import Pair

from . import cases, services
from .choices import SANBIDAO, WUBIFANG, HelpKind, VisitKind
from .models import CareCase, Visit

FOUND = {
    VisitKind.ROUTINE: [
        "家中情况正常，老人身体尚可，对社区服务满意。",
        "反映楼道灯不亮，晚上出行不便。",
        "反映小区停车难，希望增设停车位。",
        "住户外出务工，家中仅有老人，已留联系方式。",
        "反映下水道堵塞，已告知物业。",
    ],
    VisitKind.TALK: [
        "与住户谈心，了解其子女就业困难情况。",
        "倾听住户对小区加装电梯的意见。",
    ],
    VisitKind.ILLNESS: ["住户住院治疗，前往医院探望，了解医保报销情况。"],
    VisitKind.DIFFICULTY: ["家庭收入下降，生活困难，咨询临时救助政策。"],
    VisitKind.FAMILY_EVENT: ["住户家中办丧事，上门慰问并协助处理后事。"],
    VisitKind.DIFFICULT_HOUSEHOLD: ["低保户，了解近期生活情况，送去米面油。"],
    VisitKind.ELDERLY_ALONE: ["独居老人，检查燃气和用电安全，提醒按时服药。"],
    VisitKind.DISABLED: ["残疾人家庭，了解辅具使用和康复需求。"],
    VisitKind.DECEASED_MEMBER: ["已故党员家属，上门慰问，了解生活困难。"],
    VisitKind.DISPUTE: ["邻里漏水纠纷，上门调解，双方同意协商维修。"],
}
KINDS = [VisitKind.ROUTINE, VisitKind.TALK, *SANBIDAO, *WUBIFANG]
WEIGHTS = [60, 10, 3, 3, 2, 5, 7, 4, 2, 4]
DAYS = 3 * 365


def load(today: date | None = None, district_code: str = "510107") -> str:
    under = f"/{district_code}/"
    # The care cases are this loader's own rows (the care households' loader writes
    # visits of its own before it).
    if CareCase.objects.filter(path__startswith=under).exists():
        return "走访与帮扶的演示数据已存在，未重复加载。"
    community = Area.objects.filter(
        path__startswith=under, level=Level.COMMUNITY, name="和顺社区"
    ).first()
    if community is None:
        return "尚无演示社区，未加载走访与帮扶的演示数据。"
    visits, cases_made = _load(today or timezone.localdate(), community)
    return f"已加载走访与帮扶的演示数据（近三年 {visits} 次走访，{cases_made} 件结对帮扶）。"


@transaction.atomic
def _load(today: date, community: Area) -> tuple[int, int]:
    rng = random.Random(2026_12_07)  # noqa: S311 (demo data, not secrets)
    users = {u.username: u for u in User.objects.filter(username__in=["wanggeyuan", "gongzuozhe"])}
    rows: list[tuple] = []
    worker = users.get("wanggeyuan")
    staff = users.get("gongzuozhe")
    grids = list(Area.objects.filter(parent=community, level=Level.GRID).order_by("code"))
    worker_grid = next((g for g in grids if worker and worker.home_path == g.path), None)
    for grid in grids:
        visitor = worker if grid == worker_grid else staff
        if visitor is None:
            continue
        households = list(
            Household.objects.filter(path__startswith=grid.path).order_by("path")[:400]
        )
        per_month = 25 if visitor == worker else 6
        rows += _history(rng, today, visitor, None, households, per_month)
    for pair in (
        Pair.objects.filter(ended_on__isnull=True, path__startswith=community.parent.path)
        .select_related("member", "household")
        .exclude(member__user__isnull=True)
    ):
        start = max(pair.started_on, today - timedelta(days=DAYS))
        rows += _pair_history(rng, today, pair, start)
    bulk.insert_rows(
        Visit,
        ["household", "area", "path", "visitor", "member", "visited_on", "kind", "found"],
        rows,
    )
    made = _follow_ups(rng, today, worker or staff, community)
    return len(rows) + made[0], made[1]


def _history(rng, today, visitor, member, households, per_month) -> list[tuple]:
    rows = []
    if not households:
        return rows
    for day in range(DAYS, 0, -1):
        if rng.random() > per_month / 30:
            continue
        household = rng.choice(households)
        kind = rng.choices(KINDS, WEIGHTS)[0]
        rows.append(
            (
                household.pk,
                household.area_id,
                household.path,
                visitor.pk,
                member.pk if member else None,
                today - timedelta(days=day),
                kind,
                rng.choice(FOUND[kind]),
            )
        )
    return rows


def _pair_history(rng, today, pair, start) -> list[tuple]:
    """An in-service member's visits to a paired household: about every two months, a
    few late (the norms' compliance view shows them)."""
    rows, day = [], start + timedelta(days=rng.randint(5, 40))
    household = pair.household
    while day < today - timedelta(days=3):
        kind = VisitKind.ROUTINE if rng.random() < 0.8 else VisitKind.TALK
        rows.append(
            (
                household.pk,
                household.area_id,
                household.path,
                pair.member.user_id,
                pair.member_id,
                day,
                kind,
                rng.choice(FOUND[kind]),
            )
        )
        day += timedelta(days=rng.randint(40, 75))
    return rows


def _follow_ups(rng, today, actor, community) -> tuple[int, int]:
    """Recent visits through the services: three turned into demands, three into care
    cases with help (closed after review, in review, open)."""
    if actor is None:
        return 0, 0
    households = list(
        Household.objects.filter(path__startswith=actor.home_path or community.path).order_by(
            "path"
        )[:60]
    )
    if len(households) < 6:
        return 0, 0
    made = 0
    for i, (title, found) in enumerate(
        (
            ("楼道灯不亮", "反映3单元楼道灯坏了一个月，晚上老人出行不便。"),
            ("下水道堵塞", "厨房下水道堵塞，物业未及时处理。"),
            ("加装电梯意见", "多户老人希望加装电梯，询问申请流程。"),
        )
    ):
        visit = services.record_visit(
            actor=actor,
            household=households[i],
            visited_on=today - timedelta(days=10 - i),
            kind=VisitKind.ROUTINE,
            found=found,
        )
        services.demand_from_visit(visit, actor=actor, title=title, content=found)
        made += 1
    plans = (
        ("低保户生活帮扶", "申请临时救助，每月送米面油，帮助子女就业。", "closed"),
        ("独居老人照护", "每周电话问候，每月上门，联系居家养老服务。", "review"),
        ("因病致困家庭帮扶", "协助办理大病医保报销，联系慈善救助。", "open"),
    )
    for i, (title, plan, end) in enumerate(plans):
        household = households[3 + i]
        kind = (VisitKind.DIFFICULT_HOUSEHOLD, VisitKind.ELDERLY_ALONE, VisitKind.ILLNESS)[i]
        visit = services.record_visit(
            actor=actor,
            household=household,
            visited_on=today - timedelta(days=120 - 30 * i),
            kind=kind,
            found=FOUND[kind][0],
        )
        made += 1
        helpers = list(cases.helper_candidates(household)[:2])
        case = cases.open_case(
            actor=actor,
            household=household,
            title=title,
            plan=plan,
            helpers=helpers,
            opened_on=visit.visited_on,
            visit=visit,
        )
        for n in range(3):
            cases.add_help(
                case,
                actor=actor,
                kind=rng.choice([HelpKind.MONEY, HelpKind.GOODS, HelpKind.SERVICE]),
                value=Decimal(rng.choice(["200.00", "300.00", "500.00"])),
                given_on=visit.visited_on + timedelta(days=10 + 25 * n),
                given_by=helpers[0].name if helpers else "",
                note=rng.choice(["送米面油", "慰问金", "陪同就医", "代购药品"]),
            )
        if end in ("review", "closed"):
            case = cases.submit_review(
                case, actor=actor, version=case.version, review="生活状况明显改善，家属满意。"
            )
        if end == "closed":
            cases.close_case(
                case, actor=actor, version=case.version, closed_on=today - timedelta(days=5)
            )
    return made, len(plans)
