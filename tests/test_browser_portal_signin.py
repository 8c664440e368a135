"""Issue 16's sign-in in a real browser, on a phone: a new resident asks for a code (the
countdown runs), reads it from the SMS (the development sender's log), signs in, asks to
bind their household; the community secretary confirms it on the desk against the
register; the resident sees it bound. No request leaves the server, no console error (a
CSP violation is one), no page wider than the phone, touch targets of 44 px (60 in elder
mode) and no serious or critical axe violation. Screenshots for the user guide."""

from datetime import date

import pytest
from playwright.sync_api import expect

from gongzhi.portal.models import BindingRequest
from gongzhi.portal.signin_testing import sms_inbox
from gongzhi.residents.testing import add_person
from tests.axe import violations
from tests.test_browser_platform import PHONE
from tests.test_browser_portal_shell import TARGETS, small

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NUMBER = "13912345678"


def checked(w, least=44) -> None:
    """The page fits the phone, its touch targets are large enough, axe finds nothing."""
    assert w.fits(), w.page.url
    assert small(w.page.evaluate(TARGETS), least) == [], w.page.url
    assert violations(w.page) == [], w.page.url


def test_a_new_resident_signs_in_by_code_binds_and_the_secretary_confirms(world, walk):
    home = world.ours.households[0]
    resident = add_person(world, home, "王小明", date(1990, 5, 1), 11)

    # 1. The resident, on a phone: the portal sends them to the phone sign-in.
    w = walk(**PHONE)
    page = w.page
    w.goto("/portal/")
    page.wait_for_url("**/portal/login/**")
    checked(w)
    w.shot("portal-signin-1-phone")
    page.fill("#id_phone", NUMBER)
    with sms_inbox() as inbox:
        page.get_by_role("button", name="获取验证码").click()
        expect(page.get_by_text("验证码已发送至139****5678，5分钟内有效。")).to_be_visible()
    send = page.locator("[data-send]")
    expect(send).to_be_disabled()
    expect(send).to_contain_text("秒后重新获取")
    assert "/portal/login/" in page.url and NUMBER not in page.url
    checked(w)
    w.shot("portal-signin-2-code-sent")
    page.fill("#id_code", inbox.codes[-1])
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url("**/portal/bind/")

    # 2. A new account: it asks to bind a household (the community's buildings to pick).
    checked(w)
    page.select_option("#id_community", label="和顺社区")
    page.wait_for_url("**/portal/bind/?community=*")
    page.select_option("#id_building", label="1栋")
    page.fill("#id_address", "1单元101")
    page.fill("#id_name", "王小明")
    checked(w)
    w.shot("portal-signin-3-bind")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("等待社区确认")).to_be_visible()
    checked(w)
    w.shot("portal-signin-4-pending")
    w.clean()
    request = BindingRequest.objects.get()
    assert request.address == "1栋1单元101"

    # 3. The secretary, on the desk: the request with the register's candidates.
    desk = walk()
    desk.sign_in(world.users["secretary"].username)
    desk.goto("/portal/bindings/")
    desk.page.get_by_role("link", name="王小明").click()
    desk.page.get_by_label("王小明").check()
    desk.shot("portal-signin-5-confirm")
    desk.page.get_by_role("button", name="确认绑定").click()
    expect(desk.page.get_by_text("已确认绑定。")).to_be_visible()
    desk.clean()

    # 4. The resident sees their household bound.
    page.goto(w.origin + "/portal/bind/")
    expect(page.locator("[data-bound]")).to_contain_text(home.address)
    checked(w)
    w.shot("portal-signin-6-bound")
    w.clean()
    resident.refresh_from_db()
    assert resident.user.phone == NUMBER


def test_the_sign_in_in_elder_mode_has_60_px_targets_and_passes_axe(world, walk):
    w = walk(**PHONE)
    page = w.page
    w.context.add_cookies([{"name": "gz_elder", "value": "1", "url": w.origin}])
    w.goto("/portal/login/")
    page.fill("#id_phone", "12345")
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_text("手机号应为11位数字，以1开头。")).to_be_visible()
    checked(w, 60)
    texts = page.evaluate(
        """() => [...document.querySelectorAll('main p, main label, main .invalid-feedback')]
          .map(e => parseFloat(getComputedStyle(e).fontSize))"""
    )
    assert min(texts) >= 18, texts
    w.shot("portal-signin-elder")
    w.clean(refused=1)  # the refused number: a 422 the script asked for
