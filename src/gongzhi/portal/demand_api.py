"""A resident's demands over the API (/api/v1/portal/demands): the same selectors and
services as the portal's pages, for a future mini-program client.

Submissions and added information are multipart (form fields and ``photos`` files);
every refusal is a 4xx ``{"error": {"code", "message", "field"}}``. Other residents'
demands are read only through a place's public list (title, answer, dates).
"""

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from gongzhi.accounts.models import User
from gongzhi.attachments.selectors import attachments_of
from gongzhi.core.api import ERRORS, ErrorOut, Id, LongText, Pagination, Text, Version
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.demands import services as demand_services
from gongzhi.demands.choices import Rating
from gongzhi.demands.choices import Status as DemandStatus
from gongzhi.demands.models import Demand

from . import binding, demands

router = Router(tags=["portal"])
Photos = File[list[UploadedFile]]


class CategoryHintOut(Schema):
    category_id: int
    name: str


class ResidentPlaceOut(Schema):
    id: int
    name: str


class PublicDemandOut(Schema):
    """Another resident's demand of the same place, masked: no requester, no photos."""

    id: int
    title: str
    open: bool = Field(..., description="办理中（可“我也遇到了”）")
    received_at: datetime
    answer: str
    answered_at: datetime | None


class PlaceDemandsOut(Schema):
    similar: list[PublicDemandOut] = Field(..., description="与所写内容相似的办理中诉求")
    demands: list[PublicDemandOut]


class MyDemandOut(Schema):
    id: int
    number: str
    title: str
    status: DemandStatus
    state: str = Field(..., description="状态（通俗说法）")
    received_at: datetime
    due_at: datetime | None
    asked: bool = Field(..., description="社区/承办单位请您补充信息，尚未补充")


class DemandStepOut(Schema):
    at: datetime
    text: str
    note: str


class DemandPhotoOut(Schema):
    id: int
    name: str


class MyDemandDetailOut(MyDemandOut):
    content: str
    suggestion: str
    place: str
    anonymous: bool
    answer: str
    answered_at: datetime | None
    rating: str
    version: int
    requester: bool = Field(..., description="本人提出（否则为“我也遇到了”加入）")
    actions: list[str] = Field(..., description="现在可执行的操作：rate、add_info、reopen")
    reopen_refused: str = Field(..., description="不能申请重办的原因（已评价不满意时）")
    question: str = Field(..., description="社区/承办单位请您补充的内容（已补充或无则为空）")
    steps: list[DemandStepOut]
    photos: list[DemandPhotoOut]


def _public(demand: Demand) -> dict:
    return {
        "id": demand.pk,
        "title": demand.title,
        "open": demand.status in demands.OPEN_STATUSES,
        "received_at": demand.received_at,
        "answer": demand.answer,
        "answered_at": demand.answered_at,
    }


def _mine(demand: Demand, user: User) -> dict:
    return {
        "id": demand.pk,
        "number": demand.number,
        "title": demand.title,
        "status": demand.status,
        "state": demands.state_words(demand, user),
        "received_at": demand.received_at,
        "due_at": demand.due_at,
        "asked": bool(demands.pending_question(demand, user)),
    }


def _detail(request, demand_id: int) -> dict:
    user = request.user
    demand = demands.own_demand(user, demand_id)
    requester = demands.is_requester(demand, user)
    return {
        **_mine(demand, user),
        "content": demand.content,
        "suggestion": demand.suggestion,
        "place": (demand.household or demand.area).place_name(),
        "anonymous": demand.requester_kind == "anonymous",
        "answer": demand.answer,
        "answered_at": demand.answered_at,
        "rating": demand.rating,
        "version": demand.version,
        "requester": requester,
        "actions": demands.actions(demand, user),
        "reopen_refused": demands.reopen_refusal(demand, user)
        if requester and demand.status == DemandStatus.RATED
        else "",
        "question": demands.pending_question(demand, user),
        "steps": demands.timeline(demand),
        "photos": list(attachments_of(demand).values("id", "name")) if requester else [],
    }


@router.get(
    "/suggest",
    response={200: list[CategoryHintOut], ERRORS: ErrorOut},
    url_name="portal_demand_suggest",
)
def suggest(request, text: Text(1, 2000)):  # type: ignore[valid-type]
    """The likeliest categories for what the resident has written so far."""
    return [
        {"category_id": c.pk, "name": c.full_name or c.name}
        for c, _p in demand_services.suggest_category(text)
    ]


@router.get("/places", response={200: list[ResidentPlaceOut], ERRORS: ErrorOut})
def places(request, area_id: Id):
    """The courtyards and buildings of a community (``area_id``) the resident may name."""
    community = demands.communities(request.user).filter(pk=area_id).first()
    if community is None:
        raise NotFoundOrForbidden()
    return [
        {"id": a.pk, "name": a.place_name()} for a in demands.places_of(community, request.user)
    ]


