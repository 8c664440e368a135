"""Volunteer activities: their state machine (draft → published → done, or cancelled),
sign-up with a capacity and a waiting list, and check-in / check-out that write the hours
ledger (``Hours``). Services first, then the selectors the pages and the API read.

A sign-up locks the activity's row, so that concurrent sign-ups never overfill it and a
freed place goes to the first on the waiting list. A check-in is one INSERT that the
unique constraint ``one_checkin_per_volunteer_activity`` allows once per volunteer and
activity: 500 scans at the same moment lose none and double none, and a second scan is
refused with its reason."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.models import User
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core import audit
from gongzhi.core.errors import NotFoundOrForbidden, Problems, RuleViolation
from gongzhi.core.notifications import notify
from gongzhi.core.services import atomic, lock, require
from gongzhi.core.workflow import Workflow, register, step
from gongzhi.party.choices import Category
from gongzhi.party.models import Member

from . import rules, volunteers
from .choices import ActivityState, HoursSource, HoursState, SignUpState
from .models import Activity, Hours, Post, SignUp, Team, Volunteer
from .permissions import CHANGE, TAKE_PART, VIEW

S = ActivityState
NOTICE = "service.activity"  # the manifest's NotificationKind
CODE_DIGITS = 6

WORKFLOW = register(
    "service.activity",
    Workflow(
        model=Activity,
        audit_prefix="service.activity",
        transitions={
            "update": step(
                {S.DRAFT, S.PUBLISHED},
                perm=CHANGE,
                refusal=gettext_lazy("活动已结束或已取消，不能再修改。"),
            ),
            "publish": step(
                {S.DRAFT}, S.PUBLISHED, perm=CHANGE, refusal=gettext_lazy("活动已发布。")
            ),
            "finish": step(
                {S.PUBLISHED},
                S.DONE,
                perm=CHANGE,
                refusal=gettext_lazy("只有已发布的活动才能结束。"),
            ),
            "cancel": step(
                {S.DRAFT, S.PUBLISHED},
                S.CANCELLED,
                perm=CHANGE,
                refusal=gettext_lazy("活动已结束或已取消，不能取消。"),
            ),
        },
    ),
)


# --- Creating and editing ------------------------------------------------------------------


def _text(value: str | None, length: int, field: str, required: str = "") -> str:
    value = (value or "").strip()
    if not value and required:
        raise RuleViolation(required, field=field)
    if len(value) > length:
        raise RuleViolation(_("内容过长，不能超过%(n)d个字。") % {"n": length}, field=field)
    return value


@dataclass(frozen=True)
class Fields:
    """What an organiser fills in for an activity."""

    title: str
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    description: str = ""
    team: Team | None = None
    post: Post | None = None
    theme_day: bool = False
    open_to_residents: bool = True


def _check(community: Area, fields: Fields) -> dict[str, Any]:
    """The fields checked together (every refusal at once), as model values."""
    problems = Problems()
    values: dict[str, Any] = {}
    with problems.check():
        values["title"] = _text(fields.title, 100, "title", _("请填写活动名称。"))
    with problems.check():
        values["place"] = _text(fields.place, 100, "place", _("请填写活动地点。"))
    with problems.check():
        values["description"] = _text(fields.description, 4000, "description")
    with problems.check():
        if fields.ends_at <= fields.starts_at:
            raise RuleViolation(_("结束时间须晚于开始时间。"), field="ends_at")
    with problems.check():
        if fields.capacity is None or fields.capacity < 1:
            raise RuleViolation(_("人数上限至少为1人。"), field="capacity")
    for name, row in (("team", fields.team), ("post", fields.post)):
        with problems.check():
            if row is not None and row.community_id != community.pk:
                raise RuleViolation(_("所选服务队或岗位不属于本社区。"), field=name)
    problems.raise_any()
    values.update(
        starts_at=fields.starts_at,
        ends_at=fields.ends_at,
        capacity=fields.capacity,
        team=fields.team,
        post=fields.post,
        theme_day=bool(fields.theme_day),
        open_to_residents=bool(fields.open_to_residents),
    )
    return values


@atomic
def create_activity(*, actor: User, community: Area, fields: Fields) -> Activity:
    """A draft activity of a community (its code is drawn when it is published)."""
    require(actor, CHANGE, community)
    if community.level != Level.COMMUNITY:
        raise RuleViolation(_("活动须属于一个社区。"), field="community")
    activity = Activity.objects.create(
        community=community,
        path=community.path,
        organiser=actor,
        status=S.DRAFT,
        **_check(community, fields),
    )
    audit.log("service.activity.created", actor=actor, target=activity)
    return activity


@atomic
def update_activity(
    activity: Activity, *, actor: User, version: int | None, fields: Fields
) -> Activity:
    """Change an activity not yet over; the capacity never drops below those already
    confirmed (a place given is not taken back)."""
    activity = WORKFLOW.begin(activity, actor, "update", version)
    values = _check(activity.community, fields)
    confirmed = SignUp.objects.filter(activity=activity, status=SignUpState.CONFIRMED).count()
    if values["capacity"] < confirmed:
        raise RuleViolation(
            _("已有%(n)d人报名，人数上限不能少于已报名人数。") % {"n": confirmed},
            field="capacity",
        )
    for name, value in values.items():
        setattr(activity, name, value)
    activity = WORKFLOW.commit(activity, actor, "update", fields=list(values))
    if activity.status == S.PUBLISHED:
        _promote(activity)  # a larger capacity takes people off the waiting list
        _tell(activity, _("活动变更"))
    return activity


def new_code() -> str:
    """Six random digits (secrets), never a guessable sequence."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


