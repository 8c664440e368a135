"""Issue 16's whole walk in one go, in Chromium on a phone, in standard mode and in elder
mode (长辈版): a new resident signs in with a code from the SMS, asks to bind their
household, the community secretary confirms it on the desk, the resident submits a demand
with photos, follows it through dispatch and answer (the timeline and the deadline in
plain words), rates it not satisfied and asks to reopen it. Every page the resident sees
fits the phone, has touch targets of 44 px (60 px in elder mode) and passes axe; no
request leaves the server, no console error. The standard walk saves the user guide's
screenshots (docs/guide/portal.md) with ``GONGZHI_GUIDE_SHOTS=1``."""

from datetime import date

import pytest
from playwright.sync_api import expect

from gongzhi.demands import services
from gongzhi.demands.models import Demand
from gongzhi.demands.testing import build_demands
from gongzhi.portal.signin_testing import sms_inbox
from gongzhi.residents.testing import add_person
from tests.test_browser_platform import PHONE
from tests.test_browser_portal_demands import big_jpeg, choose_photos
from tests.test_browser_portal_shell import snap
from tests.test_browser_portal_signin import checked

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NUMBER = "13712340001"


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_a_new_resident_from_the_code_to_asking_to_reopen(world, walk, elder):
    units = build_demands(world)
    home = world.ours.households[0]
    add_person(world, home, "王小明", date(1990, 5, 1), 11)
    least = 60 if elder else 44
    prefix = "elder-" if elder else ""

    def step(name: str, *, shot: bool = True) -> None:
        checked(w, least)
        if shot and (not elder or name in ELDER_SHOTS):
            snap(w, prefix + name)

    # 1. Sign-in by code: the portal sends a stranger to the phone sign-in.
    w = walk(**PHONE)
    w.context.set_default_timeout(60_000)  # photos are re-encoded in a child process
    page = w.page
    if elder:  # switched on before, on this phone: remembered
        w.context.add_cookies([{"name": "gz_elder", "value": "1", "url": w.origin}])
    w.goto("/portal/")
    page.wait_for_url("**/portal/login/**")
    page.fill("#id_phone", NUMBER)
    with sms_inbox() as inbox:
        page.get_by_role("button", name="获取验证码").click()
        expect(page.get_by_text("验证码已发送至137****0001，5分钟内有效。")).to_be_visible()
    page.fill("#id_code", inbox.codes[-1])
    step("signin")
    page.get_by_role("button", name="登录", exact=True).click()

    # 2. A new account asks to bind a household; the community confirms it.
    page.wait_for_url("**/portal/bind/")
    page.select_option("#id_community", label="和顺社区")
    page.wait_for_url("**/portal/bind/?community=*")
    page.select_option("#id_building", label="1栋")
    page.fill("#id_address", "1单元101")
    page.fill("#id_name", "王小明")
    step("bind")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("等待社区确认")).to_be_visible()
    step("bind-pending", shot=False)

    desk = walk()
    desk.sign_in(world.users["secretary"].username)
    desk.goto("/portal/bindings/")
    desk.page.get_by_role("link", name="王小明").click()
    desk.page.get_by_label("王小明").check()
    if not elder:
        snap(desk, "bind-confirm")
    desk.page.get_by_role("button", name="确认绑定").click()
    expect(desk.page.get_by_text("已确认绑定。")).to_be_visible()
    desk.clean()

    # 3. Home shows the household; the resident submits a demand about it, with photos.
    w.goto("/portal/")
    expect(page.get_by_text(f"已绑定：{home.address}")).to_be_visible()
    step("bound", shot=False)
    page.get_by_role("link", name="提交诉求").click()
    page.fill("#id_content", "楼道灯坏了一周，晚上老人上下楼看不见")
    expect(page.locator("#id_at_home")).to_be_checked()
    choose_photos(
        page,
        [
            {"name": f"p{i}.jpg", "mimeType": "image/jpeg", "buffer": big_jpeg(color)}
            for i, color in enumerate(("navy", "teal"))
        ],
    )
    step("demand-new")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/receipt/")
    demand = Demand.objects.get()
    assert demand.household == home and demand.requester_user.phone == NUMBER
    expect(page.get_by_text(demand.number)).to_be_visible()
    step("receipt")

    # 4. The community dispatches it: the resident sees where it is and by when.
    staff, handler = world.users["staff"], world.users["unit_handler"]
    demand = services.classify(demand, actor=staff, version=demand.version, category=units.hallway)
    demand = services.dispatch(demand, actor=staff, version=demand.version)
    page.get_by_role("link", name="查看办理进度").click()
    expect(page.locator(".gz-state")).to_have_text("已派给责任单位，等待接单")
    expect(page.get_by_text("派给和顺物业处理")).to_be_visible()
    expect(
        page.get_by_text(f"办结期限 {demand.due_at.astimezone():%Y-%m-%d %H:%M}")
    ).to_be_visible()
    page.locator(".gz-timeline").scroll_into_view_if_needed()
    step("progress")

    # 5. The unit answers; the resident reads the answer, rates it and asks to reopen.
    demand = services.accept(demand, actor=handler, version=demand.version)
    services.answer(
        demand, actor=handler, version=demand.version, text="已更换灯泡。", resolved=True
    )
    page.reload()
    expect(page.get_by_text("已更换灯泡。")).to_be_visible()
    assert page.locator(".gz-photos img").count() == 2
    page.get_by_label("不满意").check()
    page.fill("#id_note", "换了还是不亮")
    page.locator(
        "form", has=page.get_by_role("button", name="提交评价")
    ).scroll_into_view_if_needed()
    step("answered")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("感谢您的评价。")).to_be_visible()
    page.fill("#id_reason", "灯还是不亮，请再来看看")
    page.get_by_role("button", name="申请重办").click()
    expect(page.get_by_text("已申请重办，社区将重新安排。")).to_be_visible()
    page.locator(".gz-timeline").scroll_into_view_if_needed()
    step("reopen")
    assert demand.events.filter(action="reopen_request").exists()

    # 6. The community reopens it: back with the unit, the resident told.
    demand.refresh_from_db()
    services.reopen(demand, actor=staff, version=demand.version, reason="居民反映灯仍不亮")
    page.get_by_role("link", name="诉求", exact=True).click()
    expect(page.locator(".gz-state").first).to_have_text("已派给责任单位，等待接单")
    step("mine")
    page.get_by_role("link", name="通知", exact=True).click()
    expect(page.get_by_text(f"您的诉求（{demand.number}）").first).to_be_visible()
    step("notified", shot=False)
    w.clean()


