"""The numbers of organizational life, in one place (RULES.md "Organizational life"):
which meetings an organization must hold and when, quorum, the one-third cap on 优秀,
class hours, the study and training thresholds. Pure functions of the parameters in
force on the day concerned (``core.params.value(key, on=…)``); services and selectors
call them, tests pin them at and around each threshold."""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from gongzhi.core import params
from gongzhi.core.calendar import add_months
from gongzhi.party.choices import BRANCH_TYPES, OrgType

from .choices import (
    ATTENDED,
    LEVEL_RANK,
    Entitlement,
    MeetingKind,
    Presence,
    StudyKind,
    TalkPair,
    TrainingLevel,
)

K = MeetingKind

# Which kinds each class of organization plans (their frequencies are parameters).
PLANNED_KINDS = {
    "branch": (K.ASSEMBLY, K.COMMITTEE, K.LECTURE, K.THEME_DAY, K.LIFE, K.EVALUATION),
    "general": (K.ASSEMBLY, K.COMMITTEE, K.LECTURE, K.LIFE),
    "group": (K.GROUP,),
}
# Yearly meetings are planned in the month a parameter names (usually December).
YEARLY_MONTH = {K.LIFE: "orglife.life_month", K.EVALUATION: "orglife.evaluation_month"}


def org_class(org_type: str) -> str | None:
    """ "branch", "general" (党委, 党总支, 党工委) or "group"; None for a type with no
    plan of its own."""
    if org_type in BRANCH_TYPES:
        return "branch"
    if org_type == OrgType.GROUP:
        return "group"
    if org_type in (OrgType.GENERAL_BRANCH, OrgType.COMMITTEE, OrgType.WORKING_COMMITTEE):
        return "general"
    return None


def frequency(org_type: str, kind: str, on: date) -> int:
    """Months between two meetings of ``kind`` for this type of organization (0: not
    required), from the parameter in force on ``on``."""
    cls = org_class(org_type)
    if cls is None or kind not in PLANNED_KINDS[cls]:
        return 0
    return int(params.value(f"orglife.months.{cls}.{kind}", on=on))


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Slot:
    """One required meeting of a plan: the ``slot``-th period of ``kind`` in ``year``,
    to be held by ``due_on`` (the period's last day), planned on ``planned_on``."""

    kind: str
    year: int
    slot: int
    planned_on: date
    due_on: date


def _planned_day(kind: str, year: int, month: int, theme_day: int) -> date:
    if kind == K.THEME_DAY:
        return theme_day_on(year, month, theme_day)
    last = calendar.monthrange(year, month)[1]
    # The other kinds default to a working week's end: the 25th, or the month's last day.
    return date(year, month, min(25, last))


def slots(org_type: str, year: int, theme_day: int | None = None) -> list[Slot]:
    """Every meeting the organization must hold in ``year`` under the parameters in force
    on 1 January: for a frequency of n months, one per n-month period, planned in the
    period's last month (a yearly meeting in its parameter's month), due by its end."""
    on = date(year, 1, 1)
    cls = org_class(org_type)
    if cls is None:
        return []
    if theme_day is None:
        theme_day = int(params.value("orglife.theme_day", on=on))
    result = []
    for kind in PLANNED_KINDS[cls]:
        months = frequency(org_type, kind, on)
        if not months:
            continue
        if months == 12 and kind in YEARLY_MONTH:
            month = int(params.value(YEARLY_MONTH[kind], on=on))
            result.append(
                Slot(kind, year, 1, _planned_day(kind, year, month, theme_day), month_end(year, 12))
            )
            continue
        for index, end_month in enumerate(range(months, 13, months), start=1):
            result.append(
                Slot(
                    kind,
                    year,
                    index,
                    _planned_day(kind, year, end_month, theme_day),
                    month_end(year, end_month),
                )
            )
    return result


def latest_theme_day(slot_planned_on: date) -> date:
    """The last day a 主题党日 planned for ``slot_planned_on`` may be held (postponed at
    most N days, local practice)."""
    days = int(params.value("orglife.theme_day_postpone_days", on=slot_planned_on))
    return slot_planned_on + timedelta(days=days)


def notice_deadline(meeting_on: date) -> date:
    """The last day the notice of a meeting on ``meeting_on`` may go out."""
    days = int(params.value("orglife.notice_days", on=meeting_on))
    return meeting_on - timedelta(days=days)


def quorum(entitled: int) -> int:
    """The fewest attendees for a valid committee meeting, or a branch meeting that
    votes: more than half of those entitled."""
    return entitled // 2 + 1