@atomic
def publish_activity(activity: Activity, *, actor: User, version: int | None) -> Activity:
    """Open the sign-up, draw the check-in code and tell the team."""
    activity = WORKFLOW.begin(activity, actor, "publish", version)
    if activity.ends_at <= timezone.now():
        raise RuleViolation(_("活动结束时间已过，不能发布。"), field="ends_at")
    activity.code = new_code()
    activity = WORKFLOW.commit(activity, actor, "publish", fields=["code"])
    _tell(activity, _("志愿服务活动"))
    return activity


@atomic
def finish_activity(activity: Activity, *, actor: User, version: int | None) -> Activity:
    """The activity is over: no more sign-up or check-in (check-outs still close lines)."""
    activity = WORKFLOW.begin(activity, actor, "finish", version)
    if timezone.now() < activity.starts_at:
        raise RuleViolation(_("活动尚未开始，不能结束。"), field="status")
    return WORKFLOW.commit(activity, actor, "finish")


@atomic
def cancel_activity(
    activity: Activity, *, actor: User, version: int | None, reason: str
) -> Activity:
    """Cancel with a reason; those signed up and the team are told."""
    activity = WORKFLOW.begin(activity, actor, "cancel", version)
    reason = _text(reason, 200, "reason", _("请填写取消原因。"))
    if Hours.objects.filter(activity=activity, source=HoursSource.CHECKIN).exists():
        raise RuleViolation(_("已有志愿者签到，不能取消活动。"), field="status")
    was_published = activity.status == S.PUBLISHED
    activity = WORKFLOW.commit(activity, actor, "cancel", note=reason, reason=reason)
    if was_published:
        _tell(activity, _("活动取消"), body=reason)
    return activity


def _tell(activity: Activity, heading: str, body: str = "") -> None:
    """A notice to those signed up (or waiting) and to the team's members."""
    title = _("%(h)s：%(t)s，%(when)s，%(place)s") % {
        "h": heading,
        "t": activity.title,
        "when": timezone.localtime(activity.starts_at).strftime("%Y-%m-%d %H:%M"),
        "place": activity.place,
    }
    users = set(
        SignUp.objects.filter(activity=activity, volunteer__user__isnull=False)
        .exclude(status=SignUpState.CANCELLED)
        .values_list("volunteer__user_id", flat=True)
    )
    if activity.team_id is not None:
        users |= set(
            Volunteer.objects.filter(
                teams=activity.team_id, user__isnull=False, is_active=True
            ).values_list("user_id", flat=True)
        )
    link = reverse("service:activity_mine")
    for user_id in sorted(users):
        notify(
            user_id=user_id,
            title=title,
            body=body or activity.description[:500],
            link=link,
            kind=NOTICE,
        )


