"""Residents, rentals, the responsibility map, coverage and the grid map over the API:
the same selectors, services and filtersets as the pages.

Responses carry the ID number and phone masked only, and children's names masked for
roles without residents.view_sensitive; the full ID number is never served by the API
(the audited page view is the one way to see it).
"""

from datetime import date
from typing import Annotated

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.areas import selectors as area_selectors
from gongzhi.areas.choices import Level
from gongzhi.core.api import ERRORS, ErrorOut, Id, Pagination, Text, filtered, query_data
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation

from . import selectors, services
from .choices import Duty, PermitStatus, PoliticalStatus, Relation
from .filters import ResidentFilter
from .permissions import CHANGE, MANAGE_RESPONSIBILITY, VIEW

router = Router(tags=["residents"])
rental_router = Router(tags=["rentals"])
responsibility_router = Router(tags=["responsibilities"])
coverage_router = Router(tags=["coverage"])
grid_map_router = Router(tags=["grid-map"])

Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2100, 12, 31))]
Version = Annotated[
    int, Field(ge=1, le=2**31 - 1, description="乐观锁版本号：取自读取时的 version")
]


def _today() -> date:
    return timezone.localdate()


# --- Residents ---------------------------------------------------------------------------------


class ResidentOut(Schema):
    id: int
    household_id: int
    address: str
    name: str = Field(..., description="未满14周岁者对无敏感信息权限的角色脱敏")
    sex: str
    age: int
    id_number_masked: str
    phone_masked: str
    relation: Relation
    ethnicity: str
    political_status: PoliticalStatus
    party_member_id: int | None
    work_or_school: str
    registered_address: str
    floating: bool
    origin: str
    permit: PermitStatus
    present: bool
    moved_in_on: date | None
    moved_out_on: date | None
    tags: list[str]
    version: int


def _out(user, resident, show_name=None) -> dict:
    today = _today()
    show_name = show_name or selectors.name_masker(user, today)
    return {
        "id": resident.pk,
        "household_id": resident.household_id,
        "address": resident.household.address,
        "name": show_name(resident),
        "sex": resident.sex,
        "age": resident.age_on(today),
        "id_number_masked": resident.id_number_masked,
        "phone_masked": resident.phone_masked,
        "relation": resident.relation,
        "ethnicity": resident.ethnicity,
        "political_status": resident.political_status,
        "party_member_id": resident.party_member_id,
        "work_or_school": resident.work_or_school,
        "registered_address": resident.registered_address,
        "floating": resident.floating,
        "origin": resident.origin,
        "permit": resident.permit,
        "present": resident.present,
        "moved_in_on": resident.moved_in_on,
        "moved_out_on": resident.moved_out_on,
        "tags": selectors.visible_tags(user, resident),
        "version": resident.version,
    }


class ResidentFilters(Schema):
    q: Text(0, 50) | None = Field(
        None, description="姓名、拼音首字母（zhxm）、电话/身份证后四位、完整号码或地址"
    )
    within: Id | None = Field(None, description="区域编号（街道、社区或网格）")
    tag: Id | None = Field(None, description="关爱标签编号")
    floating: bool | None = None
    presence: str | None = Field(None, pattern="^(gone|all)$", description="不填为在住")
    relation: Relation | None = None
    political_status: PoliticalStatus | None = None
    limit: int = Field(50, ge=1, le=1000, description="每页条数")
    offset: int = Field(0, ge=0, le=2**31 - 1, description="起始位置")


class ResidentIn(Schema):
    household_id: Id
    name: Text(1, 50)
    id_number: Text(15, 20)
    relation: Relation
    phone: Text(0, 20) = ""
    ethnicity: Text(1, 20) = "汉族"
    political_status: PoliticalStatus = PoliticalStatus.MASSES
    work_or_school: Text(0, 100) = ""
    registered_address: Text(0, 200) = ""
    registered_here: bool = True
    floating: bool = False
    origin: Text(0, 100) = ""
    arrived_on: Day | None = None
    permit: PermitStatus = PermitStatus.NONE
    moved_in_on: Day | None = None


