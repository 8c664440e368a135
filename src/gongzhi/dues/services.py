"""Dues: the bracket rule (once, here), declarations, reductions, the monthly run and
payments. Money is Decimal, rounded half-up to the fen (ADR 0004)."""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple, NotRequired, Protocol, TypedDict

from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core import audit, calendar
from gongzhi.core.bulk import chunks, insert_rows
from gongzhi.core.display import month_text
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation, RuleViolations
from gongzhi.core.params import value as param
from gongzhi.core.scoping import minimal_paths
from gongzhi.core.services import atomic, deny, require
from gongzhi.party.choices import Standing
from gongzhi.party.models import Member

from .choices import BASED_KINDS, DuesKind, PaymentKind, PaymentMethod
from .models import (
    DuesAccount,
    DuesCharge,
    DuesPayment,
    DuesProfile,
    DuesReduction,
    money_sum,
)
from .permissions import APPROVE_REDUCTION, MANAGE_DUES

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


# An amount as a form, the API or a loader gives it: a Decimal or its text.
MoneyInput = Decimal | str


def money(value: object, *, field: str = "amount") -> Decimal:
    """``value`` as an exact amount of money, or a refusal naming ``field`` (anything that
    is not a non-negative amount to the fen is refused)."""
    try:
        amount = Decimal(str(value))
    except (TypeError, ValueError, InvalidOperation):
        raise RuleViolation(_("金额格式不正确。"), field=field) from None
    if not amount.is_finite() or amount < 0:
        raise RuleViolation(_("金额不能为负数。"), field=field)
    if amount != amount.quantize(FEN):
        raise RuleViolation(_("金额须精确到分（最多两位小数）。"), field=field)
    return amount


def first_of_month(day: date) -> date:
    return day.replace(day=1)


# --- The rule --------------------------------------------------------------------------------


def bracket_rate(base: Decimal, brackets: Iterable[Sequence[str | None]]) -> Decimal:
    """The rate of the bracket ``base`` falls in (upper bounds inclusive). ``brackets``:
    [upper bound or None for "above", rate] (the parameter, dues.params)."""
    for upper, rate in brackets:
        if upper is None or base <= Decimal(upper):
            assert rate is not None  # validate_brackets: every bracket has a rate
            return Decimal(rate)
    raise ValueError("brackets must end with an open bracket")


class Rules:
    """The rule parameters in force in one month, each read once: a monthly run charges
    every member of the district with them (``param`` looks its table up in the cache on
    every call)."""

    def __init__(self, month: date):
        self.month = month
        self._values: dict[str, object] = {}

    def __call__(self, key: str) -> Any:
        """The value of parameter ``key`` (of the parameter's own type)."""
        if key not in self._values:
            self._values[key] = param(key, self.month)
        return self._values[key]


def monthly_dues(
    kind: str,
    *,
    month: date,
    base: Decimal | None = None,
    fixed_amount: Decimal | None = None,
    rules: Rules | None = None,
) -> tuple[Decimal, dict]:
    """Monthly dues for a basis under the rules in force in ``month``: (amount, basis)."""
    if rules is None or rules.month != month:
        rules = Rules(month)
    if kind == DuesKind.EMPLOYED or kind == DuesKind.RETIRED:
        brackets = rules(f"dues.brackets.{kind}")
        assert base is not None  # declare: a base for every employed or retired member
        rate = bracket_rate(base, brackets)
        amount = (base * rate).quantize(FEN, rounding=ROUND_HALF_UP)
        return amount, {"kind": kind, "base": str(base), "rate": str(rate)}
    if kind == DuesKind.FARMER:
        assert fixed_amount is not None  # declare: a fixed amount for every farmer
        return fixed_amount, {"kind": kind, "fixed": str(fixed_amount)}
    fixed = Decimal(rules("dues.fixed.low_income"))
    return fixed, {"kind": kind, "fixed": str(fixed)}


# --- Declarations and reductions ---------------------------------------------------------------


