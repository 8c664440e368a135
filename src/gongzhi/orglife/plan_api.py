"""Yearly plans and the compliance calendar over the API: the same selectors and
services as the pages (``/api/v1/orglife/plans``)."""

from datetime import date
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.areas import selectors as area_selectors
from gongzhi.core.api import ERRORS, ErrorOut, Id, Pagination, Version
from gongzhi.party import selectors as party_selectors

from . import compliance, plans
from .choices import MeetingKind, MeetingState
from .permissions import CHANGE, VIEW

router = Router(tags=["orglife"])

Year = Annotated[int, Field(ge=plans.FIRST_YEAR, le=plans.LAST_YEAR)]
ThemeDay = Annotated[int, Field(ge=1, le=28, description="主题党日固定日（每月几日）")]
CellState = Literal["done", "overdue", "due", "not_required"]


class OrglifePlanOut(Schema):
    id: int
    organization_id: int
    organization_name: str
    year: int
    theme_day: int
    version: int

    @staticmethod
    def resolve_organization_name(obj) -> str:
        org = obj["organization"] if isinstance(obj, dict) else obj.organization
        return org.name


class OrglifePlanMeetingOut(Schema):
    id: int
    kind: MeetingKind
    slot: int
    planned_on: date
    original_on: date | None
    due_on: date | None
    held_on: date | None
    state: MeetingState


class OrglifeLecturesOut(Schema):
    required: int
    given: int
    met: bool


class OrglifePlanDetailOut(OrglifePlanOut):
    meetings: list[OrglifePlanMeetingOut]
    secretary_lectures: OrglifeLecturesOut | None


class OrglifePlanIn(Schema):
    organization_id: Id
    year: Year
    theme_day: ThemeDay | None = None


class OrglifeThemeDayIn(Schema):
    theme_day: ThemeDay
    version: Version


class OrglifeThemeDayOut(Schema):
    plan: OrglifePlanOut
    meetings_moved: int


class OrglifePlanFilters(Schema):
    year: Year | None = None
    organization_id: Id | None = Field(None, description="该党组织及其下级的计划")


class OrglifeCalendarFilters(Schema):
    year: Year | None = None
    area_id: Id | None = Field(None, description="区域（含下级）")
    organization_id: Id | None = Field(None, description="党组织（含下级）")


class OrglifeCellOut(Schema):
    month: int
    state: CellState
    required: int
    held: int
    kinds: dict[str, list[int]] = Field(..., description="会议类型 → [应开, 已开]")


class OrglifeCalendarRowOut(Schema):
    organization_id: int
    organization_name: str
    cells: list[OrglifeCellOut]
    required: int
    held: int
    overdue_months: int


class OrglifeMonthTotalOut(Schema):
    month: int
    done: int
    overdue: int
    due: int
    required: int
    held: int


class OrglifeCalendarOut(Schema):
    year: int
    rows: list[OrglifeCalendarRowOut]
    months: list[OrglifeMonthTotalOut]


def _root(user, area_id, organization_id):
    if organization_id is not None:
        return party_selectors.get_organization(user, organization_id, VIEW)
    if area_id is not None:
        return area_selectors.get_area(user, area_id)
    return None


@router.get("/calendar", response={200: OrglifeCalendarOut, ERRORS: ErrorOut})
def calendar(request, filters: Query[OrglifeCalendarFilters]):
    """The compliance calendar: each organization × month, done / overdue / due / not
    required, with the counts per kind of meeting."""
    user = request.user
    year = filters.year or timezone.localdate().year
    result = compliance.matrix(user, _root(user, filters.area_id, filters.organization_id), year)
    return {
        "year": year,
        "rows": [
            {
                "organization_id": row.organization.pk,
                "organization_name": row.organization.name,
                "cells": [
                    {
                        "month": c.month,
                        "state": c.state,
                        "required": c.required,
                        "held": c.held,
                        "kinds": c.kinds,
                    }
                    for c in row.cells
                ],
                "required": row.required,
                "held": row.held,
                "overdue_months": row.overdue,
            }
            for row in result.rows
        ],
        "months": [vars(m) for m in result.months],
    }


@router.get("", response={200: list[OrglifePlanOut], ERRORS: ErrorOut})
@paginate(Pagination)
def plan_list(request, filters: Query[OrglifePlanFilters]):
    """The plans the user sees, newest year first."""
    qs = compliance.plans_for(request.user)
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.organization_id is not None:
        org = party_selectors.get_organization(request.user, filters.organization_id, VIEW)
        qs = qs.filter(organization__tree_path__under=org.tree_path)
    return qs.order_by("-year", "organization__tree_path")


def _detail(plan):
    return {
        "id": plan.pk,
        "organization": plan.organization,
        "organization_id": plan.organization_id,
        "year": plan.year,
        "theme_day": plan.theme_day,
        "version": plan.version,
        "meetings": list(compliance.plan_meetings(plan)),
        "secretary_lectures": (
            None
            if (check := compliance.secretary_lectures(plan)) is None
            else {"required": check.required, "given": check.given, "met": check.met}
        ),
    }


@router.get("/{int:plan_id}", response={200: OrglifePlanDetailOut, ERRORS: ErrorOut})
def plan_detail(request, plan_id: int):
    """A plan with its meetings and the secretary's lectures against the rule."""
    plan = compliance.get_plan(request.user, plan_id)
    return _detail(plan)


@router.post("", response={201: OrglifePlanDetailOut, ERRORS: ErrorOut})
def generate(request, payload: OrglifePlanIn):
    """Generate (or complete) an organization's plan of a year; idempotent."""
    org = party_selectors.get_organization(request.user, payload.organization_id, CHANGE)
    plan = plans.generate_plan(request.user, org, payload.year, payload.theme_day)
    plan = compliance.get_plan(request.user, plan.pk)
    return Status(201, _detail(plan))


@router.post("/{int:plan_id}/theme-day", response={200: OrglifeThemeDayOut, ERRORS: ErrorOut})
def theme_day(request, plan_id: int, payload: OrglifeThemeDayIn):
    """Change the plan's theme day: its 主题党日 not yet notified move with it."""
    plan = compliance.get_plan(request.user, plan_id, CHANGE)
    moved = plans.set_theme_day(
        plan, payload.theme_day, actor=request.user, version=payload.version
    )
    return {"plan": compliance.get_plan(request.user, plan_id), "meetings_moved": moved}
