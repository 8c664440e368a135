"""Member development: every rule of RULES.md at and around its threshold."""

from datetime import date

import pytest
import time_machine

from gongzhi.core import params
from gongzhi.core.errors import Conflict, NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import AuditLog
from gongzhi.development import rules, selectors, services
from gongzhi.development.choices import EndReason, FileState, Outcome, Stage, Step
from gongzhi.development.testing import advance, publicity_start
from gongzhi.party.choices import MemberStatus, Standing
from gongzhi.party.models import Member
from gongzhi.party.testing import add_member, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def set_param(world, django_capture_on_commit_callbacks):
    """Set a rule parameter from a date, as an administrator would."""

    def _set(key, value, since):
        # Set on the day it takes effect (a date already past is closed to changes).
        with (
            time_machine.travel(since, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            params.set_parameter(
                actor=world.users["district_admin"],
                key=key,
                new_value=value,
                effective_from=since,
                note="测试",
            )

    return _set


def record(file, actor, step, on, **data):
    return services.record_step(file, actor=actor, step=step, on=on, **data)


# --- Step 1: application, age -------------------------------------------------------------


@pytest.mark.parametrize(
    ("applied_on", "ok"),
    [(date(2026, 5, 5), False), (date(2026, 5, 6), True), (date(2026, 5, 7), True)],
)
def test_applicant_must_be_18_full_years_on_the_day_of_application(open_file, applied_on, ok):
    birth = date(2008, 5, 6)
    if ok:
        file = open_file(applied_on=applied_on, birth=birth)
        assert file.last_step == Step.APPLY
        assert file.stage == Stage.APPLICATION
        assert file.steps.get().on == applied_on
    else:
        with pytest.raises(RuleViolation) as exc:
            open_file(applied_on=applied_on, birth=birth)
        assert exc.value.field == "applied_on"
        assert "18" in str(exc.value.message) and "2026-05-06" in str(exc.value.message)


def test_file_keeps_the_id_number_encrypted_hashed_and_masked(open_file):
    file = open_file(birth=date(1998, 7, 9), serial=31)
    number = id_number(date(1998, 7, 9), 31)
    assert number not in file.id_number_enc
    assert file.id_number_full() == number
    assert file.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert file.birth_date == date(1998, 7, 9)
    assert file.path == file.branch.path


def test_opening_refuses_bad_input(open_file, party, members, world):
    with pytest.raises(RuleViolation) as exc:
        open_file(branch=party.ours_committee)
    assert exc.value.field == "branch"
    with pytest.raises(RuleViolation) as exc:
        services.open_file(
            actor=world.users["secretary"],
            branch=party.ours_branch,
            name="某",
            id_number="510107199807090000",
            applied_on=date(2024, 1, 1),
        )
    assert exc.value.field == "id_number"
    with pytest.raises(RuleViolation) as exc:
        open_file(applied_on=date(2030, 1, 16))  # tomorrow
    assert exc.value.field == "applied_on"
    open_file()
    with pytest.raises(RuleViolation) as exc:  # one open file per person
        open_file()
    assert exc.value.field == "id_number"
    with pytest.raises(RuleViolation) as exc:  # already a member
        open_file(birth=date(1961, 3, 4), serial=11)
    assert exc.value.field == "id_number"


def test_opening_outside_scope_or_without_the_role_is_refused(open_file, party, world):
    with pytest.raises(NotFoundOrForbidden):
        open_file(branch=party.sibling_branch)
    with pytest.raises(NotFoundOrForbidden):
        services.open_file(
            actor=world.users["grid_worker"],
            branch=party.ours_grid_branch,
            name="某某",
            id_number=id_number(date(1990, 1, 1), 3),
            applied_on=date(2024, 1, 1),
        )


# --- Order and dates --------------------------------------------------------------------


def test_steps_are_taken_in_order_only(open_file, secretary):
    file = open_file()
    with pytest.raises(RuleViolation) as exc:
        record(file, secretary, Step.NAME_ACTIVIST, date(2024, 6, 20))
    assert exc.value.field == "step"
    assert "第2步" in str(exc.value.message)
    with pytest.raises(RuleViolation):
        record(file, secretary, Step.APPLY, date(2024, 6, 20))
    with pytest.raises(RuleViolation):
        record(file, secretary, 26, date(2024, 6, 20))
    record(file, secretary, Step.TALK, date(2024, 6, 20))
    with pytest.raises(RuleViolation) as exc:  # the same step twice
        record(file, secretary, Step.TALK, date(2024, 6, 21))
    assert exc.value.field == "step"


def test_a_step_cannot_predate_the_previous_one_or_lie_in_the_future(open_file, secretary):
    file = open_file(applied_on=date(2024, 6, 1))
    with pytest.raises(RuleViolation) as exc:
        record(file, secretary, Step.TALK, date(2024, 5, 31))
    assert exc.value.field == "on" and "2024-06-01" in str(exc.value.message)
    with pytest.raises(RuleViolation) as exc:
        record(file, secretary, Step.TALK, date(2030, 1, 16))
    assert exc.value.field == "on"
    record(file, secretary, Step.TALK, date(2024, 6, 1))  # the same day is fine


def test_data_of_another_step_is_refused(open_file, secretary):
    file = open_file()
    with pytest.raises(RuleViolation) as exc:
        record(file, secretary, Step.TALK, date(2024, 6, 20), review_passed=True)
    assert exc.value.field == "review_passed"


def test_stale_version_is_a_conflict(open_file, secretary):
    file = open_file()
    record(file, secretary, Step.TALK, date(2024, 6, 20), version=1)
    with pytest.raises(Conflict):
        record(file, secretary, Step.NAME_ACTIVIST, date(2024, 8, 1), version=1)


# --- Step 2: talk within a month (flag, never a block) -----------------------------------


@pytest.mark.parametrize(
    ("talk_on", "late"),
    [(date(2026, 2, 27), False), (date(2026, 2, 28), False), (date(2026, 3, 1), True)],
)
def test_talk_within_one_month_or_flagged(open_file, secretary, talk_on, late):
    file = open_file(applied_on=date(2026, 1, 31))  # + 1 month = 28 Feb 2026
    done = record(file, secretary, Step.TALK, talk_on)
    assert bool(done.warning) is late
    if late:
        assert "2026-02-28" in done.warning
        file.refresh_from_db()
        assert any("第2步" in w for w in selectors.plan_for(file).warnings)


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2026, 2, 13), "ready"),
        (date(2026, 2, 14), "due_soon"),  # 14 days before (development.due_soon_days)
        (date(2026, 2, 28), "due_soon"),
        (date(2026, 3, 1), "overdue"),
    ],
)
def test_talk_not_done_shows_due_and_overdue(open_file, today, status):
    file = open_file(applied_on=date(2026, 1, 31))
    plan = selectors.plan_for(file, today)
    assert plan.next_step == Step.TALK
    assert plan.due == date(2026, 2, 28)
    assert plan.status == status
    assert bool(plan.warnings) is (status == "overdue")


