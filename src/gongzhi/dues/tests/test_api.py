"""The dues API: every route, scope, exact money, an idempotent run, Chinese refusals."""

import json
import re
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.core.models import AuditLog
from gongzhi.core.testing import api_key, sign_in
from gongzhi.dues import services
from gongzhi.dues.choices import DuesKind, PaymentMethod
from gongzhi.dues.models import (
    DuesAccount,
    DuesCharge,
    DuesPayment,
    DuesProfile,
    DuesReduction,
)
from gongzhi.party.testing import add_member

pytestmark = pytest.mark.django_db
API = "/api/v1/dues"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
MONEY = re.compile(r"^-?[0-9]+\.[0-9]{2}$")
MAY = date(2026, 5, 1)
TODAY = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


class Api:
    """The test client speaking JSON with a bearer token, or (a resident, who holds no
    token) signed in."""

    def __init__(self, client, user):
        self.client, self.headers = client, {}
        if user.may_use_api:
            self.headers = {"Authorization": f"Bearer {api_key(user, name='测试')}"}
        else:
            sign_in(client, user)

    def get(self, path, **params):
        return self.client.get(API + path, QUERY_STRING=urlencode(params), headers=self.headers)

    def post(self, path, body=None, raw=None):
        data = raw if raw is not None else json.dumps(body)
        return self.client.post(
            API + path, data=data, content_type="application/json", headers=self.headers
        )


@pytest.fixture
def api_as(client):
    return lambda user: Api(client, user)


@pytest.fixture
def api(api_as, world):
    return api_as(world.users["secretary"])


