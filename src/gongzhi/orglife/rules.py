"""The numbers of organizational life, in one place (RULES.md "Organizational life"):
which meetings an organization must hold and when, quorum, the one-third cap on 优秀,
class hours, the study and training thresholds. Pure functions of the parameters in
force on the day concerned (``core.params.value(key, on=…)``); services and selectors
call them, tests pin them at and around each threshold."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from gongzhi.core import params
from gongzhi.party.choices import BRANCH_TYPES, OrgType

from .choices import MeetingKind

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
    last = calendar.monthrange(year, month)[1]
    if kind == K.THEME_DAY:
        return date(year, month, min(theme_day, last))
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
    from gongzhi.core.calendar import add_months

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


def theme_day_on(year: int, month: int, day: int) -> date:
    """The 主题党日 of a month on the plan's fixed ``day`` (the month's last day when it
    has fewer days)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))
