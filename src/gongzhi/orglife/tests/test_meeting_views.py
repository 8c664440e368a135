"""Meeting pages: the list with its filters and export, the detail with the roster and
counts, a form per step (errors at once, input kept), the sign-in screen with its QR
code, the member's landing and "my meetings"."""

from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from gongzhi.accounts.roles import Role
from gongzhi.core.testing import make_user
from gongzhi.core.viewtests import ScopedModelViewTests
from gongzhi.orglife import services
from gongzhi.orglife.choices import MeetingKind, MeetingState, Presence
from gongzhi.orglife.models import Attendance, Meeting, Minutes
from gongzhi.orglife.testing import held_meeting, notified_meeting
from gongzhi.party.testing import add_member

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def members(world, party):
    admin = world.users["district_admin"]
    return [add_member(admin, party.ours_branch, f"党员{i}", serial=40 + i) for i in range(4)]


def detail(meeting):
    return reverse("orglife:meeting_detail", args=[meeting.pk])


class TestMeetingViews(ScopedModelViewTests):
    list_url = "orglife:meeting_list"
    detail_url = "orglife:meeting_detail"
    user = "secretary"

    @pytest.fixture
    def setup_rows(self, world, party):
        self.party = party
        return world

    def make(self, world, community, n):
        branch = self.party.ours_branch if community is world.ours else self.party.sibling_branch
        marker = "和顺" if community is world.ours else "邻里"
        return [
            services.create_meeting(
                actor=world.users["district_admin"],
                organization=branch,
                kind=MeetingKind.THEME_DAY,
                planned_on=TODAY + timedelta(days=i + 3),
                topic=f"{marker}主题党日{i}",
            )
            for i in range(n)
        ]

    def label(self, row):
        return row.topic


def test_the_list_filters_by_organization_kind_state_year_and_month(
    client_as, world, party, secretary, members
):
    admin = world.users["district_admin"]
    held = held_meeting(admin, party.ours_branch, on=TODAY - timedelta(days=20), topic="五月大会")
    services.create_meeting(
        actor=admin,
        organization=party.ours_grid_branch,
        kind=MeetingKind.LECTURE,
        planned_on=TODAY + timedelta(days=20),
        topic="七月党课",
        lecturer_name="讲师",
    )
    client = client_as(world.users["secretary"])
    url = reverse("orglife:meeting_list")

    def shown(**query):
        body = client.get(url, query).content.decode()
        return {t for t in ("五月大会", "七月党课") if t in body}

    assert shown() == {"五月大会", "七月党课"}
    assert shown(organization=party.ours_branch.pk) == {"五月大会"}
    assert shown(kind="lecture") == {"七月党课"}
    assert shown(state="held") == {"五月大会"}
    assert shown(year=2026, month=5) == {"五月大会"}
    assert shown(year=2026, month=7) == {"七月党课"}
    assert shown(year=2025) == set()
    response = client.get(url, {"export": "xlsx", "organization": party.ours_branch.pk})
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("会议日期", "党组织", "会议类型", "主题")
    assert len(rows) == 2 and rows[1][3] == "五月大会"
    assert rows[1][6:10] == (4, 4, 0, 0)  # 应到, 实到, 请假, 缺席
    assert held.pk


def test_the_detail_shows_roster_counts_and_the_allowed_actions(
    client_as, world, party, secretary, members
):
    meeting = notified_meeting(secretary, party.ours_branch, on=TODAY + timedelta(days=3))
    services.tick_attendance(
        meeting,
        actor=secretary,
        marks=[
            services.Mark(members[0].pk, Presence.PRESENT),
            services.Mark(members[1].pk, Presence.LEAVE, "外出"),
        ],
    )
    body = client_as(secretary).get(detail(meeting)).content.decode()
    assert "应到 4 人，实到 1 人，请假 1 人，缺席 0 人" in body
    assert "外出" in body
    for label in ("修改安排", "签到登记", "登记召开", "取消会议", "签到二维码"):
        assert label in body
    # Neither the notice (sent) nor the minutes (not held yet) are offered.
    for name in ("orglife:meeting_notify", "orglife:meeting_minutes"):
        assert reverse(name, args=[meeting.pk]) not in body
    # A user without the right to change sees no buttons.
    grid = client_as(world.users["street_admin"])
    assert grid.get(detail(meeting)).status_code == 200