# --- Activist stage: contacts, half-year reviews, one year -------------------------------


def test_contacts_are_one_or_two_full_members_in_scope(open_file, secretary, members, world, party):
    file = advance(open_file(), secretary, Step.FILE_ACTIVIST)
    on = date(2024, 9, 1)
    with pytest.raises(RuleViolation) as exc:
        record(file, secretary, Step.ASSIGN_CONTACTS, on, contacts=members[:3])
    assert exc.value.field == "contacts"
    with pytest.raises(RuleViolation) as exc:
        record(file, secretary, Step.ASSIGN_CONTACTS, on, contacts=[])
    assert exc.value.field == "contacts"
    with pytest.raises(RuleViolation) as exc:  # a probationary member
        record(file, secretary, Step.ASSIGN_CONTACTS, on, contacts=[members[3]])
    assert "孙预备" in str(exc.value.message)
    stranger = add_member(world.users["district_admin"], party.sibling_branch, "邻居", 21)
    with pytest.raises(RuleViolation) as exc:  # another community's member
        record(file, secretary, Step.ASSIGN_CONTACTS, on, contacts=[stranger])
    assert exc.value.field == "contacts"
    record(file, secretary, Step.ASSIGN_CONTACTS, on, contacts=members[:2])
    assert set(file.contacts.all()) == set(members[:2])


