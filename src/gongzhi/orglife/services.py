"""Every write of a meeting (三会一课, 主题党日, 组织生活会…): scope-checked, transactional,
audited; the state machine declared once on the workflow kernel (core.workflow).

planned → notified (the roster is drawn up and told) → held (presence settled, class
hours fixed) → closed (approved minutes; study credits written); a planned or notified
meeting may be cancelled with a reason. Sign-in, leave, decisions, minutes and make-up
are transitions that keep the state, so that the pages and the API offer exactly what
``WORKFLOW.allowed`` says.

Quorum and votes (rules.has_quorum, rules.vote_passes): a 支委会 needs more than half of
its committee present for any decision; any meeting that votes needs more than half of
the members entitled to vote (full members; probationary members do not vote) present,
and a vote passes when those for it are more than half of those entitled.
"""

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.models import User
from gongzhi.core import audit, calendar
from gongzhi.core.errors import Problems, RuleViolation
from gongzhi.core.notifications import notify
from gongzhi.core.services import atomic, require
from gongzhi.core.workflow import Workflow, register, step
from gongzhi.party.choices import BRANCH_TYPES, Category, MemberStatus, OrgType, Standing
from gongzhi.party.models import CommitteeSeat, Member, Organization

from . import rules
from .choices import (
    ATTENDED,
    Entitlement,
    MakeUpWay,
    MeetingKind,
    MeetingState,
    Presence,
    SignInWay,
    StudyKind,
)
from .models import Attendance, Decision, Meeting, Minutes, StudyRecord
from .permissions import CHANGE

S = MeetingState
K = MeetingKind
NOTICE = "orglife.notice"  # the manifest's NotificationKind
LENGTHS = (rules.FULL_DAY, rules.HALF_DAY, rules.HOURS)
# Entitlements that carry a vote at a meeting of members (full members; a committee's
# members at its own meeting; a party group's full members at the group's meeting).
VOTING = frozenset({Entitlement.MEMBER, Entitlement.COMMITTEE})


# --- Guards --------------------------------------------------------------------------------


def latest_minutes(meeting: Meeting) -> Minutes | None:
    return Minutes.objects.filter(meeting=meeting).order_by("-number").first()


def _minutes_state(meeting: Meeting) -> tuple[bool, bool]:
    """(has minutes, its latest version approved): from the list's annotations
    (selectors.with_counts) when present, else one query."""
    annotated = vars(meeting)
    if "last_minutes_number" in annotated:
        return (
            annotated["last_minutes_number"] is not None,
            annotated["last_minutes_approved"] is not None,
        )
    minutes = latest_minutes(meeting)
    return minutes is not None, minutes is not None and minutes.approved_at is not None


def _has_draft(meeting: Meeting, actor: Any) -> None:
    exists, approved = _minutes_state(meeting)
    if not exists or approved:
        raise RuleViolation(_("没有待审定的会议记录。"), field="minutes")


def _minutes_approved(meeting: Meeting, actor: Any) -> None:
    if not _minutes_state(meeting)[1]:
        raise RuleViolation(_("会议记录审定后才能归档。"), field="minutes")


