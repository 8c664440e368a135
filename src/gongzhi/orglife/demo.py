"""Demo organizational life for the demo street: a year of meetings with realistic gaps,
and the demo branch secretary ``zhibu``. Loads once.

The window: every organization with a plan of its own under the street's communities
(the community committees, their branches and the branches' 党小组; the street's
working committee is left to the plan page) has a plan for last year and for this
year, generated from ``rules.slots`` as the plan service does. Every meeting of last
year was held, and this year's up to today; those of the rest of this year are planned,
the next ten days' already notified. Being loaded on any day, the demo thus always shows at
least twelve months of meetings before today.

A held meeting carries what the meeting services write: the notice (at least
``notice_days`` ahead), the roster of the members entitled (full and probationary
members of the branch for its meetings, the committee's seats for a committee meeting,
the group's members for a 党小组会, the whole community for the community committee's
other meetings), sign-in (QR code, ticked by the secretary, online for floating
members), leave with reasons, absences, make-up for most of them, decisions with votes
within quorum, class hours; then the minutes, approved, and the meeting is closed with
one study credit per member who attended (kind 党课 for a lecture, else 组织生活; the
meeting's class hours, in the year it was held). Meetings held in the last days are
still being recorded (held, minutes in draft, no credit yet).

The gaps, in 和顺社区 (where the demo community accounts work), besides its richer data
(a democratic evaluation round of last year decided in every branch with a committee,
talks, courses and trainings, corrected minutes):

* 第1网格党支部 (``zhibu``'s own) skipped the 支委会 of the last two months and last
  month's 主题党日: overdue, red in the compliance calendar, warnings on its workbench;
  its evaluation round has one 基本合格 and one 不合格 (an open correction with a
  follow-up); its talks this year miss some of the pairs;
* 第2网格党支部 held last month's 主题党日 five days late (within the week);
* 第3网格党支部's secretary has given no 党课 this year;
* 第3网格第1党小组 cancelled a 党小组会 three months ago for a storm warning;
* 离退休第2党支部 has no committee (the party demo's gap): its past 支委会 are cancelled
  with that reason.

A notified meeting has its roster drawn up (nobody signed in yet). The evaluation
rounds evaluate every member in active standing, probationary members too.

Two additions to the party side, which the meetings need: the demo's party groups have no
members, so each grid branch's active members are shared between its two groups (in the
order of their ids, a bulk update); and the community committees have no seats, so the
secretaries of their branches are seated on them (党委委员兼任支部书记) through
``party.services.add_seat``.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone, translation

from gongzhi.accounts import services as accounts
from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core import bulk, params
from gongzhi.core.calendar import add_months
from gongzhi.party import services as party
from gongzhi.party.choices import (
    Category,
    CommitteePost,
    EventKind,
    MemberStatus,
    OrgType,
    Standing,
)
from gongzhi.party.models import CommitteeSeat, CommunityCadre, Member, MemberEvent, Organization

from . import rules
from .choices import (
    ATTENDED,
    CorrectionState,
    Entitlement,
    Grade,
    MakeUpWay,
    MeetingKind,
    MeetingState,
    Presence,
    RoundState,
    SignInWay,
    StudyKind,
    TalkPair,
    TrainingLevel,
)
from .models import (
    Attendance,
    BallotReceipt,
    Correction,
    CorrectionFollowUp,
    Decision,
    Evaluation,
    EvaluationRound,
    Meeting,
    Minutes,
    PeerComment,
    Plan,
    StudyRecord,
    Talk,
)

K = MeetingKind
BATCH = 2000
BRANCH_SECRETARY = "zhibu"
# A meeting held this many days ago or less is still being recorded (minutes in draft).
RECORDING_DAYS = 2
# Meetings planned within this many days from today are notified already.
NOTIFIED_AHEAD = 10
LATE_THEME_DAYS = 5

# Class hours of each kind: (rules.class_hours length, hours).
LENGTH = {
    K.ASSEMBLY: (rules.HOURS, Decimal("2")),
    K.COMMITTEE: (rules.HOURS, Decimal("1.5")),
    K.GROUP: (rules.HOURS, Decimal("1.5")),
    K.LECTURE: (rules.HALF_DAY, None),
    K.THEME_DAY: (rules.HALF_DAY, None),
    K.LIFE: (rules.HALF_DAY, None),
    K.EVALUATION: (rules.HOURS, Decimal("3")),
}
START = {
    K.THEME_DAY: time(9, 0),
    K.LECTURE: time(14, 30),
    K.LIFE: time(9, 0),
}
THEMES = [
    "学习新修订的《中国共产党纪律处分条例》",
    "“我为群众办实事”楼栋走访",
    "学雷锋志愿服务：清理楼道堆放杂物",
    "清明祭英烈，重温入党誓词",
    "“五一”劳动节环境卫生大扫除",
    "防范电信诈骗宣传进院落",
    "庆祝建党纪念日，重温入党誓词",
    "关爱独居老人上门走访",
    "社区消防安全隐患排查",
    "喜迎国庆，升国旗唱国歌",
    "垃圾分类入户宣传",
    "学习宪法，开展“宪法宣传日”活动",
]
LECTURES = [
    "深入学习贯彻党的二十大精神",
    "坚持和发展新时代“枫桥经验”",
    "以党建引领推进基层治理现代化",
    "做新时代合格共产党员",
    "传承红色基因，赓续精神血脉",
    "严守党的纪律和规矩",
]
ASSEMBLY_TOPICS = {
    1: ("审议支部年度工作计划", "审议通过支部年度工作计划", False),
    2: ("推荐“两优一先”表彰对象", "推荐优秀共产党员候选人", True),
    3: ("讨论发展党员和预备党员转正事项", "同意发展对象列为预备党员", False),
    4: ("通报全年党费收缴和支部工作情况", "通报全年党费收缴情况", False),
}
COMMITTEE_TOPICS = [
    "研究本月主题党日安排",
    "研究困难党员慰问名单",
    "研究党员积分管理情况",
    "研究网格重点问题化解",
    "研究发展党员工作",
    "研究党费收缴和使用",
]
LEAVE_REASONS = {
    Category.RETIRED: ["身体不适", "住院治疗", "外地探亲", "照顾生病老伴"],
    Category.IN_SERVICE: ["单位加班", "外地出差", "单位值班"],
    Category.FLOATING: ["在外务工，无法到会"],
    Category.STUDENT: ["在校考试", "学校集中实习"],
}
DEFAULT_REASONS = ["家中有事", "外出就医", "照看孙辈", "临时加班"]
LATE_REASON = "与社区疫苗接种服务时间冲突，顺延召开"
STORM_REASON = "气象部门发布暴雨红色预警，取消集中活动"
NO_COMMITTEE_REASON = "支部委员会空缺，待选举产生新一届支委会"
CORRECTION_REASON = "更正出席人数，补记一名请假党员的请假事由"


@dataclass
class Org:
    """An organization of the demo with what its rosters are made of."""

    org: Organization
    community: str  # the community's area path
    seats: list[Member] = field(default_factory=list)
    secretary: Member | None = None
    members: list[Member] = field(default_factory=list)  # roster of member meetings
    author: User | None = None


@dataclass
class Gaps:
    skipped: set = field(default_factory=set)  # (org id, kind, year, slot)
    late: set = field(default_factory=set)
    cancelled: dict = field(default_factory=dict)  # (org id, kind, year, slot) → reason
    no_secretary_lecture: set = field(default_factory=set)  # org ids (this year)
    corrected: tuple | None = None  # (org id, kind, year, slot)


class _Row:
    """One roster line before it is inserted (``core.bulk.insert_rows``: a model instance
    per line costs more than the database does)."""

    __slots__ = (
        "member",
        "entitlement",
        "presence",
        "way",
        "signed_at",
        "leave_reason",
        "makeup_on",
        "makeup_way",
        "makeup_note",
    )

    def __init__(self, member: Member, entitlement: str):
        self.member, self.entitlement = member, entitlement
        self.presence, self.way, self.signed_at = Presence.UNKNOWN, "", None
        self.leave_reason, self.makeup_on, self.makeup_way, self.makeup_note = "", None, "", ""

    @property
    def member_id(self) -> int:
        return self.member.pk


ATTENDANCE_FIELDS = (
    "meeting_id",
    "member_id",
    "entitlement",
    "presence",
    "way",
    "signed_at",
    "leave_reason",
    "makeup_on",
    "makeup_way",
    "makeup_note",
)
CREDIT_FIELDS = (
    "member_id",
    "year",
    "on",
    "kind",
    "title",
    "hours",
    "meeting_id",
    "created_by_id",
)


def load(district_code: str) -> str:
    under = f"/{district_code}/"
    if Plan.objects.filter(path__startswith=under).exists():
        return "组织生活的演示数据已存在，未重复加载。"
    if not Organization.objects.filter(path__startswith=under).exists():
        return "尚无党组织，未加载组织生活的演示数据。"
    meetings, attendance = _load(district_code)
    return (
        f"已加载组织生活的演示数据（去年和今年的计划，{meetings} 次会议，"
        f"{attendance} 条参会记录，支部书记账号 {BRANCH_SECRETARY}）。"
    )


@transaction.atomic
def _load(district_code: str) -> tuple[int, int]:
    rng = random.Random(1921_07_01)
    today = timezone.localdate()
    now = timezone.now()
    root = User.objects.filter(is_superuser=True).order_by("id").first()
    street = (
        Area.objects.filter(level=Level.STREET, path__startswith=f"/{district_code}/")
        .order_by("path")
        .first()
    )
    communities = list(Area.objects.filter(parent=street, level=Level.COMMUNITY).order_by("code"))
    focus = next(
        (c for c in communities if c.name == "和顺社区"), communities[min(1, len(communities) - 1)]
    )
    _fill_groups(street)
    orgs = _organizations(street, root)
    by_name = {o.org.name: o for o in orgs}
    home = by_name[f"{focus.name}第1网格党支部"]
    secretary_user = _branch_secretary(home, root)
    for o in orgs:
        if o.community == focus.path:
            o.author = secretary_user if o is home else _community_user(focus, root)
        else:
            o.author = root
    gaps = _gaps(orgs, focus, today, by_name)
    years = (today.year - 1, today.year)
    builder = _Builder(rng, today, now, gaps, {c.path: _cadre_secretary(c) for c in communities})
    for year in years:
        for o in orgs:
            builder.plan(o, year)
    with translation.override(settings.LANGUAGE_CODE):  # labels written into the rows
        builder.save()
        _evaluations(rng, builder, [o for o in orgs if o.community == focus.path], home, today)
    _talks(rng, home, secretary_user, today)
    _courses(rng, [o for o in orgs if o.community == focus.path], root, today)
    return builder.meeting_count, builder.attendance_count


# --- The organizations and their rosters --------------------------------------------------


def _fill_groups(street: Area) -> None:
    """Share each branch's active members without a group between its 党小组 (the party
    demo makes the groups empty), in the order of their ids."""
    groups = defaultdict(list)
    for group in Organization.objects.filter(
        path__startswith=street.path, org_type=OrgType.GROUP, is_active=True
    ).order_by("name", "id"):
        groups[group.parent_id].append(group)
    for branch_id, its_groups in groups.items():
        ids = list(
            Member.objects.filter(
                organization_id=branch_id, standing=Standing.ACTIVE, party_group__isnull=True
            )
            .order_by("id")
            .values_list("id", flat=True)
        )
        share = -(-len(ids) // len(its_groups))
        for n, group in enumerate(its_groups):
            Member.objects.filter(pk__in=ids[n * share : (n + 1) * share]).update(party_group=group)


def _organizations(street: Area, root: User) -> list[Org]:
    """Every organization with a plan under the street's communities, with its roster."""
    members = list(
        Member.objects.filter(path__startswith=street.path, standing=Standing.ACTIVE).order_by("id")
    )
    by_branch, by_group = defaultdict(list), defaultdict(list)
    for m in members:
        by_branch[m.organization_id].append(m)
        if m.party_group_id:
            by_group[m.party_group_id].append(m)
    orgs = list(
        Organization.objects.filter(path__startswith=street.path, is_active=True)
        .select_related("area")
        .exclude(org_type=OrgType.WORKING_COMMITTEE)
        .order_by("tree_path")
    )
    orgs = [o for o in orgs if rules.org_class(o.org_type) is not None]
    seats = defaultdict(list)
    for seat in CommitteeSeat.objects.filter(organization__in=orgs).select_related("member"):
        seats[seat.organization_id].append(seat)
    result = []
    for org in orgs:
        community = "/".join(org.path.split("/")[:4]) + "/"
        item = Org(org, community)
        if org.org_type == OrgType.GROUP:
            item.members = by_group[org.pk]
        elif org.org_type == OrgType.COMMITTEE:
            below = [o for o in orgs if o.tree_path.startswith(org.tree_path)]
            item.members = [m for o in below for m in by_branch[o.pk]]
            item.seats = _community_seats(org, below, seats, root)
        else:
            item.members = by_branch[org.pk]
            ordered = sorted(seats[org.pk], key=lambda s: s.post != CommitteePost.SECRETARY)
            item.seats = [s.member for s in ordered]
            item.secretary = next(
                (s.member for s in ordered if s.post == CommitteePost.SECRETARY), None
            )
        result.append(item)
    return result


