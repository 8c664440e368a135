"""A meeting's services: roster, notice, sign-in, hold, leave and make-up, decisions with
quorum and counts, minutes and their freezing, close with study credits; every bad input
of issue 14 with its reason and field."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from gongzhi.accounts.roles import Role
from gongzhi.core.errors import Conflict, NotFoundOrForbidden, RuleViolation, RuleViolations
from gongzhi.core.models import AuditLog, Notification
from gongzhi.core.testing import make_user, race
from gongzhi.orglife import rules, selectors, services
from gongzhi.orglife.choices import Entitlement, MeetingKind, MeetingState, Presence, StudyKind
from gongzhi.orglife.models import Attendance, Meeting, StudyRecord
from gongzhi.orglife.testing import held_meeting
from gongzhi.party import services as party_services
from gongzhi.party.choices import Category, CommitteePost, MemberStatus, OrgType
from gongzhi.party.testing import add_member

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=TZ)
TODAY = NOW.date()
K, P = MeetingKind, Presence


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin(world):
    return world.users["district_admin"]


@pytest.fixture
def members(admin, party):
    """Five full members and one probationary member of our branch; the third is floating
    with an account of their own."""
    branch = party.ours_branch
    full = [add_member(admin, branch, f"党员{i}", serial=40 + i) for i in range(5)]
    probationary = add_member(
        admin, branch, "预备党员", serial=49, status=MemberStatus.PROBATIONARY
    )
    return full + [probationary]


def meeting_on(secretary, party, on=TODAY + timedelta(days=5), kind=K.ASSEMBLY, **kw):
    return services.create_meeting(
        actor=secretary,
        organization=party.ours_branch,
        kind=kind,
        planned_on=on,
        topic=kw.pop("topic", "学习党章"),
        **kw,
    )


def notify(meeting, actor):
    return services.notify_meeting(meeting, actor=actor, version=meeting.version)


def hold(meeting, actor, on=None, length=rules.HALF_DAY, hours=None):
    meeting.refresh_from_db()
    return services.hold_meeting(
        meeting,
        actor=actor,
        version=meeting.version,
        held_on=on or meeting.planned_on,
        length=length,
        hours=hours,
    )


def past_meeting(secretary, party, members, present, on=TODAY - timedelta(days=1), **kw):
    """A meeting held yesterday with ``present`` (members) present, the others absent."""
    return held_meeting(secretary, party.ours_branch, on=on, present={m.pk for m in present}, **kw)


# --- Creating ------------------------------------------------------------------------------


def test_create_checks_every_field_at_once(secretary, party, members):
    with pytest.raises(RuleViolations) as refused:
        services.create_meeting(
            actor=secretary,
            organization=party.ours_branch,
            kind=K.LECTURE,
            planned_on=TODAY,
            topic="",
            place="地" * 101,
        )
    assert {e.field for e in refused.value.errors} == {"topic", "place", "lecturer"}
    assert not Meeting.objects.exists()


def test_a_lecture_names_a_member_or_an_outside_lecturer(secretary, party, members):
    inside = meeting_on(secretary, party, kind=K.LECTURE, lecturer=members[0])
    outside = meeting_on(secretary, party, kind=K.LECTURE, lecturer_name="区委党校王老师")
    assert inside.lecturer == members[0] and outside.lecturer_name == "区委党校王老师"


def test_a_group_meeting_belongs_to_a_party_group(admin, secretary, party, members):
    with pytest.raises(RuleViolation) as refused:
        meeting_on(secretary, party, kind=K.GROUP)
    assert refused.value.field == "organization"
    group = party_services.create_organization(
        actor=admin,
        parent=party.ours_branch,
        name="第一党小组",
        org_type=OrgType.GROUP,
        area=party.ours_branch.area,
    )
    for m in members[:2]:
        m.party_group = group
        m.save(update_fields=["party_group"])
    meeting = services.create_meeting(
        actor=secretary,
        organization=group,
        kind=K.GROUP,
        planned_on=TODAY + timedelta(days=3),
        topic="小组学习",
    )
    meeting = notify(meeting, secretary)
    rows = list(meeting.attendance.all())
    assert {r.member_id for r in rows} == {members[0].pk, members[1].pk}
    assert {r.entitlement for r in rows} == {Entitlement.GROUP}
    with pytest.raises(RuleViolation) as refused:
        services.create_meeting(
            actor=secretary, organization=group, kind=K.ASSEMBLY, planned_on=TODAY, topic="x"
        )
    assert refused.value.field == "kind"


def test_another_communitys_branch_is_out_of_reach(secretary, party):
    with pytest.raises(NotFoundOrForbidden):
        services.create_meeting(
            actor=secretary,
            organization=party.sibling_branch,
            kind=K.ASSEMBLY,
            planned_on=TODAY,
            topic="越界",
        )


# --- Moving the date --------------------------------------------------------------------------


@pytest.mark.parametrize(("days", "accepted"), [(6, True), (7, True), (8, False)])
def test_a_theme_day_is_postponed_at_most_seven_days(secretary, party, days, accepted):
    original = TODAY + timedelta(days=10)
    meeting = meeting_on(secretary, party, on=original, kind=K.THEME_DAY)
    Meeting.objects.filter(pk=meeting.pk).update(slot=6, due_on=date(2026, 6, 30))
    meeting.refresh_from_db()
    move = {
        "actor": secretary,
        "version": meeting.version,
        "planned_on": original + timedelta(days=days),
        "topic": meeting.topic,
        "move_reason": "社区活动冲突",
    }
    if accepted:
        moved = services.update_meeting(meeting, **move)
        assert moved.planned_on == original + timedelta(days=days)
        assert moved.original_on == original and moved.slot == 6
        assert moved.due_on == date(2026, 6, 30) and moved.move_reason == "社区活动冲突"
    else:
        with pytest.raises(RuleViolation) as refused:
            services.update_meeting(meeting, **move)
        assert refused.value.field == "planned_on"
        assert "最多推迟7天" in refused.value.message
        assert Meeting.objects.get(pk=meeting.pk).planned_on == original


def test_a_second_move_counts_from_the_first_date(secretary, party):
    original = TODAY + timedelta(days=10)
    meeting = meeting_on(secretary, party, on=original, kind=K.THEME_DAY)
    meeting = services.update_meeting(
        meeting,
        actor=secretary,
        version=meeting.version,
        planned_on=original + timedelta(days=5),
        topic="x",
        move_reason="雨天",
    )
    with pytest.raises(RuleViolation):
        services.update_meeting(
            meeting,
            actor=secretary,
            version=meeting.version,
            planned_on=original + timedelta(days=8),
            topic="x",
            move_reason="又下雨",
        )
    assert Meeting.objects.get(pk=meeting.pk).original_on == original


def test_a_move_needs_its_reason_and_a_stale_form_conflicts(secretary, party):
    meeting = meeting_on(secretary, party)
    with pytest.raises(RuleViolation) as refused:
        services.update_meeting(
            meeting,
            actor=secretary,
            version=meeting.version,
            planned_on=meeting.planned_on + timedelta(days=1),
            topic="学习党章",
        )
    assert refused.value.field == "move_reason"
    services.update_meeting(
        meeting,
        actor=secretary,
        version=meeting.version,
        planned_on=meeting.planned_on,
        topic="新主题",
        agenda="议程",
    )
    with pytest.raises(Conflict):
        services.update_meeting(
            meeting, actor=secretary, version=1, planned_on=meeting.planned_on, topic="旧"
        )


# --- Notice and roster --------------------------------------------------------------------------


@pytest.mark.parametrize(("ahead", "accepted"), [(3, True), (2, True), (1, False)])
def test_the_notice_goes_at_least_two_days_ahead(secretary, party, members, ahead, accepted):
    meeting = meeting_on(secretary, party, on=TODAY + timedelta(days=ahead))
    if accepted:
        assert notify(meeting, secretary).state == MeetingState.NOTIFIED
    else:
        with pytest.raises(RuleViolation) as refused:
            notify(meeting, secretary)
        assert refused.value.field == "planned_on"
        assert "至少提前2天" in refused.value.message
        assert not Attendance.objects.exists()
        assert Meeting.objects.get(pk=meeting.pk).state == MeetingState.PLANNED


def test_the_roster_holds_full_and_probationary_members_in_active_standing(
    admin, secretary, party, members
):
    gone = add_member(admin, party.ours_branch, "已转出", serial=60)
    type(gone).objects.filter(pk=gone.pk).update(standing="transferred_out")
    elsewhere = add_member(admin, party.ours_grid_branch, "网格党员", serial=61)
    meeting = notify(meeting_on(secretary, party), secretary)
    rows = {r.member_id: r.entitlement for r in meeting.attendance.all()}
    assert set(rows) == {m.pk for m in members}
    assert rows[members[-1].pk] == Entitlement.PROBATIONARY
    assert rows[members[0].pk] == Entitlement.MEMBER
    assert gone.pk not in rows and elsewhere.pk not in rows


def test_a_committee_meeting_of_a_community_committee_takes_its_seats(admin, party, members):
    for member, post in ((members[0], CommitteePost.SECRETARY), (members[1], CommitteePost.MEMBER)):
        party_services.add_seat(
            actor=admin,
            organization=party.ours_committee,
            member=member,
            post=post,
            started_on=date(2024, 1, 1),
        )
    meeting = services.create_meeting(
        actor=admin,
        organization=party.ours_committee,
        kind=K.COMMITTEE,
        planned_on=TODAY + timedelta(days=2),
        topic="委员会",
    )
    meeting = notify(meeting, admin)
    assert {r.member_id for r in meeting.attendance.all()} == {members[0].pk, members[1].pk}
    # A meeting of the whole committee's members reaches its subtree.
    assembly = services.create_meeting(
        actor=admin,
        organization=party.ours_committee,
        kind=K.ASSEMBLY,
        planned_on=TODAY + timedelta(days=2),
        topic="党员大会",
    )
    assert assembly and len(services.entitled_members(assembly)) == len(members)


def test_the_notice_reaches_members_with_an_account(world, secretary, party, members):
    account = make_user("dy1", area=world.ours.community)
    members[0].user = account
    members[0].save(update_fields=["user"])
    meeting = notify(meeting_on(secretary, party), secretary)
    notes = list(Notification.objects.filter(kind="orglife.notice"))
    assert [n.user_id for n in notes] == [account.pk]
    assert "会议通知" in notes[0].title and "党员大会" in notes[0].title
    assert meeting.signin_token
    assert AuditLog.objects.filter(action="orglife.meeting.notify").exists()
    # A change of date or place after the notice is told again; of the agenda alone, not.
    meeting = services.update_meeting(
        meeting,
        actor=secretary,
        version=meeting.version,
        planned_on=meeting.planned_on,
        topic=meeting.topic,
        agenda="新议程",
    )
    assert Notification.objects.filter(kind="orglife.notice").count() == 1
    services.update_meeting(
        meeting,
        actor=secretary,
        version=meeting.version,
        planned_on=meeting.planned_on + timedelta(days=1),
        topic=meeting.topic,
        place="党群服务中心二楼",
        move_reason="会议室被占用",
    )
    change = Notification.objects.filter(kind="orglife.notice").order_by("-id").first()
    assert change.title.startswith("会议变更：") and "党群服务中心二楼" in change.title


# --- Sign-in ---------------------------------------------------------------------------------


def member_user(world, member, name):
    user = make_user(name, area=world.ours.community)
    member.user = user
    member.save(update_fields=["user"])
    return user


def test_a_member_signs_in_by_the_qr_code_as_themselves(world, secretary, party, members):
    user = member_user(world, members[0], "dy0")
    meeting = notify(meeting_on(secretary, party), secretary)
    row = services.sign_in_self(meeting, actor=user, token=meeting.signin_token)
    assert row.presence == P.PRESENT and row.way == "qr" and row.signed_at is not None
    with pytest.raises(RuleViolation) as refused:
        services.sign_in_self(meeting, actor=user, token="wrong")
    assert refused.value.field == "token"


def test_a_sign_in_by_a_member_not_entitled_is_refused(admin, world, secretary, party, members):
    outsider = add_member(admin, party.ours_grid_branch, "网格党员", serial=70)
    user = member_user(world, outsider, "wgdy")
    meeting = notify(meeting_on(secretary, party), secretary)
    with pytest.raises(RuleViolation) as refused:
        services.sign_in_self(meeting, actor=user, token=meeting.signin_token)
    assert "不在本次会议的应参会名单" in refused.value.message
    assert refused.value.field == "member"
    with pytest.raises(RuleViolation) as refused:
        services.tick_attendance(
            meeting, actor=secretary, marks=[services.Mark(outsider.pk, P.PRESENT)]
        )
    assert "不在应参会名单" in refused.value.message
    assert not Attendance.objects.filter(member=outsider).exists()


def test_online_attendance_only_for_floating_members_when_allowed(world, secretary, party, members):
    type(members[1]).objects.filter(pk=members[1].pk).update(category=Category.FLOATING)
    floating = member_user(world, members[1], "ld")
    settled = member_user(world, members[2], "zg")
    closed = notify(meeting_on(secretary, party), secretary)
    with pytest.raises(RuleViolation) as refused:
        services.sign_in_self(closed, actor=floating, token=closed.signin_token, online=True)
    assert refused.value.field == "online" and "不允许线上" in refused.value.message
    open_ = notify(meeting_on(secretary, party, online_allowed=True), secretary)
    with pytest.raises(RuleViolation) as refused:
        services.sign_in_self(open_, actor=settled, token=open_.signin_token, online=True)
    assert "只有流动党员" in refused.value.message
    row = services.sign_in_self(open_, actor=floating, token=open_.signin_token, online=True)
    assert row.presence == P.ONLINE and row.way == "online"


def test_ticks_need_a_reason_for_each_leave_all_at_once(secretary, party, members):
    meeting = notify(meeting_on(secretary, party), secretary)
    with pytest.raises(RuleViolations) as refused:
        services.tick_attendance(
            meeting,
            actor=secretary,
            marks=[
                services.Mark(members[0].pk, P.LEAVE),
                services.Mark(members[1].pk, P.LEAVE),
                services.Mark(members[2].pk, P.PRESENT),
            ],
        )
    assert {e.field for e in refused.value.errors} == {
        f"leave_reason_{members[0].pk}",
        f"leave_reason_{members[1].pk}",
    }
    assert not Attendance.objects.filter(meeting=meeting, presence=P.PRESENT).exists()
    services.record_leave(meeting, actor=secretary, member=members[0], reason="出差")
    row = Attendance.objects.get(meeting=meeting, member=members[0])
    assert (row.presence, row.leave_reason) == (P.LEAVE, "出差")


def test_sign_ins_and_ticks_at_the_same_time_lose_none(world, secretary, party, members):
    """Each sign-in writes its own row: the secretary's form read before a member signed
    in by QR does not undo it, and two sign-ins read from one stale meeting both stay."""
    users = [member_user(world, m, f"dy{i}") for i, m in enumerate(members[:3])]
    meeting = notify(meeting_on(secretary, party), secretary)
    stale_a, stale_b = Meeting.objects.get(pk=meeting.pk), Meeting.objects.get(pk=meeting.pk)
    services.sign_in_self(stale_a, actor=users[0], token=meeting.signin_token)
    services.sign_in_self(stale_b, actor=users[1], token=meeting.signin_token)
    services.tick_attendance(
        stale_a, actor=secretary, marks=[services.Mark(members[3].pk, P.PRESENT)]
    )
    services.sign_in_self(stale_b, actor=users[2], token=meeting.signin_token)
    present = set(
        Attendance.objects.filter(meeting=meeting, presence=P.PRESENT).values_list(
            "member_id", flat=True
        )
    )
    assert present == {m.pk for m in members[:4]}


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ins_in_threads_lose_none(flushable_audit_log):
    """Members scan the code at the same moment, each in a thread with its own database
    connection (a file-backed SQLite, GONGZHI_TEST_DB, or PostgreSQL; SQLite in memory
    refuses a second writer instead of making it wait)."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("SQLite in memory: set GONGZHI_TEST_DB, or run on PostgreSQL")
    from gongzhi.core.testing import build_world
    from gongzhi.party.testing import build_party

    world = build_world()
    party = build_party(world)
    admin = world.users["district_admin"]
    members = [add_member(admin, party.ours_branch, f"并发{i}", serial=80 + i) for i in range(6)]
    users = [member_user(world, m, f"bf{i}") for i, m in enumerate(members)]
    meeting = notify(meeting_on(admin, party), admin)
    race(
        lambda user: services.sign_in_self(
            Meeting.objects.get(pk=meeting.pk), actor=user, token=meeting.signin_token
        ),
        users,
    )
    assert Attendance.objects.filter(meeting=meeting, presence=P.PRESENT).count() == len(users)