WORKFLOW = register(
    "orglife.meeting",
    Workflow(
        model=Meeting,
        state_field="state",
        audit_prefix="orglife.meeting",
        transitions={
            "update": step(
                {S.PLANNED, S.NOTIFIED},
                perm=CHANGE,
                refusal=gettext_lazy("会议已召开或已取消，不能再修改安排。"),
            ),
            "notify": step(
                {S.PLANNED}, S.NOTIFIED, perm=CHANGE, refusal=gettext_lazy("会议已发出通知。")
            ),
            "signin": step(
                {S.NOTIFIED, S.HELD},
                perm=CHANGE,
                audit="attendance",
                refusal=gettext_lazy("会议发出通知后、归档前才能登记签到和请假。"),
            ),
            "hold": step(
                {S.NOTIFIED},
                S.HELD,
                perm=CHANGE,
                refusal=gettext_lazy("只有已通知的会议才能登记召开。"),
            ),
            "decide": step(
                {S.HELD}, perm=CHANGE, audit="decided", refusal=gettext_lazy("会议尚未召开。")
            ),
            "minutes": step(
                {S.HELD, S.CLOSED},
                perm=CHANGE,
                audit="minutes",
                refusal=gettext_lazy("会议尚未召开，不能填写会议记录。"),
            ),
            "approve": step(
                {S.HELD, S.CLOSED},
                perm=CHANGE,
                guards=[_has_draft],
                audit="minutes_approved",
                refusal=gettext_lazy("会议尚未召开。"),
            ),
            "makeup": step(
                {S.HELD, S.CLOSED},
                perm=CHANGE,
                audit="makeup",
                refusal=gettext_lazy("会议召开后才能登记补课。"),
            ),
            "close": step(
                {S.HELD},
                S.CLOSED,
                perm=CHANGE,
                guards=[_minutes_approved],
                refusal=gettext_lazy("只有已召开的会议才能归档。"),
            ),
            "cancel": step(
                {S.PLANNED, S.NOTIFIED},
                S.CANCELLED,
                perm=CHANGE,
                refusal=gettext_lazy("会议已召开或已取消，不能取消。"),
            ),
        },
    ),
)


# --- Small checks -------------------------------------------------------------------------


def _text(value: str | None, length: int, field: str, *, required: str = "") -> str:
    value = (value or "").strip()
    if not value and required:
        raise RuleViolation(required, field=field)
    if len(value) > length:
        raise RuleViolation(_("内容过长，不能超过%(n)d个字。") % {"n": length}, field=field)
    return value


def _kind_fits(organization: Organization, kind: str) -> None:
    if kind not in K.values:
        raise RuleViolation(_("会议类型不正确。"), field="kind")
    if organization.org_type == OrgType.GROUP and kind != K.GROUP:
        raise RuleViolation(_("党小组只召开党小组会。"), field="kind")
    if kind == K.GROUP and organization.org_type != OrgType.GROUP:
        raise RuleViolation(_("党小组会的组织须为党小组。"), field="organization")
    if not organization.is_active:
        raise RuleViolation(_("该党组织已撤销。"), field="organization")


def _lecturer(kind: str, lecturer: Member | None, lecturer_name: str) -> tuple[Member | None, str]:
    name = _text(lecturer_name, 50, "lecturer_name")
    if kind != K.LECTURE:
        return None, ""
    if lecturer is None and not name:
        raise RuleViolation(
            _("党课须填写授课人（本组织党员或系统外授课人姓名）。"), field="lecturer"
        )
    return lecturer, "" if lecturer is not None else name


def _theme_day_limit(kind: str, original: date, moved_to: date) -> None:
    """A 主题党日 is postponed at most rules.latest_theme_day(original)."""
    if kind != K.THEME_DAY:
        return
    latest = rules.latest_theme_day(original)
    if moved_to > latest:
        raise RuleViolation(
            _("主题党日最多推迟到%(d)s（原定%(o)s，最多推迟%(n)d天）。")
            % {"d": latest.isoformat(), "o": original.isoformat(), "n": (latest - original).days},
            field="planned_on",
        )


# --- Creating and changing a meeting ---------------------------------------------------------


