"""Volunteer activities over the API (``/api/v1/service/activities``): the same selectors
and services as the pages — the organiser's steps, sign-up, check-in and check-out."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.core.api import (
    ERRORS,
    ErrorOut,
    Id,
    LongText,
    Pagination,
    Text,
    Version,
    filtered,
    query_data,
)
from gongzhi.core.errors import NotFoundOrForbidden

from . import activities
from .activity_views import ActivityFilter
from .choices import ActivityState, HoursSource, HoursState, SignUpState
from .permissions import CHANGE

router = Router(tags=["service"])

Capacity = Field(..., ge=1, le=100000, description="人数上限")


class ServiceActivityOut(Schema):
    id: int
    community_id: int
    title: str
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    theme_day: bool
    open_to_residents: bool
    status: ActivityState
    team_id: int | None
    post_id: int | None
    version: int


class ServiceActivityListOut(ServiceActivityOut):
    n_confirmed: int
    n_waiting: int
    n_checked_in: int


class ServiceActivityDetailOut(ServiceActivityOut):
    description: str
    allowed: list[str]
    code: str | None = Field(None, description="签到码（仅组织者可见）")

    @staticmethod
    def resolve_allowed(obj, context) -> list[str]:
        return activities.WORKFLOW.allowed(obj, context["request"].user)

    @staticmethod
    def resolve_code(obj, context) -> str | None:
        user = context["request"].user
        if not obj.code or not user.has_perm(CHANGE, obj):
            return None
        return obj.code


class ServiceActivityFields(Schema):
    title: Text(1, 100)
    place: Text(1, 100)
    starts_at: datetime
    ends_at: datetime
    capacity: int = Capacity
    description: LongText(4000) = ""
    team_id: Id | None = None
    post_id: Id | None = None
    theme_day: bool = False
    open_to_residents: bool = True


class ServiceActivityIn(ServiceActivityFields):
    area_id: Id = Field(..., description="所在社区（区域 id）")


class ServiceActivityUpdateIn(ServiceActivityFields):
    version: Version | None = None


class ServiceActivityVersionIn(Schema):
    version: Version | None = None


class ServiceActivityCancelIn(Schema):
    version: Version | None = None
    reason: Text(0, 200)


class ServiceActivityFilters(Schema):
    q: str | None = Field(None, max_length=100, description="活动名称包含")
    status: ActivityState | None = None
    theme_day: bool | None = None
    year: int | None = Field(None, ge=2000, le=2100)


class ServiceSignUpOut(Schema):
    id: int
    activity_id: int
    volunteer_id: int
    status: SignUpState
    position: int | None
    created_at: datetime


class ServiceCheckInIn(Schema):
    code: Text(6, 6) = Field(..., description="活动现场显示的6位签到码")


class ServiceHoursOut(Schema):
    id: int
    volunteer_id: int
    activity_id: int | None
    served_on: date
    hours: Decimal
    source: HoursSource
    status: HoursState
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    auto_closed: bool
    reason: str
    decline_reason: str


def _fields(user, payload: ServiceActivityFields) -> activities.Fields:
    team = post = None
    if payload.team_id is not None:
        team = activities.teams_for(user).filter(pk=payload.team_id).first()
        if team is None:
            raise NotFoundOrForbidden(field="team_id")
    if payload.post_id is not None:
        post = activities.posts_for(user).filter(pk=payload.post_id).first()
        if post is None:
            raise NotFoundOrForbidden(field="post_id")
    return activities.Fields(
        title=payload.title,
        place=payload.place,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        capacity=payload.capacity,
        description=payload.description,
        team=team,
        post=post,
        theme_day=payload.theme_day,
        open_to_residents=payload.open_to_residents,
    )


def _changing(request, activity_id: int):
    return activities.get_activity(request.user, activity_id, CHANGE)


def _detail(request, activity_id: int):
    return activities.get_activity(request.user, activity_id)


@router.get("", response={200: list[ServiceActivityListOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_activities(request, filters: Query[ServiceActivityFilters]):
    queryset = activities.with_counts(activities.activities_for(request.user)).order_by(
        "-starts_at", "-id"
    )
    return filtered(ActivityFilter, query_data(filters), queryset, request)


@router.get("/mine", response={200: list[ServiceSignUpOut], ERRORS: ErrorOut})
def my_signups(request):
    """The user's own sign-ups (newest activity first)."""
    return [row.signup for row in activities.my_activities(request.user) if row.signup]


