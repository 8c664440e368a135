"""The API of the module: each part has its own router, listed in the manifest.

Visits: ``/api/v1/visits`` — list (the page's filters), detail, record (photos are added
through the attachments API: ``/api/v1/attachments/visits/visit/{visit_id}``), and the
demand made from a visit. Refusals are 4xx JSON bodies naming the field."""

from datetime import date

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
    filtered,
    query_data,
)
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.pii import mask_name

from . import selectors, services
from .choices import FollowUp, VisitKind
from .filters import VisitFilter
from .permissions import RECORD

router = Router(tags=["visits"])


class VisitsVisitOut(Schema):
    id: int
    household_id: int | None
    household: str
    resident_id: int | None
    resident_name: str = Field(..., description="走访对象（脱敏）")
    area_id: int
    visitor: str
    member_id: int | None
    visited_on: date
    kind: VisitKind
    found: str
    follow_up: FollowUp
    demand_id: int | None
    wish_id: int | None
    case_id: int | None

    @staticmethod
    def resolve_household(obj) -> str:
        return obj.household.place_name() if obj.household_id else obj.area.name

    @staticmethod
    def resolve_resident_name(obj) -> str:
        return mask_name(obj.resident.name) if obj.resident_id else ""

    @staticmethod
    def resolve_visitor(obj) -> str:
        if obj.member_id:
            return obj.member.name
        return obj.visitor.full_name or obj.visitor.username


class VisitsVisitFilters(Schema):
    kind: VisitKind | None = None
    since: Day | None = None
    until: Day | None = None
    visitor: Text(0, 50) | None = None
    within: Id | None = Field(None, description="区域（含下级）")
    household: Id | None = None
    follow_up: FollowUp | None = None
    mine: bool = Field(False, description="只看本人的走访")


class VisitsVisitIn(Schema):
    household_id: Id
    resident_id: Id | None = None
    visited_on: Day = Field(..., description="走访日期，不能晚于今天")
    kind: VisitKind
    found: LongText(2000)


class VisitsDemandIn(Schema):
    title: Text(1, 100)
    content: LongText(5000)
    suggestion: LongText(2000) = ""


class VisitsDemandOut(Schema):
    visit_id: int
    demand_id: int
    number: str


@router.get("", response={200: list[VisitsVisitOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_visits(request, filters: Query[VisitsVisitFilters]):
    queryset = (
        selectors.my_visits(request.user) if filters.mine else selectors.visits_for(request.user)
    ).order_by("-visited_on", "-id")
    data = query_data(filters)
    data.pop("mine", None)
    return filtered(VisitFilter, data, queryset, request)


@router.get("/{int:visit_id}", response={200: VisitsVisitOut, ERRORS: ErrorOut})
def get_visit(request, visit_id: int):
    return selectors.get_visit(request.user, visit_id)


@router.post("", response={201: VisitsVisitOut, ERRORS: ErrorOut})
def record_visit(request, payload: VisitsVisitIn):
    """登记走访: the household must be one the caller may visit (an in-service member: a
    household paired with them)."""
    user = request.user
    household = selectors.visitable_household(user, payload.household_id)
    if household is None:
        raise RuleViolation(_("该住户不存在或不在您可走访的范围内。"), field="household_id")
    resident = None
    if payload.resident_id is not None:
        resident = selectors.household_residents(household).filter(pk=payload.resident_id).first()
        if resident is None:
            raise RuleViolation(_("所选走访对象不是该户的居民。"), field="resident_id")
    visit = services.record_visit(
        actor=user,
        household=household,
        resident=resident,
        visited_on=payload.visited_on,
        kind=payload.kind,
        found=payload.found,
    )
    return Status(201, selectors.get_visit(user, visit.pk))


@router.post("/{int:visit_id}/demand", response={201: VisitsDemandOut, ERRORS: ErrorOut})
def demand_from_visit(request, visit_id: int, payload: VisitsDemandIn):
    """转为诉求: a demand through the demands intake, linked to the visit."""
    visit = selectors.get_visit(request.user, visit_id)
    if not request.user.has_perm(RECORD, visit):
        raise NotFoundOrForbidden()
    demand = services.demand_from_visit(visit, actor=request.user, **payload.dict())
    return Status(201, {"visit_id": visit.pk, "demand_id": demand.pk, "number": demand.number})
