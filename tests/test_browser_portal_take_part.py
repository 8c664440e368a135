"""Taking part from the portal (issue 16) in a real browser on a phone: a resident signs in
by phone and code, the community binds their household, and from the portal's home they
reach every entry the landed modules declare (service: 志愿服务活动, 活动签到, 心愿墙,
我的志愿服务). They register as a volunteer, sign up for an activity and cancel, sign up
for another, check in with its 6-digit code, see their hours on 我的志愿服务 and confirm,
with a rating, a wish of their household on the wall. Every page is in the portal's
layout (its tabs), fits the phone and passes axe in standard and elder mode with touch
targets of 44 px (60 in elder mode). No request leaves the server, no console error (a
CSP violation is one)."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from gongzhi.accounts.models import User
from gongzhi.portal.shell_context import ELDER_COOKIE
from gongzhi.portal.signin_testing import sms_inbox
from gongzhi.portal.tests.test_take_part import bind
from gongzhi.service import activities, wishes
from gongzhi.service.choices import HoursState
from gongzhi.service.models import Hours, SignUp, Wish
from gongzhi.service.wishes_testing import organ_unit
from tests.axe import violations
from tests.test_browser_platform import PHONE
from tests.test_browser_portal_shell import TARGETS, small

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NUMBER = "13912345670"
ENTRIES = {
    "志愿服务活动": "/service/mine/activities/",
    "活动签到": "/service/checkin/",
    "心愿墙": "/service/wishes/wall/",
    "我的志愿服务": "/service/mine/",
}
# The font sizes of every visible element that holds text of its own.
TEXTS = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.offsetParent !== null
               && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
  .map(e => ({text: e.textContent.trim().slice(0, 20), size: parseFloat(getComputedStyle(e).fontSize)}))"""


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the wish's photo


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), "navy").save(out, format="JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def checked(w) -> None:
    """The page is in the portal's layout, fits the phone, has large enough touch targets
    and passes axe, in standard and then elder mode (the page reloaded with the cookie)."""
    page = w.page
    for elder, least in ((False, 44), (True, 60)):
        if elder:
            w.context.add_cookies([{"name": ELDER_COOKIE, "value": "1", "url": w.origin}])
            page.reload()
        assert page.evaluate("document.documentElement.classList.contains('gz-elder')") == elder
        expect(page.get_by_role("navigation", name="居民端导航")).to_be_visible()
        assert w.fits(), (page.url, elder)
        assert small(page.evaluate(TARGETS), least) == [], (page.url, elder)
        assert violations(page) == [], (page.url, elder)
        if elder:  # body text of 18 px at least, the small print too
            tiny = [t for t in page.evaluate(TEXTS) if t["size"] < 18]
            assert tiny == [], page.url
    w.context.clear_cookies(name=ELDER_COOKIE)
    page.reload()


def signed_in_by_phone(w, world):
    """The portal's sign-in opens the account; the community binds its household."""
    page = w.page
    w.goto("/portal/")
    page.wait_for_url("**/portal/login/**")
    page.fill("#id_phone", NUMBER)
    with sms_inbox() as inbox:
        page.get_by_role("button", name="获取验证码").click()
        expect(page.get_by_text("验证码已发送")).to_be_visible()
    page.fill("#id_code", inbox.codes[-1])
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url("**/portal/bind/")
    # Not bound yet: no way of taking part on the home page.
    w.goto("/portal/")
    for label in ENTRIES:
        expect(page.get_by_role("link", name=label)).to_have_count(0)
    user = User.objects.get(phone=NUMBER)
    bind(world, user)
    return User.objects.get(pk=user.pk)  # with the resident's role


def test_a_resident_takes_part_from_the_portal_home(world, walk):
    secretary, admin = world.users["secretary"], world.users["district_admin"]
    community = world.ours.community
    now = timezone.now()

    def activity(title, starts_at):
        row = activities.create_activity(
            actor=secretary,
            community=community,
            fields=activities.Fields(
                title=title,
                place="和顺小区3栋",
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2),
                capacity=5,
                open_to_residents=True,
            ),
        )
        return activities.publish_activity(row, actor=secretary, version=row.version)

    today = activity("楼道清理志愿服务", now - timedelta(minutes=10))
    later = activity("敬老院探访", now + timedelta(days=3))
    # A wish of the resident's household, claimed by a unit and fulfilled: theirs to
    # confirm; and an open wish of the community on the wall.
    household = world.ours.households[0]
    wish = wishes.publish_wish(
        actor=admin, community=community, title="一台助行器", wisher="王建国",
        source="visit", household=household,
    )  # fmt: skip
    wish = wishes.claim_wish_for_unit(
        wish, actor=admin, unit=organ_unit(community, "区财政局", now.date()), version=wish.version
    )
    wishes.fulfil_wish(wish, actor=admin, photo=jpeg(), note="已送到家中")
    wishes.publish_wish(
        actor=admin, community=community, title="儿童绘本", wisher="李小花", source="request"
    )

    w = walk(**PHONE)
    page = w.page
    page.on("dialog", lambda dialog: dialog.accept())
    user = signed_in_by_phone(w, world)

    # The home's entries, each a page in the portal's layout.
    w.goto("/portal/")
    for label, path in ENTRIES.items():
        page.get_by_role("link", name=label).click()
        page.wait_for_url(w.origin + path)
        checked(w)
        page.get_by_role("link", name="首页").click()
        page.wait_for_url("**/portal/")

    # 志愿服务活动: not a volunteer yet, they register, and come back to sign up.
    page.get_by_role("link", name="志愿服务活动").click()
    page.locator("[data-join]").get_by_role("link", name="注册志愿者").click()
    page.fill("#id_skills", "理发")
    checked(w)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已注册为志愿者。")).to_be_visible()
    assert page.url.endswith("/service/mine/activities/")
    card = page.locator(f"[data-activity='{later.pk}']")
    card.locator("[data-signup]").click()
    expect(page.get_by_text("报名成功：敬老院探访")).to_be_visible()
    expect(card.locator("[data-signup-status]")).to_have_text("已报名")
    card.locator("[data-cancel-signup]").click()
    expect(page.get_by_text("已取消报名。")).to_be_visible()
    assert SignUp.objects.get(activity=later).status == "cancelled"
    page.locator(f"[data-activity='{today.pk}'] [data-signup]").click()
    expect(page.get_by_text("报名成功：楼道清理志愿服务")).to_be_visible()
    checked(w)

    # 活动签到 with the code shown at the activity.
    page.get_by_role("link", name="首页").click()
    page.get_by_role("link", name="活动签到").click()
    page.fill("#id_code", today.code)
    page.get_by_role("button", name="签到").click()
    expect(page.locator("[data-checked-in]")).to_be_visible()
    checked(w)
    line = Hours.objects.get(volunteer__user=user)
    assert line.status == HoursState.OPEN
    # They check out at the activity's end (the walk cannot wait two hours).
    line = activities.check_out(today, actor=user, at=today.ends_at)
    assert line.status == HoursState.VERIFIED and line.hours > 0

    # 我的志愿服务: the year's verified hours.
    page.get_by_role("link", name="首页").click()
    page.get_by_role("link", name="我的志愿服务").click()
    expect(page.locator("main")).to_contain_text("楼道清理志愿服务")
    expect(page.locator("main")).to_contain_text(str(line.hours))
    checked(w)
    w.shot("portal-take-part-hours")

    # 心愿墙: the community's open wish with the wisher's name masked; their household's
    # fulfilled wish to confirm, with a rating.
    page.get_by_role("link", name="首页").click()
    page.get_by_role("link", name="心愿墙").click()
    expect(page.get_by_text("儿童绘本")).to_be_visible()
    expect(page.locator("main")).to_contain_text("李*花")
    expect(page.locator("main")).not_to_contain_text("李小花")
    page.locator(f"[data-confirm-wish='{wish.pk}']").get_by_role("link").click()
    page.get_by_label("5 非常满意").check()
    checked(w)
    page.get_by_label("5 非常满意").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已确认，感谢评价。")).to_be_visible()
    assert page.url.endswith("/service/wishes/wall/")
    wish = Wish.objects.get(pk=wish.pk)
    assert wish.status == "confirmed" and wish.satisfaction == 5 and not wish.confirmed_on_word
    w.shot("portal-take-part-wishes")
    w.clean()
