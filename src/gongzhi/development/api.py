"""Member development over the API: the same selectors and services as the pages.

Files carry the ID number masked only; the full number is shown (and audited) on the
page alone. Referenced branches, members and party groups are fetched through the scope
(outside it: 404 or a 422 naming the field); a step refused by a rule answers 422 with
the rule and the date it becomes possible.
"""

from datetime import date
from typing import Annotated

from django.utils import timezone
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
    Version,
    filtered,
    query_data,
)
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.party.choices import Category, OrgType
from gongzhi.party.models import Member, Organization
from gongzhi.party.permissions import VIEW_MEMBER

from . import selectors, services
from .choices import EndReason, FileState, Outcome, Stage
from .filters import FileFilter
from .permissions import MANAGE_FILE, VIEW_FILE

LongContent = LongText(4000)

router = Router(tags=["development"])

Count = Annotated[int, Field(ge=0, le=10000)]
# The service names referenced objects; the API takes their ids.
API_FIELDS = {
    "contacts": "contact_ids",
    "introducers": "introducer_ids",
    "party_group": "party_group_id",
}


class DevelopmentFileOut(Schema):
    id: int
    name: str
    sex: str
    id_number_masked: str = Field(..., description="脱敏身份证号；API 不返回完整号码")
    branch_id: int
    branch_name: str = Field(..., alias="branch.name")
    applied_on: date
    state: FileState
    stage: Stage
    last_step: int
    member_id: int | None
    extension_months: int
    ended_on: date | None
    end_reason: str
    version: int


class DevelopmentStepOut(Schema):
    step: int
    label: str
    attempt: int
    on: date
    document: str
    responsible: str
    content: str
    publicity_from: date | None
    review_passed: bool | None
    training_days: int | None
    training_hours: int | None
    entitled: int | None
    present: int | None
    votes_for: int | None
    votes_against: int | None
    votes_abstain: int | None
    outcome: str
    extension_months: int | None
    reason: str
    warning: str

    @staticmethod
    def resolve_label(obj) -> str:
        return str(obj.get_step_display())


class DevelopmentPlanOut(Schema):
    next_step: int | None
    next_label: str
    earliest: date | None = Field(None, description="下一步最早可办理的日期")
    due: date | None = Field(None, description="下一步应（或须）办理的期限")
    due_hard: bool
    status: str = Field(..., description="waiting / ready / due_soon / overdue / blocked / closed")
    blocked: str
    rules: list[str]
    warnings: list[str]
    probation_ends: date | None


class DevelopmentReviewOut(Schema):
    on: date
    reviewer: str
    content: str


class DevelopmentFileDetailOut(DevelopmentFileOut):
    plan: DevelopmentPlanOut
    steps: list[DevelopmentStepOut]
    reviews: list[DevelopmentReviewOut]
    contact_ids: list[int]
    introducer_ids: list[int]

    @staticmethod
    def resolve_plan(obj) -> dict:
        return _plan(selectors.plan_for(obj))

    @staticmethod
    def resolve_steps(obj) -> list:
        return list(obj.steps.all())

    @staticmethod
    def resolve_reviews(obj) -> list:
        return list(obj.reviews.all())

    @staticmethod
    def resolve_contact_ids(obj) -> list[int]:
        return sorted(m.pk for m in obj.contacts.all())

    @staticmethod
    def resolve_introducer_ids(obj) -> list[int]:
        return sorted(m.pk for m in obj.introducers.all())


class DevelopmentFileIn(Schema):
    branch_id: Id
    name: Text(1, 50)
    id_number: Text(1, 20) = Field(..., description="18位或15位身份证号；响应中只返回脱敏号码")
    applied_on: Day
    phone: Text(0, 20) = ""
    employer: Text(0, 100) = ""
    category: Category = Category.SELF_MANAGED
    document: Text(0, 200) = ""
    responsible: Text(0, 100) = ""
    content: LongContent = ""


