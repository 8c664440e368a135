"""A volunteer on a phone: signs up for an activity on 我的活动, types the check-in code
on 签到 (a wrong one first), checks in and checks out; the organiser's screen shows the
QR code and the code. No request leaves the server, no console error (a CSP violation is
one), no server error, no page wider than the phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gongzhi.service import activities
from gongzhi.service.activities_testing import volunteer_user
from gongzhi.service.choices import HoursState
from gongzhi.service.models import Hours, SignUp
from tests.conftest import browser, walk  # noqa: F401  (the browser fixtures of tests/)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_a_volunteer_signs_up_checks_in_with_the_code_and_out_on_a_phone(world, walk):  # noqa: F811
    secretary = world.users["secretary"]
    now = timezone.now()
    activity = activities.create_activity(
        actor=secretary,
        community=world.ours.community,
        fields=activities.Fields(
            title="楼道清理志愿服务",
            place="和顺小区3栋",
            starts_at=now - timedelta(minutes=10),
            ends_at=now + timedelta(hours=2),
            capacity=5,
        ),
    )
    activity = activities.publish_activity(activity, actor=secretary, version=activity.version)
    user, volunteer = volunteer_user(world.ours.community, "zyz", "志愿者小李")

    w = walk(**PHONE)
    page = w.page
    page.on("dialog", lambda dialog: dialog.accept())
    w.sign_in("zyz")

    w.goto("/service/mine/activities/")
    card = page.locator(f"[data-activity='{activity.pk}']")
    expect(card).to_contain_text("楼道清理志愿服务")
    card.locator("[data-signup]").click()
    expect(page.get_by_text("报名成功")).to_be_visible()
    expect(card.locator("[data-signup-status]")).to_have_text("已报名")
    assert w.fits()
    assert SignUp.objects.get().volunteer == volunteer

    # 签到 by the code: a wrong one first, refused with the reason at the field.
    page.get_by_role("link", name="签到", exact=True).first.click()
    wrong = f"{(int(activity.code) + 1) % 1000000:06d}"
    page.fill("#id_code", wrong)
    page.get_by_role("button", name="签到").click()
    expect(page.locator("[data-error]")).to_contain_text("签到码不正确")
    assert w.fits()
    page.fill("#id_code", activity.code)
    page.get_by_role("button", name="签到").click()
    expect(page.locator("[data-checked-in]")).to_be_visible()
    assert Hours.objects.get().status == HoursState.OPEN
    assert w.fits()

    page.locator("[data-checkout]").click()
    expect(page.locator("[data-checked-out]")).to_be_visible()
    line = Hours.objects.get()
    # Checked in after the start and out at once: the hours served between the two.
    assert line.status == HoursState.VERIFIED and line.checked_out_at is not None
    w.goto("/service/mine/activities/")
    expect(page.locator("[data-my-lines]")).to_contain_text("已核实")
    assert w.fits()
    w.shot("service-checkin-phone")
    w.clean(refused=1)


def test_the_organisers_screen_shows_the_qr_code_and_the_digits(world, walk):  # noqa: F811
    secretary = world.users["secretary"]
    now = timezone.now()
    activity = activities.create_activity(
        actor=secretary,
        community=world.ours.community,
        fields=activities.Fields(
            title="义诊",
            place="党群服务中心",
            starts_at=now + timedelta(minutes=20),
            ends_at=now + timedelta(hours=2),
            capacity=30,
        ),
    )
    w = walk()
    page = w.page
    page.on("dialog", lambda dialog: dialog.accept())
    w.sign_in("sj")  # no second factor for a community secretary
    w.goto(activity.get_absolute_url())
    page.get_by_role("button", name="发布").click()
    expect(page.locator("[data-state]")).to_have_text("报名中")
    page.get_by_role("link", name="签到屏").click()
    expect(page.locator("[data-checkin-qr] svg")).to_be_visible()
    activity.refresh_from_db()
    expect(page.locator("[data-code]")).to_have_text(" ".join(activity.code).replace(" ", ""))
    w.clean()
