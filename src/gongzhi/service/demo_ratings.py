"""Demo 三级评议: last year's ratings of the demo street's confirmed in-service members
(after ``demo_reports.load``, which reports them), through the rating service. Loads once.

* the community level for everyone and the employer level for most (rated by the
  superuser, as community staff would enter the employers' returned forms);
* the group level by the grid worker whose grid covers the member's residence (members
  without a household, or in a grid without a grid worker account, stay 未完成: a gap);
* mostly 优秀/良好, a few 一般 and 差, one member vetoed (不见效), and the unit with the
  most members above the deduction threshold (a quarter of its members 差);
* the results of 和顺社区 published (its rated members with an account are told)."""

import random
from datetime import date

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role

from . import ratings
from .choices import RatingLevel, ReportState
from .models import Rating, Report

GOOD = ("excellent", "excellent", "good", "good", "good", "fair")
FOCUS = "和顺社区"


def load(today: date | None = None) -> str:
    today = today or timezone.localdate()
    year = today.year - 1
    reports = list(
        Report.objects.filter(
            status=ReportState.CONFIRMED,
            confirmed_on__lte=date(year, 12, 31),
            member__category="in_service",
        )
        .select_related("member__household", "community", "unit")
        .order_by("path", "member_id")
    )
    if not reports:
        return "尚无已确认报到的在职党员，未加载三级评议的演示数据。"
    if Rating.objects.filter(year=year, member_id__in=[r.member_id for r in reports]).exists():
        return "三级评议的演示数据已存在，未重复加载。"
    rated, published = _load(reports, year, today)
    return f"已加载{year}年度三级评议的演示数据（{rated} 条评议，{published or '无'}已公布结果）。"


@transaction.atomic
def _load(reports: list[Report], year: int, today: date) -> tuple[int, str]:
    rng = random.Random(2026_12_07)  # noqa: S311 (demo data, not secrets)
    root = User.objects.filter(is_superuser=True).order_by("id").first()
    assert root is not None, "the demo has a superuser"
    rated_on = min(date(year, 12, 20), today)
    grid_workers = list(
        RoleAssignment.objects.filter(role=Role.GRID_WORKER, organization__isnull=True)
        .select_related("user", "area")
        .order_by("id")
    )
    by_unit: dict[int, list[Report]] = {}
    for report in reports:
        if report.unit_id is not None:
            by_unit.setdefault(report.unit_id, []).append(report)
    heavy = max(by_unit.values(), key=len) if by_unit else []
    poor_ids = {r.member_id for r in heavy[: max(1, (len(heavy) + 3) // 4)]} if heavy else set()
    vetoed_id = next((r.member_id for r in reports if r.member_id not in poor_ids), None)
    count = 0
    for index, report in enumerate(reports):
        member = report.member
        poor = member.pk in poor_ids or index % 11 == 5
        grade = "poor" if poor else rng.choice(GOOD)
        shortcomings = ["no_results"] if member.pk == vetoed_id else []
        ratings.rate(
            actor=root,
            member=member,
            year=year,
            level=RatingLevel.COMMUNITY,
            grade=grade,
            shortcomings=shortcomings,
            comment="参加社区活动较少，联系户走访不到位" if poor else "积极参加社区服务",
            rated_on=rated_on,
        )
        count += 1
        if index % 7 != 3:  # some employers have not returned their form yet
            ratings.rate(
                actor=root,
                member=member,
                year=year,
                level=RatingLevel.EMPLOYER,
                grade="fair" if poor else rng.choice(GOOD),
                rater_name=report.employer_org or report.employer,
                rated_on=rated_on,
            )
            count += 1
        household = member.household
        rater = next(
            (
                a.user
                for a in grid_workers
                if household is not None and household.path.startswith(a.area.path)
            ),
            None,
        )
        if rater is not None:
            ratings.rate(
                actor=rater,
                member=member,
                year=year,
                level=RatingLevel.GROUP,
                grade="poor" if poor else rng.choice(GOOD),
                rated_on=rated_on,
            )
            count += 1
    focus = next((r.community for r in reports if r.community.name == FOCUS), None)
    if focus is None:
        return count, ""
    ratings.publish(actor=root, community=focus, year=year)
    return count, focus.name