# --- Holding ---------------------------------------------------------------------------------


def test_hold_marks_the_unmarked_absent_and_counts_class_hours(secretary, party, members):
    meeting = past_meeting(secretary, party, members, present=members[:4])
    assert meeting.state == MeetingState.HELD and meeting.class_hours == Decimal("4")
    c = services.counts(meeting)
    assert (c.entitled, c.attended, c.absent, c.unknown) == (6, 4, 2, 0)
    # Once held, a name can be corrected but not left unmarked.
    with pytest.raises(RuleViolation):
        services.tick_attendance(
            meeting, actor=secretary, marks=[services.Mark(members[4].pk, P.UNKNOWN)]
        )
    services.tick_attendance(
        meeting, actor=secretary, marks=[services.Mark(members[4].pk, P.LEAVE, "病假")]
    )
    assert services.counts(meeting).leave == 1


def test_hold_refuses_a_future_date_and_a_date_before_the_notice(secretary, party, members):
    meeting = notify(meeting_on(secretary, party, on=TODAY + timedelta(days=3)), secretary)
    with pytest.raises(RuleViolation) as refused:
        hold(meeting, secretary, on=TODAY + timedelta(days=1))
    assert refused.value.field == "held_on"
    with pytest.raises(RuleViolation) as refused:
        hold(meeting, secretary, on=TODAY - timedelta(days=1))
    assert refused.value.field == "held_on" and "通知日期" in refused.value.message
    with pytest.raises(RuleViolations) as refused:
        hold(meeting, secretary, on=TODAY + timedelta(days=1), length=rules.HOURS, hours=None)
    assert {e.field for e in refused.value.errors} == {"held_on", "hours"}
    held = hold(meeting, secretary, on=TODAY, length=rules.HOURS, hours=Decimal("2.5"))
    assert held.class_hours == Decimal("2.5")


