"""Resident demands over the API: the whole workflow on the same selectors and services as
the pages.

* ``POST /demands`` records a demand; with an ``Idempotency-Key`` header a retried
  submission returns the demand the first one made (200) instead of a second (201).
* Every transition of the state machine is ``POST /demands/{demand_id}/<action>`` with
  the ``version`` the client read: a stale version answers 409, a step the state or the
  role does not allow 422 or 404, each with ``{"error": {"code", "message", "field"}}``.
* Requesters' names and phones go out masked; lists are scoped like the pages.
"""

from datetime import UTC, date, datetime
from functools import partial
from typing import Annotated, Literal

from django.db import IntegrityError
from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StringConstraints

from gongzhi.areas.models import Area, Household
from gongzhi.core.api import (
    ERRORS,
    ErrorOut,
    Id,
    LongText,
    Pagination,
    Text,
    filtered,
    query_data,
)
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation

from . import assisted, selectors, services
from .choices import (
    ACTION_LABELS,
    Channel,
    Consent,
    ExtensionState,
    Rating,
    RequesterKind,
    UnitKind,
    Urgency,
)
from .choices import (
    Status as DemandStatus,
)
from .filters import DemandFilter
from .models import Category, Demand, DemandRequester, Extension, Unit
from .pagination import DemandPagination
from .permissions import DISPATCH, INTAKE

LongContent = LongText(5000)

router = Router(tags=["demands"])

Version = Annotated[
    int, Field(ge=1, le=2**31 - 1, description="乐观锁版本号：取自读取时的 version")
]
IdempotencyKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
Moment = Annotated[datetime, Field(ge=datetime(2000, 1, 1, tzinfo=UTC), description="带时区的时间")]
Day = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]
IDEMPOTENCY_HEADER = Header(
    None, alias="Idempotency-Key", description="重试同一提交时使用同一个键：不会生成两条诉求"
)


# --- Out --------------------------------------------------------------------------------------


class DemandOut(Schema):
    id: int
    number: str = Field(..., description="编号：受理日期-序号")
    title: str
    status: DemandStatus
    channel: Channel
    urgency: Urgency
    category_id: int | None
    category_name: str | None
    area_id: int
    area_name: str
    unit_id: int | None
    unit_name: str | None
    handled_by_community: bool
    requester_kind: RequesterKind
    requester_name_masked: str = Field(..., description="脱敏姓名")
    requester_phone_masked: str = Field(..., description="脱敏电话")
    received_at: datetime
    dispatched_at: datetime | None
    accept_due: datetime | None
    due_at: datetime | None
    answered_at: datetime | None
    closed_at: datetime | None
    overdue: bool
    accept_overdue: bool
    supervised: bool
    outcome: str
    rating: str
    version: int

    @staticmethod
    def resolve_category_name(obj) -> str | None:
        return obj.category.full_name if obj.category_id else None

    @staticmethod
    def resolve_area_name(obj) -> str:
        return obj.area.place_name()

    @staticmethod
    def resolve_unit_name(obj) -> str | None:
        return obj.unit.name if obj.unit_id else None


class EventOut(Schema):
    action: str
    label: str
    from_status: str
    to_status: str
    actor: str | None
    at: datetime
    note: str

    @staticmethod
    def resolve_label(obj) -> str:
        return str(ACTION_LABELS.get(obj.action, obj.action))

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return str(obj.actor) if obj.actor_id else None


class ExtensionOut(Schema):
    id: int
    days: int
    reason: str
    state: ExtensionState
    requested_at: datetime
    decided_at: datetime | None


class DemandDetailOut(DemandOut):
    content: str
    suggestion: str
    location: str
    household_id: int | None
    meeting_id: int | None
    answer: str
    contacted: bool
    followed_up: bool
    rating_note: str
    extension_days: int
    reopen_count: int
    merged_into_id: int | None
    co_requesters: int = Field(..., description="合并进来的其他诉求人数")
    actions: list[str] = Field(..., description="当前用户现在可执行的操作")
    events: list[EventOut]
    extensions: list[ExtensionOut]

    @staticmethod
    def resolve_co_requesters(obj) -> int:
        return obj.requesters.count()

    @staticmethod
    def resolve_actions(obj) -> list[str]:
        return obj.allowed

    @staticmethod
    def resolve_events(obj) -> list:
        return list(obj.events.select_related("actor"))

    @staticmethod
    def resolve_extensions(obj) -> list:
        return list(obj.extensions.all())


