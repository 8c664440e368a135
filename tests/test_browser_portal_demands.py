"""A resident's demand in a real browser on a phone (issue 16): a bound resident submits
one with three photos (compressed in the browser), staff dispatch and answer it, the
resident rates it not satisfied and asks to reopen; then a resident not bound yet submits
one tied to a building of a community and sees what others raised there."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from gongzhi.accounts.roles import Role
from gongzhi.attachments.models import Attachment
from gongzhi.core.params import value as param
from gongzhi.core.testing import make_user
from gongzhi.demands import services
from gongzhi.demands.models import Demand
from gongzhi.demands.testing import build_demands
from gongzhi.portal import demands as portal
from gongzhi.portal.params import PHOTO_MAX_EDGE
from gongzhi.portal.tests.test_demands import bind
from tests.axe import violations
from tests.test_browser_platform import PHONE
from tests.test_browser_portal_signin import checked

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def big_jpeg(color: str) -> bytes:
    """A phone photo's size in pixels (3000 × 2000)."""
    out = io.BytesIO()
    Image.new("RGB", (3000, 2000), color).save(out, format="JPEG", quality=95)
    return out.getvalue()


def choose_photos(page, photos: list[dict]) -> None:
    """Pick photos once the page's script listens: a link's click returns before the
    deferred photos.js has run, and a choice made then would go up uncompressed."""
    page.wait_for_load_state()
    page.set_input_files("#id_photos", photos)
    # Compressing phone-sized photos takes a second or two, more on a loaded machine.
    expect(page.locator("#photo-status")).to_have_text(f"已选{len(photos)}张照片。", timeout=30_000)


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_submit_follow_rate_reopen_then_an_unbound_resident(world, walk):
    units = build_demands(world)
    resident = make_user("wjg", Role.RESIDENT, world.ours.community, full_name="王建国")
    bind(resident, world.ours.households[0])

    # 1. The bound resident submits about their household, with three photos.
    w = walk(**PHONE)
    w.context.set_default_timeout(60_000)  # photos are re-encoded in a child process
    page = w.page
    w.sign_in(resident.username)
    w.goto("/portal/demands/new/")
    page.fill("#id_content", "楼道灯坏了一周，晚上老人上下楼看不见")
    expect(page.locator("#id_at_home")).to_be_checked()
    choose_photos(
        page,
        [
            {"name": f"p{i}.jpg", "mimeType": "image/jpeg", "buffer": big_jpeg(color)}
            for i, color in enumerate(("navy", "teal", "olive"))
        ],
    )
    assert w.fits()
    w.shot("portal-demand-new")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/receipt/")
    demand = Demand.objects.get()
    expect(page.get_by_text(demand.number)).to_be_visible()
    assert w.fits()
    w.shot("portal-demand-receipt")
    photos = Attachment.objects.filter(object_id=demand.pk)
    assert photos.count() == 3
    assert all(max(p.width, p.height) <= param(PHOTO_MAX_EDGE) for p in photos), [
        (p.width, p.size) for p in photos
    ]

    # 2. Staff classify, dispatch; the property company accepts and answers.
    staff, handler = world.users["staff"], world.users["unit_handler"]
    demand = services.classify(demand, actor=staff, version=demand.version, category=units.hallway)
    demand = services.dispatch(demand, actor=staff, version=demand.version)
    demand = services.accept(demand, actor=handler, version=demand.version)
    services.answer(
        demand, actor=handler, version=demand.version, text="已更换灯泡。", resolved=True
    )

    # 3. The resident follows it, rates it not satisfied and asks to reopen.
    page.get_by_role("link", name="查看办理进度").click()
    expect(page.get_by_text("派给和顺物业处理")).to_be_visible()
    expect(page.get_by_text("已更换灯泡。")).to_be_visible()
    assert page.locator(".gz-photos img").count() == 3
    assert w.fits()
    w.shot("portal-demand-answered")
    page.get_by_label("不满意").check()
    page.fill("#id_note", "换了还是不亮")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("感谢您的评价。")).to_be_visible()
    page.fill("#id_reason", "灯还是不亮，请再来看看")
    page.get_by_role("button", name="申请重办").click()
    expect(page.get_by_text("已申请重办，社区将重新安排。")).to_be_visible()
    expect(page.get_by_text("灯还是不亮，请再来看看")).to_be_visible()
    assert w.fits()
    w.shot("portal-demand-reopen")
    assert demand.events.filter(action="reopen_request").exists()
    w.goto("/portal/demands/")
    expect(page.get_by_text("评价为不满意，社区将重新安排")).to_be_visible()
    w.shot("portal-demand-mine")
    w.clean()

    # 4. A resident not bound yet: community, then building; others' answers shown.
    make_user("p13900002222", phone="13900002222", full_name="李芳")
    w = walk(**PHONE)
    w.context.set_default_timeout(60_000)
    page = w.page
    w.sign_in("p13900002222")
    w.goto("/portal/demands/new/")
    page.select_option("#id_community", label="和顺社区")
    page.wait_for_load_state()
    page.fill("#id_content", "1栋门口的路灯不亮")
    page.select_option("#id_area", label="和顺花园1栋")
    expect(page.locator("#place-demands")).to_be_visible()
    expect(page.locator("#place-list")).to_contain_text("已更换灯泡。")
    assert w.fits()
    w.shot("portal-demand-place")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/receipt/")
    second = Demand.objects.exclude(pk=demand.pk).get()
    assert second.area == world.ours.building and second.household is None
    assert second.requester_user.username == "p13900002222"
    w.clean()


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_the_demand_pages_fit_a_phone_and_pass_axe(world, walk, elder):
    """我的诉求, the form, a case and its place: no serious or critical axe violation,
    touch targets of 44 px (60 in elder mode, with 18 px text at line height 1.3)."""
    from tests.axe import violations
    from tests.test_browser_portal_shell import STYLE, TARGETS, small

    units = build_demands(world)
    resident = make_user("wjg", Role.RESIDENT, world.ours.community, full_name="王建国")
    bind(resident, world.ours.households[0])
    w = walk(**PHONE)
    page = w.page
    w.sign_in(resident.username)
    if elder:
        w.goto("/portal/me/")
        page.get_by_role("button", name="长辈版（大字）").click()
        expect(page.get_by_role("button", name="切换到标准版")).to_be_visible()
    w.goto("/portal/demands/new/")
    page.fill("#id_content", "楼道灯坏了一周，晚上老人上下楼看不见")
    page.get_by_role("button", name="提交").click()
    page.wait_for_url("**/receipt/")
    demand = Demand.objects.get()
    staff = world.users["staff"]
    demand = services.classify(demand, actor=staff, version=demand.version, category=units.hallway)
    services.dispatch(demand, actor=staff, version=demand.version)
    least = 60 if elder else 44
    for path in (
        "/portal/demands/",
        "/portal/demands/new/",
        f"/portal/demands/{demand.pk}/",
        f"/portal/demands/{demand.pk}/receipt/",
        f"/portal/places/{world.ours.building.pk}/",
    ):
        w.goto(path)
        assert w.fits(), path
        assert small(page.evaluate(TARGETS), least) == [], path
        assert violations(page) == [], path
        if elder:
            body = page.evaluate(STYLE, "body")
            assert body["size"] >= 18 and body["line"] >= 1.3 * body["size"], (path, body)
    w.clean()


