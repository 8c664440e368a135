"""The organizational-life demo (issue 14): a year of meetings for the demo street with
the records the meeting services write, the gaps it promises, the evaluation round,
talks, and the demo branch secretary ``zhibu``.

The street, its accounts and the party side are loaded once for the module (without the
other modules' demo data, which orglife does not use), then orglife's loader, timed."""

import re
import time
from collections import defaultdict
from datetime import timedelta
from io import StringIO
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.test.utils import override_settings
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.core.bulk import refresh_statistics
from gongzhi.core.management.commands.demo import DEMO_PASSWORD, PRINTED_ACCOUNTS, Command
from gongzhi.core.testing import sign_in
from gongzhi.orglife import demo, rules
from gongzhi.orglife.choices import (
    ATTENDED,
    CorrectionState,
    Entitlement,
    Grade,
    MeetingKind,
    MeetingState,
    Presence,
    RoundState,
    StudyKind,
    TalkPair,
)
from gongzhi.orglife.models import (
    Attendance,
    BallotReceipt,
    Correction,
    CorrectionFollowUp,
    Decision,
    Evaluation,
    EvaluationRound,
    Meeting,
    Minutes,
    PeerComment,
    Plan,
    StudyRecord,
    Talk,
)
from gongzhi.orglife.permissions import VIEW
from gongzhi.party import demo as party_demo
from gongzhi.party.choices import CommitteePost, MemberStatus, OrgType, Standing
from gongzhi.party.models import CommitteeSeat, Member, Organization

K = MeetingKind
HAPPENED = (MeetingState.HELD, MeetingState.CLOSED)
MODELS = [
    Plan,
    Meeting,
    Attendance,
    Decision,
    Minutes,
    EvaluationRound,
    Evaluation,
    PeerComment,
    BallotReceipt,
    Correction,
    CorrectionFollowUp,
    StudyRecord,
    Talk,
]
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def _loaded(django_db_setup, django_db_blocker):
    """The street, its accounts and the party side, then orglife's demo (timed), in a
    transaction rolled back after the module's last test."""
    from django.core.cache import cache

    code = settings.GONGZHI_DISTRICT_CODE
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
    ):
        cache.clear()
        Command(stdout=StringIO())._load(code)
        party_demo.load(code)
        started = time.process_time()
        message = demo.load(code)
        seconds = time.process_time() - started
        refresh_statistics()  # as `gongzhi demo` does after each part
        print(f"\norglife demo: {seconds:.2f} s of CPU — {message}")  # noqa: T201
        yield SimpleNamespace(code=code, message=message, seconds=seconds)
        transaction.set_rollback(True)


@pytest.fixture
def loaded(_loaded, db):
    return _loaded


@pytest.fixture
def today():
    return timezone.localdate()


def branch(name: str) -> Organization:
    return Organization.objects.get(name=f"和顺社区{name}")


def happened():
    return Meeting.objects.filter(state__in=HAPPENED)


def test_the_loader_reports_and_a_second_run_adds_nothing(loaded):
    assert "次会议" in loaded.message and demo.BRANCH_SECRETARY in loaded.message
    before = {model: model.objects.count() for model in MODELS}
    assert all(before.values()), before
    again = demo.load(loaded.code)
    assert again == "组织生活的演示数据已存在，未重复加载。"
    assert {model: model.objects.count() for model in MODELS} == before
    assert loaded.seconds < 60  # measured: about 5 s of CPU on SQLite


def test_plans_for_last_year_and_this_year_follow_the_rules(loaded, today):
    years = (today.year - 1, today.year)
    planned = Organization.objects.filter(path__startswith=f"/{loaded.code}/").exclude(
        org_type=OrgType.WORKING_COMMITTEE
    )
    plans = Plan.objects.select_related("organization")
    assert plans.count() == planned.count() * 2
    for plan in plans:
        assert plan.year in years and plan.path == plan.organization.path
        expected = {
            (s.kind, s.slot): s
            for s in rules.slots(plan.organization.org_type, plan.year, plan.theme_day)
        }
        meetings = list(Meeting.objects.filter(plan=plan))
        assert {(m.kind, m.slot) for m in meetings} == set(expected), plan
        for m in meetings:
            slot = expected[m.kind, m.slot]
            assert (m.year, m.due_on, m.path) == (slot.year, slot.due_on, plan.path)
            assert (m.original_on or m.planned_on) == slot.planned_on
    # Last year is complete, this year's meetings up to today are held.
    assert not Meeting.objects.filter(
        year=today.year - 1, state__in=[MeetingState.PLANNED, MeetingState.NOTIFIED]
    ).exclude(due_on__gte=today - timedelta(days=70))
    assert happened().filter(year=today.year).exists() or today.month == 1


