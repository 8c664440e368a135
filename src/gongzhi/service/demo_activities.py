"""Demo volunteer activities for the demo street: last year's and this year's activities
in every demo community, with sign-ups and the hours they gave. Loads once.

Each community holds a monthly service activity (the third Saturday, 9:00–11:30) and,
in each quarter's theme month (``rules.theme_day_window``), a theme service day
(主题服务日, the quarter's last month, the 20th, 8:30–11:30). 和顺社区 missed the theme day
of the last quarter that is over (red on the theme-day page). Activities that have
happened are done: their volunteers checked in and out (a few forgot to check out and
were closed at the end, ``auto_closed``); the next four weeks' are published with their
sign-ups, one of them today in 和顺社区 with the demo account ``zaizhi`` signed up.

The volunteers are the in-service party members (their rows registered as
``volunteers.for_member`` does, in the community they reported to, live in, or whose
joint branch they belong to); each takes part at their own rate, so that some stay
below the yearly 16 hours. A few make-up entries of 和顺社区 wait for approval.

Rows are written as the services write them (the code, the positions, the hours by
``rules.served_hours``), in bulk."""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core.calendar import add_months
from gongzhi.core.errors import RuleViolation
from gongzhi.party.choices import Category, Standing
from gongzhi.party.models import Member

from . import rules, volunteers
from .activities import new_code
from .choices import ActivityState, HoursSource, HoursState, SignUpState
from .models import Activity, Hours, SignUp, Volunteer

FOCUS = "和顺社区"
DEMO_ACCOUNT = "zaizhi"
MONTHLY = [
    ("社区环境整治", "小区中心花园"),
    ("敬老院慰问服务", "幸福敬老院"),
    ("垃圾分类宣传引导", "各小区垃圾分类投放点"),
    ("文明交通劝导", "锦华路与和平街路口"),
    ("义诊与健康咨询", "社区党群服务中心"),
    ("四点半课堂辅导", "社区青少年活动室"),
]
THEME = ("主题服务日：“我为群众办实事”", "社区党群服务中心广场")
MAKEUP_REASONS = ["手机没电，未能扫码签到", "忘记签到", "现场网络故障，未能签到"]


def load(today: date | None = None) -> str:
    today = today or timezone.localdate()
    communities = list(Area.objects.filter(level=Level.COMMUNITY).order_by("path"))
    if not communities:
        return "尚无社区，未加载志愿服务活动的演示数据。"
    if Activity.objects.exists():
        return "志愿服务活动的演示数据已存在，未重复加载。"
    activities, lines = _load(today, communities)
    return f"已加载志愿服务活动的演示数据（{activities} 次活动，{lines} 条时长记录）。"


def _community_of(member: Member, by_path: dict[str, Area], today: date) -> Volunteer | None:
    try:
        return volunteers.for_member(member, on=today)
    except RuleViolation:  # neither a report nor a household: the joint branch's community
        pass
    area_path = member.organization.area.path if member.organization_id else ""
    community = by_path.get(volunteers.community_path(area_path)) if area_path else None
    if community is None:
        return None
    return Volunteer.objects.create(
        community=community,
        path=community.path,
        name=member.name,
        phone=member.phone,
        member=member,
        user=member.user,
        skills=member.skills,
        hobbies=member.hobbies,
        joined_on=today - timedelta(days=400),
    )


def _third_saturday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(5 - first.weekday()) % 7 + 14)