# --- The volunteer who acts ------------------------------------------------------------------


def volunteer_of(actor: User, *, on: date | None = None) -> Volunteer:
    """The volunteer the signed-in user acts as: their registered row, or, for an
    in-service party member, the row registered the first time they take part."""
    volunteer = volunteers.of_user(actor)
    if volunteer is not None:
        return volunteer
    member = Member.objects.filter(user=actor, category=Category.IN_SERVICE).first()
    if member is None and volunteers.may_register_self(actor):
        raise RuleViolation(
            _("您尚未注册志愿者：请先在“我的志愿服务”注册志愿者，再报名或签到。"),
            field="volunteer",
        )
    if member is None:
        raise RuleViolation(
            _("您尚未登记为志愿者：请联系社区登记后再报名或签到。"), field="volunteer"
        )
    return volunteers.for_member(member, on=on or timezone.localdate(), actor=actor)


def _may_join(activity: Activity, volunteer: Volunteer) -> None:
    if volunteer.member_id is None and not activity.open_to_residents:
        raise RuleViolation(_("本活动仅限在职党员报名，居民志愿者不能报名。"), field="volunteer")


# --- Sign-up and the waiting list ------------------------------------------------------------


@atomic
def sign_up(activity: Activity, *, actor: User) -> SignUp:
    """The actor signs up: a place while the capacity lasts, else the waiting list (in
    the order of sign-up). The activity's row is locked: never one place too many."""
    require(actor, TAKE_PART, activity)
    volunteer = volunteer_of(actor)
    activity = lock(activity)
    if activity.status != S.PUBLISHED:
        raise RuleViolation(_("活动不在报名中，不能报名。"), field="status")
    if timezone.now() >= activity.ends_at:
        raise RuleViolation(_("活动已结束，不能报名。"), field="status")
    _may_join(activity, volunteer)
    row = SignUp.objects.filter(activity=activity, volunteer=volunteer).first()
    if row is not None and row.status != SignUpState.CANCELLED:
        raise RuleViolation(
            _("您已报名本活动（%(s)s）。") % {"s": row.get_status_display()}, field="volunteer"
        )
    confirmed = SignUp.objects.filter(activity=activity, status=SignUpState.CONFIRMED).count()
    status, position = SignUpState.CONFIRMED, None
    if confirmed >= activity.capacity:
        last = SignUp.objects.filter(activity=activity, status=SignUpState.WAITLISTED).aggregate(
            n=Max("position")
        )["n"]
        status, position = SignUpState.WAITLISTED, (last or 0) + 1
    if row is None:
        row = SignUp.objects.create(
            activity=activity,
            volunteer=volunteer,
            path=activity.path,
            status=status,
            position=position,
        )
    else:  # signing up again after cancelling: the same row, at the end of the queue
        row.status, row.position, row.created_at = status, position, timezone.now()
        row.save(update_fields=["status", "position", "created_at"])
    audit.log(
        "service.activity.signed_up",
        actor=actor,
        target=activity,
        data={"signup": row.pk, "status": status},
    )
    return row


@atomic
def cancel_sign_up(signup: SignUp, *, actor: User) -> SignUp:
    """The volunteer (or the organiser) cancels a sign-up; a freed place goes to the
    first on the waiting list, who is told."""
    own = signup.volunteer.user_id == actor.pk
    if not own:
        require(actor, CHANGE, signup.activity)
    activity = lock(signup.activity)
    signup = lock(signup)
    if signup.status == SignUpState.CANCELLED:
        raise RuleViolation(_("该报名已取消。"), field="status")
    if activity.status not in (S.DRAFT, S.PUBLISHED):
        raise RuleViolation(_("活动已结束或已取消，不能取消报名。"), field="status")
    if Hours.objects.filter(
        activity=activity, volunteer=signup.volunteer, source=HoursSource.CHECKIN
    ).exists():
        raise RuleViolation(_("已签到，不能取消报名。"), field="status")
    signup.status, signup.position = SignUpState.CANCELLED, None
    signup.save(update_fields=["status", "position"])
    audit.log(
        "service.activity.signup_cancelled",
        actor=actor,
        target=activity,
        data={"signup": signup.pk},
    )
    _promote(activity)
    return signup