def test_every_closed_meeting_has_approved_minutes_roster_and_class_hours(loaded, today):
    closed = Meeting.objects.filter(state=MeetingState.CLOSED)
    assert closed.count() > 2000
    assert not closed.filter(minutes__isnull=True)
    assert not closed.exclude(minutes__approved_at__isnull=False)
    assert not closed.filter(attendance__isnull=True)
    assert not happened().filter(Q(held_on__isnull=True) | Q(class_hours__isnull=True))
    assert not happened().filter(held_on__gt=today)
    assert not happened().filter(notified_at__isnull=True)
    for m in happened().filter(organization__path__contains="/002/")[:300]:
        assert m.notified_at.date() <= rules.notice_deadline(m.held_on), m
    # Nothing that has happened is dated in the future.
    now = timezone.now()
    assert not Attendance.objects.filter(signed_at__gt=now)
    assert not Attendance.objects.filter(makeup_on__gt=today)
    assert not Minutes.objects.filter(approved_at__gt=now)
    assert not Meeting.objects.filter(notified_at__gt=now)
    assert not StudyRecord.objects.filter(on__gt=today)
    assert not Talk.objects.filter(held_on__gt=today)
    # Meetings not held have no record; a notified one has its roster, nobody signed in.
    not_held = Meeting.objects.exclude(state__in=HAPPENED)
    assert not Minutes.objects.filter(meeting__in=not_held)
    assert not Attendance.objects.filter(meeting__in=not_held.filter(notified_at=None))
    told = Attendance.objects.filter(meeting__in=not_held.exclude(notified_at=None))
    assert told.exists() and not told.exclude(presence=Presence.UNKNOWN)
    assert not Meeting.objects.filter(state=MeetingState.NOTIFIED, attendance__isnull=True)


def test_one_meeting_has_a_corrected_second_version_of_its_minutes(loaded):
    corrected = Minutes.objects.filter(number=2)
    assert corrected.count() == 1
    second = corrected.get()
    first = Minutes.objects.get(meeting=second.meeting, number=1)
    assert second.reason == demo.CORRECTION_REASON and not first.reason
    assert first.approved_at < second.approved_at and second.approved_by_id
    assert first.text != second.text
    assert second.meeting.organization.name == "和顺社区第1网格党支部"


def entitled(meeting: Meeting, seats, members, groups) -> dict[int, str]:
    """{member id: entitlement} of a meeting's roster by the rules of the brief."""
    org = meeting.organization
    if meeting.kind == K.COMMITTEE:
        return dict.fromkeys(seats[org.pk], Entitlement.COMMITTEE)
    if meeting.kind == K.GROUP:
        return {m.pk: Entitlement.GROUP for m in groups[org.pk] if m.admitted_on <= meeting.held_on}
    result = {}
    for m in members[org.pk]:
        if m.admitted_on > meeting.held_on:
            continue
        full = m.status == MemberStatus.FULL and (
            m.converted_on is None or m.converted_on <= meeting.held_on
        )
        result[m.pk] = Entitlement.MEMBER if full else Entitlement.PROBATIONARY
    return result


