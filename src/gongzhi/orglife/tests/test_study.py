"""Study and training hours: the ledger, the thresholds, entering, corrections, the
import, the cadres' training days and the shortfall warnings."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation, RuleViolations
from gongzhi.core.models import AuditLog
from gongzhi.orglife import rules, study
from gongzhi.orglife.choices import StudyKind, TalkPair, TrainingLevel
from gongzhi.orglife.models import StudyRecord
from gongzhi.orglife.study_imports import CourseImporter
from gongzhi.party import services as party_services
from gongzhi.party.choices import CommitteePost
from gongzhi.party.testing import add_member, id_number

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = date(2026, 6, 15)


@pytest.fixture
def admin(world):
    return world.users["district_admin"]


@pytest.fixture
def member(admin, party):
    return add_member(admin, party.ours_branch, "学习党员", serial=31)


def line(member, on, hours, kind=StudyKind.COURSE, **kw):
    return StudyRecord.objects.create(
        member=member, year=on.year, on=on, kind=kind, title="学习", hours=D(hours), **kw
    )


def course(on=date(2026, 5, 1), length=rules.HOURS, hours=None, **kw):
    return study.Entry(
        on=on,
        kind=kw.pop("kind", StudyKind.COURSE),
        title="党史学习",
        length=length,
        hours=hours,
        **kw,
    )


# --- Rules -----------------------------------------------------------------------------------


def test_full_and_half_days_convert_to_class_hours():
    on = date(2026, 3, 1)
    assert rules.entry_hours(rules.FULL_DAY, None, None, on) == D(8)
    assert rules.entry_hours(rules.HALF_DAY, None, None, on) == D(4)
    assert rules.entry_hours(rules.HOURS, D("2.5"), None, on) == D("2.5")
    # A training of several days counts each day.
    assert rules.entry_hours(rules.FULL_DAY, None, D(7), on) == D(56)
    assert rules.entry_hours(rules.HALF_DAY, None, D(3), on) == D(12)


@pytest.mark.parametrize(
    ("total", "cadre", "met"),
    [
        ("31.5", False, False),
        ("32", False, True),
        ("32.5", False, True),
        ("55.5", True, False),
        ("56", True, True),
        ("56.5", True, True),
    ],
)
def test_required_hours_at_and_around_the_thresholds(total, cadre, met):
    required = rules.required_hours(cadre, 2026)
    assert required == (56 if cadre else 32)
    assert (rules.shortfall(D(total), required) == 0) is met


def test_progress_step_is_a_css_step_of_five():
    assert rules.progress_step(D(0), 32) == 0
    assert rules.progress_step(D(16), 32) == 50
    assert rules.progress_step(D("31.5"), 32) == 95
    assert rules.progress_step(D(40), 32) == 100


@pytest.mark.parametrize(("days", "met"), [("6.5", False), ("7", True), ("7.5", True)])
def test_community_secretary_needs_seven_days_at_district_level(days, met):
    lines = [(StudyKind.TRAINING, TrainingLevel.DISTRICT, D(days))]
    assert rules.training_met(rules.COMMUNITY_SECRETARY, 2026, lines) is met


def test_a_street_training_does_not_count_for_the_community_secretary():
    street = [(StudyKind.TRAINING, TrainingLevel.STREET, D(10))]
    assert not rules.training_met(rules.COMMUNITY_SECRETARY, 2026, street)
    assert rules.training_met(rules.TWO_COMMITTEE, 2026, street)
    city = [(StudyKind.TRAINING, TrainingLevel.CITY, D(7))]
    assert rules.training_met(rules.COMMUNITY_SECRETARY, 2026, city)
    community = [(StudyKind.TRAINING, TrainingLevel.COMMUNITY, D(3))]
    assert not rules.training_met(rules.TWO_COMMITTEE, 2026, community)
    # A course is not a concentrated training, whatever its level.
    assert not rules.training_met(
        rules.TWO_COMMITTEE, 2026, [(StudyKind.COURSE, TrainingLevel.CITY, D(3))]
    )


@pytest.mark.parametrize(("days", "met"), [("2.5", False), ("3", True), ("3.5", True)])
def test_two_committee_members_need_three_days_at_street_level(days, met):
    lines = [(StudyKind.TRAINING, TrainingLevel.STREET, D(days))]
    assert rules.training_met(rules.TWO_COMMITTEE, 2026, lines) is met


@pytest.mark.parametrize(
    ("today", "warned"),
    [(date(2026, 9, 30), False), (date(2026, 10, 1), True), (date(2026, 12, 31), True)],
)
def test_shortfalls_are_warned_from_the_fourth_quarter(today, warned):
    assert rules.shortfall_warned(today) is warned


def test_talk_pairs_from_roles():
    S, C, M = rules.SECRETARY, rules.COMMITTEE, rules.MEMBER
    assert rules.talk_pair(S, C) == TalkPair.SECRETARY_COMMITTEE
    assert rules.talk_pair(C, S) == TalkPair.SECRETARY_COMMITTEE
    assert rules.talk_pair(C, M) == TalkPair.COMMITTEE_MEMBER
    assert rules.talk_pair(S, M) == TalkPair.COMMITTEE_MEMBER
    assert rules.talk_pair(C, C) == TalkPair.COMMITTEE_MEMBER
    assert rules.talk_pair(M, M) == TalkPair.MEMBER_MEMBER


def test_missing_talks_reading():
    # 1 secretary, committee 2 and 3, members 4, 5, 6.
    everyone = [1, 2, 3, 4, 5, 6]
    found = rules.missing_talks([1], [2, 3], everyone, [])
    assert rules.MissingTalk(TalkPair.SECRETARY_COMMITTEE, 1, 2) in found
    assert rules.MissingTalk(TalkPair.SECRETARY_COMMITTEE, 1, 3) in found
    for m in (4, 5, 6):
        assert rules.MissingTalk(TalkPair.COMMITTEE_MEMBER, m) in found
        assert rules.MissingTalk(TalkPair.MEMBER_MEMBER, m) in found
    assert len(found) == 8
    held = [(2, 1), (1, 3), (4, 2), (5, 1), (6, 3), (4, 5), (6, 5)]
    assert rules.missing_talks([1], [2, 3], everyone, held) == []
    # Member 6 talked with a member only: still owes a talk with a committee member.
    held = [(2, 1), (1, 3), (4, 2), (5, 1), (4, 5), (6, 5)]
    assert rules.missing_talks([1], [2, 3], everyone, held) == [
        rules.MissingTalk(TalkPair.COMMITTEE_MEMBER, 6)
    ]
    # A lone member owes no member-member talk; a branch without committee no other.
    assert rules.missing_talks([1], [], [1, 4], []) == [
        rules.MissingTalk(TalkPair.COMMITTEE_MEMBER, 4)
    ]
    assert rules.missing_talks([], [], [4, 5], []) == [
        rules.MissingTalk(TalkPair.MEMBER_MEMBER, 4),
        rules.MissingTalk(TalkPair.MEMBER_MEMBER, 5),
    ]


# --- The ledger ------------------------------------------------------------------------------


def test_ledger_counts_per_calendar_year_without_carry_over(world, member):
    user = world.users["secretary"]
    line(member, date(2025, 12, 31), "40")
    line(member, date(2026, 1, 1), "4")
    last = study.ledger(user, member, 2025)
    this = study.ledger(user, member, 2026)
    assert last.total == D(40) and last.met
    assert this.total == D(4) and this.missing == D(28)
    assert [x.on for x in this.lines] == [date(2026, 1, 1)]


@pytest.mark.parametrize(("hours", "met"), [("31.5", False), ("32", True), ("32.5", True)])
def test_member_ledger_against_32_hours(world, member, hours, met):
    line(member, date(2026, 3, 1), hours)
    ledger = study.ledger(world.users["secretary"], member, 2026)
    assert ledger.required == 32 and not ledger.is_cadre
    assert ledger.met is met


@pytest.mark.parametrize(("hours", "met"), [("55.5", False), ("56", True), ("56.5", True)])
def test_committee_member_ledger_against_56_hours(world, admin, party, member, hours, met):
    party_services.add_seat(
        actor=admin,
        organization=party.ours_branch,
        member=member,
        post=CommitteePost.ORGANIZATION,
        started_on=date(2024, 1, 1),
    )
    line(member, date(2026, 3, 1), hours)
    ledger = study.ledger(world.users["secretary"], member, 2026)
    assert ledger.is_cadre and ledger.required == 56
    assert ledger.met is met


def test_ledger_reads_meeting_lines_and_answers_in_few_queries(
    world, member, django_assert_max_num_queries
):
    for month in range(1, 11):
        line(member, date(2026, month, 5), "2", kind=StudyKind.MEETING)
    with django_assert_max_num_queries(4):
        ledger = study.ledger(world.users["secretary"], member, 2026)
    assert ledger.total == D(20)


def test_members_ledger_out_of_scope_is_not_found(world, admin, party):
    stranger = add_member(admin, party.sibling_branch, "邻里学员", serial=32)
    with pytest.raises(NotFoundOrForbidden):
        study.get_member(world.users["secretary"], stranger.pk)


# --- Entering --------------------------------------------------------------------------------


def test_record_for_many_members_at_once(world, admin, party, member):
    other = add_member(admin, party.ours_branch, "学习党员乙", serial=33)
    lines = study.record_study(
        [member, other],
        actor=world.users["secretary"],
        entry=course(length=rules.HALF_DAY),
        today=TODAY,
    )
    assert [x.hours for x in lines] == [D(4), D(4)]
    assert StudyRecord.objects.filter(year=2026).count() == 2
    assert AuditLog.objects.filter(action="orglife.study.recorded").count() == 1


def test_record_refuses_every_problem_at_once_and_writes_nothing(world, member):
    entry = study.Entry(
        on=date(2026, 6, 16), kind=StudyKind.TRAINING, title="", length=rules.HOURS, hours=D(0)
    )
    with pytest.raises(RuleViolations) as caught:
        study.record_study([member], actor=world.users["secretary"], entry=entry, today=TODAY)
    assert {e.field for e in caught.value.errors} == {"on", "title", "hours", "days", "level"}
    assert "晚于今天" in str(caught.value.errors[0].message)
    assert not StudyRecord.objects.exists()


def test_a_date_today_is_not_in_the_future(world, member):
    [x] = study.record_study(
        [member],
        actor=world.users["secretary"],
        entry=course(on=TODAY, hours=D("1.5")),
        today=TODAY,
    )
    assert x.hours == D("1.5") and x.year == 2026


def test_record_for_a_member_out_of_scope_is_refused(world, admin, party, member):
    stranger = add_member(admin, party.sibling_branch, "邻里学员", serial=32)
    with pytest.raises(NotFoundOrForbidden):
        study.record_study(
            [member, stranger],
            actor=world.users["secretary"],
            entry=course(hours=D(2)),
            today=TODAY,
        )
    assert not StudyRecord.objects.exists()


def test_training_of_several_full_days(world, member):
    entry = course(
        kind=StudyKind.TRAINING, length=rules.FULL_DAY, days=D(3), level=TrainingLevel.STREET
    )
    [x] = study.record_study([member], actor=world.users["secretary"], entry=entry, today=TODAY)
    assert (x.hours, x.days, x.level) == (D(24), D(3), TrainingLevel.STREET)


# --- Corrections -----------------------------------------------------------------------------


def test_a_correction_is_a_new_line_with_its_reason(world, member):
    line(member, date(2026, 3, 1), "8")
    user = world.users["secretary"]
    with pytest.raises(RuleViolation) as caught:
        study.correct_study(
            member,
            actor=user,
            on=date(2026, 3, 2),
            kind=StudyKind.COURSE,
            hours=D(-2),
            reason="",
            today=TODAY,
        )
    assert caught.value.field == "reason"
    fix = study.correct_study(
        member,
        actor=user,
        on=date(2026, 3, 2),
        kind=StudyKind.COURSE,
        hours=D(-2),
        reason="重复登记",
        today=TODAY,
    )
    assert fix.reason == "重复登记" and fix.hours == D(-2)
    assert StudyRecord.objects.filter(member=member).count() == 2
    assert study.ledger(user, member, 2026).total == D(6)
    with pytest.raises(RuleViolation) as caught:
        study.correct_study(
            member,
            actor=user,
            on=date(2026, 3, 2),
            kind=StudyKind.COURSE,
            hours=D("-6.5"),
            reason="错",
            today=TODAY,
        )
    assert caught.value.field == "hours"


# --- Training days and warnings --------------------------------------------------------------


@pytest.fixture
def community_secretary(world, admin, party):
    m = add_member(admin, party.ours_branch, "社区书记", serial=34)
    party_services.add_seat(
        actor=admin,
        organization=party.ours_committee,
        member=m,
        post=CommitteePost.SECRETARY,
        started_on=date(2024, 1, 1),
    )
    cadre = party_services.save_cadre(
        actor=admin,
        community=world.ours.community,
        name="社区书记",
        birth_date=date(1975, 1, 1),
        education="college",
        party_post=CommitteePost.SECRETARY,
    )
    cadre.member = m
    cadre.save(update_fields=["member"])
    return m


def test_secretary_training_days_in_the_ledger(world, community_secretary):
    m = community_secretary
    line(m, date(2026, 4, 1), "56", kind=StudyKind.TRAINING, days=D(7), level=TrainingLevel.STREET)
    ledger = study.ledger(world.users["secretary"], m, 2026)
    assert ledger.training.role == rules.COMMUNITY_SECRETARY
    assert ledger.training.days == 0 and not ledger.training.met
    line(
        m,
        date(2026, 5, 1),
        "52",
        kind=StudyKind.TRAINING,
        days=D("6.5"),
        level=TrainingLevel.DISTRICT,
    )
    assert not study.ledger(world.users["secretary"], m, 2026).training.met
    line(m, date(2026, 5, 9), "4", kind=StudyKind.TRAINING, days=D("0.5"), level=TrainingLevel.CITY)
    assert study.ledger(world.users["secretary"], m, 2026).training.met


def test_shortfall_warnings_before_and_after_1_october(world, member, community_secretary):
    user = world.users["secretary"]
    line(member, date(2026, 3, 1), "31.5")
    line(
        community_secretary,
        date(2026, 3, 1),
        "60",
        kind=StudyKind.TRAINING,
        days=D(6),
        level=TrainingLevel.DISTRICT,
    )
    assert list(study.shortfalls(user, date(2026, 9, 30))) == []
    names = {m.name for m in study.shortfalls(user, date(2026, 10, 1))}
    assert names == {"学习党员", "社区书记"}
    line(member, date(2026, 10, 1), "0.5")
    line(
        community_secretary,
        date(2026, 10, 1),
        "8",
        kind=StudyKind.TRAINING,
        days=D(1),
        level=TrainingLevel.PROVINCE,
    )
    assert list(study.shortfalls(user, date(2026, 10, 1))) == []


def test_shortfall_warnings_stay_in_scope(world, admin, party, member):
    add_member(admin, party.sibling_branch, "邻里学员", serial=32)
    names = {m.name for m in study.shortfalls(world.users["secretary"], date(2026, 10, 1))}
    assert names == {"学习党员"}


def test_branch_summary_sorted(world, admin, party, member):
    other = add_member(admin, party.ours_branch, "学习党员乙", serial=33)
    line(member, date(2026, 3, 1), "40")
    line(other, date(2026, 3, 1), "10")
    rows = study.branch_summary(world.users["secretary"], party.ours_branch, 2026, "missing")
    assert [(r.member.name, r.hours, r.missing) for r in rows] == [
        ("学习党员乙", D(10), D(22)),
        ("学习党员", D(40), D(0)),
    ]


# --- Import ----------------------------------------------------------------------------------


def workbook(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = str(CourseImporter.sheet_title)
    sheet.append([str(c.header) for c in CourseImporter.columns])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "courses.xlsx"
    return buffer


def test_import_lists_every_bad_cell_and_writes_nothing(world, member):
    good_id = id_number(date(1980, 5, 6), 31)
    rows = [
        ["学习党员", good_id, "2026-05-01", "集中学习/网络课程", "党史", "按学时", 2, "", "", ""],
        ["学习党员", good_id, "2099-01-01", "集中培训", "培训", "全天", "", "", "", ""],
        ["学习党员", "123", "2026-05-01", "讲座", "", "整天", "", "", "", ""],
        ["张冠李戴", good_id, "2026-05-01", "集中学习/网络课程", "党史", "半天", "", "", "", ""],
    ]
    result = CourseImporter(actor=world.users["secretary"]).run(workbook(rows))
    assert result.written == 0
    reasons = {(e.row, e.column) for e in result.errors}
    assert (3, "日期") in reasons and (3, "培训天数") in reasons and (3, "举办层级") in reasons
    assert {(4, "身份证号"), (4, "类别"), (4, "内容"), (4, "时长")} <= reasons
    assert (5, "姓名") in reasons
    assert not StudyRecord.objects.exists()


def test_import_writes_all_good_rows(world, member):
    good_id = id_number(date(1980, 5, 6), 31)
    rows = [
        ["学习党员", good_id, "2026-05-01", "集中学习/网络课程", "党史", "按学时", 2.5, "", "", ""],
        [
            "学习党员",
            good_id,
            "2026-05-02",
            "集中培训",
            "培训班",
            "全天",
            "",
            2,
            "街道（乡镇）级",
            "锦华街道",
        ],
    ]
    result = CourseImporter(actor=world.users["secretary"]).run(workbook(rows))
    assert result.errors == [] and result.written == 2
    assert study.ledger(world.users["secretary"], member, 2026).total == D("18.5")


def test_import_refuses_a_member_out_of_scope(world, admin, party):
    add_member(admin, party.sibling_branch, "邻里学员", serial=32)
    rows = [
        [
            "邻里学员",
            id_number(date(1980, 5, 6), 32),
            "2026-05-01",
            "集中学习/网络课程",
            "党史",
            "全天",
            "",
            "",
            "",
            "",
        ]
    ]
    result = CourseImporter(actor=world.users["secretary"]).run(workbook(rows))
    assert result.written == 0 and [e.column for e in result.errors] == ["身份证号"]


def test_import_refuses_a_file_that_is_not_a_spreadsheet(world):
    upload = io.BytesIO(b"not a workbook at all")
    upload.name = "courses.xlsx"
    result = CourseImporter(actor=world.users["secretary"]).run(upload)
    assert result.refused and result.written == 0
