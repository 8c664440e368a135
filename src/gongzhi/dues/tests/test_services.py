"""Dues: the national brackets at every boundary, versioning, payments and arrears."""

from datetime import date
from decimal import Decimal

import pytest

from gongzhi.core import params
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.dues import selectors, services
from gongzhi.dues.choices import DuesKind, PaymentMethod
from gongzhi.dues.models import DuesAccount, DuesCharge
from gongzhi.party.choices import MemberStatus
from gongzhi.party.testing import add_member

pytestmark = pytest.mark.django_db
D = Decimal
MAY = date(2026, 5, 1)


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("0.00", "0.00"),
        ("3000.00", "15.00"),  # ≤ 3000: 0.5%
        ("3000.01", "30.00"),  # 1%: 30.0001
        ("5000.00", "50.00"),
        ("5000.01", "75.00"),  # 1.5%: 75.00015
        ("10000.00", "150.00"),
        ("10000.01", "200.00"),  # 2%: 200.0002
        ("4999.50", "50.00"),  # 49.995 rounds half up to the fen
        ("3333.33", "33.33"),
        ("2999.99", "15.00"),  # 14.99995 → 15.00
    ],
)
def test_employed_brackets(base, expected):
    amount, basis = services.monthly_dues(DuesKind.EMPLOYED, month=MAY, base=D(base))
    assert amount == D(expected)
    assert isinstance(amount, Decimal)


@pytest.mark.parametrize(
    ("base", "expected"), [("5000.00", "25.00"), ("5000.01", "50.00"), ("1234.56", "6.17")]
)
def test_retiree_5000_line(base, expected):
    assert services.monthly_dues(DuesKind.RETIRED, month=MAY, base=D(base))[0] == D(expected)


def test_students_unemployed_and_low_income_pay_20_fen():
    for kind in (DuesKind.STUDENT, DuesKind.LOW_INCOME):
        assert services.monthly_dues(kind, month=MAY)[0] == D("0.20")


