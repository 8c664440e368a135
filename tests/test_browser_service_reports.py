"""双报到 and pairing coverage in a real browser (issue 15): the in-service member asks to
report on a phone, the community secretary confirms on the desk and closes a coverage gap
in one click; the member then sees the household (masked) on their page. No request
leaves the server, no console error, no page wider than the phone."""

import pytest
from playwright.sync_api import expect

from gongzhi.party.models import Member
from gongzhi.party.testing import build_party
from gongzhi.service.reports_testing import in_service
from gongzhi.visits.models import CareHousehold
from tests.test_browser_platform import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_member_reports_and_the_secretary_confirms_and_pairs(world, walk):
    from django.utils import timezone

    party = build_party(world)
    member = in_service(world.users["district_admin"], party.ours_branch, "王在职", 61)
    Member.objects.filter(pk=member.pk).update(
        user=world.users["inservice_member"], household=world.ours.households[0]
    )
    difficult = world.ours.households[2]
    CareHousehold.objects.create(
        household=difficult,
        path=difficult.path,
        tier="key",
        reason="difficult",
        since=timezone.localdate(),
    )
    phone = walk(**PHONE)
    page = phone.page
    phone.sign_in("zz")
    phone.goto("/service/reports/mine/")
    page.get_by_role("link", name="申请到社区报到").click()
    page.select_option("#id_community", label="和顺社区")
    page.fill("#id_employer", "区财政局")
    page.fill("#id_employer_org", "区财政局机关党支部")
    page.fill("#id_skills", "医疗")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已提交报到申请，等待社区确认。")).to_be_visible()
    expect(page.get_by_role("cell", name="待社区确认")).to_be_visible()
    assert phone.fits()
    phone.shot("service-report-mine-phone")
    phone.clean()

    desk = walk()
    page = desk.page
    desk.sign_in("sj")
    desk.goto("/service/reports/")
    page.get_by_role("link", name="王在职").click()
    page.get_by_role("button", name="确认报到").click()
    expect(page.get_by_text("已确认报到。")).to_be_visible()
    desk.goto("/service/coverage/")
    row = page.locator("tr", has_text="困难户无结对党员")
    expect(row).to_contain_text("王在职")
    desk.shot("service-coverage-desk")
    row.get_by_role("button", name="落实").first.click()
    expect(page.get_by_text("已落实。")).to_be_visible()
    expect(page.locator("tr", has_text="困难户无结对党员")).to_have_count(0)
    desk.clean()

    phone.goto("/service/reports/mine/")
    masked = difficult.address[: -len(difficult.door_number)] + "***"
    expect(phone.page.get_by_text(masked)).to_be_visible()
    phone.clean()