@pytest.mark.parametrize(
    ("object_on", "ok"),
    [(date(2026, 2, 28), False), (date(2026, 3, 1), True), (date(2026, 3, 2), True)],
)
def test_one_year_as_activist_before_development_object(
    open_file, secretary, members, object_on, ok
):
    file = open_file(applied_on=date(2025, 1, 10))
    file = advance(
        file,
        secretary,
        Step.EDUCATE,
        members,
        overrides={Step.NAME_ACTIVIST: {"on": date(2025, 3, 1)}},
    )
    publicity = {"publicity_from": date(2026, 2, 2)}
    if ok:
        record(file, secretary, Step.NAME_OBJECT, object_on, **publicity)
        file.refresh_from_db()
        assert file.stage == Stage.OBJECT
    else:
        with pytest.raises(RuleViolation) as exc:
            record(file, secretary, Step.NAME_OBJECT, object_on, **publicity)
        assert exc.value.field == "on"
        assert "2026-03-01" in str(exc.value.message)
        assert "12个月" in str(exc.value.message)


def test_plan_shows_the_earliest_day_of_the_development_object(open_file, secretary, members):
    file = open_file(applied_on=date(2025, 1, 10))
    file = advance(
        file,
        secretary,
        Step.EDUCATE,
        members,
        overrides={Step.NAME_ACTIVIST: {"on": date(2025, 3, 1)}},
    )
    plan = selectors.plan_for(file, date(2025, 12, 1))
    assert plan.next_step == Step.NAME_OBJECT
    assert plan.earliest == date(2026, 3, 1)
    assert plan.status == "waiting"
    assert selectors.plan_for(file, date(2026, 3, 1)).status == "ready"


@pytest.mark.parametrize(
    ("object_on", "ok"),
    [(date(2026, 10, 9), False), (date(2026, 10, 10), True), (date(2026, 10, 11), True)],
)
def test_publicity_of_five_working_days_across_national_day(
    open_file, secretary, members, object_on, ok
):
    """Publicity from Mon 28 Sep 2026: 28, 29, 30 Sep, (1–7 Oct off), 8, 9 Oct = 5 working
    days; the decision may come from Sat 10 Oct (a make-up working day) on."""
    file = advance(open_file(applied_on=date(2025, 6, 1)), secretary, Step.EDUCATE, members)
    assert rules.publicity_ends(date(2026, 9, 28), object_on) == date(2026, 10, 9)
    if ok:
        record(file, secretary, Step.NAME_OBJECT, object_on, publicity_from=date(2026, 9, 28))
    else:
        with pytest.raises(RuleViolation) as exc:
            record(file, secretary, Step.NAME_OBJECT, object_on, publicity_from=date(2026, 9, 28))
        assert "2026-10-10" in str(exc.value.message)
        assert "5个工作日" in str(exc.value.message)


def test_publicity_is_required_unless_switched_off(open_file, secretary, members, set_param):
    file = advance(open_file(applied_on=date(2025, 6, 1)), secretary, Step.EDUCATE, members)
    with pytest.raises(RuleViolation) as exc:
        record(file, secretary, Step.NAME_OBJECT, date(2026, 10, 12))
    assert exc.value.field == "publicity_from"
    with pytest.raises(RuleViolation) as exc:  # the publicity cannot predate the activist
        record(
            file, secretary, Step.NAME_OBJECT, date(2026, 10, 12), publicity_from=date(2024, 1, 2)
        )
    assert exc.value.field == "publicity_from"
    set_param("development.publicity_required", False, date(2026, 10, 1))
    record(file, secretary, Step.NAME_OBJECT, date(2026, 10, 12))


