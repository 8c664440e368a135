"""The area picker in a real browser (issue 13, defect 12): type part of a name, pick
the area from the list, and the filter uses it; nothing of another community is found."""

import pytest
from playwright.sync_api import expect

from tests.test_browser import Session

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def desk(browser, live_server):
    s = Session(browser, live_server, viewport={"width": 1400, "height": 900})
    s.console = []
    s.page.on("console", lambda m: s.console.append(m.text) if m.type == "error" else None)
    yield s
    s.close()


def test_a_secretary_types_an_area_name_and_picks_it(world, desk):
    """Issue 13, defect 12: the households filter chose an area by its internal id."""
    page = desk.page
    desk.sign_in("sj")
    desk.goto("/areas/households/")
    assert page.locator("select[name=within]").is_hidden()
    search = page.get_by_label("所属区域")
    expect(search).to_have_attribute("placeholder", "输入区域名称或编码查找")

    # Another community's name finds nothing.
    search.fill("邻里")
    expect(page.locator(".gz-area-results")).to_contain_text("没有找到符合条件的区域")

    search.fill("花园")
    estate = "武侯区 / 锦华街道 / 和顺社区 / 和顺第1网格 / 和顺花园"
    options = page.locator(".gz-area-results").get_by_role("option")
    expect(options.first).to_have_text(estate + "小区/院落")  # the highest first
    assert options.count() > 1  # its buildings and units follow
    options.first.click()
    expect(search).to_have_value(estate)
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"**/areas/households/?*within={world.ours.estate.pk}*")
    assert page.locator("main table tbody tr").count() == 3
    expect(page.get_by_label("所属区域")).to_have_value(estate)

    # The keyboard works too: type, arrow down to the first answer, Enter.
    search = page.get_by_label("所属区域")
    search.fill("")
    search.press_sequentially("1单元", delay=30)
    # The answer to what the box now asks (not an earlier one still on the list).
    expect(page.locator(".gz-area-results").get_by_role("option").first).to_contain_text("1单元")
    search.press("ArrowDown")
    search.press("Enter")
    expect(search).to_have_value(estate + " / 1栋 / 1单元")
    assert page.locator("select[name=within]").input_value() == str(world.ours.unit.pk)

    assert desk.foreign_requests() == []
    assert desk.server_errors == []
    assert desk.console == []
