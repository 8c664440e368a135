"""The compliance calendar in a real browser (issue 14): a community secretary sees
their branches × months, the overdue months in red from the stylesheet (no inline
style), each cell's counts in its tooltip, and another year from the selector. No
request leaves the server, no console error (a CSP violation is one)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from gongzhi.orglife import plans
from gongzhi.orglife.choices import MeetingState
from gongzhi.orglife.models import Meeting
from gongzhi.party.testing import build_party

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_secretary_reads_the_compliance_calendar(world, walk):
    party = build_party(world)
    secretary = world.users["secretary"]
    # Last year's calendar: every month is past (this month's meetings are the workbench's
    # to-do, whose rows open the meeting pages).
    year = timezone.localdate().year - 1
    for org in (party.ours_branch, party.ours_grid_branch, party.sibling_branch):
        plans.generate_plan(world.users["district_admin"], org, year)
    # Our first branch held everything due in January; the rest of the past is overdue.
    Meeting.objects.filter(organization=party.ours_branch, due_on__month=1).update(
        state=MeetingState.HELD, held_on=timezone.localdate().replace(year=year, month=1, day=20)
    )
    w = walk()
    page = w.page
    w.sign_in(secretary.username)
    w.goto(f"/orglife/compliance/?year={year}")
    expect(page.get_by_role("heading", name=f"{year} 年组织生活日历")).to_be_visible()
    table = page.locator("table[data-compliance]")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)  # our committee and our two branches, not the sibling's
    expect(table).not_to_contain_text("邻里社区党支部")
    branch = rows.filter(has_text="和顺社区第一党支部")
    january = branch.locator("td").nth(0)
    expect(january).to_have_attribute("data-state", "done")
    expect(january).to_have_attribute(
        "title", "支部委员会会议：应开 1，已开 1；主题党日：应开 1，已开 1"
    )
    grid = rows.filter(has_text="和顺第1网格党支部").locator("td").nth(0)
    expect(grid).to_have_attribute("data-state", "overdue")
    colour = grid.evaluate("cell => getComputedStyle(cell).backgroundColor")
    red, green, blue = (int(x) for x in colour[colour.index("(") + 1 : -1].split(",")[:3])
    assert red > green and red > blue, colour  # red from the stylesheet's class
    expect(table.locator("tfoot")).to_contain_text("逾期组织数")
    w.shot("orglife-compliance")
    page.fill("#id_year", str(year + 1))
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(f"**year={year + 1}**")
    expect(page.get_by_role("heading", name=f"{year + 1} 年组织生活日历")).to_be_visible()
    expect(table.locator('td[data-state="overdue"]')).to_have_count(0)
    expect(table.locator('td[data-state="due"]')).to_have_count(0)  # no plan yet
    w.clean()