def _promote(activity: Activity) -> list[SignUp]:
    """Give the free places to the first on the waiting list (the activity is locked or
    just written by the caller's transaction)."""
    confirmed = SignUp.objects.filter(activity=activity, status=SignUpState.CONFIRMED).count()
    free = activity.capacity - confirmed
    if free <= 0:
        return []
    promoted = list(
        SignUp.objects.filter(activity=activity, status=SignUpState.WAITLISTED)
        .select_related("volunteer")
        .order_by("position", "id")[:free]
    )
    for row in promoted:
        row.status, row.position = SignUpState.CONFIRMED, None
        row.save(update_fields=["status", "position"])
        audit.log("service.activity.promoted", actor=None, target=activity, data={"signup": row.pk})
        if row.volunteer.user_id is not None:
            notify(
                user_id=row.volunteer.user_id,
                title=_("候补转正：您已获得“%(t)s”的活动名额") % {"t": activity.title},
                link=reverse("service:activity_mine"),
                kind=NOTICE,
            )
    return promoted


# --- Check-in and check-out ----------------------------------------------------------------


def _stamp(at: datetime) -> str:
    return timezone.localtime(at).strftime("%m-%d %H:%M")


@atomic
def check_in(
    activity: Activity, *, actor: User, code: str | None = None, at: datetime | None = None
) -> Hours:
    """The actor checks in (the QR code's page, or the code typed on the 签到 page): only
    with the activity's code, only signed up with a place, only within
    ``rules.checkin_window``. The line opens (``OPEN``); a second check-in is refused."""
    require(actor, TAKE_PART, activity)
    at = at or timezone.now()
    if code is None:  # at the desk, the organiser checks themselves in without the code
        require(actor, CHANGE, activity)
    elif not activity.code or not secrets.compare_digest(str(code).strip(), activity.code):
        raise RuleViolation(_("签到码不正确，请核对活动现场显示的6位数字。"), field="code")
    if activity.status != S.PUBLISHED:
        raise RuleViolation(_("活动不在进行中（未发布、已结束或已取消），不能签到。"), field="code")
    window = rules.checkin_window(activity.starts_at, activity.ends_at)
    if not rules.in_window(at, window):
        raise RuleViolation(
            _("不在签到时间内：签到时间为%(a)s至%(b)s。")
            % {"a": _stamp(window[0]), "b": _stamp(window[1])},
            field="checked_in_at",
        )
    volunteer = volunteer_of(actor, on=timezone.localdate(at))
    signup = SignUp.objects.filter(activity=activity, volunteer=volunteer).first()
    if signup is None or signup.status == SignUpState.CANCELLED:
        raise RuleViolation(_("您未报名本活动，不能签到。"), field="volunteer")
    if signup.status == SignUpState.WAITLISTED:
        raise RuleViolation(_("您在候补名单中，尚未获得名额，不能签到。"), field="volunteer")
    try:
        with transaction.atomic():  # a savepoint: the refusal below keeps the transaction
            line = Hours.objects.create(
                volunteer=volunteer,
                activity=activity,
                path=activity.path,
                served_on=timezone.localdate(at),
                source=HoursSource.CHECKIN,
                status=HoursState.OPEN,
                checked_in_at=at,
                description=activity.title[:200],
                created_by=actor,
            )
    except IntegrityError:
        raise _already_checked_in(activity, volunteer) from None
    audit.log("service.activity.checked_in", actor=actor, target=activity, data={"hours": line.pk})
    return line


