"""The visit norms over the API (``/api/v1/visits/compliance``): the compliance view of
a street or a community, its drill-down rows, and the user's own households due."""

from datetime import date, datetime
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from gongzhi.areas import selectors as area_selectors
from gongzhi.core.api import ERRORS, ErrorOut, Id
from gongzhi.core.errors import NotFoundOrForbidden

from . import compliance

router = Router(tags=["visits"])

State = Literal["ok", "due", "overdue"]


class VisitsComplianceFilters(Schema):
    area_id: Id | None = Field(None, description="街道、社区或网格（默认：可见的最高一级）")


class VisitsCountsOut(Schema):
    ok: int
    due: int
    overdue: int


class VisitsCommunityOut(Schema):
    community_id: int
    community_name: str
    visitors: VisitsCountsOut
    households: VisitsCountsOut
    rate: float | None = Field(..., description="未逾期的在职党员和关爱户所占比例")


class VisitsVisitorRowOut(Schema):
    report_id: int
    member_id: int
    member_name: str
    community_id: int
    cadre_level: str
    households: int
    last: date | None
    due: date
    state: State


class VisitsHouseholdRowOut(Schema):
    care_id: int
    household_id: int
    address: str
    tier: str
    reason: str
    last: date | None
    due: date
    state: State
    event_due: datetime | None
    event_state: str


class VisitsComplianceOut(Schema):
    area_id: int
    today: date
    communities: list[VisitsCommunityOut]
    total: VisitsCommunityOut


class VisitsDueOut(Schema):
    household_id: int
    address: str
    reason: str
    last: date | None
    due: date
    state: State
    event_due: datetime | None
    visit_url: str


def _within(request, area_id):
    if area_id is not None:
        return area_selectors.get_area(request.user, area_id)
    within = compliance.default_area(request.user)
    if within is None:
        raise NotFoundOrForbidden()
    return within


def _counts(c):
    return {
        "community_id": c.community.pk,
        "community_name": c.community.name,
        "visitors": vars(c.visitors),
        "households": vars(c.households),
        "rate": c.rate,
    }


def _visitor(v):
    return {
        "report_id": v.report_id,
        "member_id": v.member_id,
        "member_name": v.member_name,
        "community_id": v.community_id,
        "cadre_level": v.cadre_level,
        "households": v.households,
        "last": v.last,
        "due": v.due,
        "state": v.state,
    }


def _household(h):
    return {
        "care_id": h.care_id,
        "household_id": h.household_id,
        "address": h.address,
        "tier": h.tier,
        "reason": h.reason,
        "last": h.last,
        "due": h.due,
        "state": h.state,
        "event_due": h.event_due,
        "event_state": h.event_state,
    }


@router.get("", response={200: VisitsComplianceOut, ERRORS: ErrorOut})
def street(request, filters: Query[VisitsComplianceFilters]):
    """Per community: in-service members and care households ok, due soon and overdue."""
    within = _within(request, filters.area_id)
    view = compliance.street_compliance(request.user, within, timezone.localdate())
    return {
        "area_id": within.pk,
        "today": view.today,
        "communities": [_counts(c) for c in view.communities],
        "total": _counts(view.total),
    }


@router.get("/visitors", response={200: list[VisitsVisitorRowOut], ERRORS: ErrorOut})
def visitors(request, filters: Query[VisitsComplianceFilters]):
    """Each in-service member with a confirmed report: last visit, due date, state."""
    within = _within(request, filters.area_id)
    return [_visitor(v) for v in compliance.visitor_rows(request.user, within)]


@router.get("/households", response={200: list[VisitsHouseholdRowOut], ERRORS: ErrorOut})
def households(request, filters: Query[VisitsComplianceFilters]):
    """Each care household: last visit, due date, state and a high-risk event."""
    within = _within(request, filters.area_id)
    return [_household(h) for h in compliance.household_rows(request.user, within)]


@router.get("/due", response={200: list[VisitsDueOut], ERRORS: ErrorOut})
def due(request):
    """The user's own households due within the week or overdue (待走访)."""
    return [
        {**vars(r), "visit_url": compliance.visit_url(r.household_id)}
        for r in compliance.my_due(request.user)
    ]
