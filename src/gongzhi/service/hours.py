"""Hours written by hand: a make-up entry (补录) by the volunteer or the organiser,
waiting for the organiser's approval; the organiser's decision on many lines at once;
and corrections, which never delete a line but add one with the signed difference and
its reason (a line's total never goes below zero)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core import audit
from gongzhi.core.calendar import require_happened
from gongzhi.core.errors import NotFoundOrForbidden, Problems, RuleViolation
from gongzhi.core.notifications import notify
from gongzhi.core.services import atomic, lock, require

from . import rules
from .activities import NOTICE, volunteer_of
from .choices import COUNTED, ActivityState, HoursSource, HoursState
from .models import Activity, Hours, SignUp, Volunteer
from .permissions import CHANGE, TAKE_PART, VIEW

MAX_REASON = 200


def _reason(value: str | None, field: str, required: str) -> str:
    value = (value or "").strip()
    if not value:
        raise RuleViolation(required, field=field)
    if len(value) > MAX_REASON:
        raise RuleViolation(_("内容过长，不能超过%(n)d个字。") % {"n": MAX_REASON}, field=field)
    return value


def _decimal(value: object, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise RuleViolation(_("时长须为数字。"), field=field) from None
    if not number.is_finite() or number != number.quantize(rules.HUNDREDTH):
        raise RuleViolation(_("时长最多保留两位小数。"), field=field)
    return number


@atomic
def enter_makeup(
    *,
    actor: User,
    activity: Activity,
    served_on: date,
    hours: Decimal | str | float,
    reason: str,
    volunteer: Volunteer | None = None,
) -> Hours:
    """A make-up entry (补录) of a forgotten check-in: by the volunteer for themselves
    (``volunteer`` None) or by the organiser for one who took part. Never longer than
    the activity (``rules.makeup_allowed``); it waits for the organiser (``PENDING``)."""
    if volunteer is None:
        require(actor, TAKE_PART, activity)
        volunteer = volunteer_of(actor)
    else:
        require(actor, CHANGE, activity)
        took_part = SignUp.objects.filter(activity=activity, volunteer=volunteer).exists()
        if not took_part and not actor.has_perm(VIEW, volunteer):
            raise NotFoundOrForbidden()
    problems = Problems()
    amount = Decimal(0)
    with problems.check():
        amount = _decimal(hours, "hours")
        if not rules.makeup_allowed(amount, activity.starts_at, activity.ends_at):
            raise RuleViolation(
                _("补录时长须大于0且不超过活动时长%(n)s小时。")
                % {"n": rules.activity_hours(activity.starts_at, activity.ends_at)},
                field="hours",
            )
    with problems.check():
        require_happened(served_on, field="served_on")
        first = timezone.localdate(activity.starts_at)
        last = timezone.localdate(activity.ends_at)
        if not first <= served_on <= last:
            raise RuleViolation(
                _("服务日期须为活动日期（%(d)s）。") % {"d": first.isoformat()},
                field="served_on",
            )
    with problems.check():
        reason = _reason(reason, "reason", _("请填写补录理由（如忘记签到的原因）。"))
    with problems.check():
        if activity.status not in (ActivityState.PUBLISHED, ActivityState.DONE):
            raise RuleViolation(_("只能为已发布或已结束的活动补录时长。"), field="activity")
        if activity.starts_at > timezone.now():
            raise RuleViolation(_("活动尚未开始，不能补录。"), field="activity")
    with problems.check():
        existing = Hours.objects.filter(activity=activity, volunteer=volunteer).exclude(
            status=HoursState.DECLINED
        )
        if existing.filter(source=HoursSource.CHECKIN).exists():
            raise RuleViolation(
                _("该志愿者本活动已有签到记录，不能补录；如时长有误请申请更正。"),
                field="activity",
            )
        if existing.filter(source=HoursSource.MANUAL).exists():
            raise RuleViolation(_("该志愿者本活动已有补录记录。"), field="activity")
    problems.raise_any()
    line = Hours.objects.create(
        volunteer=volunteer,
        activity=activity,
        path=activity.path,
        served_on=served_on,
        hours=amount,
        source=HoursSource.MANUAL,
        status=HoursState.PENDING,
        description=activity.title[:200],
        reason=reason,
        created_by=actor,
    )
    audit.log("service.hours.makeup", actor=actor, target=line, data={"hours": str(amount)})
    if activity.organiser_id is not None and activity.organiser_id != actor.pk:
        notify(
            user_id=activity.organiser_id,
            title=_("待审核补录时长：%(v)s，%(t)s，%(h)s小时")
            % {"v": volunteer.name, "t": activity.title, "h": amount},
            link=reverse("service:hours_pending"),
            kind=NOTICE,
        )
    return line


@dataclass(frozen=True)
class Decided:
    approved: int
    declined: int


@atomic
def decide(lines: Iterable[Hours], *, actor: User, approve: bool, reason: str = "") -> Decided:
    """The organiser approves or declines pending make-up lines at once (a decline needs
    its reason); each volunteer is told. Lines decided meanwhile are refused."""
    lines = list(lines)
    if not lines:
        raise RuleViolation(_("请至少选择一条记录。"), field="lines")
    if not approve:
        reason = _reason(reason, "reason", _("不通过须填写理由。"))
    now = timezone.now()
    status = HoursState.APPROVED if approve else HoursState.DECLINED
    for line in lines:
        require(actor, CHANGE, line)
        if line.status != HoursState.PENDING:
            raise RuleViolation(_("所选记录中有已审核的记录，请刷新后重试。"), field="lines")
    for line in lines:
        changed = Hours.objects.filter(pk=line.pk, status=HoursState.PENDING).update(
            status=status,
            decided_by=actor,
            decided_at=now,
            decline_reason="" if approve else reason,
        )
        if not changed:
            raise RuleViolation(_("所选记录中有已审核的记录，请刷新后重试。"), field="lines")
        audit.log(
            "service.hours.approved" if approve else "service.hours.declined",
            actor=actor,
            target=line,
        )
        user_id = line.volunteer.user_id
        if user_id is not None:
            title = (
                _("补录时长已通过：%(d)s，%(h)s小时")
                if approve
                else _("补录时长未通过：%(d)s，%(h)s小时")
            ) % {"d": line.served_on.isoformat(), "h": line.hours}
            notify(
                user_id=user_id,
                title=title,
                body="" if approve else reason,
                link=reverse("service:activity_mine"),
                kind=NOTICE,
            )
    n = len(lines)
    return Decided(approved=n if approve else 0, declined=0 if approve else n)


def line_total(line: Hours) -> Decimal:
    """A counted line's hours with its corrections."""
    corrections = Hours.objects.filter(corrects=line, status__in=COUNTED).aggregate(s=Sum("hours"))[
        "s"
    ]
    return line.hours + (corrections or Decimal(0))