class CategoryOut(Schema):
    id: int
    name: str
    full_name: str
    parent_id: int | None
    unit_id: int | None = Field(None, description="分派规则：默认责任单位")
    urgency: Urgency
    limit_amount: int | None
    limit_unit: str
    community_may_close: bool
    max_extension_days: int | None
    is_active: bool


class UnitOut(Schema):
    id: int
    name: str
    kind: UnitKind
    area_id: int
    is_active: bool


class RatesOut(Schema):
    closed: int
    followed: int = Field(..., description="有效回访")
    contacted: int
    resolved: int
    satisfied: int
    basic: int
    on_time: int
    response: float | None = Field(None, description="响应率")
    resolution: float | None = Field(None, description="解决率")
    satisfaction: float | None = Field(None, description="满意率")
    composite: float | None = Field(None, description="综合评价")
    on_time_rate: float | None = Field(None, description="按时办结率")


class GroupRatesOut(RatesOut):
    key: str
    name: str


class RatesReportOut(Schema):
    start: date
    end: date
    overall: RatesOut
    groups: list[GroupRatesOut]


class SuggestionOut(Schema):
    category_id: int
    name: str
    probability: float


class MeetingOut(Schema):
    id: int
    title: str
    held_at: datetime
    area_id: int
    demand_ids: list[int]


# --- In ---------------------------------------------------------------------------------------


class AssistIn(Schema):
    consent: Consent = Field(..., description="居民同意代办的方式")
    consent_note: Text(0, 200) = ""


class DemandIn(Schema):
    area_id: Id = Field(..., description="发生地点（区域）")
    title: Text(1, 100)
    content: LongContent
    channel: Channel = Channel.API
    requester_kind: RequesterKind
    requester_name: Text(0, 50) = ""
    requester_phone: Text(0, 20) = ""
    received_at: Moment | None = Field(None, description="受理时间，不填为当前时间")
    suggestion: LongContent = Field("", description="“1+1”：同时提出的一条建议")
    household_id: Id | None = None
    location: Text(0, 200) = ""
    urgency: Urgency | None = None
    assisted: AssistIn | None = Field(
        None, description="代办：为不便自己提交的居民代为提交（须有居民同意，居民将收到短信）"
    )


class ItemIn(Schema):
    title: Text(1, 100)
    content: LongContent
    requester_kind: RequesterKind
    requester_name: Text(0, 50) = ""
    requester_phone: Text(0, 20) = ""
    suggestion: LongContent = ""
    location: Text(0, 200) = ""


class MeetingIn(Schema):
    area_id: Id
    title: Text(1, 100)
    held_at: Moment
    host: Text(0, 50) = ""
    attendees: int | None = Field(None, ge=1, le=10000)
    note: LongContent = ""
    items: list[ItemIn] = Field(..., min_length=1, max_length=100)


class VersionIn(Schema):
    version: Version


class ClassifyIn(VersionIn):
    category_id: Id
    urgency: Urgency | None = None


class DispatchIn(VersionIn):
    unit_id: Id | None = Field(None, description="不填按类别的分派规则")


class ReasonIn(VersionIn):
    reason: Text(1, 200)


class ReassignIn(ReasonIn):
    unit_id: Id


class ReopenIn(ReasonIn):
    unit_id: Id | None = None


class NoteIn(VersionIn):
    note: Text(1, 500)


class OptionalNoteIn(VersionIn):
    note: Text(0, 500) = ""


class ExtensionIn(VersionIn):
    days: int = Field(..., ge=1, le=60)
    reason: Text(1, 200)


class DecisionIn(VersionIn):
    approve: bool
    note: Text(0, 200) = ""


class AnswerIn(VersionIn):
    text: LongContent
    resolved: bool
    contacted: bool = True