@atomic
def create_meeting(
    *,
    actor: User,
    organization: Organization,
    kind: str,
    planned_on: date,
    topic: str = "",
    agenda: str = "",
    place: str = "",
    start_time: time | None = None,
    online_allowed: bool = False,
    lecturer: Member | None = None,
    lecturer_name: str = "",
) -> Meeting:
    """A meeting outside the yearly plan (or before it is generated), of any kind: a 党小组会
    is the 党小组's own meeting; a 党课 names its lecturer."""
    require(actor, CHANGE, organization)
    problems = Problems()
    with problems.check():
        _kind_fits(organization, kind)
    with problems.check():
        topic = _text(topic, 200, "topic", required=_("请填写会议主题。"))
    with problems.check():
        agenda = _text(agenda, 4000, "agenda")
    with problems.check():
        place = _text(place, 100, "place")
    with problems.check():
        lecturer, lecturer_name = _lecturer(kind, lecturer, lecturer_name)
    problems.raise_any()
    meeting = Meeting.objects.create(
        organization=organization,
        path=organization.path,
        kind=kind,
        year=planned_on.year,
        planned_on=planned_on,
        start_time=start_time,
        place=place,
        topic=topic,
        agenda=agenda,
        lecturer=lecturer,
        lecturer_name=lecturer_name,
        online_allowed=online_allowed,
    )
    audit.log(
        "orglife.meeting.created",
        actor=actor,
        target=meeting,
        data={"organization": organization.pk, "kind": kind, "planned_on": str(planned_on)},
    )
    return meeting


@atomic
def update_meeting(
    meeting: Meeting,
    *,
    actor: User,
    version: int | None,
    planned_on: date,
    topic: str = "",
    agenda: str = "",
    place: str = "",
    start_time: time | None = None,
    online_allowed: bool = False,
    lecturer: Member | None = None,
    lecturer_name: str = "",
    move_reason: str = "",
) -> Meeting:
    """Agenda, topic, place, time and date. A moved meeting keeps its place in the plan
    (``slot``, ``plan``, ``due_on``) and its first date in ``original_on``; the move needs
    a reason, a 主题党日 moves at most rules.latest_theme_day, and a notified meeting
    cannot be brought forward past its notice."""
    meeting = WORKFLOW.begin(meeting, actor, "update", version)
    problems = Problems()
    with problems.check():
        topic = _text(topic, 200, "topic", required=_("请填写会议主题。"))
    with problems.check():
        agenda = _text(agenda, 4000, "agenda")
    with problems.check():
        place = _text(place, 100, "place")
    with problems.check():
        lecturer, lecturer_name = _lecturer(meeting.kind, lecturer, lecturer_name)
    fields = ["topic", "agenda", "place", "start_time", "online_allowed"]
    fields += ["lecturer", "lecturer_name"]
    if planned_on != meeting.planned_on:
        original = meeting.original_on or meeting.planned_on
        with problems.check():
            move_reason = _text(
                move_reason, 200, "move_reason", required=_("调整会议日期须填写调整原因。")
            )
        with problems.check():
            _theme_day_limit(meeting.kind, original, planned_on)
        if meeting.notified_at is not None:
            with problems.check():
                sent = timezone.localdate(meeting.notified_at)
                days = (planned_on - rules.notice_deadline(planned_on)).days
                if sent > rules.notice_deadline(planned_on):
                    raise RuleViolation(
                        _("会议已于%(s)s通知，须至少提前%(n)d天通知：最早改到%(d)s。")
                        % {
                            "s": sent.isoformat(),
                            "n": days,
                            "d": (sent + timedelta(days=days)).isoformat(),
                        },
                        field="planned_on",
                    )
        if planned_on.year != meeting.year and meeting.plan_id is None:
            meeting.year = planned_on.year
            fields.append("year")
        meeting.original_on = original
        meeting.planned_on = planned_on
        meeting.move_reason = move_reason
        fields += ["original_on", "planned_on", "move_reason"]
    problems.raise_any()
    changed = "original_on" in fields or (start_time, place) != (meeting.start_time, meeting.place)
    meeting.topic, meeting.agenda, meeting.place = topic, agenda, place
    meeting.start_time, meeting.online_allowed = start_time, online_allowed
    meeting.lecturer, meeting.lecturer_name = lecturer, lecturer_name
    meeting = WORKFLOW.commit(
        meeting,
        actor,
        "update",
        fields=fields,
        audit_data={"planned_on": str(meeting.planned_on), "moved": "original_on" in fields},
    )
    if changed and meeting.notified_at is not None:  # those told of the old time are told again
        _tell_roster(meeting, _("会议变更"))
    return meeting


