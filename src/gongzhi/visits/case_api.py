"""The API of care cases (结对帮扶): ``/api/v1/visits/cases`` — list, detail with the help
given, open, one POST per step of the workflow (``allowed`` lists those the caller may
take now) and help entries."""

from datetime import date
from decimal import Decimal

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

from . import cases, selectors
from .choices import CaseState, HelpKind
from .filters import CaseFilter
from .permissions import CARE

router = Router(tags=["visits"])
cases.WORKFLOW.routes(api=("review", "close", "reopen"))


class VisitsHelpOut(Schema):
    id: int
    kind: HelpKind
    value: Decimal | None
    given_on: date
    given_by: str
    note: str


class VisitsCaseOut(Schema):
    id: int
    household_id: int
    household: str
    title: str
    plan: str
    status: CaseState
    opened_on: date
    review: str
    closed_on: date | None
    member_ids: list[int]
    version: int
    allowed: list[str] = Field(..., description="当前用户可执行的操作")

    @staticmethod
    def resolve_household(obj) -> str:
        return obj.household.place_name()

    @staticmethod
    def resolve_member_ids(obj) -> list[int]:
        return [m.pk for m in obj.helpers.all()]

    @staticmethod
    def resolve_allowed(obj, context) -> list[str]:
        return cases.WORKFLOW.allowed(obj, context["request"].user)


class VisitsCaseDetailOut(VisitsCaseOut):
    help: list[VisitsHelpOut]

    @staticmethod
    def resolve_help(obj) -> list:
        return list(selectors.case_help(obj))


class VisitsCaseFilters(Schema):
    q: Text(0, 100) | None = None
    status: CaseState | None = None
    within: Id | None = None
    since: Day | None = None
    until: Day | None = None


class VisitsCaseIn(Schema):
    household_id: Id | None = None
    visit_id: Id | None = Field(None, description="由走访建立时填写")
    title: Text(0, 100)
    plan: LongText(5000)
    member_ids: list[Id] = Field(default_factory=list, max_length=50, description="帮扶人（党员）")
    opened_on: Day | None = None


class VisitsCaseVersionIn(Schema):
    version: Version | None = None


class VisitsCaseReviewIn(VisitsCaseVersionIn):
    review: LongText(5000)


class VisitsCaseCloseIn(VisitsCaseVersionIn):
    closed_on: Day | None = None


class VisitsHelpIn(Schema):
    kind: HelpKind
    value: Decimal | None = Field(None, max_digits=12, decimal_places=2)
    given_on: Day
    given_by: Text(0, 100) = ""
    note: Text(0, 200)


def _case(request, carecase_id: int, perm: str = CARE):
    return selectors.get_case(request.user, carecase_id, perm)


@router.get("", response={200: list[VisitsCaseOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_cases(request, filters: Query[VisitsCaseFilters]):
    queryset = (
        selectors.cases_for(request.user).prefetch_related("helpers").order_by("-opened_on", "-id")
    )
    return filtered(CaseFilter, query_data(filters), queryset, request)


@router.get("/{int:carecase_id}", response={200: VisitsCaseDetailOut, ERRORS: ErrorOut})
def get_case(request, carecase_id: int):
    return selectors.get_case(request.user, carecase_id)


@router.post("", response={201: VisitsCaseDetailOut, ERRORS: ErrorOut})
def open_case(request, payload: VisitsCaseIn):
    user = request.user
    visit = household = None
    if payload.household_id is not None:
        household = selectors.care_households(user).filter(pk=payload.household_id).first()
        if household is None:
            raise NotFoundOrForbidden(field="household_id")
    if payload.visit_id is not None:
        visit = selectors.get_visit(user, payload.visit_id)
        if household is not None and visit.household_id != household.pk:
            raise RuleViolation(_("帮扶户应为该走访记录的走访户。"), field="household_id")
        household = visit.household
    if household is None:
        raise RuleViolation(_("请选择帮扶户。"), field="household_id")
    helpers = list(cases.helper_candidates(household).filter(pk__in=payload.member_ids))
    if len(helpers) != len(set(payload.member_ids)):
        raise RuleViolation(_("所选帮扶人不是本社区的在册党员。"), field="member_ids")
    case = cases.open_case(
        actor=user,
        household=household,
        visit=visit,
        title=payload.title,
        plan=payload.plan,
        helpers=helpers,
        opened_on=payload.opened_on,
    )
    return Status(201, selectors.get_case(user, case.pk))


@router.post("/{int:carecase_id}/review", response={200: VisitsCaseDetailOut, ERRORS: ErrorOut})
def review_case(request, carecase_id: int, payload: VisitsCaseReviewIn):
    cases.submit_review(_case(request, carecase_id), actor=request.user, **payload.dict())
    return selectors.get_case(request.user, carecase_id)


@router.post("/{int:carecase_id}/close", response={200: VisitsCaseDetailOut, ERRORS: ErrorOut})
def close_case(request, carecase_id: int, payload: VisitsCaseCloseIn):
    cases.close_case(_case(request, carecase_id), actor=request.user, **payload.dict())
    return selectors.get_case(request.user, carecase_id)


@router.post("/{int:carecase_id}/reopen", response={200: VisitsCaseDetailOut, ERRORS: ErrorOut})
def reopen_case(request, carecase_id: int, payload: VisitsCaseVersionIn):
    cases.reopen_case(_case(request, carecase_id), actor=request.user, **payload.dict())
    return selectors.get_case(request.user, carecase_id)


@router.post("/{int:carecase_id}/help", response={201: VisitsHelpOut, ERRORS: ErrorOut})
def add_help(request, carecase_id: int, payload: VisitsHelpIn):
    """帮扶记录: by the case's carers or one of its helpers."""
    case = selectors.get_case(request.user, carecase_id)
    return Status(201, cases.add_help(case, actor=request.user, **payload.dict()))
