"""The header's search box in a real browser (issue 13, "One search box in the header"):
suggestions grouped by kind as one types, arrow keys and Enter to open one, Enter with
none chosen for the full results page; results written as text (a demand titled with
markup shows the markup as text); on a desk and a phone; no console error (a CSP
violation is one), no request off the machine."""

from datetime import date

import pytest
from playwright.sync_api import expect

from gongzhi.demands import services as demand_services
from gongzhi.demands.testing import build_demands
from gongzhi.residents.testing import add_person
from tests.test_browser_platform import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("device", ["desk", "phone"])
def test_a_secretary_finds_by_pinyin_and_opens_with_the_keyboard(world, walk, device):
    build_demands(world)
    hu = add_person(
        world, world.ours.households[0], "胡萍", date(1985, 2, 3), 7, phone="13566667777"
    )
    add_person(world, world.ours.households[1], "胡平安", date(1986, 2, 3), 8)
    demand_services.create_demand(
        actor=world.users["secretary"],
        area=world.ours.grid,
        title="<img src=x>楼道灯不亮",
        content="三单元楼道灯坏了。",
        channel="desk",
        requester_kind="anonymous",
    )
    w = walk(**(PHONE if device == "phone" else {}))
    page = w.page
    w.sign_in("sj")
    box = page.get_by_role("combobox", name="搜索")
    results = page.locator("#gz-search-results")

    # Full pinyin: both people, grouped under 居民, masked phone, keyboard to the second.
    box.fill("huping")
    expect(results.get_by_text("居民", exact=True)).to_be_visible()
    expect(results.get_by_text("胡萍", exact=True)).to_be_visible()
    expect(results).to_contain_text("135****7777")
    assert "13566667777" not in results.inner_text()
    box.press("ArrowDown")
    expect(results.locator("[role=option].active")).to_contain_text("胡萍")
    box.press("Enter")
    page.wait_for_url(w.origin + hu.get_absolute_url())

    # Markup in a title is text: no element is made of it.
    box = page.get_by_role("combobox", name="搜索")
    box.fill("楼道灯")
    expect(results.get_by_text("<img src=x>楼道灯不亮", exact=False)).to_be_visible()
    assert results.locator("img").count() == 0
    expect(results.get_by_text("诉求", exact=True)).to_be_visible()

    # Nothing found says so.
    box.fill("查无此人")
    expect(results.get_by_text("没有找到")).to_be_visible()
    box.press("Escape")
    expect(results).to_be_hidden()

    # Enter with nothing chosen: the full results page.
    box.fill("hp")
    expect(results.get_by_text("胡萍", exact=True)).to_be_visible()
    box.press("Enter")
    page.wait_for_url("**/search/?q=hp")
    expect(page.get_by_role("heading", name="搜索")).to_be_visible()
    expect(page.locator("main").get_by_role("link", name="胡平安")).to_be_visible()
    w.shot(f"search-{device}")
    if device == "phone":
        assert w.fits()
    w.clean()