def test_attendance_is_only_for_the_members_entitled(loaded):
    orgs = {o.pk: o for o in Organization.objects.all()}
    seats = defaultdict(set)
    for seat in CommitteeSeat.objects.all():
        seats[seat.organization_id].add(seat.member_id)
    members, groups = defaultdict(list), defaultdict(list)
    for m in Member.objects.filter(standing=Standing.ACTIVE):
        for org in orgs.values():
            if org.org_type in (OrgType.COMMITTEE,) and orgs[
                m.organization_id
            ].tree_path.startswith(org.tree_path):
                members[org.pk].append(m)
        members[m.organization_id].append(m)
        if m.party_group_id:
            groups[m.party_group_id].append(m)
    roster = defaultdict(dict)
    for meeting_id, member_id, entitlement in Attendance.objects.values_list(
        "meeting_id", "member_id", "entitlement"
    ):
        roster[meeting_id][member_id] = entitlement
    checked = 0
    for meeting in happened().select_related("organization"):
        assert roster[meeting.pk] == entitled(meeting, seats, members, groups), meeting
        checked += 1
    for meeting in Meeting.objects.exclude(state__in=HAPPENED).exclude(notified_at=None):
        meeting.held_on = timezone.localtime(meeting.notified_at).date()
        assert roster[meeting.pk] == entitled(meeting, seats, members, groups), meeting
    assert checked > 2000
    # The groups were given members; each group meeting has a roster.
    assert not happened().filter(kind=K.GROUP, attendance__isnull=True)


def test_presence_is_realistic_and_absences_are_made_up(loaded):
    rows = Attendance.objects.filter(meeting__state=MeetingState.CLOSED)
    total = rows.count()
    attended = rows.filter(presence__in=ATTENDED).count()
    assert 0.8 <= attended / total <= 0.92, attended / total
    assert not rows.filter(presence=Presence.UNKNOWN)
    assert not rows.filter(presence__in=ATTENDED, signed_at__isnull=True)
    assert not rows.filter(presence__in=ATTENDED).exclude(makeup_on=None)
    assert not rows.filter(presence=Presence.LEAVE, leave_reason="")
    assert rows.filter(presence=Presence.ABSENT).exists()
    assert rows.filter(presence=Presence.ONLINE, meeting__online_allowed=True).exists()
    assert not rows.filter(presence=Presence.ONLINE, meeting__online_allowed=False)
    missed = rows.exclude(presence__in=ATTENDED)
    made_up = missed.filter(makeup_on__isnull=False)
    assert 0.6 <= made_up.count() / missed.count() < 1
    assert not made_up.filter(makeup_way="")
    for row in made_up.select_related("meeting")[:500]:
        assert row.makeup_on > row.meeting.held_on


def test_decisions_are_within_the_attendees_and_the_quorum(loaded):
    stats = (
        happened()
        .annotate(
            entitled=Count("attendance", distinct=True),
            attended=Count(
                "attendance", filter=Q(attendance__presence__in=ATTENDED), distinct=True
            ),
        )
        .in_bulk()
    )
    voted = Decision.objects.filter(voted=True).select_related("meeting")
    assert voted.count() > 100 and voted.filter(secret_ballot=True).exists()
    for d in voted:
        m = stats[d.meeting_id]
        assert d.votes_for + d.votes_against + d.votes_abstain <= m.attended, d
        assert rules.has_quorum(m.attended, m.entitled), d
        voters = Attendance.objects.filter(meeting=d.meeting, entitlement=Entitlement.MEMBER)
        assert (
            d.votes_for + d.votes_against + d.votes_abstain
            <= voters.filter(presence__in=ATTENDED).count()
        )
        assert d.passed == (d.votes_for * 2 > voters.count())
        assert d.passed
    assert not Decision.objects.filter(voted=False, passed=False)
    for m in stats.values():
        if m.kind == K.COMMITTEE:
            assert rules.has_quorum(m.attended, m.entitled), m