class RateIn(VersionIn):
    rating: Rating
    note: Text(0, 200) = ""


class FollowUpIn(VersionIn):
    rating: Rating | None = Field(None, description="未联系上或未表态时不填")
    note: Text(1, 200)


class MergeIn(VersionIn):
    into_id: Id = Field(..., description="合并到的诉求")


class DemandFilters(Schema):
    q: Text(0, 50) | None = Field(None, description="关键词（中文全文检索）或编号")
    status: DemandStatus | None = None
    category_id: Id | None = None
    unit_id: Id | None = None
    urgency: Urgency | None = None
    channel: Channel | None = None
    overdue: bool | None = None
    supervised: bool | None = None
    within: Id | None = Field(None, description="所属区域")
    received_after: Day | None = None
    received_before: Day | None = None


# --- Helpers ------------------------------------------------------------------------------------


def _detail(request, demand_id: int, acted: Demand | None = None) -> Demand:
    """The demand as the user now sees it. After a step that takes it out of their reach
    (a handler's return), the row they held and acted on (``acted``, fetched through
    their scope before the step): never a row read outside the scope."""
    demand = (
        selectors.demands_for(request.user)
        .select_related(*selectors.RELATED)
        .filter(pk=demand_id)
        .first()
    )
    if demand is None:
        if acted is None:
            raise NotFoundOrForbidden()
        demand = acted
    demand.allowed = services.allowed_actions(demand, request.user)
    return demand


def _demand(request, demand_id: int) -> Demand:
    return selectors.get_demand(request.user, demand_id)


def _unit(user, demand: Demand, unit_id: int | None) -> Unit | None:
    if unit_id is None:
        return None
    unit = selectors.routable_units(demand).filter(pk=unit_id).first()
    if unit is None:
        raise RuleViolation(_("责任单位不存在，或其服务区域不包含诉求发生地。"), field="unit_id")
    return unit


def _filtered(request, filters: DemandFilters, queryset):
    data = query_data(filters, rename={"category_id": "category"})
    data.pop("unit_id", None)
    queryset = filtered(DemandFilter, data, queryset, request)
    if filters.unit_id is not None:
        queryset = queryset.filter(unit_id=filters.unit_id)
    return queryset


def _rates(rates) -> dict:
    return {k: getattr(rates, k) for k in RatesOut.model_fields}


# --- Routes -------------------------------------------------------------------------------------


@router.get("", response={200: list[DemandOut], ERRORS: ErrorOut})
@paginate(DemandPagination)
def list_demands(request, filters: Query[DemandFilters]):
    """Demands in the user's scope (and, for handlers, those routed to their units),
    newest first; ``q`` searches the Chinese text or finds a number."""
    queryset = selectors.demands_for(request.user).order_by("-received_at", "-id")
    return _filtered(request, filters, queryset)


@router.post("", response={200: DemandDetailOut, 201: DemandDetailOut, ERRORS: ErrorOut})
def create_demand(
    request,
    payload: DemandIn,
    idempotency_key: IdempotencyKey | None = IDEMPOTENCY_HEADER,
):
    user = request.user
    area = Area.objects.filter(pk=payload.area_id).first()
    if area is None:
        raise NotFoundOrForbidden()
    household = None
    if payload.household_id is not None:
        household = (
            Household.objects.visible_to(user, "areas.view_household")
            .filter(pk=payload.household_id)
            .first()
        )
        if household is None:
            raise RuleViolation(_("相关住户不存在或不在管辖范围内。"), field="household_id")
    data = payload.dict(exclude={"area_id", "household_id", "assisted"})
    record = services.create_demand
    if payload.assisted is not None:
        record = partial(assisted.submit_for_resident, **payload.assisted.dict())
    try:
        demand = record(
            actor=user, area=area, household=household, idempotency_key=idempotency_key, **data
        )
    except IntegrityError:  # the same key, submitted twice at the same moment
        demand = Demand.objects.filter(created_by=user, idempotency_key=idempotency_key).first()
        if demand is None:
            raise
        return Status(200, _detail(request, demand.pk))
    if getattr(demand, "replayed", False):  # a retry: the demand the first submission made
        return Status(200, _detail(request, demand.pk))
    # The row the service just wrote and returned, its area attached: no need to read it
    # again. Nor to ask for its co-requesters (they come from demands merged into it) or
    # its extension requests: a demand just recorded has none (empty prefetches, no query).
    prefetch_related_objects(
        [demand],
        Prefetch("requesters", queryset=DemandRequester.objects.none()),
        Prefetch("extensions", queryset=Extension.objects.none()),
    )
    demand.allowed = services.allowed_actions(demand, user)
    return Status(201, demand)


