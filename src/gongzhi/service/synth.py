"""Synthetic in-service members and volunteering for the bench district (``gongzhi synth``).

At the default size (1,000,000 residents) it makes 20,000 in-service members (the party
step's in-service members, and more with households where they live when there are too
few), each with an account, 400 organ units (some outside the district), their 双报到
(85 % confirmed, some past their half-yearly re-confirmation, the rest requested, declined,
ended or never reported), about 6 unit reports per community with gaps, pairs with
households (1 difficult + 1–2 ordinary for most, with gaps and ended pairs), a volunteer
row for every in-service member and for 0.5 % of the residents, teams and posts, three
years of activities (6–10 per community a month, a theme service day each quarter) with
their sign-ups and waiting lists, about 2,000,000 hours lines (check-in lines verified or
closed at the activity's end, make-up lines pending/approved/declined, corrections), micro-
wishes in every state and the three-level ratings of 2025. No feedback batch is made.

Everything scales with ``ctx.residents`` (the knob of ``gongzhi synth --residents N``). Rows
go in through ``core.bulk.insert_rows`` with the primary keys chosen here, community by
community, so that memory stays flat; every query of a community is read into lists
before its rows are written (PostgreSQL's COPY holds the connection). A district that has
reports already is left alone: a second run writes nothing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.core import pii
from gongzhi.core.bulk import chunks, insert_rows
from gongzhi.core.names import person_name
from gongzhi.core.pinyin import name_fields
from gongzhi.party.choices import Category, Education, MemberStatus, OrgType
from gongzhi.party.models import Member, Organization
from gongzhi.party.synth import SKILLS, synth_id_number
from gongzhi.residents.models import Resident

from . import rules
from .choices import (
    ActivityState,
    CadreLevel,
    HoursSource,
    HoursState,
    PairKind,
    RatingGrade,
    RatingLevel,
    ReportState,
    Shortcoming,
    SignUpState,
    WishSource,
    WishState,
)
from .models import (
    Activity,
    Hours,
    OrganUnit,
    Pair,
    Post,
    Rating,
    RatingRelease,
    Report,
    SignUp,
    Team,
    UnitReport,
    Volunteer,
    Wish,
)
from .volunteers import community_path

# --- Sizes (per 1,000,000 residents) and the calendar ---------------------------------------

IN_SERVICE_PER_RESIDENT = 0.02  # 20,000 in-service members
UNITS_PER_RESIDENT = 0.0004  # 400 organ units
RESIDENT_VOLUNTEERS = 0.005  # 5,000 resident volunteers
CHECKINS_PER_VOLUNTEER = 96  # check-in lines a volunteer has over three years, on average
ACTIVITIES_A_MONTH = (6, 10)  # per community
MIN_UNITS = 6

START = date(2023, 12, 1)  # three years of activities, hours and visits …
TODAY = date(2026, 12, 1)  # … up to here; activities after it are still open for sign-up
RATING_YEAR = 2025
TZ = ZoneInfo(settings.TIME_ZONE)

# 双报到 states of the in-service members (the rest never reported).
REPORT_SHARES = (
    (ReportState.CONFIRMED, 85),
    (ReportState.REQUESTED, 6),
    (ReportState.DECLINED, 2),
    (ReportState.ENDED, 4),
    (None, 3),
)
LAPSED_SHARE = 0.1  # confirmed reports past their re-confirmation
UNITS_IN_DISTRICT = 0.7

# Activity attendance: how keen each volunteer is (some never reach 16 hours a year).
KEENNESS = (0.05, 0.15, 0.4, 1.0, 1.0, 1.5, 2.5)
NO_SHOW = 0.08  # signed up, did not come
FORGOT_CHECKOUT = 0.04  # closed at the activity's end
MAKEUP_OF_NO_SHOW = 0.5  # a no-show asks for a make-up line
STANDALONE_PER_YEAR = 0.5  # make-up lines without an activity, per volunteer and year
CORRECTED = 0.01  # check-in lines corrected later

UNIT_KINDS = (
    ("区教育局", "机关"),
    ("区卫生健康局", "机关"),
    ("区民政局", "机关"),
    ("区住房建设局", "机关"),
    ("区财政局", "机关"),
    ("区市场监管局", "机关"),
    ("区城管局", "机关"),
    ("区人社局", "机关"),
    ("区司法局", "机关"),
    ("区税务局", "机关"),
    ("区文旅局", "机关"),
    ("区人民医院", "医院"),
    ("区中医医院", "医院"),
    ("区实验小学", "学校"),
    ("区第一中学", "学校"),
    ("供电公司", "国企"),
    ("自来水公司", "国企"),
    ("燃气公司", "国企"),
    ("农商银行支行", "金融"),
    ("邮政分公司", "国企"),
)
OUTSIDE_KINDS = (
    "省交通运输厅",
    "市规划和自然资源局",
    "市公安局",
    "省电力公司",
    "四川大学",
    "西南交通大学",
    "市第三人民医院",
    "省建筑设计研究院",
    "市商业银行",
    "高新区管委会",
)
COMPANIES = ("科技有限公司", "建设集团", "物流有限公司", "律师事务所", "会计师事务所")
TEAMS = (
    ("红色先锋志愿服务队", "政策宣讲"),
    ("邻里守望服务队", "助老,陪伴"),
    ("专业技能服务队", "法律咨询,义诊,家电维修"),
    ("文明劝导服务队", "文明劝导,环境整治"),
)
POSTS = (
    ("政策宣讲岗", "政策宣讲"),
    ("法律咨询岗", "法律咨询"),
    ("健康义诊岗", "义诊"),
    ("助老助残岗", "助老"),
    ("环境整治岗", "环境整治"),
    ("矛盾调解岗", "调解"),
)
ACTIVITY_TITLES = (
    ("社区环境大扫除", "小区公共区域"),
    ("关爱独居老人上门服务", "社区各小区"),
    ("义诊进社区", "社区党群服务中心"),
    ("法律咨询服务", "社区党群服务中心"),
    ("垃圾分类宣传引导", "各小区垃圾投放点"),
    ("文明交通劝导", "社区主要路口"),
    ("政策宣讲进楼栋", "社区会议室"),
    ("家电义务维修", "社区广场"),
    ("周末课堂辅导", "社区图书室"),
    ("反诈宣传", "社区广场"),
)
THEME_TITLE = "季度主题服务日"
STANDALONE = ("社区值守", "疫苗接种点引导", "防汛巡查", "社区夜间巡逻")
WISHES = (
    ("一台电饭煲", 200),
    ("冬季棉被一床", 300),
    ("孩子的学习用品", 150),
    ("助行器一副", 400),
    ("更换厨房水龙头", 120),
    ("一次上门理发", 50),
    ("老花镜一副", 80),
    ("电风扇一台", 180),
    ("书包和文具", 120),
    ("陪同就医一次", 0),
)
RESOURCES = ("场地、志愿者队伍", "专业技术服务", "慈善资金、物资", "政策咨询")


def scale_of(ctx) -> float:
    return ctx.residents / 1_000_000


@dataclass
class Ids:
    """The next primary key of each table written here (keys are chosen, not returned)."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, model, n: int = 1) -> int:
        key = model._meta.label
        if key not in self.next:
            top = model.objects.order_by("-pk").values_list("pk", flat=True).first()
            self.next[key] = (top or 0) + 1
        first = self.next[key]
        self.next[key] += n
        return first