def _community_seats(committee, below, seats, root) -> list[Member]:
    """The community committee's seats: the demo gives it none, so the secretaries of its
    branches are seated on it (党委委员兼任支部书记, as communities do), through the
    party service, from the committee's term."""
    current = seats.get(committee.pk)
    if current:
        return [s.member for s in current]
    posts = [
        CommitteePost.ORGANIZATION,
        CommitteePost.PUBLICITY,
        CommitteePost.DISCIPLINE,
        CommitteePost.MEMBER,
        CommitteePost.MEMBER,
    ]
    secretaries = [
        s.member for o in below for s in seats.get(o.pk, []) if s.post == CommitteePost.SECRETARY
    ]
    started = committee.term_started_on or date(2021, 1, 1)
    for member, post in zip(secretaries, posts, strict=False):
        party.add_seat(
            actor=root, organization=committee, member=member, post=post, started_on=started
        )
    return secretaries[: len(posts)]


def _cadre_secretary(community: Area) -> str:
    cadre = CommunityCadre.objects.filter(
        community=community, party_post=CommitteePost.SECRETARY
    ).first()
    return f"{community.name}党委书记 {cadre.name}" if cadre else f"{community.name}党委书记"


def _community_user(community: Area, root: User) -> User:
    """Who records the community's meetings: its community staff account, else root."""
    return (
        User.objects.filter(
            role_assignments__area=community, role_assignments__role=Role.COMMUNITY_STAFF
        )
        .order_by("id")
        .first()
        or root
    )


