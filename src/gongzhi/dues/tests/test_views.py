from datetime import date

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.dues import services
from gongzhi.dues.choices import DuesKind, PaymentMethod
from gongzhi.dues.models import DuesCharge, DuesPayment
from gongzhi.dues.testing import declared_member
from gongzhi.party.testing import add_member

pytestmark = pytest.mark.django_db
MAY = date(2026, 5, 1)


def _member(world, org, serial=1, base="6000", name="张小明"):
    return declared_member(world.users["secretary"], org, name=name, serial=serial, base=base)


def test_ledger_page_and_export(world, party, client_as, django_assert_max_num_queries):
    member = _member(world, party.ours_branch)
    services.run_month(MAY)
    services.record_payment(
        member,
        actor=world.users["secretary"],
        month=MAY,
        amount="=1+1".replace("=1+1", "40"),
        paid_on=date(2026, 5, 9),
        method=PaymentMethod.CASH,
        receiver="=HYPERLINK(1)",
    )
    client = client_as(world.users["secretary"])
    url = reverse("dues:ledger") + f"?organization={party.ours_branch.pk}&month=2026-05"
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "张小明" in body and "90.00" in body and "部分" in body
    export = client.get(url + "&export=xlsx")
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(
        __import__("io").BytesIO(b"".join(export.streaming_content))
    ).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert "党费收缴明细表" in values[0][0]
    row = next(r for r in values if r[1] == "张小明")
    assert row[6] == 90 and row[7] == 40 and row[10] == "=HYPERLINK(1)"
    assert any(r[1] == "合计" for r in values)
    # More members, same number of queries (no member field read row by row).
    with CaptureQueriesContext(connection) as one_row:
        client.get(url)
    for i in range(2, 12):
        _member(world, party.ours_branch, serial=i, name=f"党员{i}")
    services.run_month(date(2026, 6, 1))
    with django_assert_max_num_queries(30), CaptureQueriesContext(connection) as many_rows:
        response = client.get(
            reverse("dues:ledger") + f"?organization={party.ours_branch.pk}&month=2026-06"
        )
    assert response.content.decode().count(">登记缴纳</a>") == 11
    assert len(many_rows) == len(one_row)


def test_sibling_branch_ledger_and_member_pages_are_out_of_reach(world, party, client_as):
    street_admin = world.users["street_admin"]
    sibling = add_member(street_admin, party.sibling_branch, name="邻居党员", serial=9)
    client = client_as(world.users["secretary"])
    response = client.get(
        reverse("dues:ledger") + f"?organization={party.sibling_branch.pk}&month=2026-05"
    )
    assert "邻居党员" not in response.content.decode()
    assert client.get(reverse("dues:member", args=[sibling.pk])).status_code == 404
    assert (
        client.post(
            reverse("dues:pay", args=[sibling.pk]),
            {
                "month": "2026-05",
                "amount": "1",
                "paid_on": "2026-05-02",
                "method": "cash",
                "receiver": "x",
            },
        ).status_code
        == 404
    )
    assert not DuesPayment.objects.exists()


def test_payment_form_shows_the_reason_and_keeps_input(world, party, client_as):
    member = _member(world, party.ours_branch)
    services.run_month(MAY)
    client = client_as(world.users["secretary"])
    response = client.post(
        reverse("dues:pay", args=[member.pk]),
        {
            "month": "2026-05",
            "amount": "100.00",
            "paid_on": "2026-05-02",
            "method": "cash",
            "receiver": "王会计",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "超出该月应缴金额" in body and 'value="王会计"' in body
    response = client.post(
        reverse("dues:pay", args=[member.pk]),
        {
            "month": "2026-05",
            "amount": "90.00",
            "paid_on": "2026-05-02",
            "method": "cash",
            "receiver": "王会计",
        },
    )
    assert response.status_code == 302
    assert DuesCharge.objects.get(member=member).paid == 90


def test_run_month_page_is_scoped(world, party, client_as):
    _member(world, party.ours_branch)
    street_admin = world.users["street_admin"]
    sibling = add_member(street_admin, party.sibling_branch, name="邻居党员", serial=9)
    services.declare(
        sibling,
        actor=street_admin,
        kind=DuesKind.RETIRED,
        effective_month=MAY,
        declared_on=MAY,
        base="3000",
    )
    client = client_as(world.users["secretary"])
    assert client.post(reverse("dues:run"), {"month": "2026-05"}).status_code == 302
    assert list(DuesCharge.objects.values_list("member__name", flat=True)) == ["张小明"]


def test_arrears_summary_and_undeclared_pages(world, party, client_as):
    _member(world, party.ours_branch)
    add_member(world.users["secretary"], party.ours_branch, name="未申报", serial=5)
    for m in (3, 4, 5):
        services.run_month(date(2026, m, 1))
    client = client_as(world.users["secretary"])
    assert "张小明" in client.get(reverse("dues:arrears")).content.decode()
    summary = client.get(reverse("dues:summary") + "?year=2026")
    assert summary.status_code == 200 and "270.00" in summary.content.decode()
    assert client.get(reverse("dues:summary") + "?year=abc&month=13").status_code == 200
    assert "未申报" in client.get(reverse("dues:undeclared")).content.decode()