@router.post("/meetings", response={201: MeetingOut, ERRORS: ErrorOut})
def record_meeting(request, payload: MeetingIn):
    """A 坝坝会 / 居民夜话 and the items raised there (each received at the meeting's time)."""
    area = Area.objects.filter(pk=payload.area_id).first()
    if area is None:
        raise NotFoundOrForbidden()
    data = payload.dict(exclude={"area_id", "items"})
    meeting = services.record_meeting(
        actor=request.user, area=area, items=[item.dict() for item in payload.items], **data
    )
    return Status(
        201,
        {
            "id": meeting.pk,
            "title": meeting.title,
            "held_at": meeting.held_at,
            "area_id": meeting.area_id,
            "demand_ids": list(meeting.demands.order_by("id").values_list("id", flat=True)),
        },
    )


@router.get("/inbox", response={200: list[DemandOut], ERRORS: ErrorOut})
@paginate(Pagination)
def inbox(request, tab: Literal["handle", "dispatch", "follow"] = "handle"):
    """``handle``: routed to the user's units (and the community's own cases for its
    staff), soonest deadline first; ``dispatch``: waiting to be classified and
    dispatched; ``follow``: answered, waiting for the rating or a follow-up."""
    if tab == "dispatch":
        return selectors.to_dispatch(request.user)
    if tab == "follow":
        return selectors.to_follow_up(request.user)
    return selectors.worklist(request.user)


@router.get("/rates", response={200: RatesReportOut, ERRORS: ErrorOut})
def rates(
    request,
    start: Day,
    end: Day,
    group: Literal["community", "unit", "category"] | None = None,
    unit_id: Id | None = None,
    category_id: Id | None = None,
):
    """响应率, 解决率, 满意率 and the composite over demands closed from ``start`` to
    ``end`` in the user's scope, overall and by ``group``."""
    if end < start:
        raise RuleViolation(_("结束日期不能早于开始日期。"), field="end")
    overall = selectors.rates(request.user, start, end, unit_id=unit_id, category_id=category_id)
    groups = []
    if group is not None:
        rows = selectors.rates_by(request.user, start, end, group)
        names = selectors.community_names(k for k, _r in rows) if group == "community" else {}
        groups = [
            {"key": str(key or ""), "name": names.get(key, str(key or "")), **_rates(r)}
            for key, r in rows
        ]
    return {"start": start, "end": end, "overall": _rates(overall), "groups": groups}


@router.get("/categories", response={200: list[CategoryOut], ERRORS: ErrorOut})
def categories(request):
    """The category tree (routing rules and time limits); a rule naming a unit outside the
    user's reach shows no unit."""
    reachable = set(selectors.units_for(request.user).values_list("pk", flat=True))
    rows = []
    for category in selectors.categories():
        row = CategoryOut.from_orm(category).dict()
        if row["unit_id"] not in reachable and not request.user.is_superuser:
            row["unit_id"] = None
        rows.append(row)
    return rows


@router.get("/units", response={200: list[UnitOut], ERRORS: ErrorOut})
def units(request):
    """Units in the user's scope and those of the street and district above it."""
    return list(selectors.units_for(request.user).order_by("path", "name"))


@router.get("/suggest-category", response={200: list[SuggestionOut], ERRORS: ErrorOut})
def suggest_category(request, text: Text(1, 2000)):
    """The likeliest categories for a new text, learned from closed demands."""
    if not request.user.has_perm(INTAKE):
        raise NotFoundOrForbidden()
    return [
        {"category_id": c.pk, "name": c.full_name or c.name, "probability": round(p, 4)}
        for c, p in services.suggest_category(text)
    ]


