"""Areas and households over the API: the same selectors and services as the pages."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, FilterSchema, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import FiniteFloat

from gongzhi.core.api import ERRORS, ErrorOut, Id, Pagination, Text, filtered, query_data

from . import selectors, services
from .choices import HouseholdStatus, Level
from .filters import AreaFilter, HouseholdFilter
from .permissions import CHANGE_AREA, CHANGE_HOUSEHOLD

router = Router(tags=["areas"])
household_router = Router(tags=["households"])


class AreaOut(Schema):
    id: int
    parent_id: int | None
    level: int
    code: str
    grid_code: str
    name: str
    full_name: str
    path: str
    version: int
    updated_at: datetime


CODE = r"^[0-9]+$"  # ASCII digits only: "\d" would let full-width digits in

Position = list[FiniteFloat]


class Geometry(Schema):
    """A GeoJSON geometry: the boundary of a grid or an estate, or a point."""

    type: Literal["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]
    coordinates: Position | list[Position] | list[list[Position]] | list[list[list[Position]]] = (
        Field(..., description="GeoJSON 坐标（经度、纬度）")
    )


class AreaIn(Schema):
    parent_id: Id = Field(..., description="上级区域编号")
    level: Level
    code: str = Field(..., min_length=1, max_length=30, pattern=CODE)
    name: Text(1, 100)


class AreaPatch(Schema):
    version: int = Field(..., ge=1, description="乐观锁版本号：取自读取时的 version")
    name: Text(1, 100) = Field(None, description="省略则不改")
    geometry: Geometry | None = Field(None, description="省略则不改，null 清除")


class AreaFilters(FilterSchema):
    level: Level | None = None
    parent_id: Id | None = None
    q: Text(0, 100) | None = None


class HouseholdOut(Schema):
    id: int
    area_id: int
    code: str
    door_number: str
    address: str
    status: str
    area_m2: Decimal | None
    note: str
    version: int


class HouseholdIn(Schema):
    area_id: Id
    code: str = Field(..., min_length=1, max_length=30, pattern=CODE)
    door_number: Text(1, 20)
    status: HouseholdStatus = HouseholdStatus.OCCUPIED
    area_m2: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)
    note: Text(0, 200) = ""


class HouseholdPatch(Schema):
    """Only the fields sent are changed; ``area_m2`` may be null (unknown), the rest not."""

    version: int = Field(..., ge=1)
    door_number: Text(1, 20) = None
    status: HouseholdStatus = None
    area_m2: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)
    note: Text(0, 200) = None


class HouseholdFilters(FilterSchema):
    area_id: Id | None = None
    status: HouseholdStatus | None = None
    q: Text(0, 100) | None = None


@router.get("", response={200: list[AreaOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_areas(request, filters: Query[AreaFilters]):
    """The page's filters (areas:list), plus ``parent_id`` for the children of a node."""
    qs = selectors.areas_for(request.user).order_by("path")
    return filtered(AreaFilter, query_data(filters, rename={"parent_id": "parent"}), qs, request)


@router.get("/{int:area_id}", response={200: AreaOut, ERRORS: ErrorOut})
def get_area(request, area_id: int):
    return selectors.get_area(request.user, area_id)


@router.post("", response={201: AreaOut, ERRORS: ErrorOut})
def create_area(request, payload: AreaIn):
    parent = selectors.get_area(request.user, payload.parent_id, CHANGE_AREA)
    area = services.create_area(
        actor=request.user, parent=parent, level=payload.level, code=payload.code, name=payload.name
    )
    return Status(201, area)


@router.patch("/{int:area_id}", response={200: AreaOut, ERRORS: ErrorOut})
def update_area(request, area_id: int, payload: AreaPatch):
    area = selectors.get_area(request.user, area_id, CHANGE_AREA)
    geometry = payload.geometry.dict() if payload.geometry is not None else None
    return services.update_area(
        area,
        actor=request.user,
        version=payload.version,
        name=payload.name,
        geometry=geometry,
        clear_geometry="geometry" in payload.model_fields_set and geometry is None,
    )


@router.delete("/{int:area_id}", response={204: None, ERRORS: ErrorOut})
def delete_area(request, area_id: int, version: int | None = None):
    area = selectors.get_area(request.user, area_id, CHANGE_AREA)
    services.delete_area(area, actor=request.user, version=version)
    return Status(204, None)


@household_router.get("", response={200: list[HouseholdOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_households(request, filters: Query[HouseholdFilters]):
    """The page's filters (areas:household_list); an area out of reach is a 404."""
    if filters.area_id is not None:
        selectors.get_area(request.user, filters.area_id)
    qs = selectors.households_for(request.user).order_by("path")
    data = query_data(filters, rename={"area_id": "within"})
    return filtered(HouseholdFilter, data, qs, request)


@household_router.get("/{int:household_id}", response={200: HouseholdOut, ERRORS: ErrorOut})
def get_household(request, household_id: int):
    return selectors.get_household(request.user, household_id)


@household_router.post("", response={201: HouseholdOut, ERRORS: ErrorOut})
def create_household(request, payload: HouseholdIn):
    area = selectors.get_area(request.user, payload.area_id, CHANGE_HOUSEHOLD)
    data = payload.dict(exclude={"area_id"})
    return Status(201, services.create_household(actor=request.user, area=area, **data))


@household_router.patch("/{int:household_id}", response={200: HouseholdOut, ERRORS: ErrorOut})
def update_household(request, household_id: int, payload: HouseholdPatch):
    household = selectors.get_household(request.user, household_id, CHANGE_HOUSEHOLD)
    data = payload.dict(exclude_unset=True, exclude={"version"})
    return services.update_household(household, actor=request.user, version=payload.version, **data)


@household_router.delete("/{int:household_id}", response={204: None, ERRORS: ErrorOut})
def delete_household(request, household_id: int, version: int | None = None):
    household = selectors.get_household(request.user, household_id, CHANGE_HOUSEHOLD)
    services.delete_household(household, actor=request.user, version=version)
    return Status(204, None)
