"""A secretary's dues day in a real browser (issue 13 defects 1, 2, 19): the ledger
is there at once, its money written ¥1,200.00, a payment from a row comes back to the
ledger, and the ticked members are paid at once. No request leaves the server, no
console error (a CSP violation is one)."""

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gongzhi.dues import services
from gongzhi.dues.choices import DuesKind
from gongzhi.party.testing import add_member, build_party

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_secretary_pays_dues_from_the_ledger(world, walk):
    party = build_party(world)
    secretary = world.users["secretary"]
    for serial, name in enumerate(("张小明", "李红", "王芳"), start=1):
        member = add_member(secretary, party.ours_branch, name=name, serial=serial)
        services.declare(
            member,
            actor=secretary,
            kind=DuesKind.EMPLOYED,
            effective_month=date(2026, 1, 1),
            declared_on=date(2026, 1, 5),
            base="60000",
        )
    month = timezone.localdate().replace(day=1)
    services.run_month(month)
    w = walk()
    page = w.page
    w.sign_in("sj")
    w.goto("/dues/")
    # Defect 19: the first branch's month at once, money as money.
    expect(page.locator(".gz-stat").first).to_contain_text("¥3,600.00")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("60,000.00")
    expect(rows.first).to_contain_text("2%")

    # One member from her row: this month and her 1,200.00 filled in, today's date.
    rows.filter(has_text="张小明").get_by_role("link", name="登记缴纳").click()
    page.wait_for_url("**/pay/?*")
    assert page.input_value("#id_month") == f"{month:%Y-%m}"
    assert page.input_value("#id_amount") == "1200.00"
    assert page.input_value("#id_paid_on") == f"{timezone.localdate():%Y-%m-%d}"
    page.fill("#id_receiver", "王会计")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/dues/?*")
    expect(rows.filter(has_text="张小明")).to_contain_text("已缴清")

    # The other two ticked at once (the header's box) and paid at once.
    page.get_by_role("checkbox", name="全选").check()
    for name in ("李红", "王芳"):
        expect(rows.filter(has_text=name).get_by_role("checkbox")).to_be_checked()
    page.fill("#id_receiver", "王会计")
    page.get_by_role("button", name="登记所选党员").click()
    expect(page.get_by_text("已登记2名党员的党费。")).to_be_visible()
    expect(page.locator(".gz-stat").nth(2)).to_contain_text("¥0.00")
    w.shot("dues-ledger")
    w.clean()
