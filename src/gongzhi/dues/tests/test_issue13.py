"""Issue 13: money, rates and dates written one way (defects 1, 17), the payment form
from the ledger (defect 2), paying several members at once, the ledger shown at once
(defect 19)."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.models import AuditLog
from gongzhi.dues import services
from gongzhi.dues.choices import PaymentMethod
from gongzhi.dues.models import DuesCharge, DuesPayment
from gongzhi.dues.testing import declared_member
from gongzhi.party.testing import add_member

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)


def _member(world, org, serial=1, base="60000", name="张小明"):
    return declared_member(world.users["secretary"], org, name=name, serial=serial, base=base)


def _ledger_url(org, month="2026-11"):
    return reverse("dues:ledger") + f"?organization={org.pk}&month={month}"


def _xlsx(response):
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


@pytest.fixture
def ledger(world, party):
    """Two members of our branch charged for November (1,200.00 each: 2% of 60,000),
    one of them paid 1,000.00."""
    first = _member(world, party.ours_branch)
    second = _member(world, party.ours_branch, serial=2, name="李红")
    services.run_month(NOV)
    services.record_payment(
        first,
        actor=world.users["secretary"],
        month=NOV,
        amount="1000",
        paid_on=date(2026, 11, 9),
        method=PaymentMethod.CASH,
        receiver="王会计",
    )
    return first, second


def test_ledger_page_writes_money_and_rates(world, party, client_as, ledger):
    """Issue 13 defect 1: the ledger's totals were ``2400.00000000000``, rates ``0.02``."""
    body = client_as(world.users["secretary"]).get(_ledger_url(party.ours_branch)).content
    body = body.decode()
    assert "¥2,400.00" in body and "¥1,000.00" in body and "¥1,400.00" in body
    assert "60,000.00" in body and "1,200.00" in body and ">2%<" in body
    assert "00000000" not in body and "0.02" not in body


def test_summary_page_writes_money_and_rates(world, party, client_as, ledger):
    """Issue 13 defect 1: every amount of /dues/summary/ was ``2400.00000000000``."""
    body = client_as(world.users["secretary"]).get(reverse("dues:summary")).content.decode()
    assert "2,400.00" in body and "1,400.00" in body and "41.7%" in body
    assert "00000000" not in body and "2400" not in body


def test_member_page_writes_money_and_months(world, party, client_as, ledger):
    """Issue 13 defects 1 and 17: the member's dues page in the same formats."""
    first, _second = ledger
    body = client_as(world.users["secretary"]).get(reverse("dues:member", args=[first.pk]))
    body = body.content.decode()
    assert "60,000.00" in body and "1,200.00" in body and "2026年11月" in body
    assert "2026-11-09" in body


def test_ledger_export_types_its_cells(world, party, client_as, ledger):
    """Issue 13 defects 1 and 17: money as numbers formatted ``#,##0.00``, the rate a
    number with a percent format (not the text "2%"), the payment date a date."""
    response = client_as(world.users["secretary"]).get(
        _ledger_url(party.ours_branch) + "&export=xlsx"
    )
    sheet = _xlsx(response)
    row = next(r for r in sheet.iter_rows(min_row=3) if r[1].value == "张小明")
    base, rate, due, paid = row[4], row[5], row[6], row[7]
    assert base.value == 60000 and base.number_format == "#,##0.00"
    assert rate.value == pytest.approx(0.02) and rate.number_format == "0.0%"
    assert due.value == 1200 and due.number_format == "#,##0.00"
    assert paid.value == 1000 and paid.number_format == "#,##0.00"
    assert row[9].value == "2026-11-09"
    total = next(r for r in sheet.iter_rows() if r[1].value == "合计")
    assert total[6].value == 2400 and total[6].number_format == "#,##0.00"
    assert "1,400.00" in total[11].value