def _already_checked_in(activity: Activity, volunteer: Volunteer) -> RuleViolation:
    line = Hours.objects.filter(
        activity=activity, volunteer=volunteer, source=HoursSource.CHECKIN
    ).first()
    when = _stamp(line.checked_in_at) if line and line.checked_in_at else ""
    return RuleViolation(
        _("您已于%(t)s签到，不能重复签到。") % {"t": when}, field="checked_in_at", code="duplicate"
    )


@atomic
def check_out(activity: Activity, *, actor: User, at: datetime | None = None) -> Hours:
    """The actor checks out within ``rules.checkout_window``: the hours from check-in to
    check-out, counted within the activity's time (``rules.served_hours``), verified."""
    require(actor, TAKE_PART, activity)
    at = at or timezone.now()
    volunteer = volunteer_of(actor, on=timezone.localdate(at))
    line = (
        Hours.objects.select_for_update()
        .filter(activity=activity, volunteer=volunteer, source=HoursSource.CHECKIN)
        .first()
    )
    if line is None:
        raise RuleViolation(_("您尚未签到，不能签退。"), field="checked_out_at")
    if line.status != HoursState.OPEN:
        raise RuleViolation(
            _("已签退（%(t)s），不能重复签退。")
            % {"t": _stamp(line.checked_out_at) if line.checked_out_at else ""},
            field="checked_out_at",
        )
    window = rules.checkout_window(activity.starts_at, activity.ends_at)
    if not rules.in_window(at, window):
        raise RuleViolation(
            _("不在签退时间内：签退时间为%(a)s至%(b)s。")
            % {"a": _stamp(window[0]), "b": _stamp(window[1])},
            field="checked_out_at",
        )
    assert line.checked_in_at is not None
    hours = rules.served_hours(line.checked_in_at, at, activity.starts_at, activity.ends_at)
    changed = Hours.objects.filter(pk=line.pk, status=HoursState.OPEN).update(
        status=HoursState.VERIFIED, checked_out_at=at, hours=hours
    )
    if not changed:  # closed meanwhile (the periodic job): the same refusal
        raise RuleViolation(_("已签退，不能重复签退。"), field="checked_out_at")
    audit.log(
        "service.activity.checked_out",
        actor=actor,
        target=activity,
        data={"hours": line.pk, "served": str(hours)},
    )
    line.refresh_from_db()
    return line


@atomic
def close_forgotten(now: datetime | None = None) -> dict[str, int]:
    """The periodic job: a line still open after its check-out window is closed at the
    activity's end (``auto_closed``), its hours counted until then. Each line by a
    conditional UPDATE: a check-out at the same moment wins or the job does, never both."""
    now = now or timezone.now()
    closed = 0
    candidates = (
        Hours.objects.filter(
            status=HoursState.OPEN, source=HoursSource.CHECKIN, activity__ends_at__lt=now
        )
        .select_related("activity")
        .order_by("id")
    )
    for line in candidates.iterator(chunk_size=500):
        activity = line.activity
        assert activity is not None and line.checked_in_at is not None
        if now <= rules.checkout_window(activity.starts_at, activity.ends_at)[1]:
            continue  # the volunteer may still check out
        hours = rules.served_hours(
            line.checked_in_at, activity.ends_at, activity.starts_at, activity.ends_at
        )
        if Hours.objects.filter(pk=line.pk, status=HoursState.OPEN).update(
            status=HoursState.VERIFIED,
            checked_out_at=activity.ends_at,
            hours=hours,
            auto_closed=True,
        ):
            closed += 1
            audit.log(
                "service.activity.auto_closed",
                actor=None,
                target=activity,
                data={"hours": line.pk, "served": str(hours)},
            )
    return {"closed": closed}


# --- Selectors ---------------------------------------------------------------------------------


def activities_for(user: User, perm: str = VIEW) -> QuerySet[Activity]:
    return Activity.objects.visible_to(user, perm)


