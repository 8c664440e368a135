"""Micro-wishes, the needs list and “1+1” over the API (``/api/v1/service/wishes``): the
same selectors and services as the pages."""

import base64
import binascii
from datetime import date, datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.areas import selectors as area_selectors
from gongzhi.core import pii
from gongzhi.core.api import ERRORS, ErrorOut, Id, LongText, Pagination, Text, Version
from gongzhi.core.errors import RuleViolation

from . import one_plus_one, wishes
from .choices import WishSource, WishState
from .permissions import CHANGE, VIEW

router = Router(tags=["service"])
MAX_BASE64 = 28_000_000
FILE_ERRORS = frozenset({*ERRORS, 503})


class ServiceWishOut(Schema):
    id: int
    title: str
    detail: str
    wisher: str = Field(..., description="心愿人（姓名已脱敏）")
    community_id: int
    household_id: int | None
    place: str = Field(..., description="位置（到楼栋）")
    source: WishSource
    budget: Decimal | None
    status: WishState
    published_on: date
    claimer: str = Field(..., description="认领人（党员姓名已脱敏）或认领单位")
    claimed_at: datetime | None
    fulfilled_at: datetime | None
    confirmed_at: datetime | None
    satisfaction: int | None
    confirmed_on_word: bool
    version: int
    allowed: list[str]

    @staticmethod
    def resolve_wisher(obj) -> str:
        return pii.mask_name(obj.wisher)

    @staticmethod
    def resolve_place(obj) -> str:
        return wishes.place_of(obj)

    @staticmethod
    def resolve_claimer(obj) -> str:
        return wishes.claimer_name(obj)

    @staticmethod
    def resolve_allowed(obj, context) -> list[str]:
        return wishes.WORKFLOW.allowed(obj, context["request"].user)


class ServiceWishFilters(Schema):
    status: WishState | None = None
    source: WishSource | None = None


class ServiceWishIn(Schema):
    community_id: Id
    title: Text(1, 100)  # type: ignore[valid-type]
    wisher: Text(1, 50)  # type: ignore[valid-type]
    source: WishSource
    detail: LongText(2000) = ""  # type: ignore[valid-type]
    household_id: Id | None = None
    budget: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    visit_id: Id | None = Field(None, description="由该走访记录发布（走访记录随之关联）")


class ServiceWishFromVisitIn(Schema):
    title: Text(1, 100)  # type: ignore[valid-type]
    wisher: Text(1, 50)  # type: ignore[valid-type]
    detail: LongText(2000) = ""  # type: ignore[valid-type]
    budget: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)


class ServiceWishVersionIn(Schema):
    version: Version


class ServiceWishUnitIn(Schema):
    version: Version
    organ_unit_id: Id


class ServiceWishFulfilIn(Schema):
    version: Version
    file_name: Text(1, 255) = Field(..., description="照片文件名")  # type: ignore[valid-type]
    photo: str = Field(..., max_length=MAX_BASE64, description="完成照片，Base64 编码")
    note: Text(0, 200) = ""  # type: ignore[valid-type]
    hours: Decimal | None = Field(None, description="认领党员的服务时长（小时），心愿户确认后计入")


class ServiceWishConfirmIn(Schema):
    version: Version
    satisfaction: int = Field(..., ge=1, le=5, description="满意度 1–5")


class ServiceWishCancelIn(Schema):
    version: Version
    reason: Text(1, 200)  # type: ignore[valid-type]


class ServiceNeedOut(Schema):
    source: WishSource
    label: str
    open: int
    budget: Decimal


class ServiceOnePlusOneRowOut(Schema):
    member_id: int
    name: str = Field(..., description="姓名（已脱敏）")
    problem: bool
    suggestion: bool
    problems: int
    suggestions: int


class ServiceOnePlusOneOut(Schema):
    community_id: int
    period_start: date
    period_end: date
    rows: list[ServiceOnePlusOneRowOut]


class ServiceOnePlusOneFilters(Schema):
    community_id: Id
    day: date | None = Field(None, description="统计周期内的任一日期；不填为当前周期")


@router.get("", response={200: list[ServiceWishOut], ERRORS: ErrorOut})
@paginate(Pagination)
def wish_list(request, filters: Query[ServiceWishFilters]):
    """The wishes the user sees (staff), newest first."""
    qs = wishes.wishes_for(request.user).select_related("household__area__parent")
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.source is not None:
        qs = qs.filter(source=filters.source)
    return qs


@router.get("/wall", response={200: list[ServiceWishOut], ERRORS: ErrorOut})
@paginate(Pagination)
def wall(request):
    """心愿墙: the wishes of the communities where the user takes part (names masked)."""
    return wishes.wall_rows(request.user)


@router.get("/needs", response={200: list[ServiceNeedOut], ERRORS: ErrorOut})
def needs(request):
    """The open needs by source (the needs list's summary)."""
    return [vars(n) for n in wishes.needs_summary(request.user)]


