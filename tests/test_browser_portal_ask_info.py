"""请诉求人补充信息 in a real browser (issue 16): the community's staff ask on the case page
at the desk; the resident sees the question on their phone — "待您补充" in 我的诉求, the
highlighted card on the case — and adds information with a photo; the marker goes, and
the staff's timeline shows both. The resident's pages pass axe."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from gongzhi.accounts.roles import Role
from gongzhi.attachments.models import Attachment
from gongzhi.core.models import Notification
from gongzhi.core.testing import make_user
from gongzhi.demands.testing import build_demands
from gongzhi.portal import demands as portal
from gongzhi.portal.tests.test_demands import bind
from tests.axe import violations
from tests.test_browser_platform import PHONE
from tests.test_browser_portal_demands import choose_photos

pytestmark = [pytest.mark.browser, pytest.mark.slow]
NOTE = "请拍一张楼道灯的照片，并说明是几楼。"


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), "teal").save(out, format="JPEG")
    return out.getvalue()


def test_staff_ask_and_the_resident_adds_information_on_a_phone(world, walk):
    build_demands(world)
    resident = make_user("wjg", Role.RESIDENT, world.ours.community, full_name="王建国")
    bind(resident, world.ours.households[0])
    demand = portal.submit(
        actor=resident,
        content="楼道灯坏了一周，晚上老人上下楼看不见",
        household=world.ours.households[0],
    )
    staff = world.users["staff"]

    # 1. The community's staff ask on the case page (received: not dispatched yet).
    desk = walk()
    page = desk.page
    desk.sign_in(staff.username)
    desk.goto(demand.get_absolute_url())
    page.get_by_role("button", name="请诉求人补充信息").click()
    page.get_by_label("需补充的内容").fill(NOTE)
    page.locator("#act-ask_info").get_by_role("button", name="请诉求人补充信息").click()
    expect(page.get_by_text("已请诉求人补充信息。")).to_be_visible()
    assert demand.events.filter(action="ask_info", note=NOTE).exists()
    assert Notification.objects.filter(user=resident, body=NOTE).exists()
    desk.clean()

    # 2. The resident sees it on their phone: marked in 我的诉求, the card on the case.
    w = walk(**PHONE)
    w.context.set_default_timeout(60_000)  # the photo is re-encoded in the browser
    page = w.page
    w.sign_in(resident.username)
    w.goto("/portal/demands/")
    expect(page.locator(".gz-flag")).to_have_text("待您补充")
    assert w.fits() and violations(page) == []
    w.shot("portal-demand-asked-list")
    page.locator(".gz-card-link").click()
    card = page.locator(".gz-asked")
    expect(card).to_contain_text("社区/承办单位请您补充：")
    expect(card).to_contain_text(NOTE)
    expect(page.locator(".gz-timeline")).to_contain_text("社区/承办单位请您补充信息")
    assert w.fits() and violations(page) == []
    w.shot("portal-demand-asked")

    # 3. They add information with a photo: the card and the marker go.
    page.fill("#id_note", "3楼，灯罩也碎了")
    choose_photos(page, [{"name": "deng.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    page.get_by_role("button", name="提交补充").click()
    expect(page.get_by_text("已补充，处理人会看到。")).to_be_visible()
    expect(page.locator(".gz-asked")).to_have_count(0)
    expect(page.locator(".gz-timeline")).to_contain_text("3楼，灯罩也碎了")
    assert Attachment.objects.filter(object_id=demand.pk).count() == 1
    w.goto("/portal/demands/")
    expect(page.locator(".gz-card-link")).to_have_count(1)
    expect(page.locator(".gz-flag")).to_have_count(0)
    w.clean()

    # 4. The staff who asked are told, and read the request and the answer in the timeline.
    assert Notification.objects.filter(user=staff, title__endswith="诉求人补充了信息").exists()
    desk.goto(demand.get_absolute_url())
    timeline = desk.page.locator("ol.list-group")
    expect(timeline).to_contain_text("请诉求人补充信息")
    expect(timeline).to_contain_text(NOTE)
    expect(timeline).to_contain_text("诉求人补充信息")
    expect(timeline).to_contain_text("3楼，灯罩也碎了")
    desk.clean()