@pytest.mark.parametrize(("length", "hours"), [(rules.FULL_DAY, "8"), (rules.HALF_DAY, "4")])
def test_a_full_day_counts_eight_and_half_a_day_four(secretary, party, members, length, hours):
    meeting = notify(meeting_on(secretary, party, on=TODAY + timedelta(days=2)), secretary)
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        assert hold(meeting, secretary, length=length).class_hours == Decimal(hours)


# --- Make-up ---------------------------------------------------------------------------------


def test_make_up_for_an_attendee_is_refused(secretary, party, members):
    meeting = past_meeting(secretary, party, members, present=members[:4])
    with pytest.raises(RuleViolation) as refused:
        services.record_makeup(
            meeting, actor=secretary, member=members[0], on=TODAY, way="in_person"
        )
    assert refused.value.field == "member" and "已参加本次会议" in refused.value.message
    row = services.record_makeup(
        meeting, actor=secretary, member=members[4], on=TODAY, way="materials", note="自学记录"
    )
    assert (row.makeup_on, row.makeup_way) == (TODAY, "materials")


def test_make_up_dates_are_neither_future_nor_before_the_meeting(secretary, party, members):
    meeting = past_meeting(secretary, party, members, present=members[:4])
    for on in (TODAY + timedelta(days=1), meeting.held_on - timedelta(days=1)):
        with pytest.raises(RuleViolation) as refused:
            services.record_makeup(meeting, actor=secretary, member=members[5], on=on, way="phone")
        assert refused.value.field == "on"