def test_photos_picked_before_the_script_arrived_are_compressed(world, walk):
    """On a slow line a resident can pick photos before photos.js has loaded: the script
    compresses what is already in the field when it arrives."""
    build_demands(world)
    resident = make_user("wjg", Role.RESIDENT, world.ours.community, full_name="王建国")
    bind(resident, world.ours.households[0])
    w = walk(**PHONE)
    page = w.page
    w.sign_in(resident.username)
    page.route("**/portal/photos.js", lambda route: route.abort())  # not arrived yet
    w.goto("/portal/demands/new/")
    photo = big_jpeg("navy")
    page.set_input_files(
        "#id_photos", [{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    status = page.locator("#photo-status")
    expect(status).to_have_text("")
    page.unroute("**/portal/photos.js")
    page.add_script_tag(url=page.locator("script[src$='photos.js']").get_attribute("src"))
    expect(status).to_have_text("已选1张照片。", timeout=30_000)
    size = page.evaluate("document.getElementById('id_photos').files[0].size")
    assert 0 < size < len(photo) / 2
    assert w.server_errors == [] and w.foreign_requests() == []  # the console has the abort


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_a_merged_demand_leads_on_to_the_case_it_joined_on_a_phone(world, walk, elder):
    """Standard and elder mode: the link fits, has its targets and passes axe."""
    build_demands(world)
    me = make_user("wjg", Role.RESIDENT, world.ours.community, full_name="王建国")
    bind(me, world.ours.households[0])
    other = make_user("wf", Role.RESIDENT, world.ours.community, full_name="王芳")
    bind(other, world.ours.households[1], serial=2)
    first = portal.submit(
        actor=other, content="楼道灯坏了一周，晚上看不见", area=world.ours.building, photos=[]
    )
    mine = portal.submit(
        actor=me,
        content="楼道灯坏了，晚上老人看不见",
        household=world.ours.households[0],
        photos=[],
    )
    services.merge(mine, actor=world.users["staff"], version=mine.version, into=first)
    w = walk(**PHONE)
    if elder:
        w.context.add_cookies([{"name": "gz_elder", "value": "1", "url": w.origin}])
    w.sign_in(me.username)
    w.goto(mine.get_resident_url())
    link = w.page.get_by_role("link", name=f"查看合并后的诉求 {first.number} 的办理进度")
    expect(link).to_be_visible()
    checked(w, 60 if elder else 44)
    assert violations(w.page) == [] and w.fits()
    link.click()
    expect(w.page.get_by_role("heading", name=first.title)).to_be_visible()
    w.clean()