def _moment(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _missed_quarter(today: date) -> tuple[int, int]:
    """The last quarter whose theme month is over: (year, quarter)."""
    year, quarter = today.year, rules.quarter_of(today)
    while True:
        if today > rules.theme_day_window(year, quarter)[1]:
            return year, quarter
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4


@transaction.atomic
def _load(today: date, communities: list[Area]) -> tuple[int, int]:
    rng = random.Random(2026_03_05)  # noqa: S311 (repeatable demo data, no secret)
    now = timezone.now()
    by_path = {c.path: c for c in communities}
    members = (
        Member.objects.filter(category=Category.IN_SERVICE, standing=Standing.ACTIVE)
        .select_related("organization__area")
        .order_by("id")
    )
    crowd: dict[int, list[tuple[Volunteer, float]]] = defaultdict(list)
    for member in members:
        volunteer = _community_of(member, by_path, today)
        if volunteer is not None:
            # Each takes part at their own rate: some serve often, some seldom (< 16 h).
            crowd[volunteer.community_id].append(
                (volunteer, rng.choice([0.1, 0.2, 0.35, 0.5, 0.7]))
            )
    organisers = _organisers(communities)
    missed = _missed_quarter(today)
    made = 0
    lines: list[Hours] = []
    for community in communities:
        people = crowd.get(community.pk, [])
        organiser = organisers.get(community.pk)
        schedule = _schedule(community, today, missed)
        for title, place, starts_at, ends_at, theme in schedule:
            over = ends_at < now
            if not over and starts_at > now + timedelta(days=28):
                continue
            activity = Activity.objects.create(
                community=community,
                path=community.path,
                title=title,
                description="请着志愿者马甲，提前十分钟到场签到。",
                place=place,
                starts_at=starts_at,
                ends_at=ends_at,
                capacity=30 if theme else 15,
                theme_day=theme,
                open_to_residents=True,
                status=ActivityState.DONE if over else ActivityState.PUBLISHED,
                code=new_code(),
                organiser=organiser,
            )
            made += 1
            chosen = [v for v, rate in people if rng.random() < (rate * 1.5 if theme else rate)]
            chosen = chosen[: activity.capacity + 3]
            signups = []
            for i, volunteer in enumerate(chosen):
                waiting = i >= activity.capacity
                signups.append(
                    SignUp(
                        activity=activity,
                        volunteer=volunteer,
                        path=activity.path,
                        status=SignUpState.WAITLISTED if waiting else SignUpState.CONFIRMED,
                        position=i - activity.capacity + 1 if waiting else None,
                    )
                )
            SignUp.objects.bulk_create(signups)
            if over:
                for row in signups:
                    if row.status == SignUpState.CONFIRMED and rng.random() < 0.92:
                        lines.append(_served(activity, row.volunteer, rng))
    Hours.objects.bulk_create(lines, batch_size=1000)
    _makeups(communities, today, rng)
    _today_for_the_demo_account(communities, now)
    return made, len(lines)


def _organisers(communities: list[Area]) -> dict[int, User | None]:
    """The community secretary's account (a user whose home is the community), else the
    first superuser."""
    root = User.objects.filter(is_superuser=True).order_by("id").first()
    found: dict[int, User | None] = {}
    for community in communities:
        found[community.pk] = (
            User.objects.filter(home_path=community.path, is_active=True).order_by("id").first()
            or root
        )
    return found


def _schedule(community: Area, today: date, missed: tuple[int, int]):
    """(title, place, starts_at, ends_at, theme_day) of last year's and this year's."""
    rows = []
    for year in (today.year - 1, today.year):
        for month in range(1, 13):
            title, place = MONTHLY[(month + len(community.name)) % len(MONTHLY)]
            day = _third_saturday(year, month)
            rows.append((title, place, _moment(day, 9), _moment(day, 11, 30), False))
        for quarter in (1, 2, 3, 4):
            if community.name == FOCUS and (year, quarter) == missed:
                continue  # 和顺社区 missed it
            first, _last = rules.theme_day_window(year, quarter)
            day = first.replace(day=20)
            rows.append((THEME[0], THEME[1], _moment(day, 8, 30), _moment(day, 11, 30), True))
    return rows


def _served(activity: Activity, volunteer: Volunteer, rng: random.Random) -> Hours:
    checked_in = activity.starts_at + timedelta(minutes=rng.randint(-20, 15))
    forgot = rng.random() < 0.05
    checked_out = (
        activity.ends_at
        if forgot
        else activity.ends_at - timedelta(minutes=rng.choice([0, 0, 0, 10, 30, -15]))
    )
    return Hours(
        volunteer=volunteer,
        activity=activity,
        path=activity.path,
        served_on=timezone.localdate(activity.starts_at),
        hours=rules.served_hours(checked_in, checked_out, activity.starts_at, activity.ends_at),
        source=HoursSource.CHECKIN,
        status=HoursState.VERIFIED,
        checked_in_at=checked_in,
        checked_out_at=checked_out,
        auto_closed=forgot,
        description=activity.title,
        created_by=volunteer.user,
    )


def _makeups(communities: list[Area], today: date, rng: random.Random) -> None:
    """A few make-up entries in 和顺社区 for last month's activities, waiting."""
    focus = next((c for c in communities if c.name == FOCUS), communities[0])
    since = add_months(today, -2)
    recent = Activity.objects.filter(
        community=focus, status=ActivityState.DONE, starts_at__date__gte=since
    ).order_by("-starts_at")
    made = 0
    for activity in recent:
        present = set(
            Hours.objects.filter(activity=activity).values_list("volunteer_id", flat=True)
        )
        absent = (
            SignUp.objects.filter(activity=activity, status=SignUpState.CONFIRMED)
            .exclude(volunteer_id__in=present)
            .select_related("volunteer")
            .order_by("id")
        )
        for row in absent[:2]:
            length = rules.activity_hours(activity.starts_at, activity.ends_at)
            Hours.objects.create(
                volunteer=row.volunteer,
                activity=activity,
                path=activity.path,
                served_on=timezone.localdate(activity.starts_at),
                hours=min(length, Decimal("2.00")),
                source=HoursSource.MANUAL,
                status=HoursState.PENDING,
                description=activity.title,
                reason=rng.choice(MAKEUP_REASONS),
                created_by=row.volunteer.user,
            )
            made += 1
        if made >= 4:
            return


def _today_for_the_demo_account(communities: list[Area], now: datetime) -> None:
    """An activity in 和顺社区 running now-ish, with ``zaizhi`` signed up (to try the
    check-in on a phone)."""
    focus = next((c for c in communities if c.name == FOCUS), None)
    user = User.objects.filter(username=DEMO_ACCOUNT).first()
    if focus is None or user is None:
        return
    volunteer = volunteers.of_user(user)
    if volunteer is None:
        member = Member.objects.filter(user=user, category=Category.IN_SERVICE).first()
        if member is None:
            return
        try:
            volunteer = volunteers.for_member(member, on=timezone.localdate(now))
        except RuleViolation:
            return
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    activity = Activity.objects.create(
        community=focus,
        path=focus.path,
        title="楼道清理志愿服务",
        description="清理楼道堆放杂物，消除消防隐患。",
        place="和顺小区3栋",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=10,
        status=ActivityState.PUBLISHED,
        code=new_code(),
        organiser=User.objects.filter(home_path=focus.path).order_by("id").first(),
    )
    SignUp.objects.create(
        activity=activity,
        volunteer=volunteer,
        path=focus.path,
        status=SignUpState.CONFIRMED,
    )