@atomic
def declare(
    member: Member,
    *,
    actor: User,
    kind: str,
    effective_month: date,
    declared_on: date,
    base: MoneyInput | None = None,
    fixed_amount: MoneyInput | None = None,
    note: str = "",
) -> DuesProfile:
    """Declare (or re-declare yearly) the member's dues basis from a month on."""
    require(actor, MANAGE_DUES, member)
    if kind not in DuesKind.values:
        raise RuleViolation(_("计缴类别不正确。"), field="kind")
    month = first_of_month(effective_month)
    if kind in BASED_KINDS:
        if base in (None, ""):
            raise RuleViolation(
                _("在职和离退休党员须填写计缴基数（税后月收入或实得离退休费）。"), field="base"
            )
        base, fixed_amount = money(base, field="base"), None
    elif kind == DuesKind.FARMER:
        if fixed_amount in (None, ""):
            raise RuleViolation(_("农民党员须填写每月定额。"), field="fixed_amount")
        fixed_amount = money(fixed_amount, field="fixed_amount")
        low, high = (
            Decimal(param("dues.farmer.min", month)),
            Decimal(param("dues.farmer.max", month)),
        )
        if not low <= fixed_amount <= high:
            raise RuleViolation(
                _("农民党员每月党费应在%(lo)s至%(hi)s元之间。") % {"lo": low, "hi": high},
                field="fixed_amount",
            )
        base = None
    else:
        base = fixed_amount = None
    profile, created = DuesProfile.objects.update_or_create(
        member=member,
        effective_month=month,
        defaults={
            "kind": kind,
            "base": base,
            "fixed_amount": fixed_amount,
            "declared_on": declared_on,
            "note": note,
        },
    )
    audit.log(
        "dues.profile.declared",
        actor=actor,
        target=member,
        data={"kind": kind, "month": f"{month:%Y-%m}", "created": created},
    )
    return profile


@atomic
def grant_reduction(
    member: Member,
    *,
    actor: User,
    start_month: date,
    end_month: date,
    monthly_amount: MoneyInput,
    reason: str,
    branch_decided_on: date,
    approved_on: date,
    approver: str,
) -> DuesReduction:
    """Record a reduction or exemption: the branch decides, the higher committee approves."""
    require(actor, APPROVE_REDUCTION, member)
    start, end = first_of_month(start_month), first_of_month(end_month)
    if end < start:
        raise RuleViolation(_("截止月份不能早于起始月份。"), field="end_month")
    if not (reason or "").strip():
        raise RuleViolation(_("请填写少交或免交的原因。"), field="reason")
    if not (approver or "").strip():
        raise RuleViolation(_("请填写批准的上级党委。"), field="approver")
    if approved_on < branch_decided_on:
        raise RuleViolation(_("上级党委批准日期不能早于支部决定日期。"), field="approved_on")
    amount = money(monthly_amount, field="monthly_amount")
    overlap = DuesReduction.objects.filter(
        member=member, start_month__lte=end, end_month__gte=start
    )
    if overlap.exists():
        raise RuleViolation(_("与已有的减免期间重叠。"), field="start_month")
    reduction = DuesReduction.objects.create(
        member=member,
        start_month=start,
        end_month=end,
        monthly_amount=amount,
        reason=reason.strip(),
        branch_decided_on=branch_decided_on,
        approved_on=approved_on,
        approver=approver.strip(),
    )
    audit.log(
        "dues.reduction.granted",
        actor=actor,
        target=member,
        data={"from": f"{start:%Y-%m}", "to": f"{end:%Y-%m}", "amount": str(amount)},
    )
    return reduction


# --- The monthly run -----------------------------------------------------------------------------


def _month_end(month: date) -> date:
    nxt = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


class Admitted(Protocol):
    """A member as ``charge_for`` reads them: a ``Member`` or a row of its values."""

    @property
    def admitted_on(self) -> date: ...