def test_the_member_sees_the_content_of_a_meeting_they_missed(world, secretary, party, members):
    user = member_user(world, members[5], "qj")
    meeting = past_meeting(secretary, party, members, present=members[:4])
    services.record_decision(meeting, actor=secretary, title="表彰优秀党员", text="同意")
    services.record_minutes(meeting, actor=secretary, text="会议记录正文")
    services.approve_minutes(meeting, actor=secretary)
    rows = list(selectors.my_attendance(user))
    assert [r.meeting_id for r in rows] == [meeting.pk]
    assert [m.text for m in rows[0].meeting.approved] == ["会议记录正文"]
    assert [d.title for d in rows[0].meeting.decisions.all()] == ["表彰优秀党员"]
    assert list(selectors.my_attendance(world.users["resident"])) == []


# --- Decisions -------------------------------------------------------------------------------


def test_a_vote_without_quorum_is_refused_and_the_meeting_stays(secretary, party, members):
    # 5 full members entitled to vote: 2 present is not more than half.
    meeting = past_meeting(secretary, party, members, present=members[:2] + [members[5]])
    with pytest.raises(RuleViolation) as refused:
        services.record_decision(meeting, actor=secretary, title="推选", voted=True, votes_for=2)
    assert "应到5人，实到2人，未过半数" in refused.value.message
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.HELD and meeting.held_on == TODAY - timedelta(days=1)
    assert not meeting.decisions.exists()
    # A matter recorded without a vote needs no quorum at a members' meeting.
    assert services.record_decision(meeting, actor=secretary, title="传达文件").passed