def _tell_roster(meeting: Meeting, heading: str) -> None:
    """The notice (or its change) to every member of the roster who has an account."""
    when = meeting.planned_on.isoformat()
    if meeting.start_time:
        when += f" {meeting.start_time:%H:%M}"
    title = _("%(heading)s：%(org)s%(kind)s，%(when)s%(place)s") % {
        "heading": heading,
        "org": meeting.organization.name,
        "kind": meeting.get_kind_display(),
        "when": when,
        "place": f"，{meeting.place}" if meeting.place else "",
    }
    body = "\n".join(filter(None, [meeting.topic, meeting.agenda]))
    link = reverse("orglife:mine")
    users = Attendance.objects.filter(meeting=meeting, member__user__isnull=False).values_list(
        "member__user_id", flat=True
    )
    for user_id in users:
        notify(user_id=user_id, title=title, body=body, link=link, kind=NOTICE)


# --- The roster and the notice ---------------------------------------------------------------


def entitled_members(meeting: Meeting) -> list[tuple[Member, str]]:
    """Who a meeting's roster holds, with why: a 支委会 its committee, a 党小组会 the group's
    members, any other meeting the organization's members (a general branch's or a
    committee's whole subtree), in active standing; full members and probationary."""
    org = meeting.organization
    active = Member.objects.filter(standing=Standing.ACTIVE)
    if meeting.kind == K.COMMITTEE:
        seats = (
            CommitteeSeat.objects.filter(organization=org, member__standing=Standing.ACTIVE)
            .select_related("member")
            .order_by("id")
        )
        return [(seat.member, Entitlement.COMMITTEE) for seat in seats]
    members: QuerySet[Member]
    if meeting.kind == K.GROUP:
        members = active.filter(party_group=org)
    elif org.org_type in BRANCH_TYPES or org.org_type == OrgType.GROUP:
        members = active.filter(organization=org)
    else:
        members = active.filter(organization__tree_path__under=org.tree_path)
    result: list[tuple[Member, str]] = []
    for member in members.order_by("name", "id"):
        if meeting.kind == K.GROUP:
            entitlement = Entitlement.GROUP
        elif member.status == MemberStatus.PROBATIONARY:
            entitlement = Entitlement.PROBATIONARY
        else:
            entitlement = Entitlement.MEMBER
        result.append((member, entitlement))
    return result


@atomic
def notify_meeting(meeting: Meeting, *, actor: User, version: int | None) -> Meeting:
    """Draw up the roster and send the notice (会议通知) to every entitled member who has
    an account. The notice goes at least rules.notice_deadline(planned_on) before."""
    meeting = WORKFLOW.begin(meeting, actor, "notify", version)
    today = timezone.localdate()
    deadline = rules.notice_deadline(meeting.planned_on)
    if today > deadline:
        raise RuleViolation(
            _(
                "会议通知须至少提前%(n)d天发出：会议日期%(m)s，最迟%(d)s通知，今天已过。请先调整会议日期。"
            )
            % {
                "n": (meeting.planned_on - deadline).days,
                "m": meeting.planned_on.isoformat(),
                "d": deadline.isoformat(),
            },
            field="planned_on",
        )
    roster = entitled_members(meeting)
    if not roster:
        raise RuleViolation(
            _("没有应参会的党员：请先在党员名册中维护本组织的党员。"), field="organization"
        )
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, member=member, entitlement=why) for member, why in roster],
        ignore_conflicts=True,
    )
    meeting.notified_at = timezone.now()
    meeting.signin_token = secrets.token_urlsafe(24)[:32]
    meeting = WORKFLOW.commit(
        meeting, actor, "notify", fields=["notified_at", "signin_token"], roster=len(roster)
    )
    _tell_roster(meeting, _("会议通知"))
    return meeting