class Declared(Protocol):
    """A dues basis as ``charge_for`` reads it: a ``DuesProfile`` or a row of its values."""

    @property
    def effective_month(self) -> date: ...
    @property
    def kind(self) -> str: ...
    @property
    def base(self) -> Decimal | None: ...
    @property
    def fixed_amount(self) -> Decimal | None: ...


def charge_for(
    member: Admitted,
    month: date,
    profiles: Iterable[Declared],
    reductions: Iterable[DuesReduction],
    rules: Rules | None = None,
) -> tuple[Decimal, dict] | None:
    """What ``member`` owes for ``month`` given their profiles and reductions (sorted by
    month), or None when nothing is owed or no basis is declared. ``member`` and the
    profiles may be rows of ``values_list(named=True)``: only their fields are read."""
    if member.admitted_on > _month_end(month):
        return None  # probationary members owe from the month the branch admitted them
    profile: Declared | None = None
    for candidate in profiles:
        if candidate.effective_month <= month:
            profile = candidate
    if profile is None:
        return None
    amount, basis = monthly_dues(
        profile.kind,
        month=month,
        base=profile.base,
        fixed_amount=profile.fixed_amount,
        rules=rules,
    )
    for reduction in reductions:
        if reduction.start_month <= month <= reduction.end_month:
            basis = {**basis, "normal": str(amount), "reduction": reduction.pk}
            amount = min(amount, reduction.monthly_amount)
    return amount, basis


class MonthRun(TypedDict):
    """What a monthly run did (the report, the audit record, the API's answer)."""

    month: str  # "2026-05"
    charged: int
    undeclared: int  # active members with no basis declared: nothing charged
    total: str  # the sum charged, as exact text


@atomic
def run_month(
    month: date,
    *,
    actor: User | None = None,
    within: str | None = None,
    within_org: str | None = None,
) -> MonthRun:
    """Create every member's charge for ``month`` (idempotent: existing charges are kept),
    for the members under the area path ``within`` or in the organization subtree
    ``within_org`` (a tree path) when given.

    Bulk: a handful of queries for the whole district. Advance payments already recorded
    for the month are applied. Returns counts for the report.
    """
    month = first_of_month(month)
    members = Member.objects.filter(standing=Standing.ACTIVE, admitted_on__lte=_month_end(month))
    existing = DuesCharge.objects.filter(month=month)
    # Only the basis in force: the latest declaration on or before the month.
    later = DuesProfile.objects.filter(
        member=OuterRef("member"),
        effective_month__gt=OuterRef("effective_month"),
        effective_month__lte=month,
    )
    profiles = DuesProfile.objects.filter(effective_month__lte=month).exclude(Exists(later))
    reductions = DuesReduction.objects.filter(start_month__lte=month, end_month__gte=month)
    advance = DuesPayment.objects.filter(month=month, kind=PaymentKind.DUES)
    if within:
        members = members.filter(path__under=within)
        existing = existing.filter(path__under=within)
        profiles = profiles.filter(member__path__under=within)
        reductions = reductions.filter(member__path__under=within)
        advance = advance.filter(member__path__under=within)
    if within_org:
        in_subtree = {"member__organization__tree_path__under": within_org}
        members = members.filter(organization__tree_path__under=within_org)
        existing = existing.filter(**in_subtree)
        profiles = profiles.filter(**in_subtree)
        reductions = reductions.filter(**in_subtree)
        advance = advance.filter(**in_subtree)
    member_rows = members.values_list("id", "organization_id", "path", "admitted_on", named=True)
    charged = set(existing.values_list("member_id", flat=True))
    declared = {
        p.member_id: (p,)
        for p in profiles.values_list(
            "member_id", "effective_month", "kind", "base", "fixed_amount", named=True
        )
    }
    by_member: defaultdict[int, list[DuesReduction]] = defaultdict(list)
    for r in reductions.order_by("start_month"):
        by_member[r.member_id].append(r)
    paid_ahead: dict[int, Decimal] = dict(
        advance.values("member_id")
        .annotate(total=money_sum("amount"))
        .values_list("member_id", "total")
    )
    rules = Rules(month)
    charges: list[NewCharge] = []
    undeclared = 0
    for member in member_rows:
        if member.id in charged:
            continue
        owed = charge_for(
            member, month, declared.get(member.id, ()), by_member.get(member.id, ()), rules
        )
        if owed is None:
            undeclared += member.id not in declared
            continue
        amount, basis = owed
        charges.append(
            NewCharge(
                member.id,
                member.organization_id,
                member.path,
                amount,
                min(paid_ahead.get(member.id, ZERO), amount),
                basis,
            )
        )
    _insert_charges(charges, month)
    _refresh_accounts(charges, month)
    if len(charges) >= ANALYZE_FROM:
        _analyze_after_run()
    total = sum((c.amount for c in charges), ZERO)
    result: MonthRun = {
        "month": f"{month:%Y-%m}",
        "charged": len(charges),
        "undeclared": undeclared,
        "total": str(total),
    }
    if actor is not None:
        audit.log("dues.month.run", actor=actor, data=dict(result))
    return result


