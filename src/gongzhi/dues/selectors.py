"""Scoped reads of dues: branch ledgers, arrears, summaries, declarations due."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypedDict

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.core.params import value as param
from gongzhi.core.scoping import widened
from gongzhi.party.choices import Standing
from gongzhi.party.models import Member, Organization

from .choices import PaymentKind
from .models import DuesAccount, DuesCharge, DuesPayment, DuesProfile, money_sum
from .permissions import VIEW_DUES

ZERO = Decimal("0.00")


def charges_for(user: User, perm: str = VIEW_DUES) -> QuerySet[DuesCharge]:
    return DuesCharge.objects.visible_to(user, perm)


def payments_for(user: User, perm: str = VIEW_DUES) -> QuerySet[DuesPayment]:
    return DuesPayment.objects.visible_to(user, perm)


@dataclass
class LedgerTotals:
    due: Decimal
    paid: Decimal
    members: int
    settled: int
    partial: int
    unpaid: int
    special: Decimal

    @property
    def missing(self) -> Decimal:
        return self.due - self.paid


LEDGER_FIELDS = (
    "member",
    "organization",
    "path",
    "month",
    "amount",
    "paid",
    "basis",
    "member__name",
    "member__category",
    "member__status",
)


def branch_ledger(
    user: User, organization: Organization, month: date
) -> tuple[QuerySet[DuesCharge], LedgerTotals]:
    """The month's ledger of one branch: each charge with its member, and the totals."""
    rows = (
        charges_for(user)
        .filter(organization=organization, month=month)
        .select_related("member")
        # The page, the export and the API show only these of the member (of 30 columns).
        .only(*LEDGER_FIELDS)
        .order_by("member__name")
    )
    totals = rows.aggregate(
        total_due=money_sum("amount"),
        total_paid=money_sum("paid"),
        members=Count("id"),
        settled=Count("id", filter=Q(paid__gte=F("amount"))),
        unpaid=Count("id", filter=Q(paid=0, amount__gt=0)),
    )
    special = (
        payments_for(user)
        .filter(
            organization=organization,
            kind=PaymentKind.SPECIAL,
            paid_on__year=month.year,
            paid_on__month=month.month,
        )
        .aggregate(total=money_sum("amount"))["total"]
    )
    partial = totals["members"] - totals["settled"] - totals["unpaid"]
    return rows, LedgerTotals(
        totals["total_due"],
        totals["total_paid"],
        totals["members"],
        totals["settled"],
        partial,
        totals["unpaid"],
        special,
    )


def arrears(user: User, today: date, minimum: int | None = None) -> QuerySet[DuesAccount]:
    """Members with consecutive unpaid months: warned from 3, flagged from 6 (art. 9)."""
    minimum = minimum or param("dues.arrears_warning_months", today)
    # Read from the streak index first, the scope's path terms marked wide
    # (core.scoping.widened): SQLite cannot tell that a district's path range holds every
    # member, and otherwise walked all 60,000 members to keep the 3% in arrears. The
    # streak is filtered on the row: a ``pk IN (accounts in arrears)`` made PostgreSQL
    # join the accounts to themselves (bench/README.md).
    return (
        widened(
            DuesAccount.objects.visible_to(user, VIEW_DUES).filter(
                unpaid_streak__gte=minimum, member__standing=Standing.ACTIVE
            )
        )
        .select_related("member", "member__organization")
        .order_by("-unpaid_streak", "member__path", "member__name")
    )


def arrears_level(streak: int, today: date) -> str:
    if streak >= param("dues.arrears_flag_months", today):
        return "flag"
    if streak >= param("dues.arrears_warning_months", today):
        return "warning"
    return ""


def summary_by_organization(
    user: User, *, year: int, month: int | None = None
) -> QuerySet[DuesCharge, Mapping[str, Any]]:
    """Due, paid and counts per branch for a month or a whole year."""
    qs = charges_for(user).filter(month__year=year)
    if month:
        qs = qs.filter(month__month=month)
    return (
        qs.values("organization_id", "organization__name", "path")
        .annotate(
            total_due=money_sum("amount"),
            total_paid=money_sum("paid"),
            charges=Count("id"),
            unpaid=Count("id", filter=Q(paid__lt=F("amount"))),
        )
        .order_by("path", "organization__name")
    )


class AreaSummary(TypedDict):
    """Due and paid of one area (``summary_by_area``); ``rate`` the share paid (0.985),
    None when nothing was due."""

    area: Area
    due: Decimal
    paid: Decimal
    missing: Decimal
    rate: Decimal | None


def summary_by_area(
    user: User, level: int, *, year: int, month: int | None = None
) -> list[AreaSummary]:
    """Due and paid rolled up to communities (or streets) of the user's scope."""
    areas = list(
        Area.objects.visible_to(user, "areas.view_area").filter(level=level).order_by("path")
    )
    rows = list(summary_by_organization(user, year=year, month=month))
    result: list[AreaSummary] = []
    for area in areas:
        picked = [r for r in rows if r["path"].startswith(area.path)]
        due = sum((r["total_due"] for r in picked), ZERO)
        paid = sum((r["total_paid"] for r in picked), ZERO)
        result.append(
            {
                "area": area,
                "due": due,
                "paid": paid,
                "missing": due - paid,
                "rate": paid / due if due else None,
            }
        )
    return result


def undeclared(user: User, month: date) -> QuerySet[Member]:
    """Active members with no dues basis declared for ``month``: nothing can be charged."""
    declared = DuesProfile.objects.filter(member=OuterRef("pk"), effective_month__lte=month)
    return (
        Member.objects.visible_to(user, VIEW_DUES)
        .filter(standing=Standing.ACTIVE)
        .filter(~Exists(declared))
        .select_related("organization")
    )


def redeclaration_due(user: User, today: date) -> QuerySet[Member]:
    """After the yearly re-declaration month: members whose basis was last declared in an
    earlier year (reminder)."""
    if today.month < param("dues.redeclare_month", today):
        return Member.objects.none()
    current = DuesProfile.objects.filter(member=OuterRef("pk"), declared_on__year=today.year)
    return (
        Member.objects.visible_to(user, VIEW_DUES)
        .filter(standing=Standing.ACTIVE)
        .filter(~Exists(current))
        .select_related("organization")
    )
