"""Hours written by hand over the API (``/api/v1/service/hours``): make-up entries, the
organiser's decisions on pending lines, corrections."""

from decimal import Decimal

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.core.api import ERRORS, Day, ErrorOut, Id, Pagination, Text
from gongzhi.core.errors import NotFoundOrForbidden

from . import activities, hours
from .activity_api import ServiceHoursOut
from .permissions import CHANGE, TAKE_PART

router = Router(tags=["service"])

Amount = Field(..., ge=Decimal("-10000"), le=Decimal("10000"), max_digits=6, decimal_places=2)


class ServiceMakeUpIn(Schema):
    activity_id: Id
    served_on: Day
    hours: Decimal = Field(..., gt=0, le=Decimal("10000"), max_digits=6, decimal_places=2)
    reason: Text(0, 200)
    volunteer_id: Id | None = Field(None, description="组织者为他人补录时填写")


class ServiceDecideIn(Schema):
    hours_ids: list[Id] = Field(..., min_length=1, max_length=500)
    approve: bool
    reason: Text(0, 200) = Field("", description="不通过时必填")


class ServiceDecidedOut(Schema):
    approved: int
    declined: int


class ServiceCorrectionIn(Schema):
    difference: Decimal = Amount
    reason: Text(0, 200)


@router.get("/pending", response={200: list[ServiceHoursOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_pending(request):
    """Make-up lines waiting for the organiser (oldest first)."""
    return hours.pending(request.user)


@router.get("/mine", response={200: list[ServiceHoursOut], ERRORS: ErrorOut})
@paginate(Pagination)
def my_hours(request):
    return hours.my_lines(request.user)


@router.post("/makeup", response={201: ServiceHoursOut, ERRORS: ErrorOut})
def make_up(request, payload: ServiceMakeUpIn):
    """补录: one's own hours, or (``volunteer_id``) a volunteer's as the organiser."""
    volunteer = None
    if payload.volunteer_id is not None:
        activity = activities.get_activity(request.user, payload.activity_id, CHANGE)
        volunteer = hours.volunteers_for(request.user).filter(pk=payload.volunteer_id).first()
        if volunteer is None:
            raise NotFoundOrForbidden(field="volunteer_id")
    else:
        activity = activities.get_activity(request.user, payload.activity_id, TAKE_PART)
    line = hours.enter_makeup(
        actor=request.user,
        activity=activity,
        served_on=payload.served_on,
        hours=payload.hours,
        reason=payload.reason,
        volunteer=volunteer,
    )
    return Status(201, line)


@router.post("/decide", response={200: ServiceDecidedOut, ERRORS: ErrorOut})
def decide(request, payload: ServiceDecideIn):
    """Approve or decline pending lines at once (a decline needs its reason)."""
    lines = hours.pending_lines(request.user, payload.hours_ids)
    return hours.decide(lines, actor=request.user, approve=payload.approve, reason=payload.reason)


@router.post("/{int:hours_id}/correct", response={201: ServiceHoursOut, ERRORS: ErrorOut})
def correct(request, hours_id: int, payload: ServiceCorrectionIn):
    """A correction line: the signed difference and the reason (never below zero)."""
    line = hours.get_line(request.user, hours_id)
    fix = hours.correct(
        line, actor=request.user, difference=payload.difference, reason=payload.reason
    )
    return Status(201, fix)