# A run that charges this many members, or payments of this many charges, change the
# statistics the planner knows of the accounts (streaks) and the charges enough to mislead
# it (the arrears list after a district's bulk payments: 66 -> 42 ms on PostgreSQL).
ANALYZE_FROM = 1000


def _analyze_after_run() -> None:
    """Fresh planner statistics after a large run or bulk payments. PostgreSQL's autovacuum
    comes later, or never while the run's transaction is open; without them it guessed
    128,451 accounts in arrears where there were 1,521 and planned the arrears list for
    that (bench/README.md). ANALYZE counts the rows of its own transaction. SQLite: the
    accounts only (60,000 rows: a few milliseconds); its statistics of the charges
    count rows per index prefix, which a month more hardly changes, and cost a pass over
    the whole table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE dues_duesaccount, dues_duescharge")
        elif connection.vendor == "sqlite":
            cursor.execute("ANALYZE dues_duesaccount")


class NewCharge(NamedTuple):
    member_id: int
    organization_id: int
    path: str
    amount: Decimal
    paid: Decimal
    basis: dict


def _insert_charges(charges: list[NewCharge], month: date) -> None:
    """The month's new charges as plain inserts (core.bulk): ``bulk_create`` spent more
    time building and compiling 60,000 model instances than the rest of the run together."""
    insert_rows(
        DuesCharge,
        ("member_id", "organization_id", "path", "month", "amount", "paid", "basis"),
        (
            (c.member_id, c.organization_id, c.path, month, c.amount, c.paid, c.basis)
            for c in charges
        ),
    )


@atomic
def run_month_in_scope(month: date, *, actor: User) -> MonthRun:
    """The monthly run over every part of the tree where ``actor`` may manage dues: one
    run per top node of their scope (the whole district for a superuser), and one per
    organization subtree where they hold the permission on an organization. The page and
    the API both run a month this way."""
    paths: Sequence[str | None]
    org_paths: list[str] = []
    if actor.is_superuser:
        paths = [None]
    else:
        paths = minimal_paths(actor.scope_paths(MANAGE_DUES))
        org_paths = minimal_paths(actor.org_scope_paths(MANAGE_DUES))
    if not paths and not org_paths:
        refusal = NotFoundOrForbidden(_("无权生成应缴党费。"))
        deny(actor, MANAGE_DUES, refusal=refusal, action="dues.month.run")
    charged = undeclared = 0
    total = ZERO
    parts = [run_month(month, actor=actor, within=path) for path in paths]
    # After the area runs (a member charged there is not charged again).
    parts += [run_month(month, actor=actor, within_org=tree) for tree in org_paths]
    for part in parts:
        charged += part["charged"]
        undeclared += part["undeclared"]
        total += Decimal(part["total"])
    return {
        "month": f"{first_of_month(month):%Y-%m}",
        "charged": charged,
        "undeclared": undeclared,
        "total": str(total),
    }


def _refresh_accounts(charges: list[NewCharge], month: date) -> None:
    """After new charges: unpaid charges extend the streak, paid or exempt ones reset it.
    The new charges are at hand, so they are not read again."""
    _ensure_accounts([c.member_id for c in charges])
    unpaid = [c.member_id for c in charges if c.amount > c.paid]
    settled = [c.member_id for c in charges if c.amount <= c.paid]
    for chunk in chunks(unpaid):
        DuesAccount.objects.filter(member_id__in=chunk).update(
            unpaid_streak=F("unpaid_streak") + 1, last_charged_month=month
        )
    for chunk in chunks(settled):
        DuesAccount.objects.filter(member_id__in=chunk).update(
            unpaid_streak=0, last_charged_month=month, last_paid_month=month
        )


def _ensure_accounts(member_ids: Iterable[int]) -> None:
    """An account for every member charged. A month's first run in a new district opens
    60,000 accounts: plain inserts that skip existing ones (core.bulk; ``bulk_create``
    cost a third of the run building and compiling model instances). PostgreSQL: one
    statement over an array of the ids (its 60,000 single-row INSERTs took 1.5–2 s); the
    columns not named take their database defaults or NULL, as insert_rows would write."""
    if connection.vendor != "postgresql":
        insert_rows(DuesAccount, ("member_id",), ((m,) for m in member_ids), ignore_conflicts=True)
        return
    meta = DuesAccount._meta
    quote = connection.ops.quote_name
    streak = meta.get_field("unpaid_streak")
    assert streak.column is not None  # a concrete field: it has its column
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({quote('member_id')}, {quote(streak.column)}) "  # noqa: S608 (names from model metadata)
            "SELECT m, %s FROM unnest(%s::bigint[]) AS m ON CONFLICT (member_id) DO NOTHING",
            [streak.get_default(), list(member_ids)],
        )


def _update_grouped(
    queryset: QuerySet, changes: Iterable[tuple[int, Mapping[str, object]]], key: str = "pk"
) -> None:
    """``changes``: (key, {field: value}) pairs. One UPDATE per distinct set of values (and
    chunk of keys): a bulk run gives many rows the same values (a streak of 0, the month
    paid), and ``bulk_update``'s ``CASE WHEN`` per row cost about a millisecond a row."""
    groups: defaultdict[tuple[tuple[str, object], ...], list[int]] = defaultdict(list)
    for pk, values in changes:
        groups[tuple(sorted(values.items()))].append(pk)
    for items, pks in groups.items():
        for chunk in chunks(pks):
            queryset.filter(**{f"{key}__in": chunk}).update(**dict(items))