@dataclass
class Community:
    id: int
    path: str
    name: str
    street_id: int


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max((last - first).days, 0)))


def _months(first: date, last: date):
    """(year, month) from ``first``'s month to ``last``'s."""
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def synthesize(ctx) -> None:
    district = ctx.district
    if Report.objects.filter(path__under=district.path).exists():
        ctx.log("service: the district has reports already, nothing written")
        return
    ids = Ids()
    due_of: dict[date, date] = {}

    def due(day: date) -> date:
        if day not in due_of:
            due_of[day] = rules.confirm_due(day)
        return due_of[day]

    communities = [
        Community(pk, path, name, parent)
        for pk, path, name, parent in Area.objects.filter(
            path__under=district.path, level=Level.COMMUNITY
        )
        .order_by("path")
        .values_list("id", "path", "name", "parent_id")
    ]
    with ctx.step("service in-service members"):
        _add_members(ctx, communities)
    with ctx.step("service organ units"):
        units = _units(ctx, ids, communities)
    with ctx.step("service reports, pairs, volunteers and accounts"):
        people = _people(ctx, ids, communities, units, due)
    with ctx.step("service activities, sign-ups and hours"):
        _activities(ctx, ids, communities, people)
    with ctx.step("service wishes and ratings"):
        _wishes_and_ratings(ctx, ids, communities, units, people)


# --- In-service members -------------------------------------------------------------------


def _add_members(ctx, communities: list[Community]) -> None:
    """Enough in-service members: the party step's, and more with households where they
    live (in the branch of their grid), spread over the grids by their households."""
    rng = ctx.rng("service-members")
    district = ctx.district
    target = round(IN_SERVICE_PER_RESIDENT * ctx.residents)
    have = Member.objects.filter(path__under=district.path, category=Category.IN_SERVICE).count()
    missing = target - have
    if missing <= 0:
        return
    branches = dict(
        Organization.objects.filter(
            path__under=district.path, org_type=OrgType.GRID_BRANCH
        ).values_list("path", "id")
    )
    if not branches:
        return
    homes: list[tuple[int, str]] = []  # (household, grid path) of every household
    for batch in ctx.iter_households(fields=("id", "path")):
        for household_id, path in batch:
            grid = "/".join(path.split("/")[:5]) + "/"
            if grid in branches:
                homes.append((household_id, grid))
    if not homes:
        return
    region = district.code[:6]
    first_index = 500 * 20000  # past the party step's numbers (serials 500 on)

    def members():
        for k in range(missing):
            # Born 1966–1994 (of working age): the days 9,500–19,999 after 1 January 1940.
            index = first_index + (k // 10_500) * 20_000 + 9_500 + k % 10_500
            household_id, grid = homes[rng.randrange(len(homes))]
            number = synth_id_number(index, region)
            birth = pii.birth_date(number)
            admitted = min(
                date(birth.year + rng.randint(19, 30), rng.randint(1, 12), 1), date(2025, 12, 1)
            )
            name = person_name(rng)
            phone = f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}"
            yield Member(
                name=name,
                **name_fields(name),
                sex=pii.sex(number),
                birth_date=birth,
                **Member.id_number_fields(number),
                phone=phone,
                phone_tail=phone[-4:],
                education=rng.choice(Education.values),
                organization_id=branches[grid],
                path=grid,
                status=MemberStatus.FULL,
                category=Category.IN_SERVICE,
                admitted_on=admitted,
                converted_on=admitted + timedelta(days=365),
                skills=rng.choice(SKILLS),
                household_id=household_id,
                last_contact_on=date(2026, 1, 1) - timedelta(days=rng.randint(0, 300)),
            )

    ctx.count("在职党员（补充）", ctx.bulk_create(Member, members(), batch_size=5000))