@router.get("/duplicates", response={200: list[DemandOut], ERRORS: ErrorOut})
def duplicates(request, area_id: Id, text: Text(1, 2000), household_id: Id | None = None):
    """Possible duplicates of a new text: the same household, or the same place and a
    similar text, in the last 30 days."""
    area = Area.objects.visible_to(request.user, INTAKE).filter(pk=area_id).first()
    if area is None:
        raise NotFoundOrForbidden()
    household = None
    if household_id is not None:
        household = (
            Household.objects.visible_to(request.user, "areas.view_household")
            .filter(pk=household_id)
            .first()
        )
    found = services.possible_duplicates(request.user, area=area, text=text, household=household)
    return [demand for demand, _score in found]


@router.get("/{int:demand_id}", response={200: DemandDetailOut, ERRORS: ErrorOut})
def get_demand(request, demand_id: int):
    """A demand with its timeline (events), extensions and the actions the user may take."""
    _demand(request, demand_id)
    return _detail(request, demand_id)


# --- Transitions: one route per action of services.TRANSITIONS ------------------------------


def _step(request, demand_id: int, perform):
    demand = _demand(request, demand_id)
    perform(demand)  # the services update the row in hand
    return _detail(request, demand_id, acted=demand)


DETAIL = {200: DemandDetailOut, ERRORS: ErrorOut}


@router.post("/{int:demand_id}/classify", response=DETAIL)
def classify(request, demand_id: int, payload: ClassifyIn):
    category = Category.objects.filter(pk=payload.category_id, is_active=True).first()
    if category is None:
        raise RuleViolation(_("请选择有效的诉求类别。"), field="category_id")
    return _step(
        request,
        demand_id,
        lambda d: services.classify(
            d,
            actor=request.user,
            version=payload.version,
            category=category,
            urgency=payload.urgency,
        ),
    )


@router.post("/{int:demand_id}/dispatch", response=DETAIL)
def dispatch(request, demand_id: int, payload: DispatchIn):
    return _step(
        request,
        demand_id,
        lambda d: services.dispatch(
            d,
            actor=request.user,
            version=payload.version,
            unit=_unit(request.user, d, payload.unit_id),
        ),
    )


@router.post("/{int:demand_id}/handle_self", response=DETAIL)
def handle_self(request, demand_id: int, payload: VersionIn):
    return _step(
        request,
        demand_id,
        lambda d: services.handle_self(d, actor=request.user, version=payload.version),
    )


@router.post("/{int:demand_id}/reassign", response=DETAIL)
def reassign(request, demand_id: int, payload: ReassignIn):
    return _step(
        request,
        demand_id,
        lambda d: services.reassign(
            d,
            actor=request.user,
            version=payload.version,
            unit=_unit(request.user, d, payload.unit_id),
            reason=payload.reason,
        ),
    )


@router.post("/{int:demand_id}/accept", response=DETAIL)
def accept(request, demand_id: int, payload: VersionIn):
    return _step(
        request,
        demand_id,
        lambda d: services.accept(d, actor=request.user, version=payload.version),
    )


@router.post("/{int:demand_id}/return", response=DETAIL)
def return_demand(request, demand_id: int, payload: ReasonIn):
    return _step(
        request,
        demand_id,
        lambda d: services.return_demand(
            d, actor=request.user, version=payload.version, reason=payload.reason
        ),
    )


@router.post("/{int:demand_id}/start", response=DETAIL)
def start(request, demand_id: int, payload: VersionIn):
    return _step(
        request,
        demand_id,
        lambda d: services.start(d, actor=request.user, version=payload.version),
    )


@router.post("/{int:demand_id}/contact", response=DETAIL)
def contact(request, demand_id: int, payload: NoteIn):
    return _step(
        request,
        demand_id,
        lambda d: services.record_contact(
            d, actor=request.user, version=payload.version, note=payload.note
        ),
    )