def _branch_secretary(home: Org, root: User) -> User:
    """``zhibu``: the secretary of 和顺社区第1网格党支部, signing in as a branch secretary
    held on the branch, linked to their member record."""
    member = home.secretary
    user = User.objects.filter(username=BRANCH_SECRETARY).first()
    if user is None:
        user = User(
            username=BRANCH_SECRETARY,
            full_name=f"{home.org.name} {member.name[0]}书记",
            home_path=home.org.path,
            password_changed_at=timezone.now(),
            password=make_password(_demo_password()),
        )
        user.save()
        accounts.assign_role(
            actor=root, user=user, role=Role.BRANCH_SECRETARY, organization=home.org
        )
    if member.user_id is None:
        member.user = user
        member.save(update_fields=["user"])
    return user


def _demo_password() -> str:
    from gongzhi.core.management.commands.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def _gaps(orgs: list[Org], focus: Area, today: date, by_name: dict[str, Org]) -> Gaps:
    gaps = Gaps()
    year = today.year
    last_month = add_months(today.replace(day=1), -1)
    before = add_months(today.replace(day=1), -2)
    home = by_name[f"{focus.name}第1网格党支部"]
    for month in (before, last_month):
        gaps.skipped.add((home.org.pk, K.COMMITTEE, month.year, month.month))
    gaps.skipped.add((home.org.pk, K.THEME_DAY, last_month.year, last_month.month))
    gaps.corrected = (home.org.pk, K.ASSEMBLY, *_quarter_before(today))
    second = by_name.get(f"{focus.name}第2网格党支部")
    if second:
        gaps.late.add((second.org.pk, K.THEME_DAY, last_month.year, last_month.month))
    third = by_name.get(f"{focus.name}第3网格党支部")
    if third:
        gaps.no_secretary_lecture.add(third.org.pk)
        group = next(
            (
                o
                for o in orgs
                if o.org.parent_id == third.org.pk and o.org.name.endswith("第1党小组")
            ),
            None,
        )
        if group:
            month = add_months(today.replace(day=1), -3)
            gaps.cancelled[(group.org.pk, K.GROUP, month.year, month.month)] = STORM_REASON
    for o in orgs:
        if o.community == focus.path and o.org.org_type != OrgType.GROUP and not o.seats:
            for y in (year - 1, year):
                for month in range(1, 13):
                    gaps.cancelled[(o.org.pk, K.COMMITTEE, y, month)] = NO_COMMITTEE_REASON
    return gaps