def test_rule_numbers_are_read_for_the_step_date(open_file, secretary, members, set_param):
    """A revision from 1 Jan 2027 shortens the activist period to 6 months: a step dated
    2026 still needs 12, one dated 2027 only 6."""
    set_param("development.activist_min_months", 6, date(2027, 1, 1))
    file = open_file(applied_on=date(2026, 3, 1))
    file = advance(
        file,
        secretary,
        Step.EDUCATE,
        members,
        overrides={Step.NAME_ACTIVIST: {"on": date(2026, 6, 1)}},
    )
    with pytest.raises(RuleViolation) as exc:
        record(
            file, secretary, Step.NAME_OBJECT, date(2026, 12, 31), publicity_from=date(2026, 12, 1)
        )
    assert "2027-06-01" in str(exc.value.message)
    record(file, secretary, Step.NAME_OBJECT, date(2027, 1, 4), publicity_from=date(2026, 12, 1))


@pytest.mark.parametrize(
    ("today", "overdue"),
    [(date(2026, 7, 9), False), (date(2026, 7, 10), False), (date(2026, 7, 11), True)],
)
def test_activist_reviewed_every_half_year(open_file, secretary, members, today, overdue):
    file = open_file(applied_on=date(2025, 11, 1))
    file = advance(
        file,
        secretary,
        Step.EDUCATE,
        members,
        overrides={Step.NAME_ACTIVIST: {"on": date(2025, 12, 1)}},
    )
    services.record_review(file, actor=secretary, on=date(2026, 1, 10), content="表现良好")
    warnings = selectors.plan_for(file, today).warnings
    assert any("考察" in w and "2026-07-10" in w for w in warnings) is overdue


def test_reviews_only_in_the_activist_stage(open_file, secretary, members):
    file = open_file(applied_on=date(2025, 11, 1))
    with pytest.raises(RuleViolation):
        services.record_review(file, actor=secretary, on=date(2025, 12, 1), content="x")
    file = advance(file, secretary, Step.NAME_ACTIVIST, members)
    with pytest.raises(RuleViolation) as exc:
        services.record_review(file, actor=secretary, on=date(2026, 1, 10), content="")
    assert exc.value.field == "content"


# --- Development object: introducers, review, training -----------------------------------


def test_two_full_members_introduce(open_file, secretary, members):
    file = advance(open_file(), secretary, Step.FILE_OBJECT, members)
    on = file.steps.get(step=Step.FILE_OBJECT).on
    with pytest.raises(RuleViolation) as exc:  # a probationary introducer
        record(file, secretary, Step.INTRODUCERS, on, introducers=[members[0], members[3]])
    assert exc.value.field == "introducers" and "孙预备" in str(exc.value.message)
    with pytest.raises(RuleViolation) as exc:
        record(file, secretary, Step.INTRODUCERS, on, introducers=[members[0]])
    assert exc.value.field == "introducers"
    with pytest.raises(RuleViolation):
        record(file, secretary, Step.INTRODUCERS, on, introducers=[members[0], members[0]])
    record(file, secretary, Step.INTRODUCERS, on, introducers=members[:2])
    assert set(file.introducers.all()) == set(members[:2])


def test_suspended_member_cannot_introduce(open_file, secretary, members):
    file = advance(open_file(), secretary, Step.FILE_OBJECT, members)
    Member.objects.filter(pk=members[1].pk).update(standing=Standing.SUSPENDED)
    members[1].refresh_from_db()
    with pytest.raises(RuleViolation):
        record(file, secretary, Step.INTRODUCERS, date(2025, 9, 1), introducers=members[:2])


def test_failed_political_review_blocks_admission(open_file, secretary, members):
    file = advance(
        open_file(), secretary, Step.TRAINING, members, overrides={10: {"review_passed": False}}
    )
    assert file.steps.get(step=Step.POLITICAL_REVIEW).review_passed is False
    plan = selectors.plan_for(file)
    assert plan.next_step == Step.COMMITTEE_REVIEW and plan.status == "blocked"
    with pytest.raises(RuleViolation) as exc:
        record(file, secretary, Step.COMMITTEE_REVIEW, date(2026, 1, 5))
    assert "政治审查" in str(exc.value.message)
    services.end_file(file, actor=secretary, on=date(2026, 1, 5), reason=EndReason.REVIEW_FAILED)
    file.refresh_from_db()
    assert file.state == FileState.ENDED


