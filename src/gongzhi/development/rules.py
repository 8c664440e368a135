"""The time limits and vote rules of the procedure (RULES.md "Member development").

Pure functions over a file and its step records, shared by the service (which refuses
a step that is too early or too late) and the selectors (which show what is due next,
by when, and what is overdue). Every number is a parameter read for the day it applies
to (``development/params.py``), so a revision of the rules changes them from its date.

Dates: "N months after" uses ``calendar.add_months`` (30 Nov + 3 months = 28/29 Feb);
working days come from ``calendar`` (State Council schedule and the holiday table).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core.calendar import add_months, add_working_days
from gongzhi.core.errors import RuleViolation
from gongzhi.core.params import value as param

from .choices import CONVERSION_STEPS, LAST_STEP, FileState, Step


@dataclass(frozen=True)
class Limit:
    day: date
    message: str
    hard: bool = True  # False: passing it is flagged, not refused


def current_round(file) -> int:
    """Steps 22–24 are done a second time after an extension of probation."""
    return 2 if file.extension_months else 1


def current_records(file, records) -> dict[int, object]:
    """{step: record} of the steps done in the file's current round."""
    round_ = current_round(file)
    result = {}
    for record in records:
        if record.step > file.last_step:
            continue
        if record.step in CONVERSION_STEPS and record.attempt != round_:
            continue
        result[record.step] = record
    return result


def probation_ends(file, current) -> date | None:
    """预备期: 1 year from the branch meeting's vote (step 15), plus an extension."""
    vote = current.get(Step.BRANCH_VOTE)
    if vote is None:
        return None
    months = param("development.probation_months", vote.on) + file.extension_months
    return add_months(vote.on, months)


def publicity_ends(start: date, on: date) -> date:
    """The last day of a publicity of N working days that starts on ``start`` (counted
    when it is a working day); the decision may be taken from the next day on."""
    days = param("development.publicity_working_days", on)
    return add_working_days(start - timedelta(days=1), days)


def lower_limits(file, records, step: int, on: date, publicity_from: date | None = None):
    """The dates before which ``step`` may not be taken, each with its rule."""
    current = current_records(file, records)
    limits = []
    if records:
        latest = max(records, key=lambda r: (r.on, r.step))
        limits.append(
            Limit(
                latest.on,
                _("日期不能早于已办理的“%(s)s”（%(d)s）。")
                % {"s": Step(latest.step).label, "d": latest.on},
            )
        )
    if step == Step.NAME_OBJECT and Step.NAME_ACTIVIST in current:
        named = current[Step.NAME_ACTIVIST].on
        months = param("development.activist_min_months", on)
        limits.append(
            Limit(
                add_months(named, months),
                _(
                    "入党积极分子须经%(n)d个月以上培养教育和考察（%(d)s确定为积极分子）方可列为发展对象。"
                )
                % {"n": months, "d": named},
            )
        )
        if publicity_from is not None and param("development.publicity_required", on):
            ends = publicity_ends(publicity_from, on)
            limits.append(
                Limit(
                    ends + timedelta(days=1),
                    _("公示须满%(n)d个工作日：自%(s)s起公示，至%(e)s期满后方可确定。")
                    % {
                        "n": param("development.publicity_working_days", on),
                        "s": publicity_from,
                        "e": ends,
                    },
                )
            )
    if step == Step.CONVERSION_APPLICATION:
        ends = probation_ends(file, current)
        if ends is not None:
            limits.append(
                Limit(
                    ends,
                    _("预备期自支部大会通过之日起计算，至%(d)s届满，届满时方可提出转正申请。")
                    % {"d": ends},
                )
            )
    return limits


def deadline(file, records, step: int, on: date | None = None) -> Limit | None:
    """The date by which ``step`` should (soft) or must (hard) be taken."""
    current = current_records(file, records)
    if step == Step.TALK and Step.APPLY in current:
        applied = current[Step.APPLY].on
        months = param("development.talk_within_months", on or applied)
        return Limit(
            add_months(applied, months),
            _("应在收到入党申请书后%(n)d个月内派人谈话（%(d)s前）。")
            % {"n": months, "d": add_months(applied, months)},
            hard=False,
        )
    if step in (Step.HIGHER_TALK, Step.APPROVAL) and Step.BRANCH_VOTE in current:
        # The talk comes before the approval, so it shares the approval's limit; only the
        # approval itself is refused past it (and allowed to 6 months with a reason).
        vote = current[Step.BRANCH_VOTE].on
        months = param("development.approval_within_months", on or vote)
        return Limit(
            add_months(vote, months),
            _("上级党委应在支部大会通过后%(n)d个月内审批（%(d)s前）。")
            % {"n": months, "d": add_months(vote, months)},
            hard=step == Step.APPROVAL,
        )
    if step == Step.CONVERSION_APPLICATION:
        ends = probation_ends(file, current)
        if ends is not None:
            return Limit(
                ends,
                _("预备期于%(d)s届满，应及时提出转正申请。") % {"d": ends},
                hard=False,
            )
    if step == Step.CONVERSION_APPROVAL and Step.CONVERSION_VOTE in current:
        vote = current[Step.CONVERSION_VOTE].on
        months = param("development.conversion_approval_within_months", on or vote)
        return Limit(
            add_months(vote, months),
            _("上级党委应在支部大会讨论转正后%(n)d个月内审批（%(d)s前）。")
            % {"n": months, "d": add_months(vote, months)},
        )
    return None


def approval_special_limit(current, on: date) -> date:
    """The outer limit of an approval delayed by special circumstances (6 months)."""
    vote = current[Step.BRANCH_VOTE].on
    return add_months(vote, param("development.approval_special_months", on))


