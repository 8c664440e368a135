"""The API of 组织生活: the same selectors, filters and services as the pages.

Meetings: ``/api/v1/orglife/meetings`` — list (filters as the page's), detail with the
roster, counts, decisions and minutes, create, and one POST per step of the workflow
(``allowed`` lists those the caller may take now). Refusals are 4xx JSON bodies naming
the field."""

from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.core.api import (
    ERRORS,
    Day,
    ErrorOut,
    Id,
    LongText,
    Pagination,
    Text,
    Version,
    filtered,
    query_data,
)
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.party.models import Member

from . import selectors, services
from .choices import MakeUpWay, MeetingKind, MeetingState, Presence
from .filters import MeetingFilter
from .permissions import CHANGE

LongContent = LongText(20000)

router = Router(tags=["orglife"])

Count = Annotated[int, Field(ge=0, le=100000)]


class OrglifeMeetingOut(Schema):
    id: int
    organization_id: int
    organization_name: str = Field(..., alias="organization.name")
    kind: MeetingKind
    year: int
    slot: int
    plan_id: int | None
    due_on: date | None
    planned_on: date
    original_on: date | None
    move_reason: str
    start_time: time | None
    place: str
    topic: str
    agenda: str
    lecturer_id: int | None
    lecturer_name: str
    online_allowed: bool
    state: MeetingState
    notified_at: datetime | None
    held_on: date | None
    class_hours: Decimal | None
    cancel_reason: str
    version: int
    allowed: list[str] = Field(..., description="当前用户可执行的操作")

    @staticmethod
    def resolve_allowed(obj, context) -> list[str]:
        return services.WORKFLOW.allowed(obj, context["request"].user)


class OrglifeMeetingCountsOut(Schema):
    entitled: int = Field(..., description="应到")
    attended: int = Field(..., description="实到（出席和线上参加）")
    leave: int = Field(..., description="请假")
    absent: int = Field(..., description="缺席")
    unknown: int = Field(..., description="未签到")
    voters: int = Field(..., description="有表决权的应到人数")
    voters_attended: int = Field(..., description="有表决权的实到人数")


class OrglifeMeetingAttendanceOut(Schema):
    member_id: int
    member_name: str = Field(..., alias="member.name")
    entitlement: str
    presence: Presence
    way: str
    signed_at: datetime | None
    leave_reason: str
    makeup_on: date | None
    makeup_way: str
    makeup_note: str


class OrglifeMeetingDecisionOut(Schema):
    id: int
    title: str
    text: str
    voted: bool
    secret_ballot: bool
    votes_for: int
    votes_against: int
    votes_abstain: int
    passed: bool


class OrglifeMeetingMinutesOut(Schema):
    number: int
    text: str
    recorder: str
    reason: str
    author: str
    created_at: datetime
    approved_at: datetime | None
    approved_by: str

    @staticmethod
    def resolve_author(obj) -> str:
        return obj.author.full_name or obj.author.username

    @staticmethod
    def resolve_approved_by(obj) -> str:
        user = obj.approved_by
        return (user.full_name or user.username) if user else ""


class OrglifeMeetingDetailOut(OrglifeMeetingOut):
    counts: OrglifeMeetingCountsOut
    roster: list[OrglifeMeetingAttendanceOut]
    decisions: list[OrglifeMeetingDecisionOut]
    minutes: list[OrglifeMeetingMinutesOut]

    @staticmethod
    def resolve_counts(obj) -> dict:
        return vars(services.counts(obj))

    @staticmethod
    def resolve_roster(obj) -> list:
        return list(selectors.roster(obj))

    @staticmethod
    def resolve_decisions(obj) -> list:
        return list(selectors.decisions(obj))

    @staticmethod
    def resolve_minutes(obj) -> list:
        return list(selectors.minutes(obj))


class OrglifeMeetingListOut(OrglifeMeetingOut):
    n_entitled: int = Field(..., description="应到")
    n_attended: int = Field(..., description="实到")
    n_leave: int = Field(..., description="请假")
    n_absent: int = Field(..., description="缺席")


class OrglifeMeetingFilters(Schema):
    q: Text(0, 100) | None = None
    organization: Id | None = None
    kind: MeetingKind | None = None
    state: MeetingState | None = None
    year: int | None = Field(None, ge=2000, le=2100)
    month: int | None = Field(None, ge=1, le=12)


class OrglifeMeetingFields(Schema):
    planned_on: Day
    topic: Text(0, 200) = ""
    agenda: LongContent = ""
    place: Text(0, 100) = ""
    start_time: time | None = None
    online_allowed: bool = False
    lecturer_id: Id | None = Field(None, description="党课授课人（本组织党员）")
    lecturer_name: Text(0, 50) = Field("", description="党课授课人（系统外）")


class OrglifeMeetingIn(OrglifeMeetingFields):
    organization_id: Id
    kind: MeetingKind