# --- Sign-in, leave ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    """One name ticked by the secretary: present, on leave (with a reason) or absent."""

    member_id: int
    presence: str
    leave_reason: str = ""


TICKABLE = (Presence.PRESENT, Presence.LEAVE, Presence.ABSENT, Presence.UNKNOWN)


@atomic
def tick_attendance(meeting: Meeting, *, actor: User, marks: Iterable[Mark]) -> Meeting:
    """The secretary ticks names (书记勾选): each member's row is written on its own, so
    that ticks and members' own sign-ins at the same time lose none. A member not on the
    roster is refused; a leave needs its reason. Every error at once."""
    meeting = WORKFLOW.begin(meeting, actor, "signin")
    rows = {a.member_id: a for a in Attendance.objects.filter(meeting=meeting)}
    problems = Problems()
    valid: list[tuple[Attendance, Mark, str]] = []
    for mark in marks:
        row = rows.get(mark.member_id)
        with problems.check():
            if row is None:
                raise RuleViolation(
                    _("所选党员不在应参会名单中，不能签到。"), field=f"presence_{mark.member_id}"
                )
            if mark.presence not in TICKABLE or (
                mark.presence == Presence.UNKNOWN and meeting.state != S.NOTIFIED
            ):  # once held, every name is present, on leave or absent
                raise RuleViolation(_("出席情况不正确。"), field=f"presence_{mark.member_id}")
            reason = ""
            if mark.presence == Presence.LEAVE:
                reason = _text(
                    mark.leave_reason,
                    200,
                    f"leave_reason_{mark.member_id}",
                    required=_("%(name)s请假须填写事由。") % {"name": row.member.name},
                )
            valid.append((row, mark, reason))
    problems.raise_any()
    now = timezone.now()
    changed = 0
    for row, mark, reason in valid:
        if row.presence == mark.presence and row.leave_reason == reason:
            continue
        if row.presence == Presence.ONLINE and mark.presence == Presence.PRESENT:
            continue  # signed in online themselves: the tick confirms it
        attended = mark.presence == Presence.PRESENT
        Attendance.objects.filter(pk=row.pk).update(
            presence=mark.presence,
            leave_reason=reason,
            way=SignInWay.TICKED if attended else "",
            signed_at=now if attended else None,
        )
        changed += 1
    return WORKFLOW.commit(meeting, actor, "signin", save=False, ticked=changed)


@atomic
def record_leave(meeting: Meeting, *, actor: User, member: Member, reason: str) -> Attendance:
    """One member's leave (请假) with its reason."""
    tick_attendance(
        meeting,
        actor=actor,
        marks=[Mark(member.pk, Presence.LEAVE, reason)],
    )
    return Attendance.objects.get(meeting=meeting, member=member)


def _roster_row(meeting: Meeting, member: Member | None) -> Attendance:
    row = (
        Attendance.objects.filter(meeting=meeting, member=member).select_related("member").first()
        if member is not None
        else None
    )
    if row is None:
        raise RuleViolation(_("您不在本次会议的应参会名单中，不能签到。"), field="member")
    return row


@atomic
def sign_in_self(meeting: Meeting, *, actor: User, token: str, online: bool = False) -> Attendance:
    """A member signs in as themselves (their ``Member.user``) by the meeting's QR code,
    or online — only a floating member, and only when the meeting allows it."""
    if not token or not secrets.compare_digest(token, meeting.signin_token or "-"):
        raise RuleViolation(_("签到二维码无效或已过期，请重新扫码。"), field="token")
    if meeting.state != S.NOTIFIED:
        raise RuleViolation(_("会议不在签到时间内（未通知、已召开或已取消）。"), field="token")
    member = Member.objects.filter(user=actor, standing=Standing.ACTIVE).first()
    row = _roster_row(meeting, member)
    if online:
        if not meeting.online_allowed:
            raise RuleViolation(_("本次会议不允许线上参加。"), field="online")
        if row.member.category != Category.FLOATING:
            raise RuleViolation(_("只有流动党员可以线上参加。"), field="online")
    presence = Presence.ONLINE if online else Presence.PRESENT
    now = timezone.now()
    # The row alone, not the meeting: sign-ins at the same moment never overwrite another.
    Attendance.objects.filter(pk=row.pk).update(
        presence=presence,
        way=SignInWay.ONLINE if online else SignInWay.QR,
        signed_at=now,
        leave_reason="",
    )
    audit.log(
        "orglife.meeting.signed_in",
        actor=actor,
        target=meeting,
        data={"attendance": row.pk, "presence": presence},
    )
    row.refresh_from_db()
    return row