def test_arrears_page_and_export_write_months(world, party, client_as):
    """Issue 13 defect 17: the arrears list's months as 2026年11月, a month cell in the
    export (a date formatted as a month)."""
    _member(world, party.ours_branch)
    for m in (8, 9, 10, 11):
        services.run_month(date(2026, m, 1))
    member = DuesCharge.objects.get(month=date(2026, 8, 1)).member
    services.record_payment(
        member,
        actor=world.users["secretary"],
        month=date(2026, 8, 1),
        amount="1200",
        paid_on=date(2026, 8, 9),
        method=PaymentMethod.CASH,
        receiver="王会计",
    )
    client = client_as(world.users["secretary"])
    assert "2026年8月" in client.get(reverse("dues:arrears")).content.decode()
    sheet = _xlsx(client.get(reverse("dues:arrears") + "?export=xlsx"))
    cell = sheet.cell(row=2, column=5)
    assert cell.value == datetime(2026, 8, 1) and cell.number_format == 'yyyy"年"m"月"'


def test_date_filters_and_formats():
    """Issue 13 defects 1 and 17: the shared filters and Django's formats."""
    from django.template import Context, Template

    rendered = Template(
        "{% load gz %}{{ m|money }} {{ m|amount }} {{ r|rate }} {{ one|rate }} {{ d|month }}"
        " {{ d }} {{ t }} {{ d|date }} {{ none|money }}"
    ).render(
        Context(
            {
                "m": Decimal("5845.87000000000"),
                "r": "0.015",
                "one": Decimal("1.000"),
                "d": date(2026, 12, 6),
                "t": datetime(2026, 12, 6, 10, 23, tzinfo=timezone.get_fixed_timezone(0)),
                "none": None,
            }
        )
    )
    assert (
        rendered
        == "¥5,845.87 5,845.87 1.5% 100% 2026年12月 2026-12-06 2026-12-06 18:23 2026-12-06 —"
    )


def test_payment_form_from_the_ledger_is_prefilled(world, party, client_as, ledger):
    """Issue 13 defect 2: the form opened from November's ledger said December, its date
    was empty (``2026/12/06`` in a date input) and the amount owed was not filled in."""
    _first, second = ledger
    client = client_as(world.users["secretary"])
    body = client.get(_ledger_url(party.ours_branch)).content.decode()
    pay_url = reverse("dues:pay", args=[second.pk])
    link = next(
        part.split('"')[0] for part in body.split('href="')[1:] if part.startswith(pay_url)
    ).replace("&amp;", "&")
    form = client.get(link).content.decode()
    today = timezone.localdate()
    assert 'value="2026-11"' in form
    assert f'value="{today:%Y-%m-%d}"' in form
    assert 'value="1200.00"' in form