# The elder walk's screenshots (the rest of its pages look like the standard ones).
ELDER_SHOTS = {"demand-new", "answered"}


def test_a_resident_not_bound_picks_the_place_on_the_grid_map(world, walk):
    """The place "from a list or from the grid map": a tap on a grid keeps its places in
    the list (one place: chosen), a second tap brings all back."""
    from gongzhi.areas.choices import Level
    from gongzhi.core.testing import make_area, make_user

    community = world.ours.community
    second = make_area(community, Level.GRID, "002", "和顺第2网格")
    estate = make_area(second, Level.ESTATE, "001", "锦苑")
    building = make_area(estate, Level.BUILDING, "001", "8栋")
    for grid, west in ((world.ours.grid, 104.0), (second, 104.006)):
        ring = [[west, 30.6], [west + 0.006, 30.6], [west + 0.006, 30.605], [west, 30.605]]
        grid.geometry = {"type": "Polygon", "coordinates": [ring + ring[:1]]}
        grid.save(update_fields=["geometry"])
    make_user("p13900003333", phone="13900003333", full_name="赵兰")

    w = walk(**PHONE)
    page = w.page
    w.sign_in("p13900003333")
    w.goto(f"/portal/demands/new/?community={community.pk}")
    area = page.locator("#id_area")
    enabled = "el => [...el.options].filter(o => o.value && !o.disabled).map(o => o.text)"
    assert area.evaluate(enabled) == ["和顺花园", "和顺花园1栋", "锦苑", "锦苑8栋"]
    page.locator("#grid-map g", has_text="和顺第2网格").click()
    expect(page.locator("#grid-map g.gz-on")).to_have_text("和顺第2网格")
    assert all("锦苑" in text for text in area.evaluate(enabled))
    page.fill("#id_content", "8栋门口路灯不亮")
    area.select_option(label="锦苑8栋")
    checked(w)
    page.evaluate("document.getElementById('grid-map').scrollIntoView()")
    snap(w, "place-map")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/receipt/")
    assert Demand.objects.get().area == building
    # A second tap on the same grid lists every place again.
    w.goto(f"/portal/demands/new/?community={community.pk}")
    page.locator("#grid-map g", has_text="和顺第2网格").click()
    page.locator("#grid-map g", has_text="和顺第2网格").click()
    expect(page.locator("#grid-map g.gz-on")).to_have_count(0)
    assert len(area.evaluate(enabled)) == 4
    w.clean()