def with_counts(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    """Each activity with its confirmed, waiting and checked-in numbers (one query)."""
    return queryset.annotate(
        n_confirmed=Count(
            "signups", filter=Q(signups__status=SignUpState.CONFIRMED), distinct=True
        ),
        n_waiting=Count("signups", filter=Q(signups__status=SignUpState.WAITLISTED), distinct=True),
        n_checked_in=Count("hours", filter=Q(hours__source=HoursSource.CHECKIN), distinct=True),
    )


def get_activity(user: User, pk: int | str, perm: str = VIEW) -> Activity:
    row = activities_for(user, perm).select_related("community", "team", "post").filter(pk=pk)
    found = row.first()
    if found is None:
        raise NotFoundOrForbidden()
    return found


def signups(activity: Activity) -> QuerySet[SignUp]:
    """The activity's sign-ups: places first, then the waiting list in its order."""
    return (
        SignUp.objects.filter(activity=activity)
        .select_related("volunteer")
        .order_by("status", "position", "created_at", "id")
    )


def lines(activity: Activity) -> QuerySet[Hours]:
    return (
        Hours.objects.filter(activity=activity)
        .select_related("volunteer")
        .order_by("source", "checked_in_at", "id")
    )


def signup_for(user: User, pk: int | str) -> SignUp:
    """A sign-up the user may cancel: their own, or one of an activity they organise."""
    row = (
        SignUp.objects.visible_to(user, TAKE_PART)
        .select_related("activity", "volunteer")
        .filter(pk=pk)
        .first()
    )
    if row is None:
        row = (
            SignUp.objects.visible_to(user, CHANGE)
            .select_related("activity", "volunteer")
            .filter(pk=pk)
            .first()
        )
    if row is None or (
        row.volunteer.user_id != user.pk and not user.has_perm(CHANGE, row.activity)
    ):
        raise NotFoundOrForbidden()
    return row


def by_code(user: User, code: str, at: datetime | None = None) -> Activity:
    """The published activity a typed code names, among those the user may take part in:
    the one whose check-in window is open now, else the nearest."""
    code = (code or "").strip()
    if not (len(code) == CODE_DIGITS and code.isdigit()):
        raise RuleViolation(_("请输入活动现场显示的6位数字签到码。"), field="code")
    at = at or timezone.now()
    found = list(
        activities_for(user, TAKE_PART).filter(status=S.PUBLISHED, code=code).order_by("starts_at")
    )
    if not found:
        raise RuleViolation(_("签到码不正确，请核对活动现场显示的6位数字。"), field="code")
    for activity in found:
        if rules.in_window(at, rules.checkin_window(activity.starts_at, activity.ends_at)):
            return activity
    return min(found, key=lambda a: abs((a.starts_at - at).total_seconds()))


def joinable(user: User, at: datetime | None = None) -> QuerySet[Activity]:
    """Published activities not yet over that the user may take part in."""
    at = at or timezone.now()
    return with_counts(
        activities_for(user, TAKE_PART).filter(status=S.PUBLISHED, ends_at__gt=at)
    ).order_by("starts_at", "id")


@dataclass(frozen=True)
class MyActivity:
    """One row of 我的活动: the activity, the user's sign-up and check-in line."""

    activity: Activity
    signup: SignUp | None
    line: Hours | None
    can_sign_up: bool
    can_check_in: bool
    can_check_out: bool


def my_activities(user: User, at: datetime | None = None) -> list[MyActivity]:
    """The user's sign-ups (newest first) and the activities they may still join."""
    at = at or timezone.now()
    volunteer = volunteers.of_user(user)
    mine: dict[int, SignUp] = {}
    line_of: dict[int, Hours] = {}
    if volunteer is not None:
        for row in (
            SignUp.objects.filter(volunteer=volunteer)
            .select_related("activity")
            .order_by("-activity__starts_at")[:100]
        ):
            mine[row.activity_id] = row
        for line in Hours.objects.filter(
            volunteer=volunteer, source=HoursSource.CHECKIN, activity_id__in=list(mine)
        ):
            assert line.activity_id is not None
            line_of[line.activity_id] = line
    open_ones = list(joinable(user, at)[:50]) if user.has_perm(TAKE_PART) else []
    rows: list[MyActivity] = []
    seen: set[int] = set()
    for activity in [*open_ones, *(s.activity for s in mine.values())]:
        if activity.pk in seen:
            continue
        seen.add(activity.pk)
        signup = mine.get(activity.pk)
        line = line_of.get(activity.pk)
        live = activity.status == S.PUBLISHED
        placed = signup is not None and signup.status == SignUpState.CONFIRMED
        rows.append(
            MyActivity(
                activity=activity,
                signup=signup,
                line=line,
                can_sign_up=live
                and at < activity.ends_at
                and (signup is None or signup.status == SignUpState.CANCELLED)
                and (
                    activity.open_to_residents
                    or volunteer is None
                    or volunteer.member_id is not None
                ),
                can_check_in=live
                and placed
                and line is None
                and rules.in_window(at, rules.checkin_window(activity.starts_at, activity.ends_at)),
                can_check_out=line is not None
                and line.status == HoursState.OPEN
                and rules.in_window(
                    at, rules.checkout_window(activity.starts_at, activity.ends_at)
                ),
            )
        )
    return rows


def own_line(activity: Activity, user: User) -> Hours | None:
    volunteer = volunteers.of_user(user)
    if volunteer is None:
        return None
    return Hours.objects.filter(
        activity=activity, volunteer=volunteer, source=HoursSource.CHECKIN
    ).first()


def own_signup(activity: Activity, user: User) -> SignUp | None:
    volunteer = volunteers.of_user(user)
    if volunteer is None:
        return None
    return SignUp.objects.filter(activity=activity, volunteer=volunteer).first()


def checkin_activity(user: User, pk: int | str) -> Activity:
    """An activity the user may take part in (the check-in page)."""
    found = activities_for(user, TAKE_PART).filter(pk=pk).first()
    if found is None:
        raise NotFoundOrForbidden()
    return found


def teams_for(user: User) -> QuerySet[Team]:
    return Team.objects.visible_to(user, CHANGE).order_by("path", "name")


def posts_for(user: User) -> QuerySet[Post]:
    return Post.objects.visible_to(user, CHANGE).filter(is_active=True).order_by("path", "name")


def communities_for(user: User) -> QuerySet[Area]:
    return Area.objects.visible_to(user, CHANGE).filter(level=Level.COMMUNITY).order_by("path")


# --- The quarterly theme service day -----------------------------------------------------------


@dataclass(frozen=True)
class ThemeCell:
    quarter: int
    window: tuple[date, date]
    held: int  # theme-day activities held in the window
    state: str  # "held", "missed", "due" (window open or ahead)


@dataclass(frozen=True)
class ThemeRow:
    community: Area
    cells: list[ThemeCell]

    @property
    def missed(self) -> int:
        return sum(1 for c in self.cells if c.state == "missed")


def theme_days(user: User, year: int, today: date) -> list[ThemeRow]:
    """Per community in the user's scope and quarter of ``year``: whether a theme-day
    activity was held in the quarter's theme month (``rules.theme_day_window``); missed
    when the month is over without one."""
    communities = list(
        Area.objects.visible_to(user, VIEW).filter(level=Level.COMMUNITY).order_by("path")
    )
    windows = [(q, rules.theme_day_window(year, q)) for q in (1, 2, 3, 4)]
    held: dict[tuple[str, int], int] = {}
    rows = (
        activities_for(user, VIEW)
        .filter(
            theme_day=True,
            status__in=(S.PUBLISHED, S.DONE),
            starts_at__year=year,
            starts_at__lte=timezone.now(),
        )
        .values_list("path", "starts_at")
    )
    for path, starts_at in rows:
        day = timezone.localdate(starts_at)
        for quarter, (first, last) in windows:
            if first <= day <= last:
                held[(path, quarter)] = held.get((path, quarter), 0) + 1
    result = []
    for community in communities:
        cells = []
        for quarter, window in windows:
            n = held.get((community.path, quarter), 0)
            state = "held" if n else ("missed" if today > window[1] else "due")
            cells.append(ThemeCell(quarter, window, n, state))
        result.append(ThemeRow(community, cells))
    return result