def test_payment_in_the_future_is_refused_and_saving_returns_to_the_ledger(
    world, party, client_as, ledger
):
    """Issue 13 defect 2: a future payment date was saved; saving stayed on the member."""
    _first, second = ledger
    client = client_as(world.users["secretary"])
    ledger_url = _ledger_url(party.ours_branch)
    url = reverse("dues:pay", args=[second.pk]) + "?" + urlencode({"next": ledger_url})
    tomorrow = timezone.localdate() + timedelta(days=1)
    data = {
        "month": "2026-11",
        "amount": "-5",
        "paid_on": f"{tomorrow:%Y-%m-%d}",
        "method": "cash",
        "receiver": "王会计",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    # Every error at once, at its field: the date and the amount.
    assert "缴纳日期" in body and "晚于今天" in body and "金额须大于0" in body
    assert not DuesPayment.objects.filter(member=second).exists()
    response = client.post(url, {**data, "amount": "1200", "paid_on": "2026-11-20"})
    assert response.status_code == 302 and response["Location"] == ledger_url
    # Another site is not a place to return to.
    evil = reverse("dues:pay", args=[second.pk]) + "?next=https://evil.example/"
    response = client.post(evil, {**data, "amount": "1", "paid_on": "2026-11-20"})
    assert response.status_code == 400  # November is settled: over the amount due
    response = client.post(
        reverse("dues:pay", args=[second.pk]) + "?next=https://evil.example/",
        {**data, "month": "2026-10", "amount": "1", "paid_on": "2026-11-20"},
    )
    assert response.status_code == 302 and "evil" not in response["Location"]


def test_ledger_shows_the_selected_branch_at_once(world, party, client_as, ledger):
    """Issue 13 defect 19: /dues/ opened with a branch and month chosen but empty."""
    services.run_month(timezone.localdate().replace(day=1))
    client = client_as(world.users["secretary"])
    body = client.get(reverse("dues:ledger")).content.decode()
    assert "张小明" in body and "李红" in body and "¥2,400.00" in body
    # Its export is the month shown, though the page was opened without a query.
    export = next(
        part.split('"')[0] for part in body.split('href="')[1:] if "export=xlsx" in part
    ).replace("&amp;", "&")
    assert "党费收缴明细表" in _xlsx(client.get(export)).cell(row=1, column=1).value


def _batch(client, org, members, **extra):
    data = {
        "organization": org.pk,
        "month": "2026-11",
        "paid_on": "2026-11-20",
        "method": "online",
        "receiver": "王会计",
        "members": [m.pk for m in members],
        **extra,
    }
    return client.post(reverse("dues:pay_many"), data)


def test_paying_several_members_at_once(world, party, client_as, ledger):
    """Issue 13 defect 2: several members paid at once from the ledger: each owes the
    rest of the month, one audit record per member as single payments have."""
    first, second = ledger
    client = client_as(world.users["secretary"])
    body = client.get(_ledger_url(party.ours_branch)).content.decode()
    assert f'name="members" value="{second.pk}"' in body
    response = _batch(client, party.ours_branch, [first, second])
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == _ledger_url(party.ours_branch)
    charges = DuesCharge.objects.filter(month=NOV).order_by("member__name")
    assert [c.paid for c in charges] == [Decimal("1200.00")] * 2
    assert DuesPayment.objects.filter(paid_on=date(2026, 11, 20)).count() == 2
    assert AuditLog.objects.filter(action="dues.payment.recorded").count() == 3


def test_paying_several_members_is_all_or_nothing_with_every_error(world, party, client_as, ledger):
    """Issue 13 defect 2: a bad batch writes nothing and lists every error at once."""
    first, second = ledger
    client = client_as(world.users["secretary"])
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = _batch(
        client, party.ours_branch, [first, second], paid_on=f"{tomorrow:%Y-%m-%d}", receiver=""
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "晚于今天" in body and "收款人" in body
    assert DuesPayment.objects.count() == 1
    # A member already settled for the month: named, and nobody else paid either.
    services.record_payment(
        first,
        actor=world.users["secretary"],
        month=NOV,
        amount="200",
        paid_on=date(2026, 11, 10),
        method=PaymentMethod.CASH,
        receiver="王会计",
    )
    response = _batch(client, party.ours_branch, [first, second])
    assert response.status_code == 400
    assert "张小明" in response.content.decode()
    assert DuesCharge.objects.get(member=second, month=NOV).paid == 0


def test_paying_several_members_is_scoped(world, party, client_as, ledger):
    """Issue 13 defect 2: a member of another branch cannot be slipped into the batch,
    nor another community's branch be paid."""
    _first, second = ledger
    sibling = add_member(world.users["street_admin"], party.sibling_branch, name="邻居", serial=9)
    client = client_as(world.users["secretary"])
    assert _batch(client, party.ours_branch, [second, sibling]).status_code == 400
    response = _batch(client, party.sibling_branch, [sibling])
    assert response.status_code == 400 and "邻居" not in response.content.decode()
    assert DuesPayment.objects.count() == 1