def has_quorum(attended: int, entitled: int) -> bool:
    return entitled > 0 and attended >= quorum(entitled)


def excellent_cap(evaluated: int, on: date) -> int:
    """The most members of a round that may be graded 优秀: at most 1/N of those
    evaluated (N a parameter, 3), rounded down."""
    return evaluated // int(params.value("orglife.excellent_divisor", on=on))


def correction_deadline_limit(decided_on: date) -> date:
    """The latest deadline of a 不合格 member's correction plan (≤ 12 months)."""
    return add_months(decided_on, int(params.value("orglife.correction_months", on=decided_on)))


FULL_DAY = "full_day"
HALF_DAY = "half_day"
HOURS = "hours"


def class_hours(length: str, hours: Decimal | None, on: date) -> Decimal:
    """Class hours of one study or meeting: a full day counts 8, half a day 4,
    otherwise by the hour (parameters), to one decimal."""
    if length == FULL_DAY:
        return Decimal(params.value("orglife.hours.full_day", on=on))
    if length == HALF_DAY:
        return Decimal(params.value("orglife.hours.half_day", on=on))
    return Decimal(hours or 0).quantize(Decimal("0.1"))


def required_hours(is_cadre: bool, year: int) -> int:
    """Class hours a member must reach in ``year``: 56 for secretaries and committee
    members, 32 for the others (parameters in force on 1 January)."""
    key = "orglife.hours.cadre" if is_cadre else "orglife.hours.member"
    return int(params.value(key, on=date(year, 1, 1)))


def shortfall_warned(today: date) -> bool:
    """Whether study shortfalls are warnings yet: from the fourth quarter (a parameter)."""
    return today.month >= int(params.value("orglife.shortfall_from_month", on=today))


@dataclass(frozen=True)
class RosterCounts:
    """应到/实到/请假/缺席 of a meeting's roster, as the record and the record book print them."""

    entitled: int  # 应到
    attended: int  # 实到
    leave: int  # 请假
    absent: int  # 缺席
    invited: int  # 列席 (in none of the above)


def roster_counts(rows: Iterable[tuple[str, str]]) -> RosterCounts:
    """The counts of a held meeting from its roster's (entitlement, presence) pairs: a
    member invited to sit in (列席) is not entitled and counts in none of them; an entitled
    member who neither attended (in person or online) nor had leave was absent, signed in
    or not."""
    entitled = attended = leave = invited = 0
    for entitlement, presence in rows:
        if entitlement == Entitlement.INVITED:
            invited += 1
            continue
        entitled += 1
        if presence in ATTENDED:
            attended += 1
        elif presence == Presence.LEAVE:
            leave += 1
    return RosterCounts(entitled, attended, leave, entitled - attended - leave, invited)


# --- Study and training hours, talks -------------------------------------------------------


# A cadre for the 56-hour requirement: a member holding a seat (secretary or committee
# member) on the committee of a grassroots organization — a branch of any kind, a general
# branch or a community committee; not a party group (no committee) and not the street's
# working committee (above the grassroots).
CADRE_ORG_TYPES = frozenset(BRANCH_TYPES | {OrgType.GENERAL_BRANCH, OrgType.COMMITTEE})


def entry_hours(length: str, hours: Decimal | None, days: Decimal | None, on: date) -> Decimal:
    """Class hours of a course or training as entered: a full (half) day counts
    ``class_hours`` for each day of a training (one day for a course), otherwise the
    hours given for the whole of it."""
    if length in (FULL_DAY, HALF_DAY):
        return class_hours(length, None, on) * max(Decimal(days or 0), Decimal(1))
    return class_hours(HOURS, hours, on)


def shortfall(total: Decimal, required: int | Decimal) -> Decimal:
    """What is still missing to reach ``required`` (never negative)."""
    return max(Decimal(required) - Decimal(total), Decimal(0))


def progress_step(total: Decimal, required: int | Decimal) -> int:
    """The share of the requirement reached, in steps of 5 % (0…100), for the progress
    bar's CSS class (no inline style under the strict CSP)."""
    if not required:
        return 100
    share = min(Decimal(total) / Decimal(required), Decimal(1))
    return max(int(share * 20), 0) * 5


COMMUNITY_SECRETARY = "community_secretary"
TWO_COMMITTEE = "two_committee"


