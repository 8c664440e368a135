"""代办 in a real browser: a grid worker, on a phone, submits a demand for an elderly
resident with the resident's consent; the resident, signed in with their own account,
finds it among their demands with who submitted it. Nothing wider than the phone, no
console error, no request off the machine."""

import re

import pytest
from playwright.sync_api import expect

from gongzhi.accounts.roles import Role
from gongzhi.core.testing import make_user
from gongzhi.demands.models import Assistance, Demand
from tests.test_browser_platform import PHONE
from tests.test_browser_portal_shell import snap

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_grid_worker_submits_for_a_resident_on_a_phone(world, walk):
    resident = make_user("ldy", Role.RESIDENT, world.ours.community, full_name="李大爷")
    resident.phone = "13911112222"
    resident.save(update_fields=["phone"])

    grid_worker = world.users["grid_worker"]
    grid_worker.full_name = "张敏"
    grid_worker.save(update_fields=["full_name"])
    w = walk(**PHONE)
    page = w.page
    w.sign_in(grid_worker.username)
    w.goto(f"/demands/intake/?area={world.ours.grid.pk}")
    page.select_option("#id_channel", "visit")
    page.fill("#id_title", "楼道扶手松动")
    page.fill("#id_content", "3栋2单元楼道扶手松动，老人上下楼害怕摔倒，自己不会用手机反映。")
    page.fill("#id_requester_name", "李大爷")
    page.fill("#id_requester_phone", "13911112222")
    page.get_by_label("代办：为不便自己提交的居民代为提交").check()
    # Without the consent: refused, naming the field, the input kept.
    page.get_by_role("button", name="受理").click()
    expect(page.get_by_text("居民同意方式：请选择居民同意代办的方式。")).to_be_visible()
    assert page.input_value("#id_title") == "楼道扶手松动"
    assert not Demand.objects.exists()
    page.select_option("#id_consent", "in_person")
    page.fill("#id_consent_note", "入户走访时当面同意")
    assert w.fits()
    snap(w, "assisted")
    page.get_by_role("button", name="受理").click()
    expect(page.get_by_text("已受理，编号")).to_be_visible()
    demand = Demand.objects.get()
    assert Assistance.objects.get(demand=demand).resident == resident
    w.clean(refused=1)  # the form refused once

    w = walk(**PHONE)
    page = w.page
    w.sign_in(resident.username)
    w.goto("/portal/demands/")
    page.get_by_role("link", name=re.compile("楼道扶手松动")).click()
    expect(page.locator("[data-assisted]")).to_contain_text("代为提交（当面同意）")
    assert w.fits()
    snap(w, "assisted-resident")
    w.clean()
