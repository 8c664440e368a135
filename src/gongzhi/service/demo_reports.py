"""Demo 双报到 and pairing for the demo street, on top of the party and residents demos.
Loads once (nothing is written when the street already has reports).

* The in-service members of each community's 在职党员联合党支部 get a household where they
  live in that community (the party demo leaves them without one) and a report to it:
  most confirmed within the last half year, two in 和顺社区 past their re-confirmation,
  a few still waiting for the community, one declined; their employers are registered as
  organ units of the street (``Report.unit`` where the names match).
* Organ units report to each community: six confirmed, but four in 和顺社区 (a gap).
* Pairs: each confirmed member with one difficult household (a care tag) and one
  ordinary neighbour, but in 和顺社区 some members are left unpaired and some difficult
  households have nobody (the coverage report's gaps).
* The demo account ``zaizhi``: an in-service member of 和顺社区 (role on the community),
  linked to a confirmed Member who has pairs.
"""

import random
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.party.choices import Category
from gongzhi.party.models import Member
from gongzhi.residents.models import ResidentTag

from . import pairing, reports
from .choices import CadreLevel, PairKind
from .models import Pair, Report

ACCOUNT = "zaizhi"
HOME = "和顺社区"
OUTSIDE = {"四川某能源集团", "某银行支行", "市第三人民医院"}
UNITS = [
    ("区委组织部", "区委组织部机关党支部"),
    ("区民政局", "区民政局机关党支部"),
    ("区住建局", "区住建局机关党委"),
    ("区城管局", "区城管局机关党支部"),
]
RESOURCES = ["活动场地、图书", "法律咨询志愿者", "义诊服务", "助学帮扶资金", "技能培训", "车辆"]


def load(today: date | None = None) -> str:
    today = today or timezone.localdate()
    if Report.objects.exists():
        return "在职党员报到的演示数据已存在，未重复加载。"
    count = _load(today)
    return f"已加载在职党员报到与结对联系的演示数据（{count} 条报到）。"


def _password() -> str:
    from gongzhi.core.management.commands.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


@transaction.atomic
def _load(today: date) -> int:
    rng = random.Random(815)  # noqa: S311 (demo data)
    root = User.objects.filter(is_superuser=True).order_by("id").first()
    street = Area.objects.filter(level=Level.STREET).order_by("path").first()
    if root is None or street is None:
        return 0
    members = list(
        Member.objects.filter(path__startswith=street.path, category=Category.IN_SERVICE)
        .select_related("organization")
        .order_by("id")
    )
    units = {}
    for name, org in sorted({(m.employer, m.employer_org) for m in members if m.employer}) + UNITS:
        if name not in units:
            units[name] = reports.save_unit(
                actor=root, area=street, name=name, party_org=org, in_district=name not in OUTSIDE
            )
    communities = list(Area.objects.filter(parent=street, level=Level.COMMUNITY).order_by("code"))
    count = 0
    for community in communities:
        count += _community(rng, root, community, members, units, today)
    _account(root, communities)
    return count


def _community(rng, root, community, members, units, today) -> int:
    home = community.name == HOME
    own = [m for m in members if m.path.startswith(community.path)]
    houses = list(
        Household.objects.filter(path__startswith=community.path, status__in=["occupied", "rented"])
        .order_by("path")
        .values_list("pk", flat=True)
    )
    if not houses:
        return 0
    for member in own:
        member.household_id = rng.choice(houses)
    Member.objects.bulk_update(own, ["household"])
    # Units reporting to the community: 6 (4 in the home community).
    for i, organ in enumerate(list(units.values())[: 4 if home else 6]):
        r = reports.request_unit_report(
            actor=root,
            unit=organ,
            community=community,
            resources=RESOURCES[i % len(RESOURCES)],
            on=today - timedelta(days=rng.randint(30, 150)),
        )
        reports.confirm_unit_report(r, actor=root, on=r.requested_on + timedelta(days=3))
    difficult = set(
        ResidentTag.objects.filter(
            resident__path__startswith=community.path,
            resident__present=True,
            tag__sensitive=False,
        ).values_list("resident__household_id", flat=True)
    )
    difficult_free = sorted(difficult)
    rng.shuffle(difficult_free)
    confirmed = []
    for n, member in enumerate(own):
        requested = today - timedelta(days=rng.randint(20, 170))
        if home and n < 2:
            requested = today - timedelta(days=200 + n * 15)  # past re-confirmation
        entry = reports.ReportEntry(
            community=community,
            unit=units.get(member.employer),
            employer=member.employer or "区属单位",
            employer_org=member.employer_org or "机关党支部",
            employer_contact="组织人事科",
            cadre_level=CadreLevel.COUNTY_LEADER
            if n == 2
            else CadreLevel.COMMITTEE
            if n % 9 == 3
            else CadreLevel.MEMBER,
            capacity=rng.choice([2, 3, 3, 4]),
            skills=member.skills,
        )
        report = reports.enter_report(actor=root, member=member, entry=entry, on=requested)
        if n % 17 == 5:
            continue  # still waiting for the community
        if n % 29 == 7:
            reports.decline_report(report, actor=root, reason="经核实不在本社区居住")
            continue
        confirmed.append(
            reports.confirm_report(report, actor=root, on=requested + timedelta(days=2))
        )
    unpaired = set(range(0, len(confirmed), 4)) if home else set()
    for n, report in enumerate(confirmed):
        if n in unpaired:
            continue
        started = report.confirmed_on
        if difficult_free and not (home and n % 3 == 0):
            pairing.pair(
                actor=root,
                member=report.member,
                household=Household.objects.get(pk=difficult_free.pop()),
                kind=PairKind.DIFFICULT,
                started_on=started,
            )
        neighbour = _neighbour(report.member, difficult)
        if neighbour is not None:
            pairing.pair(
                actor=root,
                member=report.member,
                household=neighbour,
                kind=PairKind.ORDINARY,
                started_on=started,
            )
    return len(own)


def _neighbour(member: Member, difficult: set[int]) -> Household | None:
    """An ordinary household in the member's building, not their own, not yet paired."""
    home = member.household
    if home is None:
        return None
    building = "/".join(home.path.split("/")[:7]) + "/"
    return (
        Household.objects.filter(path__startswith=building)
        .exclude(pk=home.pk)
        .exclude(pk__in=difficult)
        .exclude(pk__in=Pair.objects.filter(ended_on__isnull=True).values("household_id"))
        .order_by("path")
        .first()
    )


def _account(root: User, communities: list[Area]) -> None:
    """``zaizhi``: a confirmed in-service member of 和顺社区 with pairs, signing in."""
    community = next((c for c in communities if c.name == HOME), None)
    if community is None:
        return
    report = (
        Report.objects.filter(
            community=community,
            status="confirmed",
            member__user__isnull=True,
            member__pairs__isnull=False,
        )
        .exclude(cadre_level=CadreLevel.COUNTY_LEADER)
        .select_related("member")
        .order_by("confirm_due")
        .last()
    )
    if report is None or User.objects.filter(username=ACCOUNT).exists():
        return
    member = report.member
    user = User.objects.create(
        username=ACCOUNT,
        full_name=f"{community.name} {member.name}（在职党员）",
        home_path=community.path,
        password_changed_at=timezone.now(),
        password=make_password(_password()),
    )
    RoleAssignment.objects.create(user=user, role=Role.INSERVICE_MEMBER, area=community)
    member.user = user
    member.save(update_fields=["user"])