@pytest.mark.parametrize(("present", "accepted"), [(2, False), (3, True)])
def test_quorum_is_more_than_half_of_those_entitled_to_vote(
    secretary, party, members, present, accepted
):
    meeting = past_meeting(secretary, party, members, present=members[:present])
    vote = {"actor": secretary, "title": "表决", "voted": True, "votes_for": present}
    if accepted:
        assert services.record_decision(meeting, **vote).passed
    else:
        with pytest.raises(RuleViolation):
            services.record_decision(meeting, **vote)


def test_probationary_members_do_not_vote(secretary, party, members):
    meeting = past_meeting(secretary, party, members, present=members[:3] + [members[5]])
    c = services.counts(meeting)
    assert (c.voters, c.voters_attended, c.attended) == (5, 3, 4)
    with pytest.raises(RuleViolation) as refused:
        services.record_decision(meeting, actor=secretary, title="表决", voted=True, votes_for=4)
    assert refused.value.field == "votes_for"
    assert "合计4票，超过到会有表决权的党员3人" in refused.value.message


def test_vote_counts_above_the_attendees_are_refused(secretary, party, members):
    meeting = past_meeting(secretary, party, members, present=members[:5])
    with pytest.raises(RuleViolation) as refused:
        services.record_decision(
            meeting,
            actor=secretary,
            title="表决",
            voted=True,
            votes_for=3,
            votes_against=2,
            votes_abstain=1,
        )
    assert refused.value.field == "votes_for"
    decision = services.record_decision(
        meeting,
        actor=secretary,
        title="表决",
        voted=True,
        secret_ballot=True,
        votes_for=3,
        votes_against=1,
        votes_abstain=1,
    )
    assert decision.passed and decision.secret_ballot