@router.get("/one-plus-one", response={200: ServiceOnePlusOneOut, ERRORS: ErrorOut})
def one_plus_one_rows(request, filters: Query[ServiceOnePlusOneFilters]):
    """“1+1” of a community's reported members in a period."""
    community = area_selectors.get_area(request.user, filters.community_id, VIEW)
    within = one_plus_one.period(min(filters.day or timezone.localdate(), timezone.localdate()))
    rows = one_plus_one.community_rows(request.user, community, within)
    return {
        "community_id": community.pk,
        "period_start": within.start,
        "period_end": within.end,
        "rows": [
            {
                "member_id": r.member.pk,
                "name": r.name_masked,
                "problem": r.count.problem,
                "suggestion": r.count.suggestion,
                "problems": r.count.problems,
                "suggestions": r.count.suggestions,
            }
            for r in rows
        ],
    }


@router.get("/{int:wish_id}", response={200: ServiceWishOut, ERRORS: ErrorOut})
def wish_detail(request, wish_id: int):
    return wishes.wish_for_action(request.user, wish_id)


@router.post("", response={201: ServiceWishOut, ERRORS: ErrorOut})
def publish(request, payload: ServiceWishIn):
    """Publish a wish (from a visit: the visit is linked to it)."""
    user = request.user
    community = area_selectors.get_area(user, payload.community_id, CHANGE)
    household = None
    if payload.household_id is not None:
        household = area_selectors.get_household(user, payload.household_id, CHANGE)
    visit = wishes.visit_for_wish(user, payload.visit_id) if payload.visit_id else None
    wish = wishes.publish_wish(
        actor=user,
        community=community,
        title=payload.title,
        wisher=payload.wisher,
        source=payload.source,
        detail=payload.detail,
        household=household,
        budget=payload.budget,
        visit=visit,
    )
    return Status(201, wish)


@router.post("/from-visit/{int:visit_id}", response={201: ServiceWishOut, ERRORS: ErrorOut})
def publish_from_visit(request, visit_id: int, payload: ServiceWishFromVisitIn):
    """The need a visit found, published as a wish by whoever may record the visit (the grid
    worker or the paired member who made it, or staff): its place is the visit's."""
    visit = wishes.visit_for_wish(request.user, visit_id)
    household = visit.household or (visit.resident.household if visit.resident else None)
    wish = wishes.publish_wish(
        actor=request.user,
        community=wishes.community_of(visit.area),
        household=household,
        source=WishSource.VISIT,
        visit=visit,
        **payload.dict(),
    )
    return Status(201, wish)


@router.post("/{int:wish_id}/claim", response={200: ServiceWishOut, ERRORS: ErrorOut})
def claim(request, wish_id: int, payload: ServiceWishVersionIn):
    """An in-service member claims the wish as themselves (of concurrent claims exactly
    one wins; the others: 422 “该心愿已被认领”)."""
    wish = wishes.wall_wish(request.user, wish_id)
    wish = wishes.claim_wish(wish, actor=request.user, version=payload.version)
    return wish


@router.post("/{int:wish_id}/claim_unit", response={200: ServiceWishOut, ERRORS: ErrorOut})
def claim_unit(request, wish_id: int, payload: ServiceWishUnitIn):
    """Staff claim the wish on behalf of an organ unit confirmed in its community."""
    wish = wishes.get_wish(request.user, wish_id, CHANGE)
    unit = wishes.unit_for_claim(request.user, wish, payload.organ_unit_id)
    wish = wishes.claim_wish_for_unit(wish, actor=request.user, unit=unit, version=payload.version)
    return wish


@router.post("/{int:wish_id}/fulfil", response={200: ServiceWishOut, FILE_ERRORS: ErrorOut})
def fulfil(request, wish_id: int, payload: ServiceWishFulfilIn):
    """The claimer records the wish fulfilled with a photo (Base64)."""
    wish = wishes.wish_for_action(request.user, wish_id)
    try:
        data = base64.b64decode(payload.photo, validate=True)
    except (binascii.Error, ValueError):
        raise RuleViolation(_("完成照片不是有效的 Base64 编码。"), field="photo") from None
    wish = wishes.fulfil_wish(
        wish,
        actor=request.user,
        photo=ContentFile(data, name=payload.file_name),
        note=payload.note,
        hours=payload.hours,
        version=payload.version,
    )
    return wish


@router.post("/{int:wish_id}/confirm", response={200: ServiceWishOut, ERRORS: ErrorOut})
def confirm(request, wish_id: int, payload: ServiceWishConfirmIn):
    """The household (or staff on its word) confirms the wish, with a satisfaction."""
    wish = wishes.wish_for_action(request.user, wish_id)
    wish = wishes.confirm_wish(
        wish, actor=request.user, satisfaction=payload.satisfaction, version=payload.version
    )
    return wish


@router.post("/{int:wish_id}/cancel", response={200: ServiceWishOut, ERRORS: ErrorOut})
def cancel(request, wish_id: int, payload: ServiceWishCancelIn):
    wish = wishes.get_wish(request.user, wish_id, CHANGE)
    wish = wishes.cancel_wish(
        wish, actor=request.user, reason=payload.reason, version=payload.version
    )
    return wish


wishes.WORKFLOW.routes(api=["claim", "claim_unit", "fulfil", "confirm", "cancel"])