def test_a_month_is_computed_with_the_brackets_in_force_then(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        params.set_parameter(
            actor=world.users["district_admin"],
            key="dues.brackets.employed",
            new_value=[["4000", "0.005"], [None, "0.01"]],
            effective_from=date(2027, 1, 1),
            note="测试",
        )
    assert services.monthly_dues(DuesKind.EMPLOYED, month=date(2026, 12, 1), base=D("3500"))[
        0
    ] == D("35.00")
    assert services.monthly_dues(DuesKind.EMPLOYED, month=date(2027, 1, 1), base=D("3500"))[0] == D(
        "17.50"
    )


@pytest.mark.parametrize(
    "brackets",
    [
        [["3000", "0.005"]],
        [["5000", "0.01"], ["3000", "0.005"], [None, "0.02"]],
        [[None, "1.5"]],
        "x",
    ],
)
def test_malformed_brackets_refused(world, brackets):
    with pytest.raises(RuleViolation):
        params.set_parameter(
            actor=world.users["district_admin"],
            key="dues.brackets.employed",
            new_value=brackets,
            effective_from=date(2027, 1, 1),
            note="测试",
        )


@pytest.mark.parametrize(
    ("amount", "ok"), [("0.19", False), ("0.20", True), ("1.00", True), ("1.01", False)]
)
def test_farmer_amount_between_20_fen_and_1_yuan(world, party, amount, ok):
    member = add_member(world.users["secretary"], party.ours_branch)

    def call():
        return services.declare(
            member,
            actor=world.users["secretary"],
            kind=DuesKind.FARMER,
            effective_month=MAY,
            declared_on=MAY,
            fixed_amount=amount,
        )

    if ok:
        assert call().fixed_amount == D(amount)
    else:
        with pytest.raises(RuleViolation) as exc:
            call()
        assert exc.value.field == "fixed_amount"


@pytest.mark.parametrize("base", ["-1", "abc", "100.001", "NaN"])
def test_bad_bases_refused(world, party, base):
    member = add_member(world.users["secretary"], party.ours_branch)
    with pytest.raises(RuleViolation) as exc:
        services.declare(
            member,
            actor=world.users["secretary"],
            kind=DuesKind.EMPLOYED,
            effective_month=MAY,
            declared_on=MAY,
            base=base,
        )
    assert exc.value.field == "base"


def _declared(world, organization, base="6000", serial=1, **kw):
    member = add_member(world.users["secretary"], organization, serial=serial, **kw)
    services.declare(
        member,
        actor=world.users["secretary"],
        kind=DuesKind.EMPLOYED,
        effective_month=date(2026, 1, 1),
        declared_on=date(2026, 1, 5),
        base=base,
    )
    return member


@pytest.mark.parametrize(
    ("admitted_on", "charged"), [(date(2026, 5, 31), True), (date(2026, 6, 1), False)]
)
def test_probationary_members_owe_from_the_month_of_admission(world, party, admitted_on, charged):
    member = _declared(
        world,
        party.ours_branch,
        status=MemberStatus.PROBATIONARY,
        applied_on=date(2024, 1, 1),
        admitted_on=admitted_on,
    )
    services.run_month(MAY)
    assert DuesCharge.objects.filter(member=member, month=MAY).exists() is charged


def test_monthly_run_is_idempotent_and_counts_undeclared(world, party):
    _declared(world, party.ours_branch, serial=1)
    add_member(world.users["secretary"], party.ours_branch, serial=2)  # nothing declared
    first = services.run_month(MAY, actor=world.users["secretary"])
    assert first["charged"] == 1 and first["undeclared"] == 1 and first["total"] == "90.00"
    assert services.run_month(MAY)["charged"] == 0
    assert DuesCharge.objects.count() == 1


def test_a_large_run_leaves_the_planner_fresh_statistics(world, party, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _declared(world, party.ours_branch)
    monkeypatch.setattr(services, "ANALYZE_FROM", 2)
    with CaptureQueriesContext(connection) as queries:
        services.run_month(MAY)  # one charge: under the threshold
    assert not [q for q in queries if q["sql"].startswith("ANALYZE")]
    monkeypatch.setattr(services, "ANALYZE_FROM", 1)
    with CaptureQueriesContext(connection) as queries:
        services.run_month(date(2026, 6, 1))
    analyzed = [q["sql"] for q in queries if q["sql"].startswith("ANALYZE")]
    assert analyzed and "dues_duesaccount" in analyzed[0]
    assert len(selectors.arrears(world.users["secretary"], date(2026, 6, 15), 2)) == 1


def test_reduction_applies_in_its_period_only(world, party):
    member = _declared(world, party.ours_branch)
    services.grant_reduction(
        member,
        actor=world.users["secretary"],
        start_month=date(2026, 5, 1),
        end_month=date(2026, 6, 30),
        monthly_amount="0",
        reason="重病住院",
        branch_decided_on=date(2026, 4, 20),
        approved_on=date(2026, 4, 25),
        approver="和顺社区党委",
    )
    for month in (date(2026, 4, 1), MAY, date(2026, 6, 1), date(2026, 7, 1)):
        services.run_month(month)
    amounts = dict(DuesCharge.objects.filter(member=member).values_list("month", "amount"))
    assert amounts == {
        date(2026, 4, 1): D("90.00"),
        MAY: D("0.00"),
        date(2026, 6, 1): D("0.00"),
        date(2026, 7, 1): D("90.00"),
    }
    with pytest.raises(RuleViolation):
        services.grant_reduction(
            member,
            actor=world.users["secretary"],
            start_month=date(2026, 6, 1),
            end_month=date(2026, 8, 1),
            monthly_amount="1",
            reason="x",
            branch_decided_on=date(2026, 5, 1),
            approved_on=date(2026, 5, 2),
            approver="和顺社区党委",
        )
    with pytest.raises(NotFoundOrForbidden):
        services.grant_reduction(
            member,
            actor=world.users["staff"],
            start_month=date(2026, 9, 1),
            end_month=date(2026, 9, 1),
            monthly_amount="1",
            reason="x",
            branch_decided_on=date(2026, 5, 1),
            approved_on=date(2026, 5, 2),
            approver="x",
        )


def _pay(world, member, month, amount):
    return services.record_payment(
        member,
        actor=world.users["secretary"],
        month=month,
        amount=amount,
        paid_on=date(2026, 5, 20),
        method=PaymentMethod.CASH,
        receiver="王会计",
    )


def test_partial_advance_and_over_payments(world, party):
    member = _declared(world, party.ours_branch)
    services.run_month(MAY)
    _pay(world, member, MAY, "40.00")
    _pay(world, member, MAY, "50.00")
    assert DuesCharge.objects.get(member=member, month=MAY).paid == D("90.00")
    with pytest.raises(RuleViolation) as exc:
        _pay(world, member, MAY, "0.01")
    assert exc.value.field == "amount"
    _pay(world, member, date(2026, 6, 1), "90.00")  # in advance: no charge yet
    services.run_month(date(2026, 6, 1))
    assert DuesCharge.objects.get(member=member, month=date(2026, 6, 1)).paid == D("90.00")
    assert DuesAccount.objects.get(member=member).unpaid_streak == 0


@pytest.mark.parametrize(("amount", "ok"), [("999.99", False), ("1000.00", True)])
def test_special_payment_from_1000_yuan(world, party, amount, ok):
    member = _declared(world, party.ours_branch)
    call = lambda: services.record_special_payment(  # noqa: E731
        member,
        actor=world.users["secretary"],
        amount=amount,
        paid_on=MAY,
        method=PaymentMethod.TRANSFER,
        receiver="王会计",
    )
    if ok:
        assert call().month is None
        services.run_month(MAY)
        rows, totals = selectors.branch_ledger(world.users["secretary"], party.ours_branch, MAY)
        assert totals.special == D("1000.00") and totals.paid == D("0.00")
    else:
        with pytest.raises(RuleViolation):
            call()


@pytest.mark.parametrize(
    ("months", "level"), [(2, ""), (3, "warning"), (5, "warning"), (6, "flag")]
)
def test_arrears_warned_at_three_and_flagged_at_six(world, party, months, level):
    member = _declared(world, party.ours_branch)
    for m in range(1, months + 1):
        services.run_month(date(2026, m, 1))
    account = DuesAccount.objects.get(member=member)
    assert account.unpaid_streak == months
    listed = list(selectors.arrears(world.users["secretary"], date(2026, months, 15)))
    assert (account in listed) is bool(level)
    assert selectors.arrears_level(account.unpaid_streak, date(2026, 6, 15)) == level


def test_paying_the_latest_month_ends_the_streak_and_scope_holds(world, party):
    member = _declared(world, party.ours_branch)
    for m in range(1, 5):
        services.run_month(date(2026, m, 1))
    _pay(world, member, date(2026, 4, 1), "90.00")
    assert DuesAccount.objects.get(member=member).unpaid_streak == 0
    assert list(selectors.arrears(world.users["street_admin"], date(2026, 4, 15))) == []
    street_admin = world.users["street_admin"]
    sibling = add_member(street_admin, party.sibling_branch, serial=7)
    services.declare(
        sibling,
        actor=street_admin,
        kind=DuesKind.EMPLOYED,
        effective_month=MAY,
        declared_on=MAY,
        base="6000",
    )
    services.run_month(date(2026, 5, 1))
    with pytest.raises(NotFoundOrForbidden):
        _pay(world, sibling, MAY, "10.00")


def test_ledger_totals_and_summaries(world, party):
    paid = _declared(world, party.ours_branch, serial=1)
    partial = _declared(world, party.ours_branch, base="2000", serial=2)  # 10.00
    _declared(world, party.ours_branch, base="12000", serial=3)  # 240.00, unpaid
    services.run_month(MAY)
    _pay(world, paid, MAY, "90.00")
    _pay(world, partial, MAY, "5.00")
    rows, totals = selectors.branch_ledger(world.users["secretary"], party.ours_branch, MAY)
    assert (totals.due, totals.paid, totals.missing) == (D("340.00"), D("95.00"), D("245.00"))
    assert (totals.settled, totals.partial, totals.unpaid) == (1, 1, 1)
    by_community = {
        r["area"].name: r
        for r in selectors.summary_by_area(world.users["street_admin"], 3, year=2026)
    }
    assert by_community["和顺社区"]["due"] == D("340.00")
    assert by_community["邻里社区"]["due"] == D("0.00")