@pytest.mark.parametrize(("votes_for", "passed"), [(2, False), (3, True)])
def test_a_vote_passes_with_more_than_half_of_those_entitled(
    secretary, party, members, votes_for, passed
):
    meeting = past_meeting(secretary, party, members, present=members[:5])
    decision = services.record_decision(
        meeting,
        actor=secretary,
        title="表决",
        voted=True,
        votes_for=votes_for,
        votes_against=5 - votes_for,
    )
    assert decision.passed is passed
    assert rules.vote_passes(3, 5) and not rules.vote_passes(2, 4) and rules.vote_passes(3, 4)


@pytest.mark.parametrize(("present", "accepted"), [(1, False), (2, True)])
def test_a_committee_meeting_needs_more_than_half_of_the_committee(
    admin, party, members, present, accepted
):
    for member in members[:3]:
        party_services.add_seat(
            actor=admin,
            organization=party.ours_branch,
            member=member,
            post=CommitteePost.MEMBER,
            started_on=date(2024, 1, 1),
        )
    meeting = held_meeting(
        admin,
        party.ours_branch,
        on=TODAY - timedelta(days=1),
        kind=K.COMMITTEE,
        present={m.pk for m in members[:present]},
    )
    if accepted:
        assert services.record_decision(meeting, actor=admin, title="研究发展对象")
    else:
        with pytest.raises(RuleViolation) as refused:
            services.record_decision(meeting, actor=admin, title="研究发展对象")
        assert "应到3人，实到1人，未过半数" in refused.value.message