@router.get("/{int:activity_id}", response={200: ServiceActivityDetailOut, ERRORS: ErrorOut})
def get_activity(request, activity_id: int):
    return _detail(request, activity_id)


@router.post("", response={201: ServiceActivityDetailOut, ERRORS: ErrorOut})
def create_activity(request, payload: ServiceActivityIn):
    community = activities.communities_for(request.user).filter(pk=payload.area_id).first()
    if community is None:
        raise NotFoundOrForbidden(field="area_id")
    activity = activities.create_activity(
        actor=request.user, community=community, fields=_fields(request.user, payload)
    )
    return Status(201, _detail(request, activity.pk))


@router.post(
    "/{int:activity_id}/update", response={200: ServiceActivityDetailOut, ERRORS: ErrorOut}
)
def update_activity(request, activity_id: int, payload: ServiceActivityUpdateIn):
    activities.update_activity(
        _changing(request, activity_id),
        actor=request.user,
        version=payload.version,
        fields=_fields(request.user, payload),
    )
    return _detail(request, activity_id)


@router.post(
    "/{int:activity_id}/publish", response={200: ServiceActivityDetailOut, ERRORS: ErrorOut}
)
def publish_activity(request, activity_id: int, payload: ServiceActivityVersionIn):
    """Open the sign-up and draw the 6-digit check-in code."""
    activities.publish_activity(
        _changing(request, activity_id), actor=request.user, version=payload.version
    )
    return _detail(request, activity_id)


@router.post(
    "/{int:activity_id}/finish", response={200: ServiceActivityDetailOut, ERRORS: ErrorOut}
)
def finish_activity(request, activity_id: int, payload: ServiceActivityVersionIn):
    activities.finish_activity(
        _changing(request, activity_id), actor=request.user, version=payload.version
    )
    return _detail(request, activity_id)


@router.post(
    "/{int:activity_id}/cancel", response={200: ServiceActivityDetailOut, ERRORS: ErrorOut}
)
def cancel_activity(request, activity_id: int, payload: ServiceActivityCancelIn):
    activities.cancel_activity(
        _changing(request, activity_id),
        actor=request.user,
        version=payload.version,
        reason=payload.reason,
    )
    return _detail(request, activity_id)


@router.get("/{int:activity_id}/signups", response={200: list[ServiceSignUpOut], ERRORS: ErrorOut})
def list_signups(request, activity_id: int):
    return list(activities.signups(_changing(request, activity_id)))


@router.post("/{int:activity_id}/signup", response={201: ServiceSignUpOut, ERRORS: ErrorOut})
def sign_up(request, activity_id: int):
    """Sign up: a place while the capacity lasts, else the waiting list."""
    activity = activities.checkin_activity(request.user, activity_id)
    return Status(201, activities.sign_up(activity, actor=request.user))


@router.post("/signups/{int:signup_id}/cancel", response={200: ServiceSignUpOut, ERRORS: ErrorOut})
def cancel_sign_up(request, signup_id: int):
    """Cancel a sign-up (one's own, or as the organiser); the first waiting gets the place."""
    return activities.cancel_sign_up(
        activities.signup_for(request.user, signup_id), actor=request.user
    )


@router.post("/{int:activity_id}/checkin", response={201: ServiceHoursOut, ERRORS: ErrorOut})
def check_in(request, activity_id: int, payload: ServiceCheckInIn):
    """Check in with the activity's code, within the check-in window."""
    activity = activities.checkin_activity(request.user, activity_id)
    return Status(201, activities.check_in(activity, actor=request.user, code=payload.code))


@router.post("/{int:activity_id}/checkout", response={200: ServiceHoursOut, ERRORS: ErrorOut})
def check_out(request, activity_id: int):
    """Check out within the check-out window: the hours are verified."""
    activity = activities.checkin_activity(request.user, activity_id)
    return activities.check_out(activity, actor=request.user)


# The routes of the activity's transitions (checked against the workflow: core.workflow).
activities.WORKFLOW.routes(
    api={
        "update": update_activity,
        "publish": publish_activity,
        "finish": finish_activity,
        "cancel": cancel_activity,
    }
)