def recompute_accounts(member_ids: Iterable[int]) -> None:
    """Each member's streak from their charges: unpaid months back from the latest charge,
    for many members in a handful of queries."""
    member_ids = list(set(member_ids))
    _ensure_accounts(member_ids)
    for chunk in chunks(member_ids):
        history: defaultdict[int, list[tuple[date, Decimal, Decimal]]] = defaultdict(list)
        for member_id, month, amount, paid in (
            DuesCharge.objects.filter(member_id__in=chunk)
            .order_by("member_id", "-month")
            .values_list("member_id", "month", "amount", "paid")
        ):
            history[member_id].append((month, amount, paid))
        changes: list[tuple[int, Mapping[str, object]]] = []
        for member_id in chunk:
            charges = history.get(member_id, [])
            streak, last_paid = 0, None
            for month, amount, paid in charges:
                if amount > paid:
                    streak += 1
                    continue
                last_paid = month
                break
            changes.append(
                (
                    member_id,
                    {
                        "unpaid_streak": streak,
                        "last_paid_month": last_paid,
                        "last_charged_month": charges[0][0] if charges else None,
                    },
                )
            )
        _update_grouped(DuesAccount.objects.all(), changes, key="member_id")


# --- Payments ----------------------------------------------------------------------------------


class PaymentIn(TypedDict):
    """A payment to record (``record_payments``): the dues of ``member`` for ``month``."""

    member: Member
    month: date
    amount: MoneyInput
    paid_on: date
    method: str
    receiver: str | None
    note: NotRequired[str]