@router.post("/{int:demand_id}/ask_info", response=DETAIL)
def ask_info(request, demand_id: int, payload: NoteIn):
    """请诉求人补充信息: the requester is told the note; they answer in the portal."""
    return _step(
        request,
        demand_id,
        lambda d: services.ask_info(
            d, actor=request.user, version=payload.version, note=payload.note
        ),
    )


@router.post("/{int:demand_id}/request_extension", response=DETAIL)
def request_extension(request, demand_id: int, payload: ExtensionIn):
    return _step(
        request,
        demand_id,
        lambda d: services.request_extension(
            d,
            actor=request.user,
            version=payload.version,
            days=payload.days,
            reason=payload.reason,
        ),
    )


@router.post("/{int:demand_id}/decide_extension", response=DETAIL)
def decide_extension(request, demand_id: int, payload: DecisionIn):
    def perform(demand):
        extension = services.pending_extension(demand)
        if extension is None:
            raise RuleViolation(_("没有待审批的延期申请。"), field="approve")
        services.decide_extension(
            extension,
            actor=request.user,
            approve=payload.approve,
            note=payload.note,
            version=payload.version,
        )

    return _step(request, demand_id, perform)


@router.post("/{int:demand_id}/answer", response=DETAIL)
def answer(request, demand_id: int, payload: AnswerIn):
    return _step(
        request,
        demand_id,
        lambda d: services.answer(
            d,
            actor=request.user,
            version=payload.version,
            text=payload.text,
            resolved=payload.resolved,
            contacted=payload.contacted,
        ),
    )


@router.post("/{int:demand_id}/rate", response=DETAIL)
def rate(request, demand_id: int, payload: RateIn):
    """评单 by the requester (a resident signed in as the demand's requester)."""
    return _step(
        request,
        demand_id,
        lambda d: services.rate(
            d, actor=request.user, version=payload.version, rating=payload.rating, note=payload.note
        ),
    )


@router.post("/{int:demand_id}/follow_up", response=DETAIL)
def follow_up(request, demand_id: int, payload: FollowUpIn):
    return _step(
        request,
        demand_id,
        lambda d: services.follow_up(
            d, actor=request.user, version=payload.version, rating=payload.rating, note=payload.note
        ),
    )


@router.post("/{int:demand_id}/reopen", response=DETAIL)
def reopen(request, demand_id: int, payload: ReopenIn):
    return _step(
        request,
        demand_id,
        lambda d: services.reopen(
            d,
            actor=request.user,
            version=payload.version,
            reason=payload.reason,
            unit=_unit(request.user, d, payload.unit_id),
        ),
    )


@router.post("/{int:demand_id}/close", response=DETAIL)
def close(request, demand_id: int, payload: OptionalNoteIn):
    return _step(
        request,
        demand_id,
        lambda d: services.close(d, actor=request.user, version=payload.version, note=payload.note),
    )


@router.post("/{int:demand_id}/close_unresolved", response=DETAIL)
def close_unresolved(request, demand_id: int, payload: ReasonIn):
    return _step(
        request,
        demand_id,
        lambda d: services.close_unresolved(
            d, actor=request.user, version=payload.version, reason=payload.reason
        ),
    )


@router.post("/{int:demand_id}/merge", response=DETAIL)
def merge(request, demand_id: int, payload: MergeIn):
    def perform(demand):
        target = selectors.demands_for(request.user, DISPATCH).filter(pk=payload.into_id).first()
        if target is None:
            raise RuleViolation(_("目标诉求不存在或不在管辖范围内。"), field="into_id")
        services.merge(demand, actor=request.user, version=payload.version, into=target)

    return _step(request, demand_id, perform)


@router.post("/{int:demand_id}/supervise", response=DETAIL)
def supervise(request, demand_id: int, payload: NoteIn):
    return _step(
        request,
        demand_id,
        lambda d: services.supervise(
            d, actor=request.user, version=payload.version, note=payload.note
        ),
    )


# Every transition has its route (a system check: core.workflow).
services.WORKFLOW.routes(
    api={r.split("/")[-1] for r in router.path_operations if r.startswith("/{int:demand_id}/")}
)