def test_study_credits_are_those_of_closing_the_meetings(loaded):
    credits, titles = defaultdict(list), defaultdict(set)
    for member_id, meeting_id, kind, hours, year, on, title in StudyRecord.objects.filter(
        meeting__isnull=False
    ).values_list("member_id", "meeting_id", "kind", "hours", "year", "on", "title"):
        credits[meeting_id].append((member_id, kind, hours, year, on))
        titles[meeting_id].add(title)
    attendees = defaultdict(set)
    for meeting_id, member_id in Attendance.objects.filter(presence__in=ATTENDED).values_list(
        "meeting_id", "member_id"
    ):
        attendees[meeting_id].add(member_id)
    closed = Meeting.objects.filter(state=MeetingState.CLOSED)
    assert set(credits) == set(closed.values_list("pk", flat=True))
    for m in closed:
        lines = credits[m.pk]
        assert sorted(c[0] for c in lines) == sorted(attendees[m.pk]), m
        kind = StudyKind.LECTURE if m.kind == K.LECTURE else StudyKind.MEETING
        assert {c[1:] for c in lines} == {(kind, m.class_hours, m.held_on.year, m.held_on)}
        assert titles[m.pk] == {f"{K(m.kind).label}：{m.topic}"}
    # Half a day counts 4 class hours, the others by the hour.
    assert set(closed.filter(kind=K.THEME_DAY).values_list("class_hours", flat=True)) == {
        rules.class_hours(rules.HALF_DAY, None, closed.first().held_on)
    }
    # Courses and trainings besides the meetings.
    assert StudyRecord.objects.filter(kind=StudyKind.COURSE).exists()
    training = StudyRecord.objects.filter(kind=StudyKind.TRAINING).first()
    if training:
        assert training.hours == training.days * 8 and training.level


def test_the_gaps(loaded, today):
    home = branch("第1网格党支部")
    overdue = Meeting.objects.filter(
        path__startswith=home.path.rsplit("/", 2)[0] + "/",
        state__in=[MeetingState.PLANNED, MeetingState.NOTIFIED],
        due_on__lt=today,
    )
    assert overdue.exists()
    skipped = overdue.filter(organization=home)
    assert sorted(skipped.values_list("kind", flat=True)) == [K.COMMITTEE, K.COMMITTEE, K.THEME_DAY]
    assert all(today - m.due_on < timedelta(days=70) for m in skipped)
    # A theme day held late, within the week allowed.
    late = Meeting.objects.get(organization=branch("第2网格党支部"), original_on__isnull=False)
    assert late.kind == K.THEME_DAY and late.move_reason and late.state in HAPPENED
    assert late.original_on < late.held_on <= rules.latest_theme_day(late.original_on)
    assert late.held_on <= late.due_on
    # A meeting cancelled with its reason.
    storm = Meeting.objects.get(cancel_reason=demo.STORM_REASON)
    assert storm.state == MeetingState.CANCELLED and storm.kind == K.GROUP
    assert not Meeting.objects.filter(state=MeetingState.CANCELLED, cancel_reason="")
    # The only overdue meetings of the street are those skipped on purpose.
    assert set(
        Meeting.objects.filter(
            state__in=[MeetingState.PLANNED, MeetingState.NOTIFIED], due_on__lt=today
        )
    ) == set(skipped)
    # Ahead: the next days' meetings notified (with their roster), the later ones planned.
    ahead = Meeting.objects.filter(planned_on__gte=today).exclude(state=MeetingState.CANCELLED)
    soon = today + timedelta(days=demo.NOTIFIED_AHEAD)
    assert not ahead.filter(planned_on__lte=soon).exclude(state=MeetingState.NOTIFIED)
    assert not ahead.filter(planned_on__gt=soon).exclude(state=MeetingState.PLANNED)
    # Only what lies ahead is notified and not held.
    assert not Meeting.objects.filter(state=MeetingState.NOTIFIED, planned_on__lt=today)


def test_the_secretary_lectures_in_most_branches_but_one(loaded, today):
    lectured = set(
        Meeting.objects.filter(
            kind=K.LECTURE, year=today.year, state__in=HAPPENED, lecturer__isnull=False
        )
        .filter(lecturer__seats__post=CommitteePost.SECRETARY)
        .values_list("organization__name", flat=True)
    )
    if today.month > 6:
        branches = Organization.objects.filter(
            org_type__in=[
                OrgType.BRANCH,
                OrgType.GRID_BRANCH,
                OrgType.JOINT_BRANCH,
                OrgType.COURTYARD_BRANCH,
            ],
            seats__post=CommitteePost.SECRETARY,
        )
        assert len(lectured) >= branches.count() - 1
    assert "和顺社区第3网格党支部" not in lectured
    assert not Meeting.objects.filter(
        kind=K.LECTURE, state__in=HAPPENED, lecturer__isnull=True, lecturer_name=""
    )


