"""The intake desk in a real browser (issue 13): a meeting's items pasted from Excel into
the table, a row removed, all recorded at once; the intake panels saying so when the
server fails; the receipt printing alone. No request leaves the server."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gongzhi.demands.models import Demand
from gongzhi.demands.testing import build_demands

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# As Excel puts it on the clipboard: a header row, a quoted cell with a line break and
# quotes, a choice by its label, more rows than the table has.
EXCEL = (
    "标题\t诉求内容\t意见建议\t诉求人类型\t诉求人\t联系电话\n"
    "小区停车难\t晚上车位不够\t\t匿名\t\t\n"
    '广场舞噪音\t"晚上十点后仍有音乐\n周末更吵，""喇叭""很响"\t限定时间\t居民\t王阿姨\t13900001111\n'
    "楼道堆物\t三楼堆了纸箱\t\t居民\t李叔\t\n"
    "路灯不亮\t南门路灯坏了\t\t匿名\t\t\n"
)


def paste(page, selector: str, text: str) -> None:
    """Paste ``text`` into the field as the browser does (a paste event with the text)."""
    page.locator(selector).focus()
    page.evaluate(
        """([selector, text]) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            document.querySelector(selector).dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true})
            );
        }""",
        [selector, text],
    )


def pick_area(page, name: str, pk: int) -> None:
    """Choose the area by typing its name in the area picker (defect 12) and clicking
    the answer that ends in it."""
    page.fill("#id_area_search", name)
    answers = page.locator("#id_area_search_results").get_by_role("option")
    expect(answers.first).to_contain_text(name)
    answers.first.click()
    assert page.locator("#id_area").input_value() == str(pk)


def test_meeting_rows_pasted_from_excel_are_recorded_together(world, walk):
    """Issue 13, the desk: paste rows from Excel into the meeting table (rows added as
    needed, the header row skipped), remove one, record them in one submit."""
    build_demands(world)
    w = walk()
    page = w.page
    w.sign_in("gz")
    w.goto("/demands/meeting/")
    page.fill("#id_title", "十二月居民夜话")
    held = timezone.localtime() - timedelta(days=1)
    page.fill("#id_held_at", held.strftime("%Y-%m-%dT%H:%M"))
    pick_area(page, "和顺社区", world.ours.community.pk)
    paste(page, "#id_items-0-title", EXCEL)
    rows = page.locator("#meeting-items tbody tr[data-row]")
    expect(rows).to_have_count(4)
    assert page.input_value("#id_items-TOTAL_FORMS") == "4"
    pasted = page.input_value("#id_items-1-content")
    assert pasted == '晚上十点后仍有音乐\n周末更吵，"喇叭"很响'
    assert page.input_value("#id_items-1-requester_name") == "王阿姨"
    assert page.input_value("#id_items-0-requester_kind") == "anonymous"
    assert page.input_value("#id_items-3-title") == "路灯不亮"
    rows.nth(2).locator("[data-remove-row]").click()  # 楼道堆物 is not to be recorded
    expect(rows).to_have_count(3)
    assert page.input_value("#id_items-TOTAL_FORMS") == "3"
    assert page.input_value("#id_items-2-title") == "路灯不亮"  # renumbered
    page.locator("[data-add-row]").click()
    expect(rows).to_have_count(4)  # an empty row: not recorded
    w.shot("desk-meeting-table")
    page.get_by_role("button", name="登记").click()
    expect(page.get_by_text("已登记会议及群众反映的问题。")).to_be_visible()
    assert sorted(Demand.objects.values_list("title", flat=True)) == sorted(
        ["小区停车难", "广场舞噪音", "路灯不亮"]
    )
    w.clean()


def test_a_failed_panel_says_so_and_the_receipt_prints_alone(world, walk):
    """Issue 13, defect 6 (a failed suggestion is a failure, not "none"), and the
    receipt's print view without the navigation."""
    build_demands(world)
    w = walk()
    page = w.page
    w.sign_in("gz")
    page.route("**/demands/intake/suggest/", lambda route: route.fulfill(status=500, body="error"))
    w.goto("/demands/intake/")
    page.fill("#id_title", "楼道灯不亮" + "很久" * 800)
    page.locator("#id_title").press("End")
    expect(page.locator("#suggest")).to_contain_text("建议类别获取失败")
    page.unroute("**/demands/intake/suggest/")
    page.fill("#id_title", "楼道灯不亮")
    page.fill("#id_content", "三单元楼道灯坏了一周。" * 200)  # 2,200 characters, POSTed
    pick_area(page, "和顺第1网格", world.ours.grid.pk)
    page.fill("#id_requester_name", "张小明")
    expect(page.locator("#duplicates")).to_contain_text("未发现可能重复的诉求")
    page.get_by_role("button", name="受理", exact=True).click()
    page.get_by_role("link", name="打印回执").first.click()
    expect(page.get_by_role("heading", name="诉求受理回执")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".gz-topbar")).to_be_hidden()
    expect(page.locator("aside")).to_be_hidden()
    expect(page.locator(".gz-receipt")).to_be_visible()
    w.shot("desk-receipt-print")
    assert w.foreign_requests() == [] and w.server_errors == [
        "500 " + w.origin + "/demands/intake/suggest/"
    ]