class DevelopmentStepIn(Schema):
    """One step; fill only the fields the step takes (others are refused)."""

    step: int = Field(..., ge=2, le=25, description="步骤序号 2–25（第1步在建档时记录）")
    on: Day = Field(..., description="办理日期")
    version: Version | None = None
    document: Text(0, 200) = ""
    responsible: Text(0, 100) = ""
    content: LongContent = ""
    contact_ids: list[Id] | None = Field(None, max_length=5, description="第5步：培养联系人")
    publicity_from: Day | None = Field(None, description="第7步：公示开始日期")
    introducer_ids: list[Id] | None = Field(None, max_length=5, description="第9步：入党介绍人")
    review_passed: bool | None = Field(None, description="第10步：政治审查是否合格")
    training_days: int | None = Field(None, ge=0, le=366, description="第11步")
    training_hours: int | None = Field(None, ge=0, le=2000, description="第11步")
    entitled: Count | None = Field(None, description="第15、23步：应到会有表决权的正式党员")
    present: Count | None = None
    votes_for: Count | None = None
    votes_against: Count | None = None
    votes_abstain: Count | None = None
    reason: Text(0, 200) = Field("", description="第17步：超过3个月审批的特殊情况")
    party_group_id: Id | None = Field(None, description="第19步：党小组")
    outcome: Outcome | None = Field(None, description="第23步：支部大会决定")
    extension_months: int | None = Field(None, ge=1, le=24, description="第23步：延长月数")


class DevelopmentReviewIn(Schema):
    on: Day
    content: LongContent
    reviewer: Text(0, 100) = ""


class DevelopmentEndIn(Schema):
    on: Day
    reason: EndReason
    note: Text(0, 200) = ""
    version: Version | None = None


class DevelopmentFileFilters(Schema):
    q: Text(0, 50) | None = None
    branch: Id | None = None
    stage: Stage | None = None
    state: FileState | None = None
    applied_year: int | None = Field(None, ge=1950, le=2100)


class DevelopmentBoardRowOut(Schema):
    file_id: int
    name: str
    stage: Stage
    last_step: int
    plan: DevelopmentPlanOut


class DevelopmentBoardOut(Schema):
    branch_id: int
    branch_name: str
    counts: dict[str, int] = Field(..., description="各阶段人数（阶段序号 → 人数）")
    files: list[DevelopmentBoardRowOut]


class DevelopmentQuotaOut(Schema):
    community_id: int
    community_name: str
    year: int
    activists: int
    activists_needed: int
    activists_met: bool
    objects: int
    objects_needed: int
    objects_since: int
    objects_met: bool
    met: bool


def _plan(plan) -> dict:
    return {
        "next_step": plan.next_step,
        "next_label": str(plan.next_label),
        "earliest": plan.earliest,
        "due": plan.due,
        "due_hard": plan.due_hard,
        "status": plan.status,
        "blocked": plan.blocked,
        "rules": plan.rules,
        "warnings": plan.warnings,
        "probation_ends": plan.probation_ends,
    }


def _detail(user, file_id: int):
    return selectors.get_file(user, file_id, history=True)


def _members(user, ids, field: str) -> list[Member]:
    found = {m.pk: m for m in Member.objects.visible_to(user, VIEW_MEMBER).filter(pk__in=set(ids))}
    if len(found) != len(set(ids)):
        raise RuleViolation(_("所选党员不存在或不在管辖范围内。"), field=field)
    return [found[pk] for pk in ids]