# --- Organ units ----------------------------------------------------------------------------


def _units(ctx, ids: Ids, communities: list[Community]) -> list[tuple[int, str, str, bool]]:
    """(id, name, party organization, in district) of the organ units."""
    rng = ctx.rng("service-units")
    district = ctx.district
    n = max(MIN_UNITS, round(UNITS_PER_RESIDENT * ctx.residents))
    streets = list(
        Area.objects.filter(parent=district, level=Level.STREET)
        .order_by("code")
        .values_list("id", "path", "name")
    )
    first = ids.take(OrganUnit, n)
    rows, units, used = [], [], set()
    for i in range(n):
        inside = i < round(n * UNITS_IN_DISTRICT)
        street_id, street_path, street_name = streets[i % len(streets)]
        if inside:
            base, _kind = UNIT_KINDS[i % len(UNIT_KINDS)]
            name = (
                base.replace("区", district.name, 1)
                if base.startswith("区")
                else f"{district.name}{base}"
            )
            if name in used:  # a second office of the same kind: by street
                name = f"{name}{street_name.removesuffix('街道')}所"
        else:
            name = OUTSIDE_KINDS[i % len(OUTSIDE_KINDS)]
            if name in used:
                name = f"{person_name(rng)[:1]}{rng.choice('华兴盛安宁')}{rng.choice(COMPANIES)}"
        while name in used:
            name = f"{name}{rng.randint(2, 99)}"
        used.add(name)
        party_org = f"{name}机关党委" if inside else f"{name}党委"
        phone = f"028{rng.randint(80000000, 89999999)}"
        area_id, path = (street_id, street_path) if inside else (district.pk, district.path)
        rows.append((first + i, area_id, path, name, party_org, person_name(rng), phone, inside))
        units.append((first + i, name, party_org, inside))
    insert_rows(
        OrganUnit,
        ("id", "area_id", "path", "name", "party_org", "contact", "phone", "in_district"),
        rows,
    )
    ctx.count("报到单位", n)

    # Unit reports: about 6 per community, some communities short, some requested.
    inside_units = [u for u in units if u[3]]
    reports = []
    first = ids.take(UnitReport, 8 * len(communities))
    next_id = first
    for c in communities:
        k = min(len(inside_units), rng.choice((3, 4, 5, 6, 6, 6, 6, 7)))
        for unit_id, _name, _org, _inside in rng.sample(inside_units, k):
            requested = _day_between(rng, date(2021, 3, 1), date(2026, 10, 31))
            status = ReportState.CONFIRMED if rng.random() < 0.92 else ReportState.REQUESTED
            confirmed = confirm_due = None
            if status == ReportState.CONFIRMED:
                # The latest (re)confirmation; one in ten is past its next one.
                back = rng.randint(190, 300) if rng.random() < LAPSED_SHARE else rng.randint(1, 170)
                confirmed = max(requested + timedelta(days=7), TODAY - timedelta(days=back))
                confirm_due = rules.confirm_due(confirmed)
            else:
                requested = _day_between(rng, date(2026, 10, 1), TODAY - timedelta(days=1))
            reports.append(
                (
                    next_id,
                    unit_id,
                    c.id,
                    c.path,
                    status,
                    requested,
                    confirmed,
                    confirm_due,
                    rng.choice(RESOURCES),
                )
            )
            next_id += 1
    insert_rows(
        UnitReport,
        (
            "id",
            "unit_id",
            "community_id",
            "path",
            "status",
            "requested_on",
            "confirmed_on",
            "confirm_due",
            "resources",
        ),
        reports,
    )
    ctx.count("单位报到", len(reports))
    return units


# --- Reports, pairs, volunteers, accounts ---------------------------------------------------


@dataclass
class Person:
    """An in-service member as later steps need them."""

    member: int
    user: int
    volunteer: int
    community: int
    report_from: date | None  # confirmed reports: since when they serve
    status: str | None
    cadre: str
    unit: int | None
    joined: date  # registered as a volunteer