def test_political_review_needs_a_result(open_file, secretary, members):
    file = advance(open_file(), secretary, Step.INTRODUCERS, members)
    with pytest.raises(RuleViolation) as exc:
        record(file, secretary, Step.POLITICAL_REVIEW, date(2025, 9, 1))
    assert exc.value.field == "review_passed"


@pytest.mark.parametrize(
    ("days", "hours", "ok"),
    [(2, 23, False), (3, 0, True), (0, 24, True), (2, 24, True), (None, None, False)],
)
def test_training_three_days_or_24_hours(open_file, secretary, members, days, hours, ok):
    file = advance(open_file(), secretary, Step.POLITICAL_REVIEW, members)
    on = file.steps.get(step=Step.POLITICAL_REVIEW).on
    data = {"training_days": days, "training_hours": hours}
    if ok:
        record(file, secretary, Step.TRAINING, on, **data)
    else:
        with pytest.raises(RuleViolation) as exc:
            record(file, secretary, Step.TRAINING, on, **data)
        assert exc.value.field == "training_days"


# --- Branch meeting: quorum and majority ---------------------------------------------------


@pytest.mark.parametrize(
    ("entitled", "present", "yes", "field"),
    [
        (10, 5, 5, "present"),  # exactly half present: invalid meeting
        (10, 6, 5, "votes_for"),  # 5 yes of 10 entitled is not more than half
        (10, 6, 6, None),
        (10, 10, 5, "votes_for"),  # more than half of those present is not enough
        (9, 4, 4, "present"),
        (9, 5, 5, None),
        (10, 11, 6, "present"),  # more present than entitled
        (10, 6, 7, "votes_for"),  # more votes than present
    ],
)
def test_branch_meeting_quorum_and_majority(
    open_file, secretary, members, entitled, present, yes, field
):
    file = advance(open_file(), secretary, Step.VOLUNTEER_FORM, members)
    on = file.steps.get(step=Step.VOLUNTEER_FORM).on
    votes = {"entitled": entitled, "present": present, "votes_for": yes}
    if field is None:
        done = record(file, secretary, Step.BRANCH_VOTE, on, **votes)
        assert (done.entitled, done.present, done.votes_for) == (entitled, present, yes)
    else:
        with pytest.raises(RuleViolation) as exc:
            record(file, secretary, Step.BRANCH_VOTE, on, **votes)
        assert exc.value.field == field


# --- Approval, probation, conversion -------------------------------------------------------


def _to_vote(open_file, secretary, members, vote_on):
    file = open_file(applied_on=date(2024, 6, 1))
    return advance(file, secretary, Step.HIGHER_TALK, members, overrides={15: {"on": vote_on}})


@pytest.mark.parametrize(
    ("approved_on", "reason", "error"),
    [
        (date(2027, 2, 27), "", None),
        (date(2027, 2, 28), "", None),  # 30 Nov + 3 months = 28 Feb
        (date(2027, 3, 1), "", "reason"),
        (date(2027, 3, 1), "审批会议因故推迟", None),
        (date(2027, 5, 30), "审批会议因故推迟", None),  # + 6 months = 30 May
        (date(2027, 5, 31), "审批会议因故推迟", "on"),
    ],
)
def test_approval_within_three_months_of_the_vote(
    open_file, secretary, members, approved_on, reason, error
):
    file = _to_vote(open_file, secretary, members, date(2026, 11, 30))
    if error is None:
        done = record(file, secretary, Step.APPROVAL, approved_on, reason=reason)
        assert bool(done.warning) is bool(reason)
    else:
        with pytest.raises(RuleViolation) as exc:
            record(file, secretary, Step.APPROVAL, approved_on, reason=reason)
        assert exc.value.field == error