def check_vote(*, entitled, present, votes_for, votes_against=0, votes_abstain=0) -> None:
    """A branch meeting on admission or conversion (发展党员工作细则 art. 26):

    the voting members present must be more than half of those entitled to vote, and the
    yes votes more than half of all full members entitled to vote (not of those present).
    """
    if entitled is None or entitled < 1:
        raise RuleViolation(_("请填写应到会有表决权的正式党员人数。"), field="entitled")
    if present is None:
        raise RuleViolation(_("请填写实到会有表决权的正式党员人数。"), field="present")
    if votes_for is None:
        raise RuleViolation(_("请填写赞成票数。"), field="votes_for")
    votes_against, votes_abstain = votes_against or 0, votes_abstain or 0
    if present > entitled:
        raise RuleViolation(_("实到人数不能多于应到人数。"), field="present")
    if votes_for + votes_against + votes_abstain > present:
        raise RuleViolation(_("赞成、反对、弃权票数之和不能多于实到人数。"), field="votes_for")
    if present * 2 <= entitled:
        raise RuleViolation(
            _(
                "会议无效：实到会有表决权的正式党员须超过应到人数的半数（应到%(e)d人，实到%(p)d人）。"
            )
            % {"e": entitled, "p": present},
            field="present",
        )
    if votes_for * 2 <= entitled:
        raise RuleViolation(
            _("未获通过：赞成票须超过应到会有表决权正式党员的半数（应到%(e)d人，赞成%(v)d票）。")
            % {"e": entitled, "v": votes_for},
            field="votes_for",
        )


# --- What is next: for the detail page, the board and the warnings --------------------

WAITING, READY, DUE_SOON, OVERDUE, BLOCKED, CLOSED = (
    "waiting",
    "ready",
    "due_soon",
    "overdue",
    "blocked",
    "closed",
)


STATUS_DISPLAY = {
    WAITING: (gettext_lazy("未到办理时间"), "secondary"),
    READY: (gettext_lazy("可办理"), "primary"),
    DUE_SOON: (gettext_lazy("即将到期"), "warning"),
    OVERDUE: (gettext_lazy("已逾期"), "danger"),
    BLOCKED: (gettext_lazy("受阻"), "dark"),
    CLOSED: (gettext_lazy("已结束"), "success"),
}


@dataclass
class Plan:
    next_step: int | None
    earliest: date | None = None
    rules: list[str] = field(default_factory=list)
    due: date | None = None
    due_hard: bool = False
    blocked: str = ""
    status: str = READY
    probation_ends: date | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def next_label(self) -> str:
        return Step(self.next_step).label if self.next_step else ""

    @property
    def status_label(self):
        return STATUS_DISPLAY[self.status][0]

    @property
    def status_css(self) -> str:
        return STATUS_DISPLAY[self.status][1]


def plan(file, records, reviews, today: date) -> Plan:
    """The next step of ``file``, its earliest date and due date, and what is overdue."""
    current = current_records(file, records)
    ends = probation_ends(file, current)
    if file.state != FileState.OPEN or file.last_step >= LAST_STEP:
        return Plan(None, status=CLOSED, probation_ends=ends)
    step = file.last_step + 1
    result = Plan(step, probation_ends=ends)
    limits = lower_limits(file, records, step, today)
    if limits:
        result.earliest = max(lim.day for lim in limits)
        # The first limit is "not before the last record"; the rules worth showing follow.
        result.rules = [lim.message for lim in limits[1:]]
    if step == Step.NAME_OBJECT and param("development.publicity_required", today):
        result.rules.append(
            _("确定前须公示不少于%(n)d个工作日。")
            % {"n": param("development.publicity_working_days", today)}
        )
    limit = deadline(file, records, step, today)
    if limit is not None:
        result.due, result.due_hard = limit.day, limit.hard
        result.rules.append(limit.message)
    if step == Step.APPROVAL and limit is not None and today > limit.day:
        result.rules.append(
            _("特殊情况须说明理由，最迟%(d)s前审批。")
            % {"d": approval_special_limit(current, today)}
        )
    if step == Step.COMMITTEE_REVIEW and current[Step.POLITICAL_REVIEW].review_passed is False:
        result.blocked = _("政治审查未通过，不能接收为预备党员；请终止发展档案。")
    # Status of the next step.
    soon = param("development.due_soon_days", today)
    if result.blocked:
        result.status = BLOCKED
    elif result.earliest and today < result.earliest:
        result.status = WAITING
    elif result.due and today > result.due:
        result.status = OVERDUE
    elif result.due and (result.due - today).days <= soon:
        result.status = DUE_SOON
    # Warnings: the next step overdue, a late review, and flags of recorded steps.
    if result.blocked:
        result.warnings.append(result.blocked)
    if result.status == OVERDUE:
        result.warnings.append(
            _("第%(n)d步“%(s)s”已逾期：%(r)s")
            % {"n": step, "s": Step(step).label, "r": limit.message}
        )
    if Step.NAME_ACTIVIST in current and file.last_step < Step.NAME_OBJECT:
        last = max([r.on for r in reviews] + [current[Step.NAME_ACTIVIST].on])
        months = param("development.review_every_months", today)
        due = add_months(last, months)
        if today > due:
            result.warnings.append(
                _(
                    "入党积极分子应每%(n)d个月考察一次：上次考察（或确定）于%(l)s，应于%(d)s前考察，已逾期。"
                )
                % {"n": months, "l": last, "d": due}
            )
    for record in records:
        if record.warning:
            result.warnings.append(
                _("第%(n)d步“%(s)s”：%(w)s")
                % {"n": record.step, "s": Step(record.step).label, "w": record.warning}
            )
    return result