@router.get(
    "/place", response={200: PlaceDemandsOut, ERRORS: ErrorOut}, url_name="portal_demand_place"
)
def place_demands(request, area_id: Id, text: Text(0, 2000) = ""):  # type: ignore[valid-type]
    """What others raised at a courtyard or building (masked), and the open cases like
    ``text`` (to join with "me too" instead of raising it again)."""
    area = demands.place(area_id, request.user)
    if area is None:
        raise NotFoundOrForbidden()
    similar = demands.similar_open(area, text, request.user) if text.strip() else []
    return {
        "similar": [_public(d) for d in similar],
        "demands": [_public(d) for d in demands.place_demands(area, request.user)],
    }


class ResidentDemandIn(Schema):
    content: LongText(5000)  # type: ignore[valid-type]
    area_id: Id | None = Field(None, description="小区/院落或楼栋（不填 household 时必填）")
    household: bool = Field(False, description="就在本人已绑定的住户")
    category_id: Id | None = None
    suggestion: LongText(2000) = ""  # type: ignore[valid-type]
    anonymous: bool = False


@router.post("", response={201: MyDemandDetailOut, ERRORS: ErrorOut})
def submit(request, payload: Form[ResidentDemandIn], photos: Photos = None):
    """反映问题 (multipart: the fields and up to nine ``photos``)."""
    user = request.user
    household = binding.bound_household(user) if payload.household else None
    if payload.household and household is None:
        raise RuleViolation(_("您还没有绑定住户，请选择小区/院落或楼栋。"), field="household")
    area = None
    if household is None:
        area = demands.place(payload.area_id, user)
        if area is None:
            raise RuleViolation(_("请选择诉求发生的小区/院落或楼栋。"), field="area_id")
    category = None
    if payload.category_id is not None:
        category = demands.active_category(payload.category_id)
        if category is None:
            raise RuleViolation(_("请选择有效的诉求类别。"), field="category_id")
    demand = demands.submit(
        actor=user,
        content=payload.content,
        area=area,
        household=household,
        category=category,
        suggestion=payload.suggestion,
        anonymous=payload.anonymous,
        photos=photos or [],
    )
    return Status(201, _detail(request, demand.pk))


@router.get("", response={200: list[MyDemandOut], ERRORS: ErrorOut})
@paginate(Pagination)
def mine(request):
    """我的诉求: raised or joined, newest first."""
    return [_mine(d, request.user) for d in demands.my_demands(request.user)]


@router.get("/{int:demand_id}", response={200: MyDemandDetailOut, ERRORS: ErrorOut})
def detail(request, demand_id: int):
    """One of the resident's demands with its timeline in plain words."""
    return _detail(request, demand_id)


class ResidentRateIn(Schema):
    version: Version
    rating: Rating
    note: Text(0, 200) = ""  # type: ignore[valid-type]


@router.post("/{int:demand_id}/rate", response={200: MyDemandDetailOut, ERRORS: ErrorOut})
def rate(request, demand_id: int, payload: ResidentRateIn):
    """评价 (the requester only; "not satisfied" goes back to the community)."""
    demand = demands.own_demand(request.user, demand_id)
    demand_services.rate(
        demand,
        actor=request.user,
        version=payload.version,
        rating=payload.rating,
        note=payload.note,
    )
    return _detail(request, demand_id)


class ResidentReopenIn(Schema):
    reason: Text(1, 200)  # type: ignore[valid-type]


@router.post("/{int:demand_id}/reopen", response={200: MyDemandDetailOut, ERRORS: ErrorOut})
def reopen(request, demand_id: int, payload: ResidentReopenIn):
    """申请重办, within the period after the answer."""
    demand = demands.own_demand(request.user, demand_id)
    demands.request_reopen(demand, actor=request.user, reason=payload.reason)
    return _detail(request, demand_id)


class ResidentInfoIn(Schema):
    note: LongText(500)  # type: ignore[valid-type]


@router.post("/{int:demand_id}/add_info", response={200: MyDemandDetailOut, ERRORS: ErrorOut})
def add_info(request, demand_id: int, payload: Form[ResidentInfoIn], photos: Photos = None):
    """补充信息 (multipart: ``note`` and ``photos``) while the case is open."""
    demand = demands.own_demand(request.user, demand_id)
    demands.add_info(demand, actor=request.user, note=payload.note, photos=photos or [])
    return _detail(request, demand_id)


@router.post("/{int:demand_id}/me_too", response={200: MyDemandDetailOut, ERRORS: ErrorOut})
def me_too(request, demand_id: int):
    """我也遇到了: join an open case of a place the resident may name."""
    demands.me_too(demands.case_to_join(demand_id), actor=request.user)
    return _detail(request, demand_id)