# --- Holding ------------------------------------------------------------------------------------


@atomic
def hold_meeting(
    meeting: Meeting,
    *,
    actor: User,
    version: int | None,
    held_on: date,
    length: str,
    hours: Decimal | None = None,
) -> Meeting:
    """The meeting took place on ``held_on`` (never in the future, not before its notice);
    its class hours by rules.class_hours (a full day, half a day or by the hour). Members
    not marked become absent."""
    meeting = WORKFLOW.begin(meeting, actor, "hold", version)
    problems = Problems()
    with problems.check():
        calendar.require_happened(held_on, field="held_on")
    with problems.check():
        if meeting.notified_at is not None:
            sent = timezone.localdate(meeting.notified_at)
            if held_on < sent:
                raise RuleViolation(
                    _("召开日期不能早于通知日期（%(d)s）。") % {"d": sent.isoformat()},
                    field="held_on",
                )
    with problems.check():
        if length not in LENGTHS:
            raise RuleViolation(_("请选择会议时长。"), field="length")
        if length == rules.HOURS and (hours is None or hours <= 0 or hours > 24):
            raise RuleViolation(_("按小时计的学时须大于0且不超过24。"), field="hours")
    problems.raise_any()
    Attendance.objects.filter(meeting=meeting, presence=Presence.UNKNOWN).update(
        presence=Presence.ABSENT
    )
    meeting.held_on = held_on
    meeting.class_hours = rules.class_hours(length, hours, held_on)
    return WORKFLOW.commit(
        meeting,
        actor,
        "hold",
        fields=["held_on", "class_hours"],
        held_on=held_on,
        class_hours=meeting.class_hours,
    )


# --- Make-up (补课) --------------------------------------------------------------------------------


@atomic
def record_makeup(
    meeting: Meeting,
    *,
    actor: User,
    member: Member,
    on: date,
    way: str,
    note: str = "",
) -> Attendance:
    """补课 for a member who was on leave or absent: the date (not in the future, not
    before the meeting), the way and a note; the member then sees the meeting's content."""
    meeting = WORKFLOW.begin(meeting, actor, "makeup")
    row = Attendance.objects.filter(meeting=meeting, member=member).first()
    if row is None:
        raise RuleViolation(_("该党员不在本次会议的应参会名单中。"), field="member")
    problems = Problems()
    with problems.check():
        if row.presence in ATTENDED:
            raise RuleViolation(
                _("%(name)s已参加本次会议，无需补课：补课只登记请假或缺席的党员。")
                % {"name": member.name},
                field="member",
            )
    with problems.check():
        calendar.require_happened(on, field="on")
        if meeting.held_on is not None and on < meeting.held_on:
            raise RuleViolation(
                _("补课日期不能早于会议召开日期（%(d)s）。") % {"d": meeting.held_on.isoformat()},
                field="on",
            )
    with problems.check():
        if way not in MakeUpWay.values:
            raise RuleViolation(_("请选择补课方式。"), field="way")
    with problems.check():
        note = _text(note, 200, "note")
    problems.raise_any()
    row.makeup_on, row.makeup_way, row.makeup_note = on, way, note
    row.save(update_fields=["makeup_on", "makeup_way", "makeup_note"])
    WORKFLOW.commit(meeting, actor, "makeup", save=False, attendance=row.pk, on=on)
    return row