def test_create_form_shows_every_error_and_keeps_the_input(client_as, party, secretary, members):
    client = client_as(secretary)
    url = reverse("orglife:meeting_create")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "organization": party.ours_branch.pk,
            "kind": "lecture",
            "planned_on": "2026-06-20",
            "topic": "",
            "place": "党群服务中心",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "请填写会议主题" in body and "党课须填写授课人" in body
    assert 'value="党群服务中心"' in body
    assert not Meeting.objects.exists()
    response = client.post(
        url,
        {
            "organization": party.ours_branch.pk,
            "kind": "lecture",
            "planned_on": "2026-06-20",
            "topic": "党史学习",
            "lecturer_name": "区委党校老师",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == detail(meeting)


def test_the_notice_button_and_its_refusal(client_as, party, secretary, members):
    client = client_as(secretary)
    late = services.create_meeting(
        actor=secretary,
        organization=party.ours_branch,
        kind=MeetingKind.ASSEMBLY,
        planned_on=TODAY + timedelta(days=1),
        topic="临时会议",
    )
    url = reverse("orglife:meeting_notify", args=[late.pk])
    response = client.post(url, {"version": late.version}, HTTP_REFERER=detail(late))
    assert response.status_code == 302
    page = client.get(detail(late)).content.decode()
    assert "至少提前2天" in page
    assert Meeting.objects.get(pk=late.pk).state == MeetingState.PLANNED
    meeting = services.create_meeting(
        actor=secretary,
        organization=party.ours_branch,
        kind=MeetingKind.ASSEMBLY,
        planned_on=TODAY + timedelta(days=2),
        topic="党员大会",
    )
    client.post(reverse("orglife:meeting_notify", args=[meeting.pk]), {"version": meeting.version})
    assert Meeting.objects.get(pk=meeting.pk).state == MeetingState.NOTIFIED
    assert Attendance.objects.filter(meeting=meeting).count() == 4


def test_ticking_names_with_a_leave_reason(client_as, party, secretary, members):
    meeting = notified_meeting(secretary, party.ours_branch, on=TODAY + timedelta(days=3))
    client = client_as(secretary)
    url = reverse("orglife:meeting_signin", args=[meeting.pk])
    assert "党员0" in client.get(url).content.decode()
    data = {
        f"presence_{members[0].pk}": "present",
        f"presence_{members[1].pk}": "leave",
        f"presence_{members[2].pk}": "leave",
        f"leave_reason_{members[2].pk}": "生病",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "党员1请假须填写事由" in response.content.decode()
    assert not Attendance.objects.filter(meeting=meeting, presence=Presence.PRESENT).exists()
    data[f"leave_reason_{members[1].pk}"] = "出差"
    assert client.post(url, data).status_code == 302
    presences = dict(
        Attendance.objects.filter(meeting=meeting).values_list("member__name", "presence")
    )
    assert presences == {"党员0": "present", "党员1": "leave", "党员2": "leave", "党员3": "unknown"}


def test_the_steps_after_the_meeting_in_pages(client_as, party, secretary, members):
    meeting = held_meeting(
        secretary,
        party.ours_branch,
        on=TODAY - timedelta(days=1),
        present={m.pk for m in members[:3]},
    )
    client = client_as(secretary)
    # A vote whose counts exceed the attendees: refused on the field, input kept.
    url = reverse("orglife:meeting_decide", args=[meeting.pk])
    response = client.post(
        url,
        {"title": "推选", "voted": "on", "votes_for": 3, "votes_against": 1, "votes_abstain": 0},
    )
    assert response.status_code == 400
    assert "合计4票，超过到会有表决权的党员3人" in response.content.decode()
    assert 'value="推选"' in response.content.decode()
    client.post(
        url,
        {"title": "推选", "voted": "on", "votes_for": 3, "votes_against": 0, "votes_abstain": 0},
    )
    minutes_url = reverse("orglife:meeting_minutes", args=[meeting.pk])
    client.post(minutes_url, {"text": "记录正文", "recorder": "组织委员"})
    client.post(reverse("orglife:meeting_approve", args=[meeting.pk]))
    response = client.post(minutes_url, {"text": "改后的记录"})
    assert response.status_code == 400 and "更正须说明原因" in response.content.decode()
    client.post(minutes_url, {"text": "改后的记录", "reason": "补充发言"})
    assert list(Minutes.objects.filter(meeting=meeting).values_list("number", "reason")) == [
        (2, "补充发言"),
        (1, ""),
    ]
    client.post(reverse("orglife:meeting_approve", args=[meeting.pk]))
    makeup = reverse("orglife:meeting_makeup", args=[meeting.pk])
    response = client.post(makeup, {"member": members[0].pk, "on": TODAY, "way": "in_person"})
    assert response.status_code == 400 and "无需补课" in response.content.decode()
    client.post(
        makeup, {"member": members[3].pk, "on": TODAY, "way": "in_person", "note": "当面传达"}
    )
    meeting.refresh_from_db()
    client.post(reverse("orglife:meeting_close", args=[meeting.pk]), {"version": meeting.version})
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CLOSED
    body = client.get(detail(meeting)).content.decode()
    assert "第2版" in body and "补充发言" in body and "当面传达" in body
    assert "赞成 3，反对 0，弃权 0" in body


def test_minutes_page_before_the_meeting_is_held_is_refused(client_as, party, secretary, members):
    meeting = notified_meeting(secretary, party.ours_branch, on=TODAY + timedelta(days=3))
    response = client_as(secretary).post(
        reverse("orglife:meeting_minutes", args=[meeting.pk]), {"text": "提前写"}
    )
    assert response.status_code == 400 and "会议尚未召开" in response.content.decode()
    assert not Minutes.objects.exists()


def test_the_sign_in_screen_and_the_members_landing(
    client_as, client, world, party, secretary, members
):
    meeting = notified_meeting(secretary, party.ours_branch, on=TODAY + timedelta(days=3))
    screen = client_as(secretary).get(reverse("orglife:meeting_screen", args=[meeting.pk]))
    body = screen.content.decode()
    assert "<svg" in body and f"?t={meeting.signin_token}" in body
    user = make_user("dy0", area=world.ours.community)
    members[0].user = user
    members[0].save(update_fields=["user"])
    client.logout()
    member = client_as(user)
    join = reverse("orglife:join", args=[meeting.pk])
    assert member.get(join).status_code == 404  # no token: nothing to see
    page = member.get(join, {"t": meeting.signin_token}).content.decode()
    assert "党员0 签到" in page
    response = member.post(f"{join}?t={meeting.signin_token}", {"t": meeting.signin_token})
    assert response.status_code == 302
    assert Attendance.objects.get(meeting=meeting, member=members[0]).presence == Presence.PRESENT
    assert "已签到" in member.get(join, {"t": meeting.signin_token}).content.decode()


def test_a_user_not_on_the_roster_is_told_so(client_as, world, party, secretary, members):
    meeting = notified_meeting(secretary, party.ours_branch, on=TODAY + timedelta(days=3))
    stranger = client_as(world.users["resident"])
    join = reverse("orglife:join", args=[meeting.pk])
    page = stranger.get(join, {"t": meeting.signin_token}).content.decode()
    assert "不在本次会议的应参会名单" in page
    stranger.post(f"{join}?t={meeting.signin_token}", {"t": meeting.signin_token})
    assert not Attendance.objects.filter(presence=Presence.PRESENT).exists()


def test_my_meetings_shows_the_content_to_a_member_on_leave(
    client_as, world, party, secretary, members
):
    user = make_user("dy3", area=world.ours.community)
    members[3].user = user
    members[3].save(update_fields=["user"])
    meeting = held_meeting(
        secretary,
        party.ours_branch,
        on=TODAY - timedelta(days=1),
        present={m.pk for m in members[:3]},
        agenda="学习新修订的条例",
    )
    services.record_decision(meeting, actor=secretary, title="开展志愿服务")
    services.record_minutes(meeting, actor=secretary, text="会议记录：大家踊跃发言")
    services.approve_minutes(meeting, actor=secretary)
    body = client_as(user).get(reverse("orglife:mine")).content.decode()
    assert "学习新修订的条例" in body and "开展志愿服务" in body and "大家踊跃发言" in body
    assert "缺席" in body


def test_another_communitys_secretary_gets_404(client_as, world, party, members):
    meeting = held_meeting(
        world.users["district_admin"], party.ours_branch, on=TODAY - timedelta(days=1)
    )
    other = make_user("lsj", Role.COMMUNITY_SECRETARY, world.sibling.community)
    client = client_as(other)
    for name in (
        "meeting_detail",
        "meeting_decide",
        "meeting_minutes",
        "meeting_screen",
        "meeting_signin",
    ):
        assert client.get(reverse(f"orglife:{name}", args=[meeting.pk])).status_code == 404, name
    assert (
        client.post(
            reverse("orglife:meeting_minutes", args=[meeting.pk]), {"text": "x"}
        ).status_code
        == 404
    )
    assert not Minutes.objects.exists()


def test_a_members_own_pages_are_in_the_menu_of_members_only(client_as, world, members):
    """我的会议, 我的学时, 我的民主评议: shown to a party member with an account, not to a
    user who is no member (a grid worker, a resident)."""
    own = [reverse(n) for n in ("orglife:mine", "orglife:study_mine", "orglife:evaluation_mine")]
    user = make_user("dy_menu", area=world.ours.community)
    menu = client_as(user).get(reverse("core:workbench")).content.decode()
    assert not any(f'href="{url}"' in menu for url in own)
    members[0].user = user
    members[0].save(update_fields=["user"])
    menu = client_as(user).get(reverse("core:workbench")).content.decode()
    assert all(f'href="{url}"' in menu for url in own)
    grid = client_as(world.users["grid_worker"]).get(reverse("core:workbench")).content.decode()
    assert not any(f'href="{url}"' in grid for url in own)
