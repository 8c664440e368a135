"""Demo care households and visits for the demo street: the households whose residents
carry care tags go on the care list with a tier, the grid workers' visits over the last
months keep most of them on time, and realistic gaps show on the compliance view.

* Tiers from the tags: 孤寡老人 / 空巢老人 aged 80 or more, and 重点人员, are high-risk
  (two per community at most); the other elderly, 残疾人 and 困难党员 are key
  households; 低保户, 五保户, 困难家庭 and the rest are normal. At most
  ``PER_COMMUNITY`` households per community.
* Visits: by the grid worker of the household's grid (the demo account ``wanggeyuan``
  in 和顺社区第1网格; elsewhere the community's secretary or staff, else the first
  administrator), one per norm interval back to the day the household was listed; about
  one in five households has its last visit overdue by a few days to a few weeks.
* 和顺社区's first high-risk household had a major event five hours ago (a fall, taken
  to hospital): its grid workers are told and it waits, due within 24 hours, on
  ``wanggeyuan``'s 待走访; another one's event three days ago was visited the next day.
* In-service members with a confirmed 双报到 (``demo_reports`` runs first) visit their
  paired households at their cadre level's interval; one in four is overdue.

Call ``load(today)`` once the residents' and the in-service members' demo data are
loaded; a second call changes nothing."""

import random
from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.residents.models import ResidentTag
from gongzhi.service.choices import ReportState
from gongzhi.service.models import Pair, Report

from . import care, rules
from .choices import CareReason, CareTier, VisitKind
from .models import CareHousehold, Visit

PER_COMMUNITY = 14
FOCUS = "和顺社区"
HIGH_RISK_TAGS = {"孤寡老人", "空巢老人"}
KEY_TAGS = {"残疾人", "困难党员", "老党员"}
KIND_OF_REASON = {
    CareReason.DIFFICULT: VisitKind.DIFFICULT_HOUSEHOLD,
    CareReason.ELDERLY_ALONE: VisitKind.ELDERLY_ALONE,
    CareReason.DISABLED: VisitKind.DISABLED,
    CareReason.DECEASED_MEMBER: VisitKind.DECEASED_MEMBER,
    CareReason.DISPUTE: VisitKind.DISPUTE,
    CareReason.OTHER: VisitKind.ROUTINE,
}
FOUND = [
    "老人身体状况稳定，按时服药，家中物资充足。",
    "了解到近期血压偏高，已提醒复诊并联系社区医生上门。",
    "家中燃气灶老化，已提醒更换并登记为需跟进事项。",
    "子女每周回来一次，老人希望社区多组织老年活动。",
    "低保年审材料已备齐，代为提交街道。",
    "房屋漏水影响生活，已联系物业查看。",
    "情绪较好，交谈中反映楼道照明不足。",
    "残疾人补贴已到账，询问康复器具申领办法，已解答。",
]
EVENT_NOTE = "老人在家摔倒，已送医院治疗"


def load(today: date | None = None) -> str:
    today = today or timezone.localdate()
    street = Area.objects.filter(level=Level.STREET).order_by("path").first()
    if street is None:
        return "尚无街道，未加载关爱户的演示数据。"
    if CareHousehold.objects.filter(path__startswith=street.path).exists():
        return "关爱户的演示数据已存在，未重复加载。"
    listed, visits, events = _load(street, today)
    if not listed:
        return "尚无带关爱标签的居民，未加载关爱户的演示数据。"
    return f"已加载关爱户的演示数据（{listed} 户关爱户，{visits} 条走访记录，{events} 户发生重大事件）。"


