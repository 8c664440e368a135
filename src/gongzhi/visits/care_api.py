"""The care list over the API (``/api/v1/visits/care``): the same selectors and services
as the pages."""

from datetime import UTC, date, datetime
from typing import Annotated

from django.utils import timezone
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator

from gongzhi.areas import selectors as area_selectors
from gongzhi.core.api import ERRORS, Day, ErrorOut, Id, Pagination, Text, Version

from . import care
from .choices import CareReason, CareTier
from .permissions import CARE

router = Router(tags=["visits"])

EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def _moment(value: datetime) -> datetime:
    """An aware time within the calendar's range (a time without offset is local)."""
    try:
        aware = value if value.tzinfo else timezone.make_aware(value)
        if EARLIEST <= aware <= LATEST:
            return aware
    except (OverflowError, ValueError):
        pass
    raise ValueError(gettext("时间应在2000年至2100年之间"))


Moment = Annotated[datetime, AfterValidator(_moment)]


class VisitsCareOut(Schema):
    id: int
    household_id: int
    address: str = Field(..., alias="household.address")
    tier: CareTier
    reason: CareReason
    note: str
    since: date
    event_at: datetime | None
    event_note: str
    is_active: bool
    version: int


class VisitsCareFilters(Schema):
    tier: CareTier | None = None
    reason: CareReason | None = None
    is_active: bool | None = None
    area_id: Id | None = Field(None, description="区域（含下级）")


class VisitsCareIn(Schema):
    household_id: Id
    tier: CareTier
    reason: CareReason
    note: Text(0, 200) = ""
    since: Day | None = None


class VisitsCareUpdateIn(Schema):
    tier: CareTier
    reason: CareReason
    note: Text(0, 200) = ""
    version: Version


class VisitsCareEndIn(Schema):
    note: Text(0, 200) = ""
    version: Version


class VisitsCareEventIn(Schema):
    event_at: Moment
    event_note: Text(1, 200)
    version: Version


class VisitsCareSuggestionOut(Schema):
    household_id: int
    address: str
    tags: list[str]
    reason: CareReason


@router.get("", response={200: list[VisitsCareOut], ERRORS: ErrorOut})
@paginate(Pagination)
def care_list(request, filters: Query[VisitsCareFilters]):
    """The care households the user sees, by place."""
    qs = care.cares_for(request.user)
    if filters.tier is not None:
        qs = qs.filter(tier=filters.tier)
    if filters.reason is not None:
        qs = qs.filter(reason=filters.reason)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    if filters.area_id is not None:
        area = area_selectors.get_area(request.user, filters.area_id)
        qs = qs.filter(path__under=area.path)
    return qs.order_by("path")


@router.get("/suggestions", response={200: list[VisitsCareSuggestionOut], ERRORS: ErrorOut})
def suggestions(request, area_id: Id | None = None):
    """Households whose residents carry care tags and are not on the list (sensitive tags
    only for the roles that may see them)."""
    within = area_selectors.get_area(request.user, area_id) if area_id is not None else None
    return [
        {
            "household_id": s.household.pk,
            "address": s.household.address,
            "tags": s.tags,
            "reason": s.reason,
        }
        for s in care.suggestions(request.user, within)
    ]


@router.get("/{int:carehousehold_id}", response={200: VisitsCareOut, ERRORS: ErrorOut})
def care_detail(request, carehousehold_id: int):
    return care.get_care(request.user, carehousehold_id)


@router.post("", response={201: VisitsCareOut, ERRORS: ErrorOut})
def care_add(request, payload: VisitsCareIn):
    """Put a household on the care list."""
    household = area_selectors.get_household(request.user, payload.household_id, CARE)
    entry = care.add_care(
        actor=request.user,
        household=household,
        tier=payload.tier,
        reason=payload.reason,
        note=payload.note,
        since=payload.since,
    )
    return Status(201, care.get_care(request.user, entry.pk))


@router.post("/{int:carehousehold_id}", response={200: VisitsCareOut, ERRORS: ErrorOut})
def care_update(request, carehousehold_id: int, payload: VisitsCareUpdateIn):
    """Change the tier, reason or note."""
    entry = care.get_care(request.user, carehousehold_id, CARE)
    return care.update_care(
        entry,
        actor=request.user,
        version=payload.version,
        tier=payload.tier,
        reason=payload.reason,
        note=payload.note,
    )


@router.post("/{int:carehousehold_id}/end", response={200: VisitsCareOut, ERRORS: ErrorOut})
def care_end(request, carehousehold_id: int, payload: VisitsCareEndIn):
    """Take the household off the list."""
    entry = care.get_care(request.user, carehousehold_id, CARE)
    return care.end_care(entry, actor=request.user, version=payload.version, note=payload.note)


@router.post("/{int:carehousehold_id}/event", response={200: VisitsCareOut, ERRORS: ErrorOut})
def care_event(request, carehousehold_id: int, payload: VisitsCareEventIn):
    """A high-risk household's major event: a visit is due within 24 hours and the grid
    workers are told."""
    entry = care.get_care(request.user, carehousehold_id, CARE)
    return care.record_event(
        entry,
        actor=request.user,
        version=payload.version,
        event_at=payload.event_at,
        event_note=payload.event_note,
    )