class OrglifeMeetingUpdateIn(OrglifeMeetingFields):
    version: Version | None = None
    move_reason: Text(0, 200) = Field("", description="改期时必填")


class OrglifeMeetingVersionIn(Schema):
    version: Version | None = None


class OrglifeMeetingMarkIn(Schema):
    member_id: Id
    presence: Presence
    leave_reason: Text(0, 200) = ""


class OrglifeMeetingSignInIn(Schema):
    marks: list[OrglifeMeetingMarkIn] = Field(..., min_length=1, max_length=2000)


class OrglifeMeetingJoinIn(Schema):
    token: Text(1, 64) = Field(..., description="签到二维码中的令牌")
    online: bool = Field(False, description="线上参加（仅流动党员，且会议允许）")


class OrglifeMeetingLeaveIn(Schema):
    member_id: Id
    reason: Text(0, 200)


class OrglifeMeetingMakeUpIn(Schema):
    member_id: Id
    on: Day
    way: MakeUpWay
    note: Text(0, 200) = ""


class OrglifeMeetingHoldIn(Schema):
    version: Version | None = None
    held_on: Day
    length: Literal["full_day", "half_day", "hours"] = Field(
        ..., description="full_day（全天）/ half_day（半天）/ hours（按小时，填 hours）"
    )
    hours: Decimal | None = Field(None, ge=0, le=24, max_digits=4, decimal_places=1)


class OrglifeMeetingDecisionIn(Schema):
    title: Text(0, 200)
    text: LongContent = ""
    voted: bool = False
    secret_ballot: bool = False
    votes_for: Count = 0
    votes_against: Count = 0
    votes_abstain: Count = 0


class OrglifeMeetingMinutesIn(Schema):
    text: LongContent
    recorder: Text(0, 50) = ""
    reason: Text(0, 200) = Field("", description="审定后再修改时必填（作为新版本）")


class OrglifeMeetingCancelIn(Schema):
    version: Version | None = None
    reason: Text(0, 200)


def _lecturer(user, lecturer_id: int | None) -> Member | None:
    if lecturer_id is None:
        return None
    lecturer = selectors.lecturers_for(user).filter(pk=lecturer_id).first()
    if lecturer is None:
        raise RuleViolation(_("所选授课人不存在或不在管辖范围内。"), field="lecturer_id")
    return lecturer


def _detail(user, meeting_id: int):
    return selectors.get_meeting(user, meeting_id)


def _changing(request, meeting_id: int):
    return selectors.get_meeting(request.user, meeting_id, CHANGE)


