"""Party dues over the API: the same selectors and services as the pages.

Money is exact: amounts go out as strings with two decimals (``"90.00"``) and come in
as strings or JSON numbers with at most two decimals; no float is involved. Months are
``YYYY-MM``. Branches and members are fetched through the scope (404 outside it);
domain errors become ``{"error": {"code", "message", "field"}}`` with a 4xx status
(gongzhi/api.py).
"""

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from gongzhi.areas import selectors as area_selectors
from gongzhi.areas.choices import Level
from gongzhi.core.api import ERRORS, ErrorOut, Id, Pagination, Text
from gongzhi.core.params import value as param
from gongzhi.party import selectors as party_selectors
from gongzhi.party.choices import Category, MemberStatus, Standing

from . import selectors, services
from .choices import DuesKind, PaymentKind, PaymentMethod
from .models import DuesAccount
from .permissions import APPROVE_REDUCTION, MANAGE_DUES, VIEW_DUES

router = Router(tags=["dues"])

# --- Types ----------------------------------------------------------------------------------

MONEY_PATTERN = r"^-?[0-9]+\.[0-9]{2}$"

# Out: a Decimal written as a string with exactly two decimals.
Money = Annotated[
    Decimal,
    PlainSerializer(lambda v: f"{v:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "description": "金额（元）"}),
]
# In: a string or a JSON number, at most two decimals, within the database column.
MoneyIn = Annotated[
    Decimal,
    Field(max_digits=12, decimal_places=2, description='金额（元），最多两位小数，如 "90.00"'),
]


MONTH_PATTERN = r"^(19[0-9]{2}|20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"


def _month_of(value):
    """``"2026-05"`` → ``date(2026, 5, 1)``; anything else is a format error."""
    if not isinstance(value, str) or not re.fullmatch(MONTH_PATTERN, value):
        raise PydanticCustomError("string_pattern_mismatch", "month must be YYYY-MM")
    return date(int(value[:4]), int(value[5:7]), 1)


# In: "2026-05" → date(2026, 5, 1).
Month = Annotated[
    date,
    BeforeValidator(_month_of),
    WithJsonSchema({"type": "string", "pattern": MONTH_PATTERN, "description": "月份，如 2026-05"}),
]
# Out: a month as "2026-05".
MonthOut = Annotated[
    date,
    PlainSerializer(lambda v: f"{v:%Y-%m}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}$"}),
]
Day = Annotated[date, Field(ge=date(1990, 1, 1), le=date(2100, 12, 31))]
Year = Annotated[int, Field(ge=1990, le=2100)]


def _today() -> date:
    return timezone.localdate()


# --- Schemas --------------------------------------------------------------------------------


class OrganizationRef(Schema):
    id: int
    name: str


class MemberRef(Schema):
    id: int
    name: str
    organization_id: int
    organization_name: str = Field(..., alias="organization.name")
    status: MemberStatus
    category: Category
    standing: Standing
    admitted_on: date


class PaymentOut(Schema):
    id: int
    member_id: int
    organization_id: int
    kind: PaymentKind
    month: MonthOut | None
    amount: Money
    paid_on: date
    method: PaymentMethod
    receiver: str
    note: str


class ChargeOut(Schema):
    id: int
    month: MonthOut
    organization_id: int
    amount: Money
    paid: Money
    outstanding: Money
    state: Literal["settled", "partial", "unpaid"]
    basis: dict

    @staticmethod
    def resolve_state(obj) -> str:
        return obj.state


class LedgerRowOut(ChargeOut):
    member_id: int
    member_name: str = Field(..., alias="member.name")
    member_category: Category = Field(..., alias="member.category")
    member_status: MemberStatus = Field(..., alias="member.status")
    reduced: bool
    payments: list[PaymentOut]

    @staticmethod
    def resolve_reduced(obj) -> bool:
        return "reduction" in obj.basis


class LedgerTotalsOut(Schema):
    due: Money
    paid: Money
    missing: Money
    members: int
    settled: int
    partial: int
    unpaid: int
    special: Money = Field(..., description="本月登记的特殊党费（不计入党费）")


class LedgerOut(Schema):
    organization: OrganizationRef
    month: MonthOut
    rows: list[LedgerRowOut]
    totals: LedgerTotalsOut