@atomic
def correct(line: Hours, *, actor: User, difference: Decimal | str, reason: str) -> Hours:
    """A correction of a counted line: a new line with the signed difference and the
    reason; the line with its corrections never goes below zero hours."""
    require(actor, CHANGE, line)
    line = lock(line, related=("volunteer",))
    problems = Problems()
    amount = Decimal(0)
    with problems.check():
        if line.source == HoursSource.CORRECTION or line.status not in COUNTED:
            raise RuleViolation(_("只能更正已核实或已审核的时长记录。"), field="corrects")
    with problems.check():
        amount = _decimal(difference, "difference")
        if amount == 0:
            raise RuleViolation(_("更正的时长差额不能为0。"), field="difference")
        total = line_total(line)
        if total + amount < 0:
            raise RuleViolation(
                _("更正后时长不能小于0：该记录现为%(n)s小时。") % {"n": total},
                field="difference",
            )
    with problems.check():
        reason = _reason(reason, "reason", _("请填写更正理由。"))
    problems.raise_any()
    fix = Hours.objects.create(
        volunteer=line.volunteer,
        activity=line.activity,
        path=line.path,
        served_on=line.served_on,
        hours=amount,
        source=HoursSource.CORRECTION,
        status=HoursState.APPROVED,
        description=line.description,
        reason=reason,
        corrects=line,
        created_by=actor,
        decided_by=actor,
        decided_at=timezone.now(),
    )
    audit.log(
        "service.hours.corrected",
        actor=actor,
        target=fix,
        data={"corrects": line.pk, "difference": str(amount)},
    )
    if line.volunteer.user_id is not None:
        notify(
            user_id=line.volunteer.user_id,
            title=_("志愿服务时长已更正：%(d)s，%(h)s小时")
            % {"d": line.served_on.isoformat(), "h": amount},
            body=reason,
            link=reverse("service:activity_mine"),
            kind=NOTICE,
        )
    return fix


# --- Selectors ---------------------------------------------------------------------------------


def hours_for(user: User, perm: str = VIEW) -> QuerySet[Hours]:
    return Hours.objects.visible_to(user, perm)


def pending(user: User) -> QuerySet[Hours]:
    """Make-up lines waiting for the user's decision (oldest first)."""
    return (
        hours_for(user, CHANGE)
        .filter(status=HoursState.PENDING)
        .select_related("volunteer", "activity", "created_by")
        .order_by("created_at", "id")
    )


def pending_lines(user: User, ids: Iterable[int | str]) -> list[Hours]:
    """The chosen pending lines, each within the user's reach (else not found)."""
    wanted = {int(i) for i in ids}
    found = list(pending(user).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise NotFoundOrForbidden()
    return found


def get_line(user: User, pk: int | str, perm: str = CHANGE) -> Hours:
    row = hours_for(user, perm).select_related("volunteer", "activity").filter(pk=pk).first()
    if row is None:
        raise NotFoundOrForbidden()
    return row


def corrections(line: Hours) -> QuerySet[Hours]:
    return Hours.objects.filter(corrects=line).select_related("created_by").order_by("id")


def my_lines(user: User) -> QuerySet[Hours]:
    """The user's own hours lines, newest first."""
    return (
        Hours.objects.filter(volunteer__user=user)
        .select_related("activity")
        .order_by("-served_on", "-id")
    )


def makeup_activities(user: User) -> QuerySet[Activity]:
    """Activities a make-up entry may name: begun, published or done, in reach."""
    return (
        Activity.objects.visible_to(user, TAKE_PART)
        .filter(
            status__in=(ActivityState.PUBLISHED, ActivityState.DONE),
            starts_at__lte=timezone.now(),
        )
        .order_by("-starts_at")
    )


def organised_activities(user: User) -> QuerySet[Activity]:
    return (
        Activity.objects.visible_to(user, CHANGE)
        .filter(
            status__in=(ActivityState.PUBLISHED, ActivityState.DONE),
            starts_at__lte=timezone.now(),
        )
        .order_by("-starts_at")
    )


def volunteers_for(user: User) -> QuerySet[Volunteer]:
    return (
        Volunteer.objects.visible_to(user, CHANGE).filter(is_active=True).order_by("path", "name")
    )