def _error(response, status, code=None, field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert CHINESE.search(err["message"]), err
    if code:
        assert err["code"] == code, err
    if field:
        assert err["field"] == field, err
    return err


def _member(world, org, serial=1, base="6000", name="张小明", kind=DuesKind.EMPLOYED, **kw):
    actor = world.users["street_admin"]
    member = add_member(actor, org, name=name, serial=serial)
    services.declare(
        member,
        actor=actor,
        kind=kind,
        effective_month=date(2026, 1, 1),
        declared_on=date(2026, 1, 5),
        base=base if kind in (DuesKind.EMPLOYED, DuesKind.RETIRED) else None,
        **kw,
    )
    return member


def _pay(member, world, amount, month=MAY):
    return services.record_payment(
        member,
        actor=world.users["street_admin"],
        month=month,
        amount=amount,
        paid_on=date(2026, 5, 10),
        method=PaymentMethod.CASH,
        receiver="王会计",
    )


PAYMENT = {"month": "2026-05", "amount": "40.00", "method": "cash", "receiver": "王会计"}


def _written():
    return (
        DuesProfile.objects.count(),
        DuesPayment.objects.count(),
        DuesReduction.objects.count(),
        DuesCharge.objects.count(),
    )


# --- Authentication and scope ---------------------------------------------------------------


def test_no_credentials_is_401(client, world, party):
    response = client.get(f"{API}/arrears")
    _error(response, 401, "unauthenticated")


def test_sibling_members_and_branches_are_404_and_nothing_is_written(world, party, api):
    ours = _member(world, party.ours_branch)
    sibling = _member(world, party.sibling_branch, serial=9, name="邻居党员")
    services.run_month(MAY)
    before = _written()
    # The newest id, not the count: PostgreSQL sequences do not roll back between tests.
    audit_before = AuditLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    org = party.sibling_branch.pk
    _error(api.get(f"/organizations/{org}/ledger", month="2026-05"), 404, "not_found")
    _error(api.get(f"/members/{sibling.pk}"), 404, "not_found")
    _error(api.get("/arrears", organization_id=org), 404, "not_found")
    _error(api.get("/arrears", area_id=world.sibling.community.pk), 404, "not_found")
    writes = {
        "declarations": {"kind": "retired", "base": "3000", "effective_month": "2026-05"},
        "payments": PAYMENT,
        "special-payments": {"amount": "1000", "method": "cash", "receiver": "王会计"},
        "reductions": {
            "start_month": "2026-05",
            "end_month": "2026-12",
            "monthly_amount": "0",
            "reason": "重病",
            "branch_decided_on": "2026-05-02",
            "approved_on": "2026-05-09",
            "approver": "街道党工委",
        },
    }
    for route, body in writes.items():
        _error(api.post(f"/members/{sibling.pk}/{route}", body), 404, "not_found")
    assert _written() == before
    assert not AuditLog.objects.filter(action__startswith="dues.", id__gt=audit_before).exists()
    # Our own member, same calls: reachable.
    assert api.get(f"/members/{ours.pk}").status_code == 200
    assert api.get(f"/organizations/{party.ours_branch.pk}/ledger").status_code == 200


def test_ids_that_do_not_exist_or_overflow_are_404_not_500(world, party, api):
    for pk in (0, 999999, 2**63 - 1, 2**63, 10**30):
        assert api.get(f"/members/{pk}").status_code in (404, 422)
        assert api.get(f"/organizations/{pk}/ledger").status_code in (404, 422)
        assert api.post(f"/members/{pk}/payments", PAYMENT).status_code in (404, 422)
    assert api.get("/arrears", organization_id=2**70).status_code == 422


def test_roles_without_dues_rights_see_nothing_and_write_nothing(world, party, api_as):
    member = _member(world, party.ours_branch)
    services.run_month(MAY)
    for role in ("grid_worker", "resident"):
        api = api_as(world.users[role])
        _error(api.get(f"/members/{member.pk}"), 404)
        _error(api.post(f"/members/{member.pk}/payments", PAYMENT), 404)
        _error(api.post("/runs", {"month": "2026-06"}), 403, "forbidden")
        assert api.get("/arrears").json()["count"] == 0
        assert api.get("/summaries", year=2026).json()["rows"] == []
    assert not DuesCharge.objects.filter(month=date(2026, 6, 1)).exists()
    assert not DuesPayment.objects.exists()


def test_staff_may_record_payments_but_not_approve_reductions(world, party, api_as):
    member = _member(world, party.ours_branch)
    services.run_month(MAY)
    staff = api_as(world.users["staff"])
    assert staff.post(f"/members/{member.pk}/payments", PAYMENT).status_code == 201
    body = {
        "start_month": "2026-06",
        "end_month": "2026-12",
        "monthly_amount": "0",
        "reason": "重病",
        "branch_decided_on": "2026-05-02",
        "approved_on": "2026-05-09",
        "approver": "街道党工委",
    }
    _error(staff.post(f"/members/{member.pk}/reductions", body), 404)
    assert not DuesReduction.objects.exists()


# --- Declarations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "base", "monthly"),
    [
        ("employed", "3000.00", "15.00"),
        ("employed", "3000.01", "30.00"),
        ("employed", "5000.00", "50.00"),
        ("employed", "5000.01", "75.00"),
        ("employed", "10000.00", "150.00"),
        ("employed", "10000.01", "200.00"),
        ("employed", 6000.1, "90.00"),  # a JSON number is read exactly: 90.0015
        ("retired", "5000.00", "25.00"),
        ("retired", "5000.01", "50.00"),
    ],
)
def test_declare_returns_the_exact_monthly_amount(world, party, api, kind, base, monthly):
    member = add_member(world.users["secretary"], party.ours_branch)
    body = {"kind": kind, "base": base, "effective_month": "2026-05"}
    response = api.post(f"/members/{member.pk}/declarations", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["monthly_amount"] == monthly
    assert data["base"] == f"{Decimal(str(base)):.2f}"
    assert data["effective_month"] == "2026-05" and data["declared_on"] == "2026-06-15"
    profile = DuesProfile.objects.get(member=member)
    assert profile.base == Decimal(str(base)) and profile.effective_month == MAY


def test_declare_fixed_kinds(world, party, api):
    member = add_member(world.users["secretary"], party.ours_branch)
    url = f"/members/{member.pk}/declarations"
    body = {"kind": "farmer", "fixed_amount": "0.50", "effective_month": "2026-05"}
    data = api.post(url, body).json()
    assert data["fixed_amount"] == "0.50" and data["monthly_amount"] == "0.50"
    body = {"kind": "student", "effective_month": "2026-06"}
    data = api.post(url, body).json()
    assert data["base"] is None and data["monthly_amount"] == "0.20"


@pytest.mark.parametrize(
    ("body", "status", "field", "text"),
    [
        ({"kind": "employed"}, 422, "base", "计缴基数"),
        ({"kind": "employed", "base": "-1"}, 422, "base", "负数"),
        ({"kind": "employed", "base": "1.005"}, 422, "base", "小数"),
        ({"kind": "employed", "base": "NaN"}, 422, "base", None),
        ({"kind": "employed", "base": "Infinity"}, 422, "base", None),
        ({"kind": "employed", "base": "1e400"}, 422, "base", None),
        ({"kind": "employed", "base": 10**13}, 422, "base", "位数"),
        ({"kind": "employed", "base": True}, 422, "base", None),
        ({"kind": "farmer", "fixed_amount": "1.50"}, 422, "fixed_amount", "0.20至1.00"),
        ({"kind": "farmer"}, 422, "fixed_amount", "定额"),
        ({"kind": "worker", "base": "100"}, 422, "kind", None),
        ({"kind": "employed", "base": "100", "effective_month": "2026-13"}, 422, None, None),
        ({"kind": "employed", "base": "100", "effective_month": "May"}, 422, None, None),
        ({"kind": "employed", "base": "100", "effective_month": "0001-01"}, 422, None, None),
        ({"kind": "employed", "base": "100", "declared_on": "2026-02-30"}, 422, None, None),
        ({"kind": "employed", "base": "100", "note": "a\x00b"}, 422, "note", None),
    ],
)
def test_declare_refusals_in_chinese_write_nothing(world, party, api, body, status, field, text):
    member = add_member(world.users["secretary"], party.ours_branch)
    body = {"effective_month": "2026-05", **body}
    err = _error(api.post(f"/members/{member.pk}/declarations", body), status, field=field)
    if text:
        assert text in err["message"], err
    assert not DuesProfile.objects.exists()


def test_bad_json_and_json_constants_are_refused(world, party, api):
    member = add_member(world.users["secretary"], party.ours_branch)
    url = f"/members/{member.pk}/declarations"
    for raw in (
        '{"kind": "employed", "base": NaN, "effective_month": "2026-05"}',
        '{"kind": "employed", "base": Infinity, "effective_month": "2026-05"}',
        "{not json",
    ):
        _error(api.post(url, raw=raw), 400, "malformed_json")
    _error(api.post(url, raw="[1, 2]"), 422, "validation_error")
    big = '{"kind": "employed", "base": 1e400, "effective_month": "2026-05"}'
    assert api.post(url, raw=big).status_code in (400, 422)
    assert not DuesProfile.objects.exists()


# --- The monthly run ------------------------------------------------------------------------


def test_run_is_scoped_and_idempotent(world, party, api, api_as):
    _member(world, party.ours_branch, base="6000")
    _member(world, party.ours_grid_branch, serial=2, base="2000.00", name="李四")
    add_member(world.users["secretary"], party.ours_branch, name="未申报", serial=3)
    _member(world, party.sibling_branch, serial=9, name="邻居党员")
    response = api.post("/runs", {"month": "2026-05"})
    assert response.status_code == 200, response.content
    assert response.json() == {"month": "2026-05", "charged": 2, "undeclared": 1, "total": "100.00"}
    assert set(DuesCharge.objects.values_list("member__name", flat=True)) == {"张小明", "李四"}
    again = api.post("/runs", {"month": "2026-05"}).json()
    assert again["charged"] == 0 and again["total"] == "0.00"
    assert DuesCharge.objects.count() == 2
    assert AuditLog.objects.filter(action="dues.month.run").count() == 2
    # The street administrator's run reaches the sibling community, once.
    street = api_as(world.users["street_admin"]).post("/runs", {"month": "2026-05"}).json()
    assert street["charged"] == 1
    assert DuesCharge.objects.count() == 3


@pytest.mark.parametrize("month", ["2026-5", "2026-00", "26-05", "", "2026-05-01", None, 202605])
def test_run_refuses_bad_months(world, party, api, month):
    _member(world, party.ours_branch)
    _error(api.post("/runs", {"month": month}), 422, "validation_error", field="month")
    assert not DuesCharge.objects.exists()


# --- Payments -------------------------------------------------------------------------------


def test_partial_payments_add_up_exactly_and_overpaying_is_refused(world, party, api):
    member = _member(world, party.ours_branch, base="6000")  # 90.00 a month
    services.run_month(MAY)
    url = f"/members/{member.pk}/payments"
    first = api.post(url, {**PAYMENT, "amount": 40.1, "paid_on": "2026-05-03"})
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["amount"] == "40.10" and data["month"] == "2026-05" and data["kind"] == "dues"
    assert data["charge"]["paid"] == "40.10" and data["charge"]["state"] == "partial"
    assert data["charge"]["outstanding"] == "49.90"
    err = _error(api.post(url, {**PAYMENT, "amount": "49.91"}), 422, "rule_violation", "amount")
    assert "超出该月应缴金额" in err["message"] and "90.00" in err["message"]
    second = api.post(url, {**PAYMENT, "amount": "49.90"}).json()
    assert second["charge"]["paid"] == "90.00" and second["charge"]["state"] == "settled"
    assert second["paid_on"] == "2026-06-15"  # today when not given
    charge = DuesCharge.objects.get(member=member)
    assert charge.paid == Decimal("90.00")
    assert sum(p.amount for p in DuesPayment.objects.all()) == Decimal("90.00")


def test_ten_fen_and_twenty_fen_make_thirty(world, party, api):
    member = _member(world, party.ours_branch, kind=DuesKind.FARMER, fixed_amount=Decimal("0.30"))
    services.run_month(MAY)
    url = f"/members/{member.pk}/payments"
    api.post(url, {**PAYMENT, "amount": 0.1})
    data = api.post(url, {**PAYMENT, "amount": 0.2}).json()
    assert data["charge"]["paid"] == "0.30" and data["charge"]["state"] == "settled"
    assert DuesCharge.objects.get(member=member).paid == Decimal("0.30")


@pytest.mark.parametrize(
    ("amount", "field", "text"),
    [
        ("0", "amount", "大于0"),
        ("-5", "amount", "负数"),
        ("0.001", "amount", "小数"),
        ("NaN", "amount", None),
        ("-Infinity", "amount", None),
        ("1e20", "amount", None),
        ("ninety", "amount", None),
        (None, "amount", None),
    ],
)
def test_payment_refusals_write_nothing(world, party, api, amount, field, text):
    member = _member(world, party.ours_branch)
    services.run_month(MAY)
    err = _error(api.post(f"/members/{member.pk}/payments", {**PAYMENT, "amount": amount}), 422)
    assert err["field"] == field
    if text:
        assert text in err["message"], err
    assert not DuesPayment.objects.exists()
    assert DuesCharge.objects.get(member=member).paid == 0


def test_payment_other_refusals(world, party, api):
    member = _member(world, party.ours_branch)
    url = f"/members/{member.pk}/payments"
    _error(api.post(url, {**PAYMENT, "method": "bitcoin"}), 422, field="method")
    _error(api.post(url, {**PAYMENT, "receiver": ""}), 422, field="receiver")
    _error(api.post(url, {**PAYMENT, "receiver": "x" * 51}), 422, field="receiver")
    _error(api.post(url, {**PAYMENT, "paid_on": "2026-02-30"}), 422, field="paid_on")
    _error(api.post(url, {**PAYMENT, "paid_on": "9999-01-01"}), 422, field="paid_on")
    err = _error(api.post(url, {**PAYMENT, "month": "2005-01"}), 422, field="month")
    assert "尚未入党" in err["message"]
    assert not DuesPayment.objects.exists()


def test_payment_in_advance_is_applied_by_the_run(world, party, api):
    member = _member(world, party.ours_branch)
    response = api.post(f"/members/{member.pk}/payments", {**PAYMENT, "month": "2026-07"})
    assert response.status_code == 201 and response.json()["charge"] is None
    api.post("/runs", {"month": "2026-07"})
    charge = DuesCharge.objects.get(member=member, month=date(2026, 7, 1))
    assert charge.paid == Decimal("40.00") and charge.amount == Decimal("90.00")


def test_special_payment_is_kept_apart(world, party, api):
    member = _member(world, party.ours_branch)
    services.run_month(MAY)
    url = f"/members/{member.pk}/special-payments"
    body = {"amount": "999.99", "method": "transfer", "receiver": "王会计", "paid_on": "2026-05-20"}
    err = _error(api.post(url, body), 422, "rule_violation", "amount")
    assert "1000" in err["message"]
    response = api.post(url, {**body, "amount": "1000.00"})
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["kind"] == "special" and data["month"] is None and data["amount"] == "1000.00"
    ledger = api.get(f"/organizations/{party.ours_branch.pk}/ledger", month="2026-05").json()
    assert ledger["totals"]["special"] == "1000.00"
    assert ledger["totals"]["paid"] == "0.00"  # not dues
    assert DuesCharge.objects.get(member=member).paid == 0


# --- Reductions -----------------------------------------------------------------------------


def test_reduction_is_recorded_and_applied(world, party, api):
    member = _member(world, party.ours_branch)
    url = f"/members/{member.pk}/reductions"
    body = {
        "start_month": "2026-05",
        "end_month": "2026-12",
        "monthly_amount": "0.20",
        "reason": "重病住院，生活困难",
        "branch_decided_on": "2026-04-20",
        "approved_on": "2026-04-28",
        "approver": "和顺社区党委",
    }
    err = _error(api.post(url, {**body, "end_month": "2026-04"}), 422, field="end_month")
    assert "截止月份" in err["message"]
    err = _error(api.post(url, {**body, "approved_on": "2026-04-01"}), 422, field="approved_on")
    assert "批准日期" in err["message"]
    _error(api.post(url, {**body, "reason": ""}), 422, field="reason")
    assert not DuesReduction.objects.exists()
    response = api.post(url, body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["start_month"] == "2026-05" and data["monthly_amount"] == "0.20"
    _error(api.post(url, {**body, "start_month": "2026-10"}), 422, field="start_month")
    api.post("/runs", {"month": "2026-05"})
    ledger = api.get(f"/organizations/{party.ours_branch.pk}/ledger", month="2026-05").json()
    row = ledger["rows"][0]
    assert row["amount"] == "0.20" and row["reduced"] is True
    assert row["basis"]["normal"] == "90.00"


# --- Ledger, member, arrears, summaries -----------------------------------------------------


def test_ledger_rows_and_totals(world, party, api, django_assert_max_num_queries):
    a = _member(world, party.ours_branch, base="6000", name="甲")  # 90.00
    b = _member(world, party.ours_branch, serial=2, base="4000", name="乙")  # 40.00
    _member(world, party.ours_branch, serial=3, base="2000", name="丙")  # 10.00
    _member(world, party.ours_grid_branch, serial=4, name="网格党员")
    services.run_month(MAY)
    _pay(a, world, "90.00")
    _pay(b, world, "15.50")
    url = f"/organizations/{party.ours_branch.pk}/ledger"
    with django_assert_max_num_queries(12):
        response = api.get(url, month="2026-05")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["organization"] == {"id": party.ours_branch.pk, "name": "和顺社区第一党支部"}
    assert data["month"] == "2026-05"
    assert data["totals"] == {
        "due": "140.00",
        "paid": "105.50",
        "missing": "34.50",
        "members": 3,
        "settled": 1,
        "partial": 1,
        "unpaid": 1,
        "special": "0.00",
    }
    rows = {r["member_name"]: r for r in data["rows"]}
    assert set(rows) == {"甲", "乙", "丙"}
    assert rows["甲"]["state"] == "settled" and rows["甲"]["payments"][0]["receiver"] == "王会计"
    assert rows["乙"]["state"] == "partial" and rows["乙"]["outstanding"] == "24.50"
    assert rows["丙"]["state"] == "unpaid" and rows["丙"]["payments"] == []
    assert rows["甲"]["basis"] == {"kind": "employed", "base": "6000.00", "rate": "0.015"}
    for row in data["rows"]:
        for key in ("amount", "paid", "outstanding"):
            assert MONEY.match(row[key])
    # The same queries for a month with no rows: no member field is read row by row.
    with CaptureQueriesContext(connection) as empty:
        api.get(url, month="2026-04")
    with CaptureQueriesContext(connection) as three:
        api.get(url, month="2026-05")
    assert len(three) == len(empty)
    # Without a month: the current month (none charged yet).
    current = api.get(url).json()
    assert current["month"] == "2026-06" and current["rows"] == []
    for bad in ("2026-13", "2026/05", "abc", "99999-01", "2026-05-01"):
        _error(api.get(url, month=bad), 422, "validation_error", field="month")


def test_member_dues_and_arrears_levels(world, party, api):
    member = _member(world, party.ours_branch)
    services.record_special_payment(
        member,
        actor=world.users["secretary"],
        amount="1200",
        paid_on=date(2025, 12, 1),
        method=PaymentMethod.TRANSFER,
        receiver="王会计",
    )
    for m in range(1, 4):
        services.run_month(date(2026, m, 1))
    data = api.get(f"/members/{member.pk}").json()
    assert data["member"]["name"] == "张小明"
    assert data["member"]["organization_name"] == "和顺社区第一党支部"
    assert [p["monthly_amount"] for p in data["profiles"]] == ["90.00"]
    assert [c["month"] for c in data["charges"]] == ["2026-03", "2026-02", "2026-01"]
    assert data["payments"][0]["kind"] == "special"
    assert data["account"] == {
        "unpaid_streak": 3,
        "last_charged_month": "2026-03",
        "last_paid_month": None,
        "level": "warning",
    }
    listed = api.get("/arrears").json()
    assert listed["count"] == 1 and listed["items"][0]["level"] == "warning"
    assert api.get("/arrears", level="flag").json()["count"] == 0
    for m in range(4, 7):
        services.run_month(date(2026, m, 1))
    assert api.get(f"/members/{member.pk}").json()["account"]["level"] == "flag"
    assert api.get("/arrears", level="flag").json()["items"][0]["unpaid_streak"] == 6
    assert api.get("/arrears", level="warning").json()["count"] == 0
    # Paying the latest month ends the streak.
    _pay(member, world, "90.00", month=date(2026, 6, 1))
    assert api.get("/arrears").json()["count"] == 0
    assert DuesAccount.objects.get(member=member).unpaid_streak == 0


def test_arrears_filters_and_scope(world, party, api, api_as):
    ours = _member(world, party.ours_branch)
    grid = _member(world, party.ours_grid_branch, serial=2, name="网格党员")
    _member(world, party.sibling_branch, serial=9, name="邻居党员")
    for m in range(1, 4):
        services.run_month(date(2026, m, 1))
    names = lambda r: {i["member_name"] for i in r.json()["items"]}  # noqa: E731
    assert names(api.get("/arrears")) == {ours.name, grid.name}
    assert names(api.get("/arrears", organization_id=party.ours_grid_branch.pk)) == {grid.name}
    assert names(api.get("/arrears", organization_id=party.ours_committee.pk)) == {
        ours.name,
        grid.name,
    }
    assert names(api.get("/arrears", area_id=world.ours.grid.pk)) == {grid.name}
    street = api_as(world.users["street_admin"])
    assert names(street.get("/arrears")) == {ours.name, grid.name, "邻居党员"}
    _error(api.get("/arrears", level="red"), 422, field="level")
    _error(api.get("/arrears", limit=0), 422, field="limit")


def test_summaries_by_branch_community_and_street(world, party, api, api_as):
    a = _member(world, party.ours_branch, base="6000")  # 90.00
    _member(world, party.ours_grid_branch, serial=2, base="2000", name="网格党员")  # 10.00
    _member(world, party.sibling_branch, serial=9, base="4000", name="邻居党员")  # 40.00
    services.run_month(MAY)
    services.run_month(date(2026, 6, 1))
    _pay(a, world, "90.00")
    data = api.get("/summaries", by="branch", year=2026).json()
    rows = {r["name"]: r for r in data["rows"]}
    assert set(rows) == {"和顺社区第一党支部", "和顺第1网格党支部"}
    assert rows["和顺社区第一党支部"] == {
        "id": party.ours_branch.pk,
        "name": "和顺社区第一党支部",
        "due": "180.00",
        "paid": "90.00",
        "missing": "90.00",
        "rate": "50.0",
        "charges": 2,
        "unpaid": 1,
    }
    assert data["totals"]["due"] == "200.00" and data["totals"]["rate"] == "45.0"
    may = api.get("/summaries", by="branch", year=2026, month=5).json()
    assert may["totals"]["due"] == "100.00" and may["month"] == 5
    communities = api.get("/summaries", by="community", year=2026, month=5).json()
    assert communities["rows"] == [
        {
            "id": world.ours.community.pk,
            "name": "和顺社区",
            "due": "100.00",
            "paid": "90.00",
            "missing": "10.00",
            "rate": "90.0",
            "charges": None,
            "unpaid": None,
        }
    ]
    streets = api_as(world.users["street_admin"]).get("/summaries", by="street", year=2026)
    assert [(r["name"], r["due"]) for r in streets.json()["rows"]] == [("锦华街道", "280.00")]
    assert api.get("/summaries", by="street", year=2026).json()["rows"] == []  # not their level
    empty = api.get("/summaries", year=2025).json()
    assert empty["rows"] == [] and empty["totals"]["rate"] is None
    _error(api.get("/summaries", year=2026, month=13), 422, field="month")
    _error(api.get("/summaries", year="abc"), 422, field="year")
    _error(api.get("/summaries", year=10**20), 422, field="year")
    this_year = api.get("/summaries").json()  # this year (2026) by branch
    assert this_year["year"] == 2026 and this_year["totals"]["due"] == "200.00"
    _error(api.get("/summaries", year=2026, by="district"), 422, field="by")


def test_undeclared_and_redeclaration_due(world, party, api):
    declared = _member(world, party.ours_branch)  # declared on 2026-01-05
    add_member(world.users["secretary"], party.ours_branch, name="未申报", serial=2)
    old = add_member(world.users["secretary"], party.ours_branch, name="去年申报", serial=3)
    services.declare(
        old,
        actor=world.users["secretary"],
        kind=DuesKind.RETIRED,
        effective_month=date(2025, 1, 1),
        declared_on=date(2025, 1, 3),
        base="3000",
    )
    names = lambda r: [i["name"] for i in r.json()["items"]]  # noqa: E731
    assert names(api.get("/undeclared")) == ["未申报"]
    assert names(api.get("/undeclared", month="2025-06")) == ["张小明", "未申报"]
    assert set(names(api.get("/redeclaration-due"))) == {"未申报", "去年申报"}
    assert declared.name not in names(api.get("/redeclaration-due"))
    _error(api.get("/undeclared", month="2025-6"), 422, field="month")


def test_seventy_fen_and_ten_fen_settle_eighty_in_the_totals(world, party, api):
    member = _member(world, party.ours_branch, kind=DuesKind.FARMER, fixed_amount=Decimal("0.80"))
    services.run_month(MAY)
    url = f"/members/{member.pk}/payments"
    api.post(url, {**PAYMENT, "amount": "0.70"})
    data = api.post(url, {**PAYMENT, "amount": "0.10"}).json()
    assert data["charge"]["state"] == "settled"
    ledger = api.get(f"/organizations/{party.ours_branch.pk}/ledger", month="2026-05").json()
    assert ledger["totals"]["settled"] == 1 and ledger["totals"]["partial"] == 0