@router.get("/meetings", response={200: list[OrglifeMeetingListOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_meetings(request, filters: Query[OrglifeMeetingFilters]):
    queryset = selectors.with_counts(selectors.meetings_for(request.user)).order_by(
        "-planned_on", "-id"
    )
    return filtered(MeetingFilter, query_data(filters), queryset, request)


@router.post("/meetings", response={201: OrglifeMeetingDetailOut, ERRORS: ErrorOut})
def create_meeting(request, payload: OrglifeMeetingIn):
    organization = selectors.organizations_for(request.user).filter(pk=payload.organization_id)
    found = organization.first()
    if found is None:
        raise NotFoundOrForbidden(field="organization_id")
    data = payload.dict(exclude={"organization_id", "lecturer_id"})
    meeting = services.create_meeting(
        actor=request.user,
        organization=found,
        lecturer=_lecturer(request.user, payload.lecturer_id),
        **data,
    )
    return Status(201, _detail(request.user, meeting.pk))


@router.get("/meetings/{int:meeting_id}", response={200: OrglifeMeetingDetailOut, ERRORS: ErrorOut})
def get_meeting(request, meeting_id: int):
    """A meeting with its roster (who is entitled, their presence, leave and make-up), the
    counts 应到/实到/请假/缺席, its decisions and every version of its minutes."""
    return _detail(request.user, meeting_id)


@router.post(
    "/meetings/{int:meeting_id}/update",
    response={200: OrglifeMeetingDetailOut, ERRORS: ErrorOut},
)
def update_meeting(request, meeting_id: int, payload: OrglifeMeetingUpdateIn):
    meeting = _changing(request, meeting_id)
    data = payload.dict(exclude={"lecturer_id"})
    services.update_meeting(
        meeting, actor=request.user, lecturer=_lecturer(request.user, payload.lecturer_id), **data
    )
    return _detail(request.user, meeting_id)


@router.post(
    "/meetings/{int:meeting_id}/notify",
    response={200: OrglifeMeetingDetailOut, ERRORS: ErrorOut},
)
def notify_meeting(request, meeting_id: int, payload: OrglifeMeetingVersionIn):
    """Draw up the roster and send the notice (at least the notice days ahead)."""
    services.notify_meeting(_changing(request, meeting_id), actor=request.user, **payload.dict())
    return _detail(request.user, meeting_id)


@router.post(
    "/meetings/{int:meeting_id}/signin",
    response={200: OrglifeMeetingDetailOut, ERRORS: ErrorOut},
)
def tick_attendance(request, meeting_id: int, payload: OrglifeMeetingSignInIn):
    """The secretary's ticks: present / leave (with its reason) / absent, per member."""
    marks = [services.Mark(m.member_id, m.presence, m.leave_reason) for m in payload.marks]
    services.tick_attendance(_changing(request, meeting_id), actor=request.user, marks=marks)
    return _detail(request.user, meeting_id)


@router.post(
    "/meetings/{int:meeting_id}/leave",
    response={200: OrglifeMeetingDetailOut, ERRORS: ErrorOut},
)
def record_leave(request, meeting_id: int, payload: OrglifeMeetingLeaveIn):
    meeting = _changing(request, meeting_id)
    member = selectors.roster_member(meeting, payload.member_id, "member_id")
    services.record_leave(meeting, actor=request.user, member=member, reason=payload.reason)
    return _detail(request.user, meeting_id)


@router.post(
    "/meetings/{int:meeting_id}/join", response={200: OrglifeMeetingAttendanceOut, ERRORS: ErrorOut}
)
def join_meeting(request, meeting_id: int, payload: OrglifeMeetingJoinIn):
    """A member signs in as themselves with the token of the meeting's QR code."""
    meeting = selectors.meeting_by_token(meeting_id, payload.token)
    return services.sign_in_self(
        meeting, actor=request.user, token=payload.token, online=payload.online
    )


@router.post(
    "/meetings/{int:meeting_id}/makeup",
    response={200: OrglifeMeetingDetailOut, ERRORS: ErrorOut},
)
def record_makeup(request, meeting_id: int, payload: OrglifeMeetingMakeUpIn):
    meeting = _changing(request, meeting_id)
    member = selectors.roster_member(meeting, payload.member_id, "member_id")
    data = payload.dict(exclude={"member_id"})
    services.record_makeup(meeting, actor=request.user, member=member, **data)
    return _detail(request.user, meeting_id)


@router.post(
    "/meetings/{int:meeting_id}/hold", response={200: OrglifeMeetingDetailOut, ERRORS: ErrorOut}
)
def hold_meeting(request, meeting_id: int, payload: OrglifeMeetingHoldIn):
    services.hold_meeting(_changing(request, meeting_id), actor=request.user, **payload.dict())
    return _detail(request.user, meeting_id)


@router.post(
    "/meetings/{int:meeting_id}/decide",
    response={201: OrglifeMeetingDecisionOut, ERRORS: ErrorOut},
)
def record_decision(request, meeting_id: int, payload: OrglifeMeetingDecisionIn):
    """Refused without quorum (the meeting stays recorded) or with more votes than
    voting attendees; ``passed``: for > half of those entitled to vote."""
    meeting = _changing(request, meeting_id)
    return Status(201, services.record_decision(meeting, actor=request.user, **payload.dict()))


@router.post(
    "/meetings/{int:meeting_id}/minutes",
    response={200: OrglifeMeetingDetailOut, ERRORS: ErrorOut},
)
def record_minutes(request, meeting_id: int, payload: OrglifeMeetingMinutesIn):
    services.record_minutes(_changing(request, meeting_id), actor=request.user, **payload.dict())
    return _detail(request.user, meeting_id)


@router.post(
    "/meetings/{int:meeting_id}/approve",
    response={200: OrglifeMeetingDetailOut, ERRORS: ErrorOut},
)
def approve_minutes(request, meeting_id: int):
    services.approve_minutes(_changing(request, meeting_id), actor=request.user)
    return _detail(request.user, meeting_id)


@router.post(
    "/meetings/{int:meeting_id}/close",
    response={200: OrglifeMeetingDetailOut, ERRORS: ErrorOut},
)
def close_meeting(request, meeting_id: int, payload: OrglifeMeetingVersionIn):
    """Archive (approved minutes needed) and credit the attendees' class hours."""
    services.close_meeting(_changing(request, meeting_id), actor=request.user, **payload.dict())
    return _detail(request.user, meeting_id)


@router.post(
    "/meetings/{int:meeting_id}/cancel",
    response={200: OrglifeMeetingDetailOut, ERRORS: ErrorOut},
)
def cancel_meeting(request, meeting_id: int, payload: OrglifeMeetingCancelIn):
    services.cancel_meeting(_changing(request, meeting_id), actor=request.user, **payload.dict())
    return _detail(request.user, meeting_id)


# The routes of the meeting's transitions (checked against the workflow: core.workflow).
services.WORKFLOW.routes(
    api={
        "update": update_meeting,
        "notify": notify_meeting,
        "signin": tick_attendance,
        "hold": hold_meeting,
        "decide": record_decision,
        "minutes": record_minutes,
        "approve": approve_minutes,
        "makeup": record_makeup,
        "close": close_meeting,
        "cancel": cancel_meeting,
    }
)