# --- Decisions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """The roster's numbers: 应到, 实到, 请假, 缺席; and of the members entitled to vote."""

    entitled: int
    attended: int
    leave: int
    absent: int
    unknown: int
    voters: int
    voters_attended: int


def counts(meeting: Meeting, rows: Iterable[Attendance] | None = None) -> Counts:
    """The roster's counts (one query, or none given the rows)."""
    if rows is None:
        rows = Attendance.objects.filter(meeting=meeting).only("presence", "entitlement")
    entitled = attended = leave = absent = unknown = voters = voters_attended = 0
    for row in rows:
        entitled += 1
        voter = row.entitlement in VOTING
        voters += voter
        if row.presence in ATTENDED:
            attended += 1
            voters_attended += voter
        elif row.presence == Presence.LEAVE:
            leave += 1
        elif row.presence == Presence.ABSENT:
            absent += 1
        else:
            unknown += 1
    return Counts(entitled, attended, leave, absent, unknown, voters, voters_attended)


def _quorum(meeting: Meeting, c: Counts, voted: bool) -> None:
    if meeting.kind == K.COMMITTEE:
        entitled, present = c.entitled, c.attended
    elif voted:
        entitled, present = c.voters, c.voters_attended
    else:
        return
    if not rules.has_quorum(present, entitled):
        raise RuleViolation(
            _("应到%(n)d人，实到%(m)d人，未过半数（至少%(q)d人），不能作出决定。")
            % {"n": entitled, "m": present, "q": rules.quorum(entitled)},
            field="voted" if voted else "title",
        )


@atomic
def record_decision(
    meeting: Meeting,
    *,
    actor: User,
    title: str,
    text: str = "",
    voted: bool = False,
    secret_ballot: bool = False,
    votes_for: int = 0,
    votes_against: int = 0,
    votes_abstain: int = 0,
) -> Decision:
    """A matter decided at a held meeting. Without quorum it is refused (the meeting stays
    recorded); counts beyond the voting attendees are refused. ``passed``: those for it
    are more than half of the members entitled to vote (rules.vote_passes), not of those
    present; a matter decided without a vote is recorded as passed."""
    meeting = WORKFLOW.begin(meeting, actor, "decide")
    c = counts(meeting)
    problems = Problems()
    with problems.check():
        title = _text(title, 200, "title", required=_("请填写议题。"))
    with problems.check():
        text = _text(text, 4000, "text")
    with problems.check():
        _quorum(meeting, c, voted)
    if voted:
        with problems.check():
            for name, value in (
                ("votes_for", votes_for),
                ("votes_against", votes_against),
                ("votes_abstain", votes_abstain),
            ):
                if value is None or value < 0:
                    raise RuleViolation(_("票数不能为负数。"), field=name)
        with problems.check():
            total = (votes_for or 0) + (votes_against or 0) + (votes_abstain or 0)
            if total > c.voters_attended:
                raise RuleViolation(
                    _("赞成、反对、弃权合计%(t)d票，超过到会有表决权的党员%(n)d人。")
                    % {"t": total, "n": c.voters_attended},
                    field="votes_for",
                )
            if total == 0:
                raise RuleViolation(_("表决须填写票数。"), field="votes_for")
    else:
        votes_for = votes_against = votes_abstain = 0
        secret_ballot = False
    problems.raise_any()
    decision = Decision.objects.create(
        meeting=meeting,
        title=title,
        text=text,
        voted=voted,
        secret_ballot=secret_ballot,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
        passed=rules.vote_passes(votes_for, c.voters) if voted else True,
    )
    WORKFLOW.commit(
        meeting, actor, "decide", save=False, decision=decision.pk, passed=decision.passed
    )
    return decision


# --- Minutes ------------------------------------------------------------------------------------