@transaction.atomic
def _load(street: Area, today: date) -> tuple[int, int, int]:
    rng = random.Random(2026_12_07)  # noqa: S311 (demo data, reproducible)
    root = User.objects.filter(is_superuser=True).order_by("id").first()
    actor = root or User.objects.filter(is_active=True).order_by("id").first()
    if actor is None:
        return 0, 0, 0
    communities = list(Area.objects.filter(parent=street, level=Level.COMMUNITY).order_by("code"))
    new_visits: list[Visit] = []
    listed = events = 0
    for community in communities:
        candidates = _candidates(community, today)
        high = 0
        entries: list[CareHousehold] = []
        for household, tags, age in candidates[:PER_COMMUNITY]:
            tier = CareTier.NORMAL
            if ("重点人员" in tags or (tags & HIGH_RISK_TAGS and age >= 80)) and high < 2:
                tier, high = CareTier.HIGH_RISK, high + 1
            elif tags & (KEY_TAGS | HIGH_RISK_TAGS):
                tier = CareTier.KEY
            reason = _reason(tags)
            entries.append(
                care.add_care(
                    actor=actor,
                    household=household,
                    tier=tier,
                    reason=reason,
                    note="、".join(sorted(tags)),
                    since=today - timedelta(days=rng.randint(90, 400)),
                )
            )
        listed += len(entries)
        visitors = _visitors(community, actor)
        if community.name == FOCUS:
            entries = _high_risk_in_first_grid(community, entries, actor)
        high_risk = sorted(
            (e for e in entries if e.tier == CareTier.HIGH_RISK), key=lambda e: e.path
        )
        for entry in entries:
            visitor = _visitor_for(entry, visitors, actor)
            late = rng.random() < 0.2
            new_visits += _history(entry, visitor, today, late, rng)
        if community.name == FOCUS and high_risk:
            events += _events(high_risk, actor, today, visitors, new_visits)
    new_visits += _member_visits(street, today, rng)
    Visit.objects.bulk_create(new_visits, batch_size=500)
    return listed, len(new_visits), events


def _candidates(community: Area, today: date) -> list[tuple[Household, set[str], int]]:
    """The community's households with tagged present residents: tags and the oldest
    tagged resident's age, those with the most tags first."""
    tags: dict[int, set[str]] = defaultdict(set)
    age: dict[int, int] = defaultdict(int)
    links = ResidentTag.objects.filter(
        resident__path__startswith=community.path, resident__present=True, tag__is_active=True
    ).values_list("resident__household_id", "tag__name", "resident__birth_date")
    for household_id, name, birth in links:
        tags[household_id].add(name)
        years = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
        age[household_id] = max(age[household_id], years)
    households = Household.objects.in_bulk(list(tags))
    order = sorted(tags, key=lambda h: (-len(tags[h]), -age[h], households[h].path))
    return [(households[h], tags[h], age[h]) for h in order]


def _high_risk_in_first_grid(
    community: Area, entries: list[CareHousehold], actor: User
) -> list[CareHousehold]:
    """The demo grid worker's grid (the first) has a high-risk household, for the event."""
    grid = Area.objects.filter(parent=community, level=Level.GRID).order_by("code").first()
    if grid is None:
        return entries
    mine = [e for e in entries if e.path.startswith(grid.path)]
    if not mine or any(e.tier == CareTier.HIGH_RISK for e in mine):
        return entries
    upgraded = care.update_care(
        mine[0],
        actor=actor,
        version=mine[0].version,
        tier=CareTier.HIGH_RISK,
        reason=mine[0].reason,
        note=mine[0].note,
    )
    return [upgraded if e.pk == upgraded.pk else e for e in entries]


def _reason(tags: set[str]) -> str:
    for tag in sorted(tags):
        if tag in care.TAG_REASONS:
            return str(care.TAG_REASONS[tag])
    return CareReason.OTHER


def _visitors(community: Area, fallback: User) -> dict[str, User]:
    """Grid path → the grid worker (or the community's staff) who visits there."""
    found: dict[str, User] = {}
    staff = (
        User.objects.filter(
            role_assignments__area=community,
            role_assignments__role__in=[Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY],
        )
        .order_by("id")
        .first()
    )
    for grid in Area.objects.filter(parent=community, level=Level.GRID):
        worker = (
            User.objects.filter(
                role_assignments__area=grid, role_assignments__role=Role.GRID_WORKER
            )
            .order_by("id")
            .first()
        )
        found[grid.path] = worker or staff or fallback
    return found


def _visitor_for(entry: CareHousehold, visitors: dict[str, User], fallback: User) -> User:
    for path, user in visitors.items():
        if entry.path.startswith(path):
            return user
    return fallback