def test_approval_registers_a_probationary_member_from_the_vote(open_file, secretary, members):
    file = _to_vote(open_file, secretary, members, date(2026, 11, 30))
    assert selectors.plan_for(file, date(2027, 2, 28)).due == date(2027, 2, 28)
    late = selectors.plan_for(file, date(2027, 3, 1))
    assert late.status == "overdue"
    assert any("2027-05-30" in rule for rule in late.rules)  # special cases: 6 months
    record(file, secretary, Step.APPROVAL, date(2027, 1, 20))
    file.refresh_from_db()
    member = file.member
    assert member.status == MemberStatus.PROBATIONARY
    assert member.admitted_on == date(2026, 11, 30)  # probation counts from the vote
    assert member.applied_on == date(2024, 6, 1)
    assert member.organization == file.branch
    assert member.id_number_full() == file.id_number_full()
    assert file.stage == Stage.ADMISSION


@pytest.mark.parametrize(
    ("applied", "ok"),
    [(date(2027, 6, 14), False), (date(2027, 6, 15), True), (date(2027, 6, 16), True)],
)
def test_one_year_of_probation_before_conversion(open_file, secretary, members, applied, ok):
    file = _to_vote(open_file, secretary, members, date(2026, 6, 15))
    file = advance(file, secretary, Step.CONTINUE_EDUCATION, members)
    if ok:
        record(file, secretary, Step.CONVERSION_APPLICATION, applied)
    else:
        with pytest.raises(RuleViolation) as exc:
            record(file, secretary, Step.CONVERSION_APPLICATION, applied)
        assert "2027-06-15" in str(exc.value.message)


@pytest.mark.parametrize(
    ("approved_on", "ok"),
    [(date(2027, 9, 29), True), (date(2027, 9, 30), True), (date(2027, 10, 1), False)],
)
def test_conversion_approval_within_three_months(open_file, secretary, members, approved_on, ok):
    file = _to_vote(open_file, secretary, members, date(2026, 6, 15))
    file = advance(
        file, secretary, Step.CONVERSION_VOTE, members, overrides={23: {"on": date(2027, 6, 30)}}
    )
    if ok:
        record(file, secretary, Step.CONVERSION_APPROVAL, approved_on)
    else:
        with pytest.raises(RuleViolation) as exc:
            record(file, secretary, Step.CONVERSION_APPROVAL, approved_on)
        assert exc.value.field == "on" and "2027-09-30" in str(exc.value.message)


def test_full_walk_from_application_to_full_member(open_file, secretary, members):
    file = open_file(applied_on=date(2024, 3, 1))
    file = advance(
        file, secretary, Step.ARCHIVE, members, overrides={15: {"on": date(2025, 12, 31)}}
    )
    assert file.state == FileState.COMPLETED
    assert file.steps.count() == 25
    member = file.member
    assert member.status == MemberStatus.FULL
    assert member.admitted_on == date(2025, 12, 31)
    assert member.converted_on == date(2026, 12, 31)  # 党龄 from the end of probation
    assert member.standing_years(date(2027, 12, 30)) == 0
    assert member.standing_years(date(2027, 12, 31)) == 1
    assert set(file.introducers.all()) == set(members[:2])
    assert selectors.plan_for(file).status == "closed"
    with pytest.raises(RuleViolation):
        record(file, secretary, Step.ARCHIVE, date(2028, 1, 1))
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {
        "development.file.opened",
        "development.step.recorded",
        "party.member.registered",
        "party.member.converted",
    } <= actions


def test_extension_once_then_conversion(open_file, secretary, members):
    file = _to_vote(open_file, secretary, members, date(2026, 1, 20))
    file = advance(
        file,
        secretary,
        Step.CONVERSION_APPROVAL,
        members,
        overrides={23: {"outcome": Outcome.EXTEND, "extension_months": 6}},
    )
    assert (file.extension_months, file.last_step) == (6, Step.CONTINUE_EDUCATION)
    assert file.member.status == MemberStatus.PROBATIONARY
    # Probation now ends 18 months after the vote.
    with pytest.raises(RuleViolation) as exc:
        record(file, secretary, Step.CONVERSION_APPLICATION, date(2027, 7, 19))
    assert "2027-07-20" in str(exc.value.message)
    record(file, secretary, Step.CONVERSION_APPLICATION, date(2027, 7, 20))
    file.refresh_from_db()
    with pytest.raises(RuleViolation) as exc:  # a second extension
        record(
            file,
            secretary,
            Step.CONVERSION_VOTE,
            date(2027, 7, 25),
            outcome=Outcome.EXTEND,
            extension_months=6,
            entitled=10,
            present=8,
            votes_for=7,
        )
    assert exc.value.field == "outcome"
    file = advance(file, secretary, Step.ARCHIVE, members)
    assert file.member.converted_on == date(2027, 7, 20)
    assert file.steps.filter(step=Step.CONVERSION_VOTE).count() == 2