# --- Minutes and close --------------------------------------------------------------------------


def test_minutes_before_the_meeting_is_held_are_refused(secretary, party, members):
    meeting = notify(meeting_on(secretary, party), secretary)
    with pytest.raises(RuleViolation) as refused:
        services.record_minutes(meeting, actor=secretary, text="提前写好的记录")
    assert "会议尚未召开" in refused.value.message and refused.value.field == "state"
    assert "minutes" not in services.WORKFLOW.allowed(meeting, secretary)


def test_approved_minutes_are_frozen_and_a_change_is_a_new_version(secretary, party, members):
    meeting = past_meeting(secretary, party, members, present=members)
    first = services.record_minutes(meeting, actor=secretary, text="初稿", recorder="组织委员")
    assert services.record_minutes(meeting, actor=secretary, text="修改稿").pk == first.pk
    services.approve_minutes(meeting, actor=secretary)
    with pytest.raises(RuleViolation) as refused:
        services.record_minutes(meeting, actor=secretary, text="审定后偷偷改")
    assert refused.value.field == "reason" and "已于" in refused.value.message
    second = services.record_minutes(meeting, actor=secretary, text="更正稿", reason="人数记错")
    assert (second.number, second.reason, second.author) == (2, "人数记错", secretary)
    first.refresh_from_db()
    assert first.text == "修改稿" and first.approved_at is not None
    assert "approve" in services.WORKFLOW.allowed(meeting, secretary)


def test_close_needs_approved_minutes_and_credits_the_attendees(secretary, party, members):
    meeting = past_meeting(
        secretary, party, members, present=members[:4], kind=K.LECTURE, lecturer=members[0]
    )
    assert "close" not in services.WORKFLOW.allowed(meeting, secretary)
    with pytest.raises(RuleViolation) as refused:
        services.close_meeting(meeting, actor=secretary, version=meeting.version)
    assert refused.value.field == "minutes"
    services.record_minutes(meeting, actor=secretary, text="党课记录")
    services.approve_minutes(meeting, actor=secretary)
    meeting.refresh_from_db()
    closed = services.close_meeting(meeting, actor=secretary, version=meeting.version)
    assert closed.state == MeetingState.CLOSED
    records = StudyRecord.objects.filter(meeting=meeting)
    assert {r.member_id for r in records} == {m.pk for m in members[:4]}
    assert {(r.kind, r.hours, r.year, r.on) for r in records} == {
        (StudyKind.LECTURE, Decimal("4"), 2026, TODAY - timedelta(days=1))
    }


def test_cancel_needs_a_reason(secretary, party):
    meeting = meeting_on(secretary, party)
    with pytest.raises(RuleViolation) as refused:
        services.cancel_meeting(meeting, actor=secretary, version=meeting.version, reason=" ")
    assert refused.value.field == "reason"
    cancelled = services.cancel_meeting(
        meeting, actor=secretary, version=meeting.version, reason="疫情"
    )
    assert cancelled.state == MeetingState.CANCELLED
    assert services.WORKFLOW.allowed(cancelled, secretary) == []


def test_what_each_state_offers(secretary, party, members, world):
    meeting = meeting_on(secretary, party)
    assert services.WORKFLOW.allowed(meeting, secretary) == ["update", "notify", "cancel"]
    assert services.WORKFLOW.allowed(meeting, world.users["grid_worker"]) == []
    notified = notify(meeting, secretary)
    assert services.WORKFLOW.allowed(notified, secretary) == ["update", "signin", "hold", "cancel"]
    held = past_meeting(secretary, party, members, present=members)
    assert services.WORKFLOW.allowed(held, secretary) == ["signin", "decide", "minutes", "makeup"]


def test_another_communitys_secretary_reaches_nothing(world, admin, party, members):
    mine = past_meeting(admin, party, members, present=members)
    other = make_user("lsj", Role.COMMUNITY_SECRETARY, world.sibling.community)
    with pytest.raises(NotFoundOrForbidden):
        selectors.get_meeting(other, mine.pk)
    with pytest.raises(NotFoundOrForbidden):
        services.record_minutes(mine, actor=other, text="越界")
    assert not selectors.meetings_for(other).exists()