def test_last_years_evaluation_round_is_decided_within_the_cap(loaded, today):
    rounds = EvaluationRound.objects.filter(year=today.year - 1)
    assert rounds.exists() and not rounds.exclude(state=RoundState.DECIDED)
    for r in rounds:
        entries = list(r.entries.all())
        excellent = sum(e.grade == Grade.EXCELLENT for e in entries)
        assert excellent <= rules.excellent_cap(len(entries), r.decided_on), r
        assert r.meeting.kind == K.EVALUATION and r.meeting.state == MeetingState.CLOSED
        assert r.decided_on == r.meeting.held_on
        assert r.receipts.count() == r.online_ballots
        for e in entries:
            assert e.grade == e.proposed
            votes = e.votes_excellent + e.votes_qualified + e.votes_basic + e.votes_unqualified
            assert votes == r.paper_ballots + r.online_ballots
    home = rounds.get(organization=branch("第1网格党支部"))
    grades = list(home.entries.values_list("grade", flat=True))
    assert grades.count(Grade.BASIC) == 1 and grades.count(Grade.UNQUALIFIED) == 1
    correction = Correction.objects.get(evaluation__round=home)
    assert correction.evaluation.grade == Grade.UNQUALIFIED
    assert correction.state == CorrectionState.OPEN
    assert correction.deadline <= rules.correction_deadline_limit(home.decided_on)
    assert correction.followups.count() == 1
    assert PeerComment.objects.filter(evaluation__round=home).exists()


def test_talks_of_one_branch_with_some_pairs_missing(loaded, today):
    home = branch("第1网格党支部")
    talks = Talk.objects.filter(organization=home, year=today.year)
    seats = list(CommitteeSeat.objects.filter(organization=home))
    secretary = next(s.member_id for s in seats if s.post == CommitteePost.SECRETARY)
    others = {s.member_id for s in seats} - {secretary}
    with_secretary = {
        t.second_id for t in talks.filter(pair=TalkPair.SECRETARY_COMMITTEE, first_id=secretary)
    }
    assert with_secretary and with_secretary < others  # one committee member missing
    talked = set(talks.values_list("first_id", flat=True)) | set(
        talks.values_list("second_id", flat=True)
    )
    members = set(home.members.filter(standing=Standing.ACTIVE).values_list("pk", flat=True))
    assert members - talked  # members nobody has talked with yet
    assert talks.filter(pair=TalkPair.MEMBER_MEMBER).exists()


def test_the_branch_secretary_signs_in_and_sees_their_branch(loaded, client):
    assert "zhibu" in PRINTED_ACCOUNTS
    home = branch("第1网格党支部")
    user = User.objects.get(username=demo.BRANCH_SECRETARY)
    assert user.roles == {Role.BRANCH_SECRETARY}
    assert user.role_assignments.get().organization == home
    assert user.party_member.organization == home
    seat = CommitteeSeat.objects.get(member=user.party_member, organization=home)
    assert seat.post == CommitteePost.SECRETARY
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session
    visible = Meeting.objects.visible_to(user, VIEW)
    subtree = Meeting.objects.filter(organization__tree_path__startswith=home.tree_path)
    assert visible.count() == subtree.count() > 60
    assert set(visible.values_list("organization__parent_id", flat=True)) <= {
        home.pk,
        home.parent_id,
    }
    assert visible.filter(organization=home, state=MeetingState.CLOSED).exists()
    assert visible.filter(kind=K.GROUP).exists()


def test_the_street_sees_the_demos_gaps_in_red_on_the_calendar(loaded, client, today):
    """Issue 14, done when: the street sees the compliance calendar with the demo's gaps
    in red — the branch that skipped its 支委会 and 主题党日, and no other."""
    sign_in(client, User.objects.get(username="jiedao"))
    response = client.get("/orglife/compliance/", {"year": today.year})
    assert response.status_code == 200
    html = response.content.decode()
    rows = {
        found.group(1): row
        for row in html.split("<tr>")[1:]
        if (found := re.search(r'scope="row" class="fw-normal">(?:<a [^>]*>)?([^<]+)', row))
    }
    assert len(rows) > 10
    red = sorted(name for name, row in rows.items() if "table-danger" in row)
    assert red == [branch("第1网格党支部").name]