@pytest.mark.parametrize(("months", "ok"), [(5, False), (6, True), (12, True), (13, False)])
def test_extension_between_6_and_12_months(open_file, secretary, members, months, ok):
    file = _to_vote(open_file, secretary, members, date(2026, 1, 20))
    file = advance(file, secretary, Step.CONVERSION_APPLICATION, members)
    data = {"outcome": Outcome.EXTEND, "extension_months": months, "entitled": 5}
    data.update(present=5, votes_for=5)
    if ok:
        record(file, secretary, Step.CONVERSION_VOTE, date(2027, 1, 25), **data)
    else:
        with pytest.raises(RuleViolation) as exc:
            record(file, secretary, Step.CONVERSION_VOTE, date(2027, 1, 25), **data)
        assert exc.value.field == "extension_months"


def test_cancelled_qualification_ends_file_and_membership(open_file, secretary, members):
    file = _to_vote(open_file, secretary, members, date(2026, 1, 20))
    file = advance(
        file,
        secretary,
        Step.CONVERSION_APPROVAL,
        members,
        overrides={23: {"outcome": Outcome.CANCEL}},
    )
    assert file.state == FileState.ENDED and file.end_reason == EndReason.CANCELLED
    assert file.member.standing == Standing.REMOVED


def test_ending_a_file(open_file, secretary, members):
    file = advance(open_file(), secretary, Step.NAME_ACTIVIST, members)
    with pytest.raises(RuleViolation) as exc:
        services.end_file(file, actor=secretary, on=date(2024, 8, 1), reason="nonsense")
    assert exc.value.field == "reason"
    with pytest.raises(RuleViolation) as exc:  # before the last step's date
        services.end_file(file, actor=secretary, on=date(2024, 6, 2), reason=EndReason.WITHDREW)
    assert exc.value.field == "on"
    services.end_file(file, actor=secretary, on=date(2024, 9, 1), reason=EndReason.WITHDREW)
    file.refresh_from_db()
    assert (file.state, file.ended_on) == (FileState.ENDED, date(2024, 9, 1))
    with pytest.raises(RuleViolation):
        record(file, secretary, Step.FILE_ACTIVIST, date(2024, 9, 2))
    # The person may apply again: only open files are unique per ID number.
    open_file(applied_on=date(2025, 1, 1))


def test_a_probationary_member_is_not_ended_but_decided_on(open_file, secretary, members):
    file = advance(open_file(), secretary, Step.APPROVAL, members)
    with pytest.raises(RuleViolation):
        services.end_file(file, actor=secretary, on=date(2029, 1, 1), reason=EndReason.WITHDREW)


# --- Scope --------------------------------------------------------------------------------


def test_sibling_community_files_are_out_of_reach(open_file, world, party, members):
    theirs = services.open_file(
        actor=world.users["street_admin"],
        branch=party.sibling_branch,
        name="邻里申请人",
        id_number=id_number(date(1999, 2, 3), 41),
        applied_on=date(2024, 6, 1),
    )
    mine = open_file()
    secretary = world.users["secretary"]
    with pytest.raises(NotFoundOrForbidden):
        record(theirs, secretary, Step.TALK, date(2024, 6, 10))
    with pytest.raises(NotFoundOrForbidden):
        selectors.get_file(secretary, theirs.pk)
    with pytest.raises(NotFoundOrForbidden):
        services.end_file(theirs, actor=secretary, on=date(2024, 7, 1), reason=EndReason.WITHDREW)
    assert list(selectors.files_for(secretary)) == [mine]
    assert set(selectors.files_for(world.users["street_admin"])) == {mine, theirs}
    assert list(selectors.files_for(world.users["grid_worker"])) == []
    with pytest.raises(NotFoundOrForbidden):
        record(mine, world.users["grid_worker"], Step.TALK, date(2024, 6, 10))
    # Branch secretaries and community staff manage files of their community.
    record(mine, world.users["branch_secretary"], Step.TALK, date(2024, 6, 10))
    record(mine, world.users["staff"], Step.NAME_ACTIVIST, date(2024, 8, 10))