class ProfileOut(Schema):
    id: int
    kind: DuesKind
    base: Money | None
    fixed_amount: Money | None
    effective_month: MonthOut
    declared_on: date
    note: str
    monthly_amount: Money = Field(..., description="按起始月份施行的档次计算的每月应缴")

    @staticmethod
    def resolve_monthly_amount(obj) -> Decimal:
        amount, _basis = services.monthly_dues(
            obj.kind, month=obj.effective_month, base=obj.base, fixed_amount=obj.fixed_amount
        )
        return amount


class ReductionOut(Schema):
    id: int
    start_month: MonthOut
    end_month: MonthOut
    monthly_amount: Money
    reason: str
    branch_decided_on: date
    approved_on: date
    approver: str


class AccountOut(Schema):
    unpaid_streak: int = Field(..., description="连续未交月数")
    last_charged_month: MonthOut | None
    last_paid_month: MonthOut | None
    level: Literal["", "warning", "flag"] = Field(
        ..., description="warning：连续3个月未交；flag：连续6个月未交（党章第九条）"
    )

    @staticmethod
    def resolve_level(obj) -> str:
        return selectors.arrears_level(obj.unpaid_streak, _today())


class MemberDuesOut(Schema):
    member: MemberRef
    profiles: list[ProfileOut]
    reductions: list[ReductionOut]
    charges: list[ChargeOut] = Field(..., description="最近24个月")
    payments: list[PaymentOut] = Field(..., description="最近50笔")
    account: AccountOut | None


class DeclareIn(Schema):
    kind: DuesKind
    base: MoneyIn | None = Field(None, description="在职填税后月收入，离退休填实得离退休费")
    fixed_amount: MoneyIn | None = Field(None, description="农民党员每月定额")
    effective_month: Month
    declared_on: Day | None = Field(None, description="不填为今天")
    note: Text(0, 200) = ""


class PaymentIn(Schema):
    month: Month
    amount: MoneyIn
    paid_on: Day | None = Field(None, description="不填为今天")
    method: PaymentMethod
    receiver: Text(1, 50)
    note: Text(0, 200) = ""


class SpecialPaymentIn(Schema):
    amount: MoneyIn
    paid_on: Day | None = Field(None, description="不填为今天")
    method: PaymentMethod
    receiver: Text(1, 50)
    note: Text(0, 200) = ""


class RecordedPaymentOut(PaymentOut):
    charge: ChargeOut | None = Field(None, description="该月应缴记录（尚未生成则为空）")


class ReductionIn(Schema):
    start_month: Month
    end_month: Month
    monthly_amount: MoneyIn = Field(..., description="每月应缴，0为免交")
    reason: Text(1, 200)
    branch_decided_on: Day
    approved_on: Day
    approver: Text(1, 100)


class RunIn(Schema):
    month: Month


class RunOut(Schema):
    month: str
    charged: int = Field(..., description="本次新生成的应缴记录数（已生成的不重复生成）")
    undeclared: int = Field(..., description="未申报计缴基数、无法计算的党员数")
    total: Money


class ArrearsFilters(Schema):
    organization_id: Id | None = Field(None, description="党组织编号（含下级）")
    area_id: Id | None = Field(None, description="区域编号，如社区（含下级）")
    level: Literal["warning", "flag"] | None = Field(
        None, description="warning：3至5个月；flag：6个月以上；不填为全部"
    )


class ArrearsOut(Schema):
    member_id: int
    member_name: str = Field(..., alias="member.name")
    organization_id: int = Field(..., alias="member.organization_id")
    organization_name: str = Field(..., alias="member.organization.name")
    category: Category = Field(..., alias="member.category")
    unpaid_streak: int
    last_charged_month: MonthOut | None
    last_paid_month: MonthOut | None
    level: Literal["warning", "flag"]

    @staticmethod
    def resolve_level(obj) -> str:
        return selectors.arrears_level(obj.unpaid_streak, _today())


class SummaryFilters(Schema):
    by: Literal["branch", "community", "street"] = Field(
        "branch", description="按党支部、社区或街道汇总"
    )
    year: Year | None = Field(None, description="不填为今年")
    month: int | None = Field(None, ge=1, le=12, description="不填为全年")


