"""A branch secretary runs a meeting in a real browser, on a desk and on a phone: creates
it (bad input first), notifies, ticks the sign-in, holds it, records a decision (counts
above the attendees first) and the minutes, approves them and closes the meeting. No
request leaves the server, no console error (a CSP violation is one), no server error,
no page wider than the phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from tests.conftest import browser, walk  # noqa: F401  (the browser fixtures of tests/)

from gongzhi.orglife.choices import MeetingState, Presence
from gongzhi.orglife.models import Attendance, Meeting, StudyRecord
from gongzhi.party.testing import add_member, build_party

from .conftest import branch_secretary

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.parametrize("device", ["desk", "phone"])
def test_a_branch_secretary_runs_a_meeting_from_notice_to_close(world, walk, device):  # noqa: F811
    party = build_party(world)
    admin = world.users["district_admin"]
    members = [add_member(admin, party.ours_branch, f"党员{i}", serial=40 + i) for i in range(4)]
    branch_secretary(world, party.ours_branch)  # "zbsj", signed in below
    today = timezone.localdate()
    w = walk(**(PHONE if device == "phone" else {}))
    page = w.page
    page.on("dialog", lambda dialog: dialog.accept())
    w.sign_in("zbsj")

    # Create: every error at once, the input kept.
    w.goto("/orglife/meetings/new/")
    page.select_option("#id_organization", str(party.ours_branch.pk))
    page.select_option("#id_kind", "lecture")
    page.fill("#id_planned_on", str(today + timedelta(days=3)))
    page.fill("#id_place", "党群服务中心")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("请填写会议主题")).to_be_visible()
    expect(page.get_by_text("党课须填写授课人")).to_be_visible()
    assert page.input_value("#id_place") == "党群服务中心"
    page.fill("#id_topic", "学习新修订的纪律处分条例")
    page.fill("#id_lecturer_name", "区委党校王老师")
    page.fill("#id_agenda", "一、书记讲党课\n二、交流发言")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="学习新修订的纪律处分条例")).to_be_visible()
    meeting = Meeting.objects.get()

    page.get_by_role("button", name="发出通知").click()
    expect(page.get_by_text("会议通知已发出。")).to_be_visible()
    expect(page.get_by_text("应到 4 人，实到 0 人")).to_be_visible()

    # The QR screen.
    page.get_by_role("link", name="签到二维码", exact=True).click()
    expect(page.locator("[data-signin-qr] svg")).to_be_visible()
    page.get_by_role("link", name="返回会议", exact=True).click()

    # Tick names: a leave without its reason first.
    page.get_by_role("link", name="签到登记", exact=True).click()
    for member in members[:3]:
        page.locator(f"[data-member='{member.name}'] input[value='present']").check()
    page.locator("[data-member='党员3'] input[value='leave']").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("党员3请假须填写事由")).to_be_visible()
    page.locator("[data-member='党员3'] input[type='text']").fill("外出务工")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("应到 4 人，实到 3 人，请假 1 人")).to_be_visible()

    page.get_by_role("link", name="登记召开", exact=True).click()
    page.fill("#id_held_on", str(today))
    page.select_option("#id_length", "half_day")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("[data-state]")).to_have_text("已召开")

    page.get_by_role("link", name="记录决定", exact=True).click()
    page.fill("#id_title", "同意开展“七一”志愿服务")
    page.check("#id_voted")
    page.fill("#id_votes_for", "3")
    page.fill("#id_votes_against", "1")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("合计4票，超过到会有表决权的党员3人")).to_be_visible()
    page.fill("#id_votes_against", "0")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("赞成 3，反对 0，弃权 0")).to_be_visible()

    page.get_by_role("link", name="会议记录", exact=True).click()
    page.fill("#id_text", "王老师讲授党课，3名党员交流发言。")
    page.fill("#id_recorder", "组织委员")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="审定会议记录").click()
    expect(page.get_by_text("会议记录已审定。")).to_be_visible()
    if device == "phone":
        assert w.fits()
    page.get_by_role("button", name="归档").click()
    expect(page.get_by_text("会议已归档")).to_be_visible()
    expect(page.locator("[data-state]")).to_have_text("已归档")
    w.shot(f"orglife-meeting-{device}")

    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CLOSED
    assert Attendance.objects.filter(meeting=meeting, presence=Presence.PRESENT).count() == 3
    assert StudyRecord.objects.filter(meeting=meeting).count() == 3
    w.goto(f"/orglife/meetings/?organization={party.ours_branch.pk}&year={today.year}")
    expect(page.get_by_role("link", name="学习新修订的纪律处分条例", exact=True)).to_be_visible()
    if device == "phone":
        assert w.fits()
    # Two answers were the refusals asked for (the create form and the sign-in form), plus
    # the decision's: each a 400 the console reports as a failed load.
    w.clean(refused=3)