class ResidentPatch(Schema):
    version: Version
    name: Text(1, 50) | None = None
    phone: Text(0, 20) | None = None
    relation: Relation | None = None
    ethnicity: Text(1, 20) | None = None
    political_status: PoliticalStatus | None = None
    work_or_school: Text(0, 100) | None = None
    registered_address: Text(0, 200) | None = None
    registered_here: bool | None = None
    floating: bool | None = None
    origin: Text(0, 100) | None = None
    arrived_on: Day | None = None
    permit: PermitStatus | None = None
    moved_in_on: Day | None = None


class ResidentListOut(Schema):
    count: int
    items: list[ResidentOut]


@router.get("", response={200: ResidentListOut, ERRORS: ErrorOut})
def list_residents(request, filters: Query[ResidentFilters]):
    """Present residents unless ``presence`` says otherwise; the filters of the page."""
    user = request.user
    data = query_data(filters)
    limit, offset = data.pop("limit"), data.pop("offset")
    if "floating" in data:
        data["floating"] = "true" if data["floating"] else "false"
    qs = filtered(ResidentFilter, data, selectors.list_queryset(user), request)
    show_name = selectors.name_masker(user, _today())
    return {
        "count": qs.count(),
        "items": [_out(user, r, show_name) for r in qs[offset : offset + limit]],
    }


@router.get("/{int:resident_id}", response={200: ResidentOut, ERRORS: ErrorOut})
def get_resident(request, resident_id: int):
    return _out(request.user, selectors.get_resident(request.user, resident_id))


@router.post("", response={201: ResidentOut, ERRORS: ErrorOut})
def register_resident(request, payload: ResidentIn):
    user = request.user
    household = area_selectors.get_household(user, payload.household_id, CHANGE)
    data = payload.dict(exclude={"household_id", "moved_in_on"})
    resident = services.register_resident(
        actor=user,
        household=household,
        on=payload.moved_in_on or _today(),
        moved_in_on=payload.moved_in_on,
        **data,
    )
    return Status(201, _out(user, selectors.get_resident(user, resident.pk)))


@router.patch("/{int:resident_id}", response={200: ResidentOut, ERRORS: ErrorOut})
def update_resident(request, resident_id: int, payload: ResidentPatch):
    user = request.user
    resident = selectors.get_resident(user, resident_id, CHANGE)
    data = payload.dict(exclude_unset=True, exclude={"version"})
    for key in ("name", "relation", "ethnicity", "political_status", "permit"):
        if key in data and data[key] is None:
            raise RuleViolation("不能为空。", field=key)
    for key in ("registered_here", "floating"):
        if key in data and data[key] is None:
            data.pop(key)
    data = {
        k: ("" if v is None and k not in ("arrived_on", "moved_in_on") else v)
        for k, v in data.items()
    }
    services.update_resident(resident, actor=user, version=payload.version, **data)
    return _out(user, selectors.get_resident(user, resident_id))


# --- Rentals -------------------------------------------------------------------------------------


class RentalOut(Schema):
    id: int
    household_id: int
    address: str
    landlord_name: str
    landlord_phone_masked: str
    starts_on: date
    ends_on: date | None
    tenant_ids: list[int]
    note: str


class RentalIn(Schema):
    household_id: Id
    landlord_name: Text(1, 50)
    landlord_phone: Text(0, 20) = ""
    starts_on: Day
    ends_on: Day | None = None
    tenant_ids: list[Id] = Field(default_factory=list, max_length=50)
    note: Text(0, 200) = ""


def _rental_out(rental) -> dict:
    from gongzhi.core import pii

    return {
        "id": rental.pk,
        "household_id": rental.household_id,
        "address": rental.household.address,
        "landlord_name": rental.landlord_name,
        "landlord_phone_masked": pii.mask_phone(rental.landlord_phone),
        "starts_on": rental.starts_on,
        "ends_on": rental.ends_on,
        "tenant_ids": [t.pk for t in rental.tenants.all()],
        "note": rental.note,
    }