class SummaryRowOut(Schema):
    id: int = Field(..., description="党组织编号（按党支部）或区域编号（按社区、街道）")
    name: str
    due: Money
    paid: Money
    missing: Money
    rate: str | None = Field(None, description="收缴率（%），一位小数；无应缴为空")
    charges: int | None = Field(None, description="应缴记录数（按党支部）")
    unpaid: int | None = Field(None, description="未缴清记录数（按党支部）")


class SummaryOut(Schema):
    by: str
    year: int
    month: int | None
    rows: list[SummaryRowOut]
    totals: SummaryRowOut | None = Field(None, description="合计（按党支部时）")


class MemberBriefOut(Schema):
    id: int
    name: str
    organization_id: int
    organization_name: str = Field(..., alias="organization.name")
    category: Category


# --- Reads ----------------------------------------------------------------------------------


@router.get(
    "/organizations/{int:organization_id}/ledger", response={200: LedgerOut, ERRORS: ErrorOut}
)
def ledger(request, organization_id: int, month: Month | None = None):
    """A branch's monthly ledger: each member's charge, payments and the totals."""
    user = request.user
    organization = party_selectors.get_organization(user, organization_id, VIEW_DUES)
    month = month or _today().replace(day=1)
    rows, totals = selectors.branch_ledger(user, organization, month)
    payments = defaultdict(list)
    for payment in selectors.payments_for(user).filter(organization=organization, month=month):
        payments[payment.member_id].append(payment)
    rows = list(rows)
    for charge in rows:
        charge.payments = payments.get(charge.member_id, [])
    return {
        "organization": organization,
        "month": month,
        "rows": rows,
        "totals": {**vars(totals), "missing": totals.missing},
    }


@router.get("/members/{int:member_id}", response={200: MemberDuesOut, ERRORS: ErrorOut})
def member_dues(request, member_id: int):
    """A member's declarations, reductions, recent charges and payments, and standing."""
    member = party_selectors.get_member(request.user, member_id, VIEW_DUES)
    account = DuesAccount.objects.filter(member=member).first()
    return {
        "member": member,
        "profiles": member.dues_profiles.order_by("-effective_month"),
        "reductions": member.dues_reductions.order_by("-start_month"),
        "charges": member.dues_charges.order_by("-month")[:24],
        "payments": member.dues_payments.order_by("-paid_on", "-id")[:50],
        "account": account,
    }


@router.get("/arrears", response={200: list[ArrearsOut], ERRORS: ErrorOut})
@paginate(Pagination)
def arrears(request, filters: Query[ArrearsFilters]):
    """Members with 3 or more consecutive unpaid months (warning), 6 or more (flag)."""
    user, today = request.user, _today()
    warning = param("dues.arrears_warning_months", today)
    flag = param("dues.arrears_flag_months", today)
    qs = selectors.arrears(user, today, flag if filters.level == "flag" else warning)
    if filters.level == "warning":
        qs = qs.filter(unpaid_streak__lt=flag)
    if filters.organization_id is not None:
        organization = party_selectors.get_organization(user, filters.organization_id, VIEW_DUES)
        qs = qs.filter(member__organization__tree_path__under=organization.tree_path)
    if filters.area_id is not None:
        area = area_selectors.get_area(user, filters.area_id)
        qs = qs.filter(member__path__under=area.path)
    return qs