class Payment(TypedDict):
    """A payment checked: the month its first day, the amount exact, the receiver named."""

    member: Member
    month: date
    amount: Decimal
    paid_on: date
    method: str
    receiver: str
    note: NotRequired[str]


def _check_payment(row: PaymentIn) -> Payment:
    amount = money(row["amount"])
    if amount <= 0:
        raise RuleViolation(_("缴纳金额须大于0。"), field="amount")
    if row["method"] not in PaymentMethod.values:
        raise RuleViolation(_("缴纳方式不正确。"), field="method")
    receiver = (row.get("receiver") or "").strip()
    if not receiver:
        raise RuleViolation(_("请填写收款人。"), field="receiver")
    calendar.require_happened(row["paid_on"], field="paid_on")
    month = first_of_month(row["month"])
    member = row["member"]
    if member.admitted_on > _month_end(month):
        raise RuleViolation(
            _("%(m)s时尚未入党，无需缴纳党费。") % {"m": month_text(month)}, field="month"
        )
    return {**row, "amount": amount, "month": month, "receiver": receiver}


@dataclass(slots=True)
class _Due:
    pk: int
    member_id: int
    amount: Decimal
    paid: Decimal


@atomic
def record_payments(rows: Iterable[PaymentIn], *, actor: User) -> list[DuesPayment]:
    """Dues paid for months: partial payments add up, a future month is paid in advance,
    nothing beyond a month's due. All rows or none; the charges are locked and summed
    exactly; one audit record for the batch."""
    checked = [_check_payment(row) for row in rows]
    for member in {row["member"].pk: row["member"] for row in checked}.values():
        require(actor, MANAGE_DUES, member)
    keys = {(row["member"].pk, row["month"]) for row in checked}
    charges: dict[tuple[int, date], _Due] = {}
    months = {month for _member, month in keys}
    for member_ids in chunks(sorted({member for member, _month in keys})):
        # Rows, not instances: a bulk entry locks tens of thousands of charges.
        for pk, member_id, month, amount, paid in (
            DuesCharge.objects.select_for_update()
            .filter(member_id__in=member_ids, month__in=months)
            .order_by("pk")
            .values_list("pk", "member_id", "month", "amount", "paid")
        ):
            charges[(member_id, month)] = _Due(pk, member_id, amount, paid)
    payments = []
    for row in checked:
        member, month, amount = row["member"], row["month"], row["amount"]
        charge = charges.get((member.pk, month))
        if charge is not None:
            if charge.paid + amount > charge.amount:
                raise RuleViolation(
                    _(
                        "超出该月应缴金额：应缴%(due)s元，已缴%(paid)s元。一次性自愿多交1000元以上请按“特殊党费”登记。"
                    )
                    % {"due": charge.amount, "paid": charge.paid},
                    field="amount",
                )
            charge.paid += amount
        payments.append(
            DuesPayment(
                member_id=member.pk,
                organization_id=member.organization_id,
                path=member.path,
                kind=PaymentKind.DUES,
                month=month,
                amount=amount,
                paid_on=row["paid_on"],
                method=row["method"],
                receiver=row["receiver"],
                note=row.get("note", ""),
                created_by_id=actor.pk,
            )
        )
    DuesPayment.objects.bulk_create(payments, batch_size=2000)
    touched = [charges[key] for key in keys if key in charges]
    # Most payments settle their month: those take the amount due, the others their sum.
    _update_grouped(
        DuesCharge.objects.all(),
        ((c.pk, {"paid": F("amount") if c.paid == c.amount else c.paid}) for c in touched),
    )
    recompute_accounts([c.member_id for c in touched])
    if len(touched) >= ANALYZE_FROM:  # a branch's or a district's month paid in bulk
        _analyze_after_run()
    if len(checked) == 1:
        row = checked[0]
        audit.log(
            "dues.payment.recorded",
            actor=actor,
            target=row["member"],
            data={
                "month": f"{row['month']:%Y-%m}",
                "amount": str(row["amount"]),
                "method": row["method"],
            },
        )
    else:
        audit.log(
            "dues.payment.batch_recorded",
            actor=actor,
            data={
                "payments": len(checked),
                "total": str(sum((r["amount"] for r in checked), ZERO)),
            },
        )
    return payments