@rental_router.get("", response={200: list[RentalOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_rentals(request, area_id: Id | None = None):
    user = request.user
    qs = selectors.rentals_for(user)
    if area_id:
        qs = qs.filter(path__under=area_selectors.get_area(user, area_id).path)
    return [_rental_out(r) for r in qs]


@rental_router.get("/{int:rental_id}", response={200: RentalOut, ERRORS: ErrorOut})
def get_rental(request, rental_id: int):
    return _rental_out(selectors.get_rental(request.user, rental_id))


@rental_router.post("", response={201: RentalOut, ERRORS: ErrorOut})
def create_rental(request, payload: RentalIn):
    user = request.user
    household = area_selectors.get_household(user, payload.household_id, CHANGE)
    tenants = [selectors.get_resident(user, pk, CHANGE) for pk in payload.tenant_ids]
    rental = services.save_rental(
        actor=user,
        household=household,
        landlord_name=payload.landlord_name,
        landlord_phone=payload.landlord_phone,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        tenants=tenants,
        note=payload.note,
    )
    return Status(201, _rental_out(selectors.get_rental(user, rental.pk)))


# --- Responsibilities -----------------------------------------------------------------------------


class ResponsibilityOut(Schema):
    id: int
    area_id: int
    area_name: str = Field(..., alias="area.name")
    duty: Duty
    name: str
    phone_masked: str
    member_id: int | None


class ResponsibilityIn(Schema):
    area_id: Id
    duty: Duty
    name: Text(0, 100) = ""
    phone: Text(0, 20) = ""
    member_id: Id | None = None


@responsibility_router.get("", response={200: list[ResponsibilityOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_responsibilities(request, area_id: Id | None = None, duty: Duty | None = None):
    user = request.user
    qs = selectors.responsibilities_for(user).order_by("path", "duty", "id")
    if area_id:
        qs = qs.filter(path__under=area_selectors.get_area(user, area_id).path)
    if duty:
        qs = qs.filter(duty=duty)
    return qs


@responsibility_router.get(
    "/{int:responsibility_id}", response={200: ResponsibilityOut, ERRORS: ErrorOut}
)
def get_responsibility(request, responsibility_id: int):
    return selectors.get_responsibility(request.user, responsibility_id)


@responsibility_router.post("", response={201: ResponsibilityOut, ERRORS: ErrorOut})
def create_responsibility(request, payload: ResponsibilityIn):
    from gongzhi.party import selectors as party_selectors

    user = request.user
    area = area_selectors.get_area(user, payload.area_id, MANAGE_RESPONSIBILITY)
    member = party_selectors.get_member(user, payload.member_id) if payload.member_id else None
    link = services.set_responsibility(
        actor=user,
        area=area,
        duty=payload.duty,
        name=payload.name,
        phone=payload.phone,
        member=member,
    )
    return Status(201, selectors.get_responsibility(user, link.pk))


@responsibility_router.delete("/{int:responsibility_id}", response={204: None, ERRORS: ErrorOut})
def remove_responsibility(request, responsibility_id: int):
    user = request.user
    link = selectors.get_responsibility(user, responsibility_id, MANAGE_RESPONSIBILITY)
    services.remove_responsibility(link, actor=user)
    return Status(204, None)


# --- Coverage and the grid map ------------------------------------------------------------------


class CoverageGapOut(Schema):
    area_id: int
    area_name: str
    level: int
    missing: str


class CoverageRowOut(Schema):
    community_id: int
    community_name: str
    grids: int
    estates: int
    buildings: int
    gaps: int
    details: list[CoverageGapOut]


@coverage_router.get("/{int:area_id}", response={200: list[CoverageRowOut], ERRORS: ErrorOut})
def coverage(request, area_id: int):
    """Gaps of the responsibility map (结对联系三必有) for a street or community."""
    user = request.user
    within = area_selectors.get_area(user, area_id, VIEW)
    if within.level not in (Level.STREET, Level.COMMUNITY, Level.DISTRICT):
        raise RuleViolation("请选择区、街道或社区。", field="area_id")
    return [
        {
            "community_id": row.community.pk,
            "community_name": row.community.name,
            "grids": row.counts.get(Level.GRID, 0),
            "estates": row.counts.get(Level.ESTATE, 0),
            "buildings": row.counts.get(Level.BUILDING, 0),
            "gaps": len(row.gaps),
            "details": [
                {"area_id": a.pk, "area_name": a.name, "level": a.level, "missing": gap}
                for a, gap in row.gaps
            ],
        }
        for row in selectors.coverage(user, within)
    ]


@grid_map_router.get("/{int:area_id}", response={200: dict, ERRORS: ErrorOut})
def grid_map(request, area_id: int):
    """GeoJSON FeatureCollection of a community's grids with their indicators."""
    user = request.user
    community = area_selectors.get_area(user, area_id, VIEW)
    if community.level != Level.COMMUNITY:
        raise NotFoundOrForbidden()
    return selectors.grid_map(user, community)