@atomic
def record_minutes(
    meeting: Meeting, *, actor: User, text: str, recorder: str = "", reason: str = ""
) -> Minutes:
    """The minutes of a held meeting. The draft is edited in place until approved;
    approved minutes are frozen: a change is a new version with who and why."""
    meeting = WORKFLOW.begin(meeting, actor, "minutes")
    current = latest_minutes(meeting)
    problems = Problems()
    with problems.check():
        text = _text(text, 20000, "text", required=_("请填写会议记录。"))
    with problems.check():
        recorder = _text(recorder, 50, "recorder")
    frozen = current is not None and current.approved_at is not None
    with problems.check():
        reason = _text(
            reason,
            200,
            "reason",
            required=(
                _("会议记录已于%(d)s审定，不能直接修改：更正须说明原因，作为新版本保存。")
                % {"d": timezone.localtime(current.approved_at).strftime("%Y-%m-%d %H:%M")}
                if frozen and current is not None and current.approved_at is not None
                else ""
            ),
        )
    problems.raise_any()
    if current is not None and not frozen:
        current.text, current.recorder, current.author = text, recorder, actor
        if reason:
            current.reason = reason
        current.save(update_fields=["text", "recorder", "author", "reason"])
        minutes = current
    else:
        minutes = Minutes.objects.create(
            meeting=meeting,
            number=(current.number + 1) if current is not None else 1,
            text=text,
            recorder=recorder,
            reason=reason if frozen else "",
            author=actor,
        )
    WORKFLOW.commit(meeting, actor, "minutes", save=False, number=minutes.number)
    return minutes


@atomic
def approve_minutes(meeting: Meeting, *, actor: User) -> Minutes:
    """Approve (审定) the latest version: from now on it is frozen."""
    meeting = WORKFLOW.begin(meeting, actor, "approve")
    minutes = latest_minutes(meeting)
    assert minutes is not None  # the guard
    minutes.approved_at = timezone.now()
    minutes.approved_by = actor
    minutes.save(update_fields=["approved_at", "approved_by"])
    WORKFLOW.commit(meeting, actor, "approve", save=False, number=minutes.number)
    return minutes


# --- Closing, cancelling ----------------------------------------------------------------------------


@atomic
def close_meeting(meeting: Meeting, *, actor: User, version: int | None) -> Meeting:
    """Archive a held meeting with approved minutes and credit its study hours: one
    StudyRecord per member who attended (present or online), idempotent."""
    meeting = WORKFLOW.begin(meeting, actor, "close", version)
    held_on, hours = meeting.held_on, meeting.class_hours
    assert held_on is not None and hours is not None  # held
    meeting = WORKFLOW.commit(meeting, actor, "close")
    kind = StudyKind.LECTURE if meeting.kind == K.LECTURE else StudyKind.MEETING
    title = f"{meeting.get_kind_display()}：{meeting.topic}"[:200]
    members = Attendance.objects.filter(meeting=meeting, presence__in=ATTENDED).values_list(
        "member_id", flat=True
    )
    StudyRecord.objects.bulk_create(
        [
            StudyRecord(
                member_id=member_id,
                year=held_on.year,
                on=held_on,
                kind=kind,
                title=title,
                hours=hours,
                meeting=meeting,
                created_by=actor,
            )
            for member_id in members
        ],
        ignore_conflicts=True,
    )
    return meeting


@atomic
def cancel_meeting(meeting: Meeting, *, actor: User, version: int | None, reason: str) -> Meeting:
    meeting = WORKFLOW.begin(meeting, actor, "cancel", version)
    meeting.cancel_reason = _text(reason, 200, "reason", required=_("取消会议须填写原因。"))
    return WORKFLOW.commit(meeting, actor, "cancel", fields=["cancel_reason"])


def marks_from(data: Mapping[str, Any], member_ids: Iterable[int]) -> list[Mark]:
    """Marks from a form's ``presence_<id>`` and ``leave_reason_<id>`` fields."""
    marks = []
    for member_id in member_ids:
        presence = data.get(f"presence_{member_id}")
        if presence:
            marks.append(Mark(member_id, presence, data.get(f"leave_reason_{member_id}", "")))
    return marks