def record_payment(
    member: Member,
    *,
    actor: User,
    month: date,
    amount: MoneyInput,
    paid_on: date,
    method: str,
    receiver: str,
    note: str = "",
) -> DuesPayment:
    """One payment (see ``record_payments``)."""
    return record_payments(
        [
            {
                "member": member,
                "month": month,
                "amount": amount,
                "paid_on": paid_on,
                "method": method,
                "receiver": receiver,
                "note": note,
            }
        ],
        actor=actor,
    )[0]


@atomic
def pay_outstanding(
    members: Sequence[Member],
    *,
    actor: User,
    month: date,
    paid_on: date,
    method: str,
    receiver: str,
    note: str = "",
) -> list[DuesPayment]:
    """Several members pay what ``month`` still owes them (the ledger's ticked rows),
    each recorded and audited as a single payment (``record_payment``). All or none:
    every member's refusal is collected, named, and nothing is written."""
    month = first_of_month(month)
    outstanding = dict(
        DuesCharge.objects.filter(member__in=[m.pk for m in members], month=month)
        .annotate(owed=F("amount") - F("paid"))
        .values_list("member_id", "owed")
    )
    payments, errors = [], []
    for member in members:
        owed = outstanding.get(member.pk)
        try:
            if owed is None:
                raise RuleViolation(
                    _("%(m)s无应缴记录。") % {"m": month_text(month)},
                    field="members",
                )
            if owed <= 0:
                raise RuleViolation(
                    _("%(m)s已缴清。") % {"m": month_text(month)},
                    field="members",
                )
            payments.append(
                record_payment(
                    member,
                    actor=actor,
                    month=month,
                    amount=owed,
                    paid_on=paid_on,
                    method=method,
                    receiver=receiver,
                    note=note,
                )
            )
        except RuleViolation as exc:
            errors.append(
                RuleViolation(
                    _("%(name)s：%(reason)s") % {"name": member.name, "reason": exc.message},
                    field=exc.field
                    if exc.field in ("paid_on", "method", "receiver")
                    else "members",
                )
            )
    if errors:
        raise RuleViolations(errors)
    return payments


@atomic
def record_special_payment(
    member: Member,
    *,
    actor: User,
    amount: MoneyInput,
    paid_on: date,
    method: str,
    receiver: str,
    note: str = "",
) -> DuesPayment:
    """A voluntary one-off payment of at least 1,000 yuan: kept apart, not dues."""
    require(actor, MANAGE_DUES, member)
    amount = money(amount)
    calendar.require_happened(paid_on, field="paid_on")
    minimum = Decimal(param("dues.special_min", paid_on))
    if amount < minimum:
        raise RuleViolation(
            _("一次性自愿多交党费须在%(n)s元以上。") % {"n": minimum}, field="amount"
        )
    if method not in PaymentMethod.values:
        raise RuleViolation(_("缴纳方式不正确。"), field="method")
    if not (receiver or "").strip():
        raise RuleViolation(_("请填写收款人。"), field="receiver")
    payment = DuesPayment.objects.create(
        member=member,
        organization_id=member.organization_id,
        path=member.path,
        kind=PaymentKind.SPECIAL,
        month=None,
        amount=amount,
        paid_on=paid_on,
        method=method,
        receiver=receiver.strip(),
        note=note,
        created_by=actor,
    )
    audit.log("dues.payment.special", actor=actor, target=member, data={"amount": str(amount)})
    return payment