@dataclass
class People:
    by_community: dict[int, list[Person]] = field(default_factory=lambda: defaultdict(list))
    resident_volunteers: dict[int, list[tuple[int, date]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # (household, path) of each community's difficult households.
    difficult: dict[int, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))


def _people(ctx, ids: Ids, communities: list[Community], units, due) -> People:
    rng = ctx.rng("service-people")
    district = ctx.district
    by_path = {c.path: c for c in communities}
    members_by_community: dict[int, list[tuple]] = defaultdict(list)
    for row in (
        Member.objects.filter(path__under=district.path, category=Category.IN_SERVICE)
        .order_by("id")
        .values_list("id", "name", "phone", "path", "skills", "hobbies")
    ):
        c = by_path.get(community_path(row[3]))
        if c is not None:
            members_by_community[c.id].append(row)
    states = [s for s, _w in REPORT_SHARES]
    weights = [w for _s, w in REPORT_SHARES]
    people = People()
    counts: dict[str, int] = defaultdict(int)
    username_prefix = f"zz{district.code}_"
    member_updates: list[tuple] = []
    for c in communities:
        members = members_by_community.get(c.id, [])
        homes = list(
            Household.objects.filter(path__under=c.path)
            .exclude(status="vacant")
            .values_list("id", "path")
        )
        residents = (
            list(
                Resident.objects.filter(path__under=c.path, present=True).values_list(
                    "id", "name", "phone"
                )
            )
            if RESIDENT_VOLUNTEERS
            else []
        )
        if not homes:
            continue
        path_of = dict(homes)
        by_grid: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for home in homes:
            by_grid["/".join(home[1].split("/")[:5]) + "/"].append(home)
        # The community's difficult households (about 4 %), each paired with at most two.
        pool = rng.sample(homes, max(1, round(len(homes) * 0.04)))
        people.difficult[c.id] = pool
        difficult_slots = [h for h, _p in pool for _ in range(2)]
        rng.shuffle(difficult_slots)

        user_first = ids.take(User, len(members))
        volunteer_first = ids.take(Volunteer, len(members))
        report_first = ids.take(Report, len(members))
        leaders = rng.choices((0, 1, 2, 3), (10, 50, 35, 5))[0]
        users, roles, reports, pairs, volunteers = [], [], [], [], []
        for i, (member_id, name, phone, path, skills, hobbies) in enumerate(members):
            user_id, volunteer_id = user_first + i, volunteer_first + i
            status = rng.choices(states, weights)[0]
            requested = _day_between(rng, date(2019, 3, 1), date(2026, 6, 30))
            confirmed = confirm_due = ended = None
            cadre = CadreLevel.MEMBER
            unit = None
            report_from = None
            if status == ReportState.CONFIRMED:
                back = rng.randint(190, 300) if rng.random() < LAPSED_SHARE else rng.randint(1, 170)
                # Confirmed once (the report's start), re-confirmed every half year since:
                # the last re-confirmation sets the next due date.
                report_from = requested + timedelta(days=rng.randint(3, 20))
                confirmed = report_from
                confirm_due = due(max(report_from, TODAY - timedelta(days=back)))
                if leaders:
                    cadre, leaders = CadreLevel.COUNTY_LEADER, leaders - 1
                elif rng.random() < 0.05:
                    cadre = CadreLevel.COMMITTEE
            elif status == ReportState.REQUESTED:
                requested = _day_between(rng, date(2026, 10, 1), TODAY - timedelta(days=1))
            elif status == ReportState.ENDED:
                requested = _day_between(rng, date(2019, 3, 1), date(2025, 12, 31))
                ended = _day_between(
                    rng, requested + timedelta(days=200), TODAY - timedelta(days=1)
                )
            if status is not None:
                if rng.random() < 0.85 and units:
                    unit, employer, employer_org, _inside = units[rng.randrange(len(units))]
                else:
                    employer = (
                        f"{person_name(rng)[:1]}{rng.choice('华兴盛安宁')}{rng.choice(COMPANIES)}"
                    )
                    employer_org = f"{employer}党支部"
                reports.append(
                    (
                        report_first + len(reports),
                        member_id,
                        c.id,
                        c.path,
                        unit,
                        employer,
                        employer_org,
                        person_name(rng),
                        f"028{rng.randint(80000000, 89999999)}",
                        cadre,
                        rng.choice((2, 3, 3, 3, 4, 5)),
                        skills,
                        status,
                        requested,
                        confirmed,
                        confirm_due,
                        ended,
                    )
                )
                counts[status] += 1
                member_updates.append((user_id, employer, employer_org, member_id))
            else:
                member_updates.append((user_id, "", "", member_id))
            users.append((user_id, f"{username_prefix}{member_id}", name, "!", c.path, phone or ""))
            roles.append((user_id, Role.INSERVICE_MEMBER, c.id))
            joined = report_from or requested
            volunteers.append(
                (
                    volunteer_id,
                    c.id,
                    c.path,
                    name,
                    phone,
                    member_id,
                    None,
                    user_id,
                    skills,
                    hobbies,
                    joined,
                )
            )
            people.by_community[c.id].append(
                Person(
                    member_id, user_id, volunteer_id, c.id, report_from, status, cadre, unit, joined
                )
            )
            if status == ReportState.CONFIRMED:
                grid = path if path in by_grid else next(iter(by_grid))
                near = by_grid[grid]
                started = report_from
                mine = set()  # one live pair of a member with a household
                if rng.random() < 0.9 and difficult_slots:
                    household = difficult_slots.pop()
                    mine.add(household)
                    pairs.append(
                        (
                            member_id,
                            household,
                            path_of[household],
                            PairKind.DIFFICULT,
                            started,
                            None,
                        )
                    )
                ordinary = rng.choices((0, 1, 2), (15, 55, 30))[0]
                for household, hpath in rng.sample(near, min(ordinary, len(near))):
                    if household in mine:
                        continue
                    if rng.random() < 0.05:  # an earlier pairing, ended (history kept)
                        old, old_path = near[rng.randrange(len(near))]
                        ended_on = _day_between(rng, started, TODAY - timedelta(days=30))
                        if old != household:
                            pairs.append(
                                (member_id, old, old_path, PairKind.ORDINARY, started, ended_on)
                            )
                    pairs.append((member_id, household, hpath, PairKind.ORDINARY, started, None))
        # Residents who volunteer.
        k = min(len(residents), round(len(residents) * RESIDENT_VOLUNTEERS))
        first = ids.take(Volunteer, k)
        for j, (resident_id, name, phone) in enumerate(rng.sample(residents, k)):
            joined = _day_between(rng, date(2020, 1, 1), date(2026, 9, 30))
            volunteers.append(
                (
                    first + j,
                    c.id,
                    c.path,
                    name,
                    phone,
                    None,
                    resident_id,
                    None,
                    "",
                    rng.choice(("唱歌", "跳舞", "书法", "", "")),
                    joined,
                )
            )
            people.resident_volunteers[c.id].append((first + j, joined))
        insert_rows(
            User,
            ("id", "username", "full_name", "password", "home_path", "phone"),
            users,
        )
        insert_rows(RoleAssignment, ("user_id", "role", "area_id"), roles)
        insert_rows(
            Report,
            (
                "id",
                "member_id",
                "community_id",
                "path",
                "unit_id",
                "employer",
                "employer_org",
                "employer_contact",
                "employer_phone",
                "cadre_level",
                "capacity",
                "skills",
                "status",
                "requested_on",
                "confirmed_on",
                "confirm_due",
                "ended_on",
            ),
            reports,
        )
        insert_rows(
            Pair,
            ("member_id", "household_id", "path", "kind", "started_on", "ended_on"),
            pairs,
        )
        insert_rows(
            Volunteer,
            (
                "id",
                "community_id",
                "path",
                "name",
                "phone",
                "member_id",
                "resident_id",
                "user_id",
                "skills",
                "hobbies",
                "joined_on",
            ),
            volunteers,
        )
        counts["accounts"] += len(users)
        counts["pairs"] += len(pairs)
        counts["volunteers"] += len(volunteers)
    table = Member._meta.db_table
    with connection.cursor() as cursor:
        for chunk in chunks(member_updates, 5000):
            cursor.executemany(
                f"UPDATE {table} SET user_id = %s, employer = %s, employer_org = %s WHERE id = %s",  # noqa: S608 (the model's table)
                chunk,
            )
    ctx.count("在职党员账号", counts["accounts"])
    ctx.count("在职党员报到（已报到）", counts[ReportState.CONFIRMED])
    ctx.count(
        "在职党员报到（其他状态）",
        counts[ReportState.REQUESTED] + counts[ReportState.DECLINED] + counts[ReportState.ENDED],
    )
    ctx.count("结对联系户", counts["pairs"])
    ctx.count("志愿者", counts["volunteers"])
    return people


# --- Teams, posts, activities, sign-ups and hours -------------------------------------------

HOURS_FIELDS = (
    "id",
    "volunteer_id",
    "activity_id",
    "path",
    "served_on",
    "hours",
    "source",
    "status",
    "checked_in_at",
    "checked_out_at",
    "auto_closed",
    "description",
    "reason",
    "corrects_id",
    "decided_at",
    "decline_reason",
)
ACTIVITY_FIELDS = (
    "id",
    "community_id",
    "path",
    "title",
    "description",
    "place",
    "team_id",
    "post_id",
    "starts_at",
    "ends_at",
    "capacity",
    "theme_day",
    "status",
    "code",
)
SIGNUP_FIELDS = ("activity_id", "volunteer_id", "path", "status", "position")
HALF = Decimal("0.5")


def _decided(day: date, rng: random.Random) -> datetime:
    return _at(day + timedelta(days=rng.randint(1, 10)), rng.randint(9, 17), rng.randint(0, 59))


def _makeup_state(served_on: date, rng: random.Random) -> tuple[str, datetime | None, str]:
    """(status, decided at, decline reason) of a line entered by hand on ``served_on``:
    the last month's mostly wait for the organiser; older ones were decided."""
    if (TODAY - served_on).days <= 30 and rng.random() < 0.8:
        return HoursState.PENDING, None, ""
    if rng.random() < 0.15:
        return HoursState.DECLINED, _decided(served_on, rng), "无签到记录，组织者无法核实"
    return HoursState.APPROVED, _decided(served_on, rng), ""


def _plan(rng: random.Random) -> list[tuple[date, int, int, bool]]:
    """(day, start hour, hours, theme day) of a community's activities."""
    planned = []
    for year, month in _months(START, TODAY + timedelta(days=30)):
        first = date(year, month, 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        for _ in range(rng.randint(*ACTIVITIES_A_MONTH)):
            planned.append(
                (
                    _day_between(rng, first, last),
                    rng.choice((9, 9, 14, 14, 15, 19)),
                    rng.choice((2, 2, 3, 3, 4)),
                    False,
                )
            )
        quarter = rules.quarter_of(first)
        window = rules.theme_day_window(year, quarter)
        if window[0] <= first <= window[1]:
            planned.append((_day_between(rng, window[0], window[1]), 9, 3, True))
    return sorted(planned)


def _activities(ctx, ids: Ids, communities: list[Community], people: People) -> None:
    rng = ctx.rng("service-activities")
    counts: dict[str, int] = defaultdict(int)
    through = Team.members.through
    for c in communities:
        pool: list[tuple[int, date, float]] = [
            (p.volunteer, p.joined, rng.choice(KEENNESS)) for p in people.by_community.get(c.id, [])
        ] + [(v, joined, rng.choice(KEENNESS)) for v, joined in people.resident_volunteers[c.id]]
        if not pool:
            continue
        # Teams (a leader, a third to two thirds of the pool as members) and posts.
        team_first = ids.take(Team, len(TEAMS))
        teams, team_members = [], []
        for t, (name, skills) in enumerate(TEAMS):
            leader = pool[rng.randrange(len(pool))][0]
            teams.append((team_first + t, c.id, c.path, name, leader, skills))
        for volunteer, _joined, _keen in pool:
            if rng.random() < 0.6:
                team_members.append((team_first + rng.randrange(len(TEAMS)), volunteer))
        insert_rows(Team, ("id", "community_id", "path", "name", "leader_id", "skills"), teams)
        insert_rows(through, ("team_id", "volunteer_id"), set(team_members))
        post_first = ids.take(Post, len(POSTS))
        insert_rows(
            Post,
            ("id", "community_id", "path", "team_id", "name", "skills"),
            [
                (post_first + i, c.id, c.path, team_first + i % len(TEAMS), name, skills)
                for i, (name, skills) in enumerate(POSTS)
            ],
        )
        counts["teams"] += len(teams)
        counts["posts"] += len(POSTS)

        planned = _plan(rng)
        keen_total = sum(k for _v, _j, k in pool)
        per_activity = CHECKINS_PER_VOLUNTEER * len(pool) / len(planned)
        activity_first = ids.take(Activity, len(planned))
        activities, signups, lines = [], [], []
        corrections: list[tuple] = []
        for n, (day, hour, length, theme) in enumerate(planned):
            activity_id = activity_first + n
            starts, ends = _at(day, hour), _at(day, hour + length)
            if theme:
                title, place = THEME_TITLE, "社区党群服务中心"
            else:
                title, place = ACTIVITY_TITLES[rng.randrange(len(ACTIVITY_TITLES))]
            upcoming = day >= TODAY
            cancelled = not upcoming and rng.random() < 0.02
            wanted = per_activity * (1.5 if theme else 1.0) * rng.uniform(0.6, 1.4)
            people_in = [
                v
                for v, joined, keen in pool
                if joined <= day and rng.random() < keen * wanted / keen_total
            ]
            if upcoming:  # signed up so far
                people_in = people_in[: max(1, len(people_in) * 2 // 3)]
            others = [v for v, joined, _k in pool if joined <= day]
            no_shows = (
                []
                if upcoming
                else rng.sample(others, min(len(others), round(len(people_in) * NO_SHOW)))
            )
            came = set(people_in)
            no_shows = [v for v in no_shows if v not in came]
            confirmed = people_in + no_shows
            if rng.random() < 0.3 and confirmed:  # full, with a waiting list
                capacity = len(confirmed)
                taken = set(confirmed)
                waiting = [v for v in rng.sample(others, min(len(others), 5)) if v not in taken]
            else:
                capacity = max(10, (len(confirmed) // 10 + 1) * 10)
                waiting = []
            status = (
                ActivityState.PUBLISHED
                if upcoming
                else ActivityState.CANCELLED
                if cancelled
                else ActivityState.DONE
            )
            team = team_first + rng.randrange(len(TEAMS))
            post = post_first + rng.randrange(len(POSTS)) if rng.random() < 0.5 else None
            activities.append(
                (
                    activity_id,
                    c.id,
                    c.path,
                    title,
                    f"{c.name}{title}",
                    place,
                    team,
                    post,
                    starts,
                    ends,
                    capacity,
                    theme,
                    status,
                    f"{rng.randint(0, 999_999):06d}",
                )
            )
            sign_state = SignUpState.CANCELLED if cancelled else SignUpState.CONFIRMED
            signups.extend((activity_id, v, c.path, sign_state, None) for v in confirmed)
            signups.extend(
                (activity_id, v, c.path, SignUpState.WAITLISTED, i + 1)
                for i, v in enumerate(waiting)
            )
            if upcoming or cancelled:
                continue
            first_line = ids.take(Hours, len(people_in))
            for i, volunteer in enumerate(people_in):
                checked_in = starts - timedelta(minutes=rng.randint(-10, 25))
                if rng.random() < FORGOT_CHECKOUT:
                    checked_out, auto = None, True
                    served = rules.served_hours(checked_in, ends, starts, ends)
                else:
                    checked_out, auto = ends + timedelta(minutes=rng.randint(-40, 20)), False
                    served = rules.served_hours(checked_in, checked_out, starts, ends)
                lines.append(
                    (
                        first_line + i,
                        volunteer,
                        activity_id,
                        c.path,
                        day,
                        served,
                        HoursSource.CHECKIN,
                        HoursState.VERIFIED,
                        checked_in,
                        checked_out,
                        auto,
                        "",
                        "",
                        None,
                        None,
                        "",
                    )
                )
                if rng.random() < CORRECTED:
                    diff = -HALF if served >= HALF else HALF
                    corrections.append(
                        (
                            volunteer,
                            activity_id,
                            c.path,
                            day + timedelta(days=rng.randint(1, 20)),
                            diff,
                            first_line + i,
                        )
                    )
            for volunteer in no_shows:
                if rng.random() < MAKEUP_OF_NO_SHOW:
                    state, decided, why = _makeup_state(day, rng)
                    hours = Decimal(rng.choice(range(1, length * 2 + 1))) * HALF
                    lines.append(
                        (
                            ids.take(Hours),
                            volunteer,
                            activity_id,
                            c.path,
                            day,
                            hours,
                            HoursSource.MANUAL,
                            state,
                            None,
                            None,
                            False,
                            title,
                            "忘记签到，补录时长",
                            None,
                            decided,
                            why,
                        )
                    )
        for volunteer, activity_id, path, on, diff, original in corrections:
            fixed_on = min(on, TODAY - timedelta(days=1))
            lines.append(
                (
                    ids.take(Hours),
                    volunteer,
                    activity_id,
                    path,
                    fixed_on,
                    diff,
                    HoursSource.CORRECTION,
                    HoursState.APPROVED,
                    None,
                    None,
                    False,
                    "",
                    "签退时间记录有误，按实际服务时间更正",
                    original,
                    _at(fixed_on, 10),
                    "",
                )
            )
        # Service outside activities, entered by hand.
        for volunteer, joined, _keen in pool:
            for _ in range(3):
                if rng.random() < STANDALONE_PER_YEAR:
                    day = _day_between(rng, max(joined, START), TODAY - timedelta(days=1))
                    state, decided, why = _makeup_state(day, rng)
                    lines.append(
                        (
                            ids.take(Hours),
                            volunteer,
                            None,
                            c.path,
                            day,
                            Decimal(rng.choice((2, 3, 4, 5, 6))) * HALF,
                            HoursSource.MANUAL,
                            state,
                            None,
                            None,
                            False,
                            rng.choice(STANDALONE),
                            "线下服务，无签到记录",
                            None,
                            decided,
                            why,
                        )
                    )
        insert_rows(Activity, ACTIVITY_FIELDS, activities)
        insert_rows(SignUp, SIGNUP_FIELDS, signups)
        insert_rows(Hours, HOURS_FIELDS, lines)
        counts["activities"] += len(activities)
        counts["signups"] += len(signups)
        counts["hours"] += len(lines)
    ctx.count("志愿服务队", counts["teams"])
    ctx.count("服务岗位", counts["posts"])
    ctx.count("志愿服务活动", counts["activities"])
    ctx.count("活动报名", counts["signups"])
    ctx.count("志愿服务时长记录", counts["hours"])


# --- Wishes and ratings --------------------------------------------------------------------

WISH_FIELDS = (
    "id",
    "community_id",
    "household_id",
    "path",
    "title",
    "detail",
    "wisher",
    "source",
    "budget",
    "status",
    "published_on",
    "claimed_member_id",
    "claimed_unit_id",
    "claimed_by_id",
    "claimed_at",
    "fulfilled_at",
    "fulfil_note",
    "confirmed_at",
    "satisfaction",
)
OLD_WISH_STATES = (
    (WishState.CONFIRMED, 80),
    (WishState.CANCELLED, 8),
    (WishState.FULFILLED, 5),
    (WishState.CLAIMED, 4),
    (WishState.OPEN, 3),
)
NEW_WISH_STATES = (
    (WishState.OPEN, 35),
    (WishState.CLAIMED, 30),
    (WishState.FULFILLED, 15),
    (WishState.CONFIRMED, 20),
)
SOURCES = ((WishSource.VISIT, 50), (WishSource.REQUEST, 30), (WishSource.COMMUNITY, 20))
GRADES = (
    (RatingGrade.EXCELLENT, 25),
    (RatingGrade.GOOD, 55),
    (RatingGrade.FAIR, 15),
    (RatingGrade.POOR, 5),
)
RATING_FIELDS = (
    "member_id",
    "path",
    "year",
    "level",
    "grade",
    "shortcomings",
    "comment",
    "rater_name",
    "rated_on",
)


def _pick(rng: random.Random, table):
    return rng.choices([v for v, _w in table], [w for _v, w in table])[0]


def _wishes_and_ratings(ctx, ids: Ids, communities, units, people: People) -> None:
    rng = ctx.rng("service-wishes")
    party_org = {u[0]: u[2] for u in units}
    inside_units = [u[0] for u in units if u[3]] or [u[0] for u in units]
    wishes, ratings, releases = [], [], []
    shortcomings = list(Shortcoming.values)
    for c in communities:
        persons = people.by_community.get(c.id, [])
        serving = [p for p in persons if p.status == ReportState.CONFIRMED]
        homes = people.difficult.get(c.id, [])
        for year in (2024, 2025, 2026):
            first = max(date(year, 1, 1), START)
            last = min(date(year, 12, 31), TODAY - timedelta(days=1))
            for _ in range(rng.randint(15, 30)):
                published = _day_between(rng, first, last)
                recent = (TODAY - published).days <= 60
                state = _pick(rng, NEW_WISH_STATES if recent else OLD_WISH_STATES)
                title, budget = WISHES[rng.randrange(len(WISHES))]
                household, path = (
                    homes[rng.randrange(len(homes))]
                    if homes and rng.random() < 0.8
                    else (None, c.path)
                )
                member = unit = claimed_by = claimed_at = fulfilled = confirmed = None
                satisfaction, note = None, ""
                if state not in (WishState.OPEN, WishState.CANCELLED):
                    if serving and rng.random() < 0.7:
                        person = serving[rng.randrange(len(serving))]
                        member, claimed_by = person.member, person.user
                    else:
                        unit = inside_units[rng.randrange(len(inside_units))]
                    claimed_at = _at(published + timedelta(days=rng.randint(0, 5)), 10)
                    if state in (WishState.FULFILLED, WishState.CONFIRMED):
                        fulfilled = claimed_at + timedelta(days=rng.randint(1, 15))
                        note = "已送达心愿户"
                    if state == WishState.CONFIRMED:
                        confirmed = fulfilled + timedelta(days=rng.randint(0, 3))
                        satisfaction = rng.choices((5, 4, 3), (75, 20, 5))[0]
                    # Nothing in the future.
                    limit = _at(TODAY, 0)
                    claimed_at = min(claimed_at, limit)
                    fulfilled = fulfilled and min(fulfilled, limit)
                    confirmed = confirmed and min(confirmed, limit)
                wishes.append(
                    (
                        ids.take(Wish),
                        c.id,
                        household,
                        path,
                        title,
                        "",
                        person_name(rng),
                        _pick(rng, SOURCES),
                        Decimal(budget) if budget else None,
                        state,
                        published,
                        member,
                        unit,
                        claimed_by,
                        claimed_at,
                        fulfilled,
                        note,
                        confirmed,
                        satisfaction,
                    )
                )
        # The three-level ratings of the year before, for who served in it.
        group = f"第{rng.randint(1, 12)}居民小组"
        for person in serving:
            if person.report_from is None or person.report_from > date(RATING_YEAR, 9, 30):
                continue
            for level, rater, month in (
                (RatingLevel.GROUP, group, 1),
                (RatingLevel.COMMUNITY, f"{c.name}党委", 1),
                (RatingLevel.EMPLOYER, party_org.get(person.unit, "工作单位党组织"), 2),
            ):
                if rng.random() > 0.95:  # the gaps: a level that did not rate
                    continue
                grade = _pick(rng, GRADES)
                found: list[str] = []
                if grade == RatingGrade.POOR:
                    found = rng.sample(shortcomings, rng.randint(1, 2))
                elif grade == RatingGrade.FAIR and rng.random() < 0.2:
                    found = [rng.choice(shortcomings)]
                ratings.append(
                    (
                        person.member,
                        c.path,
                        RATING_YEAR,
                        level,
                        grade,
                        found,
                        "" if not found else "存在不足，需改进",
                        rater,
                        date(RATING_YEAR + 1, month, rng.randint(5, 25)),
                    )
                )
        if serving and rng.random() < 0.85:
            releases.append((c.id, c.path, RATING_YEAR))
    insert_rows(Wish, WISH_FIELDS, wishes)
    insert_rows(Rating, RATING_FIELDS, ratings)
    insert_rows(RatingRelease, ("community_id", "path", "year"), releases)
    ctx.count("微心愿", len(wishes))
    ctx.count("三级评议", len(ratings))
    ctx.count("评议结果公布", len(releases))