@router.get("/files", response={200: list[DevelopmentFileOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_files(request, filters: Query[DevelopmentFileFilters]):
    return filtered(
        FileFilter,
        query_data(filters),
        selectors.files_for(request.user).order_by("path", "-applied_on", "id"),
        request,
    )


@router.post("/files", response={201: DevelopmentFileDetailOut, ERRORS: ErrorOut})
def open_file(request, payload: DevelopmentFileIn):
    try:
        branch = selectors.branches_for(request.user).get(pk=payload.branch_id)
    except Organization.DoesNotExist:
        raise NotFoundOrForbidden() from None
    data = payload.dict(exclude={"branch_id"})
    file = services.open_file(actor=request.user, branch=branch, **data)
    return Status(201, _detail(request.user, file.pk))


@router.get("/files/{int:file_id}", response={200: DevelopmentFileDetailOut, ERRORS: ErrorOut})
def get_file(request, file_id: int):
    """A file with its step records, reviews and the plan: the next step, the earliest day
    it may be taken, its due date, the rules behind them and any warnings."""
    return _detail(request.user, file_id)


@router.post(
    "/files/{int:file_id}/steps", response={201: DevelopmentFileDetailOut, ERRORS: ErrorOut}
)
def record_step(request, file_id: int, payload: DevelopmentStepIn):
    user = request.user
    file = selectors.get_file(user, file_id, MANAGE_FILE)
    data = payload.dict(exclude={"contact_ids", "introducer_ids", "party_group_id"})
    if payload.contact_ids is not None:
        data["contacts"] = _members(user, payload.contact_ids, "contact_ids")
    if payload.introducer_ids is not None:
        data["introducers"] = _members(user, payload.introducer_ids, "introducer_ids")
    if payload.party_group_id is not None:
        group = (
            Organization.objects.visible_to(user, "party.view_organization")
            .filter(pk=payload.party_group_id, org_type=OrgType.GROUP)
            .first()
        )
        if group is None:
            raise RuleViolation(_("党小组不存在或不在管辖范围内。"), field="party_group_id")
        data["party_group"] = group
    try:
        services.record_step(file, actor=user, **data)
    except RuleViolation as exc:
        exc.field = API_FIELDS.get(exc.field, exc.field)
        raise
    return Status(201, _detail(user, file.pk))


@router.post(
    "/files/{int:file_id}/reviews", response={201: DevelopmentFileDetailOut, ERRORS: ErrorOut}
)
def record_review(request, file_id: int, payload: DevelopmentReviewIn):
    file = selectors.get_file(request.user, file_id, MANAGE_FILE)
    services.record_review(file, actor=request.user, **payload.dict())
    return Status(201, _detail(request.user, file.pk))


@router.post("/files/{int:file_id}/end", response={200: DevelopmentFileDetailOut, ERRORS: ErrorOut})
def end_file(request, file_id: int, payload: DevelopmentEndIn):
    file = selectors.get_file(request.user, file_id, MANAGE_FILE)
    services.end_file(file, actor=request.user, **payload.dict())
    return _detail(request.user, file.pk)


@router.get("/pipeline", response={200: list[DevelopmentBoardOut], ERRORS: ErrorOut})
def pipeline(request, branch_id: Id | None = None):
    """Open files per branch with their next step, earliest day, due date and status."""
    branch = None
    if branch_id is not None:
        try:
            branch = selectors.branches_for(request.user, VIEW_FILE).get(pk=branch_id)
        except Organization.DoesNotExist:
            raise NotFoundOrForbidden() from None
    return [
        {
            "branch_id": board.branch.pk,
            "branch_name": board.branch.name,
            "counts": {str(stage): n for stage, n in board.counts.items()},
            "files": [
                {
                    "file_id": row.file.pk,
                    "name": row.file.name,
                    "stage": row.file.stage,
                    "last_step": row.file.last_step,
                    "plan": _plan(row.plan),
                }
                for row in board.rows
            ],
        }
        for board in selectors.pipeline(request.user, timezone.localdate(), branch)
    ]


@router.get("/warnings", response={200: list[DevelopmentBoardRowOut], ERRORS: ErrorOut})
def warnings(request):
    return [
        {
            "file_id": row.file.pk,
            "name": row.file.name,
            "stage": row.file.stage,
            "last_step": row.file.last_step,
            "plan": _plan(row.plan),
        }
        for row in selectors.warnings(request.user)
    ]


@router.get("/quotas", response={200: list[DevelopmentQuotaOut], ERRORS: ErrorOut})
def quotas(request, year: int | None = Query(None, ge=2000, le=2100)):
    """Per community: new activists in the year (≥ 3) and development objects in the two
    years ending with it (≥ 1)."""
    year = year or timezone.localdate().year
    return [
        {
            "community_id": q.community.pk,
            "community_name": q.community.name,
            "year": year,
            "activists": q.activists,
            "activists_needed": q.activists_needed,
            "activists_met": q.activists_met,
            "objects": q.objects,
            "objects_needed": q.objects_needed,
            "objects_since": q.objects_since,
            "objects_met": q.objects_met,
            "met": q.met,
        }
        for q in selectors.quotas(request.user, year)
    ]


# The routes of the file's transitions (checked against the workflow: core.workflow).
services.WORKFLOW.routes(api={"step": record_step, "review": record_review, "end": end_file})