@router.get("/summaries", response={200: SummaryOut, ERRORS: ErrorOut})
def summaries(request, filters: Query[SummaryFilters]):
    """Due, paid and missing per branch, community or street, for a year or a month."""
    user, year, month = request.user, filters.year or _today().year, filters.month
    if filters.by == "branch":
        rows = [
            {
                "id": r["organization_id"],
                "name": r["organization__name"],
                "due": r["total_due"],
                "paid": r["total_paid"],
                "missing": r["total_due"] - r["total_paid"],
                "rate": _rate(r["total_due"], r["total_paid"]),
                "charges": r["charges"],
                "unpaid": r["unpaid"],
            }
            for r in selectors.summary_by_organization(user, year=year, month=month)
        ]
        due = sum((r["due"] for r in rows), Decimal("0.00"))
        paid = sum((r["paid"] for r in rows), Decimal("0.00"))
        totals = {
            "id": 0,
            "name": "合计",
            "due": due,
            "paid": paid,
            "missing": due - paid,
            "rate": _rate(due, paid),
            "charges": sum(r["charges"] for r in rows),
            "unpaid": sum(r["unpaid"] for r in rows),
        }
    else:
        level = Level.COMMUNITY if filters.by == "community" else Level.STREET
        rows = [
            {
                "id": r["area"].pk,
                "name": r["area"].name,
                "due": r["due"],
                "paid": r["paid"],
                "missing": r["missing"],
                "rate": _rate(r["due"], r["paid"]),
            }
            for r in selectors.summary_by_area(user, level, year=year, month=month)
        ]
        totals = None
    return {"by": filters.by, "year": year, "month": month, "rows": rows, "totals": totals}


def _rate(due: Decimal, paid: Decimal) -> str | None:
    return str((paid / due * 100).quantize(Decimal("0.1"))) if due else None


@router.get("/undeclared", response={200: list[MemberBriefOut], ERRORS: ErrorOut})
@paginate(Pagination)
def undeclared(request, month: Month | None = None):
    """Active members with no dues basis for the month (nothing can be charged)."""
    month = month or _today().replace(day=1)
    return selectors.undeclared(request.user, month).order_by("path", "name")


@router.get("/redeclaration-due", response={200: list[MemberBriefOut], ERRORS: ErrorOut})
@paginate(Pagination)
def redeclaration_due(request):
    """The yearly reminder: members whose basis was last declared before this year."""
    return selectors.redeclaration_due(request.user, _today()).order_by("path", "name")


# --- Writes ---------------------------------------------------------------------------------


@router.post("/members/{int:member_id}/declarations", response={201: ProfileOut, ERRORS: ErrorOut})
def declare(request, member_id: int, payload: DeclareIn):
    """Declare (or re-declare yearly) the member's dues basis from a month on."""
    member = party_selectors.get_member(request.user, member_id, MANAGE_DUES)
    data = payload.dict()
    data["declared_on"] = data["declared_on"] or _today()
    return Status(201, services.declare(member, actor=request.user, **data))


@router.post(
    "/members/{int:member_id}/payments", response={201: RecordedPaymentOut, ERRORS: ErrorOut}
)
def record_payment(request, member_id: int, payload: PaymentIn):
    """Dues paid for a month: partial payments add up, a future month is paid in advance."""
    member = party_selectors.get_member(request.user, member_id, MANAGE_DUES)
    data = payload.dict()
    data["paid_on"] = data["paid_on"] or _today()
    payment = services.record_payment(member, actor=request.user, **data)
    payment.charge = member.dues_charges.filter(month=payment.month).first()
    return Status(201, payment)


@router.post(
    "/members/{int:member_id}/special-payments", response={201: PaymentOut, ERRORS: ErrorOut}
)
def record_special_payment(request, member_id: int, payload: SpecialPaymentIn):
    """A voluntary one-off payment of at least 1,000 yuan, kept apart from dues."""
    member = party_selectors.get_member(request.user, member_id, MANAGE_DUES)
    data = payload.dict()
    data["paid_on"] = data["paid_on"] or _today()
    return Status(201, services.record_special_payment(member, actor=request.user, **data))


@router.post("/members/{int:member_id}/reductions", response={201: ReductionOut, ERRORS: ErrorOut})
def grant_reduction(request, member_id: int, payload: ReductionIn):
    """A reduction or exemption decided by the branch and approved by the higher committee."""
    member = party_selectors.get_member(request.user, member_id, APPROVE_REDUCTION)
    return Status(201, services.grant_reduction(member, actor=request.user, **payload.dict()))


@router.post("/runs", response={200: RunOut, ERRORS: ErrorOut})
def run_month(request, payload: RunIn):
    """Compute the month's dues for every member within the caller's scope. Idempotent:
    charges already made are kept, so running a month twice charges nobody twice."""
    if not request.user.has_perm(MANAGE_DUES):
        raise HttpError(403, "forbidden")
    return services.run_month_in_scope(payload.month, actor=request.user)