def _history(
    entry: CareHousehold, visitor: User, today: date, late: bool, rng: random.Random
) -> list[Visit]:
    """Visits from the day the household was listed, one per interval (a few days early
    now and then); a late household's last visit is a little overdue today."""
    visits: list[Visit] = []
    day = entry.since + timedelta(days=rng.randint(0, 3))
    while True:
        nxt = rules.household_due(entry.tier, day, entry.since)
        early = max(1, (nxt - day).days // 4)
        nxt -= timedelta(days=rng.randint(0, early))
        if nxt > today:
            break
        visits.append(_visit(entry, visitor, day, rng))
        day = nxt
    if late:
        # Drop the visits that would keep it on time: its last one is overdue by 2–20 days.
        limit = today - timedelta(days=rng.randint(2, 20))
        while (
            visits and rules.household_due(entry.tier, visits[-1].visited_on, entry.since) >= limit
        ):
            visits.pop()
    elif day <= today:
        visits.append(_visit(entry, visitor, day, rng))
    return visits


def _visit(entry: CareHousehold, visitor: User, day: date, rng: random.Random) -> Visit:
    household = entry.household
    return Visit(
        household=household,
        area_id=household.area_id,
        path=household.path,
        visitor=visitor,
        visited_on=day,
        kind=KIND_OF_REASON.get(CareReason(entry.reason), VisitKind.ROUTINE),
        found=rng.choice(FOUND),
    )


def _events(
    high_risk: list[CareHousehold],
    actor: User,
    today: date,
    visitors: dict[str, User],
    new_visits: list[Visit],
) -> int:
    """A fall five hours ago, not yet visited; an event three days ago, visited the next
    day."""
    now = timezone.now()
    first = high_risk[0]
    care.record_event(
        first,
        actor=actor,
        version=first.version,
        event_at=now - timedelta(hours=5),
        event_note=EVENT_NOTE,
    )
    if len(high_risk) < 2:
        return 1
    second = high_risk[1]
    care.record_event(
        second,
        actor=actor,
        version=second.version,
        event_at=now - timedelta(days=3),
        event_note="家属突发疾病住院，老人独自在家",
    )
    visited = timezone.localtime(now - timedelta(days=2)).date()
    new_visits.append(
        Visit(
            household=second.household,
            area_id=second.household.area_id,
            path=second.household.path,
            visitor=_visitor_for(second, visitors, actor),
            visited_on=visited,
            kind=VisitKind.ILLNESS,
            found="上门看望，已联系亲属轮流照看，社区医生每日电话随访。",
        )
    )
    return 2


def _member_visits(street: Area, today: date, rng: random.Random) -> list[Visit]:
    """In-service members with a confirmed report visit their paired households at their
    cadre level's interval; one in four has let it lapse."""
    reports = (
        Report.objects.filter(status=ReportState.CONFIRMED, path__startswith=street.path)
        .exclude(member__user=None)
        .select_related("member", "member__user")
    )
    pairs: dict[int, list[Pair]] = defaultdict(list)
    for p in Pair.objects.filter(
        member_id__in=[r.member_id for r in reports], ended_on__isnull=True
    ).select_related("household"):
        pairs[p.member_id].append(p)
    visits: list[Visit] = []
    for report in reports:
        mine = pairs.get(report.member_id)
        if not mine:
            continue
        start = report.confirmed_on or report.requested_on
        late = rng.random() < 0.25
        day = start + timedelta(days=rng.randint(3, 20))
        n = 0
        while day <= today:
            due = rules.visitor_due(report.cadre_level, day, start)
            if late and due >= today - timedelta(days=10):
                break  # the last visit it made is now overdue by some days
            household = mine[n % len(mine)].household
            visits.append(
                Visit(
                    household=household,
                    area_id=household.area_id,
                    path=household.path,
                    visitor=report.member.user,
                    member=report.member,
                    visited_on=day,
                    kind=VisitKind.ROUTINE,
                    found=rng.choice(FOUND),
                )
            )
            n += 1
            day = due - timedelta(days=rng.randint(0, 6))
    return visits