def test_full_id_number_is_for_pii_roles_and_audited(open_file, world):
    file = open_file()
    with pytest.raises(NotFoundOrForbidden):
        services.reveal_id_number(file, actor=world.users["staff"])
    number = services.reveal_id_number(file, actor=world.users["secretary"])
    assert number == file.id_number_full()
    assert AuditLog.objects.filter(action="development.file.pii_viewed").count() == 1


# --- Board, warnings, quotas ---------------------------------------------------------------


def test_pipeline_per_branch_in_constant_queries(
    open_file, secretary, members, party, django_assert_num_queries
):
    advance(open_file(serial=51), secretary, Step.NAME_ACTIVIST, members)
    advance(open_file(serial=52), secretary, Step.INTRODUCERS, members)
    open_file(serial=53, branch=party.ours_grid_branch, applied_on=date(2029, 12, 1))
    with django_assert_num_queries(3):
        boards = selectors.pipeline(secretary, today=date(2030, 1, 15))
    assert [b.branch for b in boards] == [party.ours_branch, party.ours_grid_branch]
    assert boards[0].counts[Stage.ACTIVIST] == 1 and boards[0].counts[Stage.OBJECT] == 1
    grid_row = boards[1].rows[0]
    assert grid_row.plan.next_step == Step.TALK
    assert grid_row.plan.due == date(2030, 1, 1)
    assert grid_row.plan.status == "overdue"
    warned = selectors.warnings(secretary, today=date(2030, 1, 15))
    assert grid_row.file in [row.file for row in warned]


def test_quotas_per_community(open_file, secretary, members, world, party):
    for serial, named in ((61, date(2026, 2, 1)), (62, date(2026, 5, 1)), (63, date(2025, 12, 31))):
        file = open_file(serial=serial, applied_on=date(2025, 10, 1))
        advance(file, secretary, Step.NAME_ACTIVIST, members, overrides={3: {"on": named}})
    quota = {q.community: q for q in selectors.quotas(secretary, 2026)}[world.ours.community]
    assert (quota.activists, quota.activists_needed, quota.activists_met) == (2, 3, False)
    assert (quota.objects, quota.objects_met) == (0, False)
    file = open_file(serial=64, applied_on=date(2024, 1, 1))
    advance(file, secretary, Step.NAME_OBJECT, members, overrides={3: {"on": date(2025, 1, 2)}})
    assert file.steps.get(step=Step.NAME_OBJECT).on.year == 2026
    file2 = open_file(serial=65, applied_on=date(2026, 3, 1))
    advance(file2, secretary, Step.NAME_ACTIVIST, members, overrides={3: {"on": date(2026, 8, 1)}})
    quota = {q.community: q for q in selectors.quotas(secretary, 2026)}[world.ours.community]
    assert (quota.activists, quota.activists_met) == (3, True)
    assert (quota.objects, quota.objects_met, quota.met) == (1, True, True)
    # The development object of 2026 still counts in the 2027 period (2026–2027), not 2028.
    assert {q.community: q for q in selectors.quotas(secretary, 2027)}[
        world.ours.community
    ].objects == 1
    assert {q.community: q for q in selectors.quotas(secretary, 2028)}[
        world.ours.community
    ].objects == 0
    # The secretary sees only her community.
    assert [q.community for q in selectors.quotas(secretary, 2026)] == [world.ours.community]
    street = {q.community for q in selectors.quotas(world.users["street_admin"], 2026)}
    assert street == {world.ours.community, world.sibling.community}


def test_publicity_start_helper_covers_the_holidays():
    on = date(2026, 10, 8)
    start = publicity_start(on)
    assert rules.publicity_ends(start, on) < on