def _quarter_before(today: date) -> tuple[int, int]:
    """(year, quarter) of the last quarter that ended before today."""
    month = add_months(today.replace(day=1), -((today.month - 1) % 3) - 1)
    return month.year, (month.month - 1) // 3 + 1


# --- Meetings ----------------------------------------------------------------------------


def _aware(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


class _Builder:
    """Plans, meetings and their rows in memory, saved in bulk (``save``)."""

    def __init__(self, rng, today, now, gaps, community_secretaries):
        self.rng, self.today, self.now, self.gaps = rng, today, now, gaps
        self.community_secretaries = community_secretaries
        self.zone = timezone.get_current_timezone()
        self.meetings: list[tuple[Meeting, Org, dict]] = []
        self.meeting_count = self.attendance_count = 0

    def plan(self, o: Org, year: int) -> None:
        theme_day = int(params.value("orglife.theme_day", on=date(year, 1, 1)))
        plan = Plan.objects.create(
            organization=o.org, path=o.org.path, year=year, theme_day=theme_day
        )
        for slot in rules.slots(o.org.org_type, year, theme_day):
            self.meetings.append(self._meeting(o, plan, slot))

    def _meeting(self, o: Org, plan: Plan, slot: rules.Slot) -> tuple[Meeting, Org, dict]:
        meeting = Meeting(
            organization=o.org,
            path=o.org.path,
            kind=slot.kind,
            plan=plan,
            year=slot.year,
            slot=slot.slot,
            due_on=slot.due_on,
            planned_on=slot.planned_on,
            state=MeetingState.PLANNED,
            place=self._place(o, slot.kind),
            topic=self._topic(o, slot),
            start_time=START.get(slot.kind, time(19, 30) if _evening(o) else time(14, 30)),
            online_allowed=slot.kind != K.COMMITTEE,
        )
        key = (o.org.pk, slot.kind, slot.year, slot.slot)
        extra: dict = {}
        if slot.kind == K.LECTURE:
            self._lecturer(o, meeting)
        if key in self.gaps.late:
            meeting.original_on = slot.planned_on
            meeting.planned_on = slot.planned_on + timedelta(days=LATE_THEME_DAYS)
            meeting.move_reason = LATE_REASON
        on = meeting.planned_on
        if key in self.gaps.cancelled and on < self.today + timedelta(days=NOTIFIED_AHEAD):
            meeting.state = MeetingState.CANCELLED
            meeting.cancel_reason = self.gaps.cancelled[key]
            if self.gaps.cancelled[key] == STORM_REASON:
                meeting.notified_at = self._notice(on)
        elif key in self.gaps.skipped:
            pass  # never notified, never held: overdue
        elif on < self.today:
            meeting.state = MeetingState.HELD
            meeting.held_on = on
            meeting.notified_at = self._notice(on)
            length, hours = LENGTH[slot.kind]
            meeting.class_hours = rules.class_hours(length, hours, on)
            extra["corrected"] = key == self.gaps.corrected
        elif on <= self.today + timedelta(days=NOTIFIED_AHEAD):
            meeting.state = MeetingState.NOTIFIED
            meeting.notified_at = min(self._notice(on), self.now)
        return meeting, o, extra

    def _notice(self, on: date) -> datetime:
        day = rules.notice_deadline(on) - timedelta(days=self.rng.randint(0, 2))
        return _aware(min(day, self.today), time(9, self.rng.randint(0, 59)))

    def _place(self, o: Org, kind: str) -> str:
        if kind == K.THEME_DAY:
            return (
                f"{o.org.area.name}党群服务站"
                if o.org.area.level == Level.GRID
                else "社区党群服务中心"
            )
        return "社区党群服务中心二楼会议室"

    def _topic(self, o: Org, slot: rules.Slot) -> str:
        kind, n = slot.kind, slot.slot
        if kind == K.THEME_DAY:
            return THEMES[(n - 1) % len(THEMES)]
        if kind == K.LECTURE:
            return LECTURES[(n + slot.year) % len(LECTURES)]
        if kind == K.ASSEMBLY:
            return (
                ASSEMBLY_TOPICS[min(n, 4)][0]
                if o.org.org_type != OrgType.COMMITTEE
                else "通报社区党委年度工作"
            )
        if kind == K.COMMITTEE:
            return COMMITTEE_TOPICS[(n - 1) % len(COMMITTEE_TOPICS)]
        if kind == K.GROUP:
            return f"{slot.year}年{n}月党小组学习：传达上级会议精神"
        if kind == K.LIFE:
            return f"{slot.year}年度组织生活会：对照检查，开展批评和自我批评"
        return f"{slot.year}年度民主评议党员"

    def _lecturer(self, o: Org, meeting: Meeting) -> None:
        """The secretary gives the second quarter's 党课 (none this year in the gap
        branch); the community secretary lectures the community; others by invitation."""
        if o.org.org_type == OrgType.COMMITTEE:
            meeting.lecturer_name = self.community_secretaries.get(o.community, "社区党委书记")
            return
        gap = o.org.pk in self.gaps.no_secretary_lecture and meeting.year == self.today.year
        if o.secretary and meeting.slot == 2 and not gap:
            meeting.lecturer = o.secretary
        elif len(o.seats) > 1 and meeting.slot == 3:
            meeting.lecturer = o.seats[1]
        else:
            meeting.lecturer_name = ["街道党校 王老师", "区委党校 李教授", "社区党委 宣讲员"][
                meeting.slot % 3
            ]

    # --- Saving ---------------------------------------------------------------------

    def save(self) -> None:
        Meeting.objects.bulk_create([m for m, _o, _e in self.meetings], batch_size=BATCH)
        self.meeting_count = len(self.meetings)
        attendance, credits, decisions, minutes = [], [], [], []
        self.rosters: dict[int, list[_Row]] = {}
        closed = []
        for meeting, o, extra in self.meetings:
            if meeting.state != MeetingState.HELD:
                if meeting.notified_at:  # notified (then perhaps cancelled): the roster
                    on = timezone.localtime(meeting.notified_at).date()
                    attendance += [
                        (meeting.pk, m.pk, ent, Presence.UNKNOWN, "", None, "", None, "", "")
                        for m, ent in self._entitled(meeting, o, on)
                    ]
                continue
            rows = self._roster(meeting, o)
            self.rosters[meeting.pk] = rows
            attendance += [
                (
                    meeting.pk,
                    r.member.pk,
                    r.entitlement,
                    r.presence,
                    r.way,
                    r.signed_at,
                    r.leave_reason,
                    r.makeup_on,
                    r.makeup_way,
                    r.makeup_note,
                )
                for r in rows
            ]
            decisions += self._decisions(meeting, o, rows)
            approved = meeting.held_on + timedelta(days=self.rng.randint(1, 3))
            recording = (self.today - meeting.held_on).days <= RECORDING_DAYS
            minutes += self._minutes(meeting, o, rows, None if recording else approved, extra)
            if recording:
                continue
            # Closing credits every member who attended with the meeting's class hours.
            closed.append(meeting.pk)
            kind = StudyKind.LECTURE if meeting.kind == K.LECTURE else StudyKind.MEETING
            title = f"{K(meeting.kind).label}：{meeting.topic}"[:200]
            author = o.author.pk if o.author else None
            credits += [
                (
                    r.member.pk,
                    meeting.held_on.year,
                    meeting.held_on,
                    kind,
                    title,
                    meeting.class_hours,
                    meeting.pk,
                    author,
                )
                for r in rows
                if r.presence in ATTENDED
            ]
        bulk.insert_rows(Attendance, ATTENDANCE_FIELDS, attendance)
        bulk.insert_rows(StudyRecord, CREDIT_FIELDS, credits)
        Decision.objects.bulk_create(decisions, batch_size=BATCH)
        Minutes.objects.bulk_create(minutes, batch_size=BATCH)
        for start in range(0, len(closed), bulk.IN_BATCH):
            Meeting.objects.filter(pk__in=closed[start : start + bulk.IN_BATCH]).update(
                state=MeetingState.CLOSED
            )
        done = set(closed)
        for meeting, _o, _e in self.meetings:
            if meeting.pk in done:
                meeting.state = MeetingState.CLOSED
        self.attendance_count = len(attendance)

    @staticmethod
    def _entitled(meeting: Meeting, o: Org, on: date) -> list[tuple[Member, str]]:
        """The roster as the notice drew it up on ``on``: the committee for a 支委会, the
        group's members for a 党小组会, else the members, full or probationary then."""
        if meeting.kind == K.COMMITTEE:
            return [(m, Entitlement.COMMITTEE) for m in o.seats]
        if meeting.kind == K.GROUP:
            return [(m, Entitlement.GROUP) for m in o.members if m.admitted_on <= on]
        return [
            (m, Entitlement.MEMBER if _full_on(m, on) else Entitlement.PROBATIONARY)
            for m in o.members
            if m.admitted_on <= on
        ]

    def _roster(self, meeting: Meeting, o: Org) -> list[_Row]:
        committee = meeting.kind == K.COMMITTEE
        rows = [
            self._attend(meeting, m, ent, committee)
            for m, ent in self._entitled(meeting, o, meeting.held_on)
        ]
        if committee or meeting.kind == K.EVALUATION or meeting.kind == K.ASSEMBLY:
            # A committee meeting is valid, and a branch meeting may vote, with a quorum
            # (of the roster, and of the full members who vote).
            voting = [r for r in rows if r.entitlement == Entitlement.MEMBER]
            for group in (rows, voting):
                while group and sum(r.presence in ATTENDED for r in group) < rules.quorum(
                    len(group)
                ):
                    absent = next(r for r in group if r.presence not in ATTENDED)
                    self._present(absent, meeting)
        return rows

    def _attend(self, meeting, member, entitlement, committee) -> _Row:
        row = _Row(member, entitlement)
        roll = self.rng.random()
        category = member.category
        if committee:
            presence = Presence.PRESENT if roll < 0.94 else Presence.LEAVE
        elif category == Category.FLOATING:
            presence = (
                Presence.ONLINE
                if roll < 0.55
                else Presence.LEAVE
                if roll < 0.9
                else Presence.ABSENT
            )
        elif category == Category.POCKET:
            presence = (
                Presence.PRESENT
                if roll < 0.4
                else Presence.LEAVE
                if roll < 0.55
                else Presence.ABSENT
            )
        else:
            presence = (
                Presence.PRESENT
                if roll < 0.88
                else Presence.LEAVE
                if roll < 0.96
                else Presence.ABSENT
            )
        if presence == Presence.ONLINE and not meeting.online_allowed:
            presence = Presence.LEAVE
        if presence in ATTENDED:
            self._present(row, meeting, presence)
            return row
        row.presence = presence
        if presence == Presence.LEAVE:
            row.leave_reason = self.rng.choice(LEAVE_REASONS.get(category, DEFAULT_REASONS))
        makeup_on = meeting.held_on + timedelta(days=self.rng.randint(1, 10))
        if not committee and makeup_on <= self.today and self.rng.random() < 0.85:
            row.makeup_on = makeup_on
            if category == Category.FLOATING:
                row.makeup_way = MakeUpWay.ONLINE
            elif category == Category.RETIRED:
                row.makeup_way = self.rng.choice([MakeUpWay.IN_PERSON, MakeUpWay.PHONE])
            else:
                row.makeup_way = self.rng.choice([MakeUpWay.MATERIALS, MakeUpWay.IN_PERSON])
            row.makeup_note = f"学习会议记录和“{meeting.topic}”相关材料"[:200]
        return row

    def _present(self, row: _Row, meeting: Meeting, presence=Presence.PRESENT) -> None:
        row.presence = presence
        row.leave_reason = row.makeup_note = row.makeup_way = ""
        row.makeup_on = None
        start = meeting.start_time or time(14, 30)
        row.signed_at = datetime.combine(meeting.held_on, start, tzinfo=self.zone) - timedelta(
            minutes=self.rng.randint(0, 25)
        )
        if presence == Presence.ONLINE:
            row.way = SignInWay.ONLINE
        elif row.member.category == Category.RETIRED or self.rng.random() < 0.2:
            row.way = SignInWay.TICKED
        else:
            row.way = SignInWay.QR

    def _decisions(self, meeting: Meeting, o: Org, rows: list[_Row]) -> list[Decision]:
        if meeting.kind == K.COMMITTEE:
            return [_agreed(meeting, meeting.topic, "经研究，同意按方案执行。")]
        if meeting.kind == K.EVALUATION:
            return [self._vote(meeting, "确定本年度民主评议党员等次", rows, True)]
        if meeting.kind != K.ASSEMBLY or o.org.org_type == OrgType.COMMITTEE:
            return []
        _topic, title, secret = ASSEMBLY_TOPICS[min(meeting.slot, 4)]
        if meeting.slot == 4:
            return [_agreed(meeting, title, "与会党员无异议。")]
        return [self._vote(meeting, title, rows, secret)]

    def _vote(self, meeting, title, rows: list[_Row], secret) -> Decision:
        """A vote of the full members present (probationary members have no vote):
        a few against or abstaining, carried by more than half of the full members."""
        attended = sum(r.presence in ATTENDED for r in rows)
        voting = [r for r in rows if r.entitlement == Entitlement.MEMBER]
        voters = sum(r.presence in ATTENDED for r in voting)
        against = self.rng.randint(0, 1)
        abstain = self.rng.randint(0, 2)
        while against + abstain and (voters - against - abstain) * 2 <= len(voting):
            against, abstain = (against - 1, abstain) if against else (against, abstain - 1)
        votes_for = voters - against - abstain
        return Decision(
            meeting=meeting,
            title=title,
            text=f"应到 {len(rows)} 人，实到 {attended} 人，超过半数，会议有效。",
            voted=True,
            secret_ballot=secret,
            votes_for=votes_for,
            votes_against=against,
            votes_abstain=abstain,
            # Carried when those for are more than half of the members entitled to vote.
            passed=votes_for * 2 > len(voting),
        )

    def _minutes(self, meeting, o, rows, approved_on, extra) -> list[Minutes]:
        attended = sum(r.presence in ATTENDED for r in rows)
        leave = sum(r.presence == Presence.LEAVE for r in rows)
        recorder = o.seats[1].name if len(o.seats) > 1 else (o.seats[0].name if o.seats else "")
        text = (
            f"会议主题：{meeting.topic}\n应到 {len(rows)} 人，实到 {attended} 人，请假 {leave} 人。\n"
            "会议传达学习了上级有关文件精神，与会党员结合实际交流发言，会议对下一步工作作出安排。"
        )
        at = min(_aware(approved_on, time(10, 0)), self.now) if approved_on else None
        first = Minutes(
            meeting=meeting,
            number=1,
            text=text,
            recorder=recorder,
            author=o.author,
            approved_at=at,
            approved_by=o.author if at else None,
        )
        if not extra.get("corrected") or approved_on is None:
            return [first]
        fixed_on = min(approved_on + timedelta(days=7), self.today)
        first.text = text.replace(f"实到 {attended} 人", f"实到 {attended + 1} 人")
        second = Minutes(
            meeting=meeting,
            number=2,
            text=text,
            recorder=recorder,
            reason=CORRECTION_REASON,
            author=o.author,
            approved_at=min(_aware(fixed_on, time(16, 0)), self.now),
            approved_by=o.author,
        )
        return [first, second]


def _agreed(meeting: Meeting, title: str, text: str) -> Decision:
    """A matter decided without a vote (it stands as decided)."""
    return Decision(meeting=meeting, title=title, text=text, passed=True)


def _full_on(member: Member, on: date) -> bool:
    return member.status == MemberStatus.FULL and (
        member.converted_on is None or member.converted_on <= on
    )


def _evening(o: Org) -> bool:
    return o.org.org_type == OrgType.JOINT_BRANCH


# --- Democratic evaluation, talks, courses -------------------------------------------------


def _evaluations(rng, builder: _Builder, orgs: list[Org], home: Org, today: date) -> None:
    """Last year's round in every branch of the community that has a committee, decided
    at its 民主评议党员大会; in ``home`` one 基本合格 and one 不合格 with a correction."""
    year = today.year - 1
    meetings = {
        m.organization_id: m
        for m, _o, _e in builder.meetings
        if m.kind == K.EVALUATION and m.year == year and m.state == MeetingState.CLOSED
    }
    for o in orgs:
        meeting = meetings.get(o.org.pk)
        if o.org.org_type == OrgType.GROUP or not o.seats or meeting is None:
            continue
        if o.org.org_type == OrgType.COMMITTEE:
            continue
        _round(rng, o, meeting, builder.rosters[meeting.pk], o is home, today)


def _round(rng, o: Org, meeting: Meeting, roster: list[_Row], home: bool, today) -> None:
    decided = meeting.held_on
    present = [r for r in roster if r.presence == Presence.PRESENT]
    online = [r for r in roster if r.presence == Presence.ONLINE]
    ballots = len(present) + len(online)
    # Every member in active standing is evaluated, probationary members too (12371).
    evaluated = [m for m in o.members if m.admitted_on <= decided]
    round_ = EvaluationRound.objects.create(
        organization=o.org,
        path=o.org.path,
        year=meeting.year,
        state=RoundState.DECIDED,
        meeting=meeting,
        paper_ballots=len(present),
        online_ballots=len(online),
        decided_on=decided,
    )
    BallotReceipt.objects.bulk_create(
        [BallotReceipt(round=round_, voter_id=r.member_id) for r in online]
    )
    cap = rules.excellent_cap(len(evaluated), decided)
    seated = {m.pk for m in o.seats}
    order = sorted(evaluated, key=lambda m: (m.pk not in seated, rng.random()))
    excellent = {m.pk for m in order[: max(cap - 1, 0)]}
    weak = [m for m in evaluated if m.category == Category.POCKET and m.pk not in excellent]
    weak = weak or [m for m in reversed(evaluated) if m.pk not in excellent]
    basic = weak[0].pk if home and len(weak) > 1 else None
    unqualified = weak[1].pk if home and len(weak) > 1 else None
    entries = []
    for m in evaluated:
        grade = (
            Grade.EXCELLENT
            if m.pk in excellent
            else Grade.BASIC
            if m.pk == basic
            else Grade.UNQUALIFIED
            if m.pk == unqualified
            else Grade.QUALIFIED
        )
        entries.append(
            Evaluation(
                round=round_,
                member=m,
                self_assessment="本年度认真参加组织生活，按时交纳党费，积极参与网格志愿服务。"
                if grade != Grade.UNQUALIFIED
                else "本年度参加组织生活较少，未能按时交纳党费。",
                proposed=grade,
                grade=grade,
                **_tallies(rng, grade, ballots),
            )
        )
    Evaluation.objects.bulk_create(entries)
    _timeline(entries, round_, o.author)
    if not home:
        return
    comments = []
    for entry in entries[:12]:
        peers = [m for m in evaluated if m.pk != entry.member_id]
        for author in rng.sample(peers, min(2, len(peers))):
            comments.append(
                PeerComment(
                    evaluation=entry,
                    author=author,
                    text="能够发挥党员先锋模范作用，建议在带动身边群众方面再加强。",
                )
            )
    PeerComment.objects.bulk_create(comments)
    failed = next((e for e in entries if e.grade == Grade.UNQUALIFIED), None)
    if failed is None:
        return
    correction = Correction.objects.create(
        evaluation=failed,
        plan="按时参加组织生活和党小组学习，补交党费，每季度向支部书面汇报思想和工作。",
        deadline=rules.correction_deadline_limit(decided),
        state=CorrectionState.OPEN,
    )
    CorrectionFollowUp.objects.create(
        correction=correction,
        on=min(add_months(decided, 3), today),
        note="支部书记上门谈心，本人表示接受批评，已补交所欠党费，参加了本季度主题党日。",
        actor=o.author,
    )


def _timeline(entries: list[Evaluation], round_: EvaluationRound, actor: User | None) -> None:
    """Each member's grade on their timeline, as deciding the round writes it — once
    party's ``EventKind.EVALUATED`` is there (it comes with the evaluation service)."""
    kind = getattr(EventKind, "EVALUATED", None)
    if kind is None:
        return
    MemberEvent.objects.bulk_create(
        MemberEvent(
            member_id=e.member_id,
            kind=kind,
            occurred_on=round_.decided_on,
            actor=actor,
            note=f"{round_.year}年度民主评议：{Grade(e.grade).label}",
            data={"year": round_.year, "grade": e.grade, "round": round_.pk},
        )
        for e in entries
    )


def _tallies(rng, grade: str, ballots: int) -> dict[str, int]:
    """Votes of one member: most for the grade decided, the rest spread."""
    main = ballots - rng.randint(0, max(ballots // 6, 0))
    rest = ballots - main
    others = [g for g in ("excellent", "qualified", "basic", "unqualified") if g != grade]
    split = dict.fromkeys(others, 0)
    for _ in range(rest):
        split[rng.choice(others[:2])] += 1
    tallies = {f"votes_{g}": n for g, n in split.items()}
    tallies[f"votes_{grade}"] = main
    return tallies


def _talks(rng, home: Org, actor: User, today: date) -> None:
    """This year's talks in the secretary's branch, some pairs still missing: the
    secretary has talked with one committee member of two, and a few members with no
    committee member and no other member."""
    secretary = home.secretary
    committee = [m for m in home.seats if m.pk != secretary.pk]
    members = [m for m in home.members if m.pk not in {s.pk for s in home.seats}]
    start = date(today.year, 1, 2)
    span = max((today - start).days, 0)

    def on() -> date:
        return start + timedelta(days=rng.randint(0, span)) if span else today

    talks = []
    for other in committee[:1]:
        talks.append((TalkPair.SECRETARY_COMMITTEE, secretary, other))
    leaders = [secretary, *committee]
    talked = members[: max(len(members) - 6, 0)]
    for n, member in enumerate(talked):
        talks.append((TalkPair.COMMITTEE_MEMBER, leaders[n % len(leaders)], member))
    for a, b in zip(talked[0::2], talked[1::2], strict=False):
        talks.append((TalkPair.MEMBER_MEMBER, a, b))
    Talk.objects.bulk_create(
        [
            Talk(
                organization=home.org,
                path=home.org.path,
                year=today.year,
                pair=pair,
                first=first,
                second=second,
                held_on=on(),
                note="交流思想和工作情况，听取对支部工作的意见建议。",
                created_by=actor,
            )
            for pair, first, second in talks
        ]
    )


def _courses(rng, orgs: list[Org], actor: User, today: date) -> None:
    """Courses and trainings entered by the community: an online course for a third of
    its members each year, and the street's two-day training of branch secretaries."""
    lines = []
    members = {m.pk: m for o in orgs if o.org.org_type != OrgType.GROUP for m in o.members}
    secretaries = [o.secretary for o in orgs if o.secretary]
    for year in (today.year - 1, today.year):
        on = date(year, 6, 20)
        sample = rng.sample(sorted(members.values(), key=lambda m: m.pk), len(members) // 3)
        for member in sample if on <= today else []:
            if member.admitted_on > on:
                continue
            lines.append(
                StudyRecord(
                    member=member,
                    year=year,
                    on=on,
                    kind=StudyKind.COURSE,
                    title="网络培训：学习贯彻全会精神专题",
                    hours=rules.class_hours(rules.HOURS, Decimal("6"), on),
                    organizer="区委组织部（党员教育网络平台）",
                    created_by=actor,
                )
            )
        training_on = date(year, 4, 16)
        days = Decimal(2)
        for member in secretaries if training_on <= today else []:
            lines.append(
                StudyRecord(
                    member=member,
                    year=year,
                    on=training_on,
                    kind=StudyKind.TRAINING,
                    title="锦华街道基层党组织书记培训班",
                    hours=rules.class_hours(rules.FULL_DAY, None, training_on) * days,
                    days=days,
                    level=TrainingLevel.STREET,
                    organizer="锦华街道党工委",
                    created_by=actor,
                )
            )
    StudyRecord.objects.bulk_create(lines, batch_size=BATCH)