def training_requirement(role: str, year: int) -> tuple[Decimal, str]:
    """Concentrated training a community cadre must attend in ``year``: (days, the
    lowest level that counts). A community secretary ≥ 7 days at district level or
    above, the other two-committee members ≥ 3 days at street level or above (seed 001
    第6篇; parameters in force on 1 January)."""
    on = date(year, 1, 1)
    if role == COMMUNITY_SECRETARY:
        days = params.value("orglife.training_days.community_secretary", on=on)
        return Decimal(days), TrainingLevel.DISTRICT
    days = params.value("orglife.training_days.two_committee", on=on)
    return Decimal(days), TrainingLevel.STREET


def counts_for_level(level: str, lowest: str) -> bool:
    """Whether a training organized at ``level`` counts for a requirement from
    ``lowest`` up (a street-level training does not count for a community secretary)."""
    if not level:
        return False
    return LEVEL_RANK[TrainingLevel(level)] >= LEVEL_RANK[TrainingLevel(lowest)]


def training_days(lines: list[tuple[str, str, Decimal]], lowest: str) -> Decimal:
    """Days of concentrated training that count from level ``lowest``, over ledger
    lines given as (kind, level, days) — corrections included, with their sign."""
    return sum(
        (
            Decimal(days)
            for kind, level, days in lines
            if kind == StudyKind.TRAINING and counts_for_level(level, lowest)
        ),
        Decimal(0),
    )


def training_met(role: str, year: int, lines: list[tuple[str, str, Decimal]]) -> bool:
    required, lowest = training_requirement(role, year)
    return training_days(lines, lowest) >= required


# 谈心谈话 (支部工作条例 art. 15: "支部委员之间、支部委员和党员之间、党员和党员之间，每年
# 谈心谈话一般不少于1次"). A member's role in the branch: its secretary, a committee
# member (any other seat on the branch's committee), or a member.
SECRETARY, COMMITTEE, MEMBER = "secretary", "committee", "member"


def talk_pair(first_role: str, second_role: str) -> str:
    """The pair kind of a talk from the two members' roles in the branch. The secretary
    with a committee member is 书记与支委; a committee member (the secretary included:
    they sit on the committee) with a member is 支委与党员, as is a talk between two
    committee members neither of whom is the secretary (one of them talks as the
    committee member, the other as a member); two members are 党员之间."""
    roles = {first_role, second_role}
    if roles == {SECRETARY, COMMITTEE}:
        return TalkPair.SECRETARY_COMMITTEE
    if roles == {MEMBER}:
        return TalkPair.MEMBER_MEMBER
    return TalkPair.COMMITTEE_MEMBER


@dataclass(frozen=True)
class MissingTalk:
    """A required talk not held this year: a named pair (``second`` set) or a member who
    has not talked with anyone of the kind required (``second`` None)."""

    pair: str
    first: int
    second: int | None = None


def missing_talks(
    secretaries: list[int],
    committee: list[int],
    members: list[int],
    held: list[tuple[int, int]],
) -> list[MissingTalk]:
    """The talks a branch still owes this year, from the ids of its secretary(ies), other
    committee members and members and the pairs that talked (either way round).

    Our reading of "at least once a year between each pair":
    * the secretary with every committee member, each pair by name;
    * every member with at least one committee member (the secretary included) — when
      the branch has a committee member at all;
    * every member with at least one other member — when the branch has another member.
    Committee members among themselves are required only with the secretary."""
    talked: dict[int, set[int]] = {}
    for a, b in held:
        talked.setdefault(a, set()).add(b)
        talked.setdefault(b, set()).add(a)
    missing: list[MissingTalk] = []
    for secretary in secretaries:
        for other in committee:
            if other != secretary and other not in talked.get(secretary, set()):
                missing.append(MissingTalk(TalkPair.SECRETARY_COMMITTEE, secretary, other))
    leaders = set(secretaries) | set(committee)
    ordinary = set(members) - leaders
    for member in members:
        if member in leaders:
            continue
        partners = talked.get(member, set())
        if leaders and not partners & leaders:
            missing.append(MissingTalk(TalkPair.COMMITTEE_MEMBER, member))
        if len(ordinary) > 1 and not partners & (ordinary - {member}):
            missing.append(MissingTalk(TalkPair.MEMBER_MEMBER, member))
    return missing


def vote_passes(votes_for: int, entitled: int) -> bool:
    """A vote of a meeting passes when those for it are more than half of the members
    entitled to vote (支部工作条例: 赞成人数超过应到会有表决权党员的半数), not merely more
    than half of those present: abstentions and absences count against it."""
    return entitled > 0 and votes_for * 2 > entitled


def theme_day_on(year: int, month: int, day: int) -> date:
    """The 主题党日 of a month on the plan's fixed ``day`` (the month's last day when it
    has fewer days)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))
