"""民主评议党员: the round's workflow, the anonymous vote, the cap on 优秀, the decision at
a quorate meeting, corrections of 不合格 and every refusal."""

import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from gongzhi.core.errors import Conflict, NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import AuditLog
from gongzhi.party.choices import EventKind, MemberStatus, Standing
from gongzhi.party.models import Member, MemberEvent

from .. import evaluation as services
from .. import evaluation_selectors as selectors
from .. import rules
from ..choices import CorrectionState, Grade, MeetingKind, MeetingState
from ..choices import RoundState as S
from ..models import BallotReceipt, Evaluation, EvaluationRound
from .evaluation_fixtures import held_meeting, members

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()
E, Q, B, U = Grade.EXCELLENT, Grade.QUALIFIED, Grade.BASIC, Grade.UNQUALIFIED


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def secretary(world):
    return world.users["branch_secretary"]


def new_round(world, party, n=4, **kw):
    people = members(world, party.ours_branch, n, **kw)
    round = services.start_round(
        actor=world.users["branch_secretary"], organization=party.ours_branch, year=2026
    )
    return round, people


def entries(round):
    return {e.member_id: e for e in Evaluation.objects.filter(round=round)}


def fresh(round):
    return EvaluationRound.objects.get(pk=round.pk)


def step(round, actor, *actions):
    for action in actions:
        round = services.advance(
            fresh(round), actor=actor, version=fresh(round).version, action=action
        )
    return round


def vote(round, member, grade_of):
    """The member's ballot: ``grade_of(evaluation)`` for each evaluated member."""
    choices = {e.pk: grade_of(e) for e in Evaluation.objects.filter(round=round)}
    return services.cast_ballot(fresh(round), actor=member.user, choices=choices)


def grades_for(round, people, excellent=0, unqualified=0):
    """Grades by member order: the first ``excellent`` 优秀, the last ``unqualified``
    不合格, the rest 合格."""
    by_member = entries(round)
    result = {}
    for i, member in enumerate(people):
        if i < excellent:
            grade = E
        elif i >= len(people) - unqualified:
            grade = U
        else:
            grade = Q
        result[by_member[member.pk].pk] = grade
    return result


def to_proposal(round, people, secretary):
    round = step(round, secretary, "open_peer", "open_vote")
    vote(round, people[0], lambda e: Q)
    return step(round, secretary, "close_vote")


# --- Starting -------------------------------------------------------------------------------


def test_a_round_evaluates_the_active_full_and_probationary_members(world, party, secretary):
    people = members(world, party.ours_branch, 3, probationary=1)
    suspended = members(world, party.ours_branch, 1, prefix="停止")[0]
    Member.objects.filter(pk=suspended.pk).update(standing=Standing.SUSPENDED)
    round = services.start_round(actor=secretary, organization=party.ours_branch, year=2026)
    assert round.state == S.SELF and round.path == party.ours_branch.path
    evaluated = set(round.entries.values_list("member_id", flat=True))
    assert evaluated == {m.pk for m in people}
    assert Member.objects.get(pk=people[2].pk).status == MemberStatus.PROBATIONARY
    assert AuditLog.objects.filter(action="orglife.evaluation.started").count() == 1


def test_one_round_per_branch_and_year_and_not_a_future_year(world, party, secretary):
    new_round(world, party, 2)
    with pytest.raises(RuleViolation) as caught:
        services.start_round(actor=secretary, organization=party.ours_branch, year=2026)
    assert caught.value.field == "year" and "已经开始" in str(caught.value.message)
    with pytest.raises(RuleViolation) as caught:
        services.start_round(actor=secretary, organization=party.ours_branch, year=2027)
    assert caught.value.field == "year"


def test_a_round_is_for_a_branch(world, party, secretary):
    with pytest.raises(RuleViolation) as caught:
        services.start_round(actor=secretary, organization=party.ours_committee, year=2026)
    assert caught.value.field == "organization"


def test_another_communitys_secretary_cannot_start_or_see_a_round(world, party, secretary):
    members(world, party.sibling_branch, 2)
    with pytest.raises(NotFoundOrForbidden):
        services.start_round(actor=secretary, organization=party.sibling_branch, year=2026)
    round = services.start_round(
        actor=world.users["district_admin"], organization=party.sibling_branch, year=2026
    )
    with pytest.raises(NotFoundOrForbidden):
        selectors.get_round(secretary, round.pk)
    with pytest.raises(NotFoundOrForbidden):
        services.advance(round, actor=secretary, version=round.version, action="open_peer")
    assert AuditLog.objects.filter(action="core.permission.denied").exists()


# --- Workflow -------------------------------------------------------------------------------


def test_each_step_is_the_secretarys_in_order(world, party, secretary):
    round, people = new_round(world, party, 3)
    assert services.ROUND_WORKFLOW.allowed(round, secretary) == ["open_peer"]
    assert services.ROUND_WORKFLOW.allowed(round, people[0].user) == []
    with pytest.raises(RuleViolation):
        services.advance(round, actor=secretary, version=round.version, action="open_vote")
    round = step(round, secretary, "open_peer", "open_vote")
    assert round.state == S.VOTE
    with pytest.raises(RuleViolation) as caught:  # no ballot yet
        step(round, secretary, "close_vote")
    assert "尚无选票" in str(caught.value.message)
    stale = fresh(round)
    vote(round, people[0], lambda e: Q)
    step(round, secretary, "close_vote")
    with pytest.raises(Conflict):
        services.advance(stale, actor=secretary, version=stale.version - 1, action="close_vote")
    assert fresh(round).state == S.PROPOSAL


# --- Self-assessment and peer comments -------------------------------------------------------


def test_the_member_writes_their_own_self_assessment(world, party, secretary):
    round, people = new_round(world, party, 2)
    mine = entries(round)[people[0].pk]
    services.write_self_assessment(mine, actor=people[0].user, text="  认真履行党员义务  ")
    assert Evaluation.objects.get(pk=mine.pk).self_assessment == "认真履行党员义务"
    other = entries(round)[people[1].pk]
    with pytest.raises(NotFoundOrForbidden):  # not theirs, and not a secretary
        services.write_self_assessment(other, actor=people[0].user, text="代写")
    with pytest.raises(RuleViolation) as caught:  # the member has an account: theirs to write
        services.write_self_assessment(other, actor=secretary, text="代写")
    assert caught.value.field == "self_assessment"


def test_the_secretary_enters_it_for_a_member_without_an_account(world, party, secretary):
    round, people = new_round(world, party, 2, accounts=False)
    entry = entries(round)[people[0].pk]
    services.write_self_assessment(entry, actor=secretary, text="纸质自评录入")
    with pytest.raises(RuleViolation) as caught:
        services.write_self_assessment(entry, actor=secretary, text=" ")
    assert caught.value.field == "self_assessment"
    step(round, secretary, "open_peer")
    with pytest.raises(RuleViolation) as caught:
        services.write_self_assessment(
            Evaluation.objects.get(pk=entry.pk), actor=secretary, text="晚了"
        )
    assert "个人自评" in str(caught.value.message)


def test_peer_comments_once_per_pair_never_on_oneself(world, party, secretary):
    round, people = new_round(world, party, 3)
    by_member = entries(round)
    with pytest.raises(RuleViolation):  # not yet the peer step
        services.comment_on(by_member[people[1].pk], actor=people[0].user, text="好")
    step(round, secretary, "open_peer")
    by_member = entries(round)
    services.comment_on(by_member[people[1].pk], actor=people[0].user, text="工作积极")
    with pytest.raises(RuleViolation) as caught:
        services.comment_on(by_member[people[1].pk], actor=people[0].user, text="再评一次")
    assert "只能评议一次" in str(caught.value.message) and caught.value.field == "text"
    with pytest.raises(RuleViolation) as caught:
        services.comment_on(by_member[people[0].pk], actor=people[0].user, text="我很好")
    assert "不能评议自己" in str(caught.value.message)
    outsider = members(world, party.ours_branch, 1, prefix="新党员")[0]
    with pytest.raises(RuleViolation) as caught:
        services.comment_on(by_member[people[1].pk], actor=outsider.user, text="外人")
    assert "参加本次民主评议" in str(caught.value.message)
    assert selectors.progress(fresh(round), TODAY).comments == 1


# --- The vote -------------------------------------------------------------------------------


def test_a_ballot_counts_once_and_says_nothing_of_the_voter(world, party, secretary):
    round, people = new_round(world, party, 3)
    round = step(round, secretary, "open_peer", "open_vote")
    vote(round, people[0], lambda e: E if e.member_id == people[1].pk else Q)
    vote(round, people[1], lambda e: B if e.member_id == people[2].pk else Q)
    with pytest.raises(RuleViolation) as caught:
        vote(round, people[0], lambda e: U)
    assert "只能投一次" in str(caught.value.message) and caught.value.field == "ballot"
    by_member = entries(round)
    assert (by_member[people[1].pk].votes_excellent, by_member[people[1].pk].votes_qualified) == (
        1,
        1,
    )
    assert (by_member[people[2].pk].votes_basic, by_member[people[2].pk].votes_qualified) == (1, 1)
    assert by_member[people[0].pk].votes_qualified == 2
    assert (
        fresh(round).online_ballots == 2 and BallotReceipt.objects.filter(round=round).count() == 2
    )


def test_the_ballot_is_anonymous_by_the_schema():
    """No stored row links a voter to a choice: the receipt has no grade and no
    evaluated member, the tallies have no voter, no other model of the module points
    at both a receipt and a grade."""
    receipt_fields = {f.name for f in BallotReceipt._meta.get_fields()}
    assert receipt_fields == {"id", "round", "voter", "cast_at"}
    tally_fields = {f.name for f in Evaluation._meta.get_fields() if f.name.startswith("votes_")}
    assert tally_fields == {
        "votes_excellent",
        "votes_qualified",
        "votes_basic",
        "votes_unqualified",
    }
    for model in (Evaluation, EvaluationRound):
        related = {
            f.related_model for f in model._meta.get_fields() if f.is_relation and f.concrete
        }
        assert BallotReceipt not in related
    assert not any(
        f.name == "grade" or f.name == "choice" for f in BallotReceipt._meta.get_fields()
    )


def test_the_audit_record_of_a_vote_names_no_choice(world, party, secretary):
    round, people = new_round(world, party, 2)
    round = step(round, secretary, "open_peer", "open_vote")
    vote(round, people[0], lambda e: U)
    record = AuditLog.objects.get(action="orglife.evaluation.voted")
    assert "unqualified" not in str(record.data) and record.target_id == str(round.pk)


def test_a_ballot_must_grade_every_member_and_only_from_the_round(world, party, secretary):
    round, people = new_round(world, party, 3)
    round = step(round, secretary, "open_peer", "open_vote")
    some = list(Evaluation.objects.filter(round=round))[:2]
    with pytest.raises(RuleViolation) as caught:
        services.cast_ballot(fresh(round), actor=people[0].user, choices={e.pk: Q for e in some})
    assert caught.value.field == "ballot"
    outsider = members(world, party.ours_branch, 1, prefix="新党员")[0]
    with pytest.raises(RuleViolation) as caught:
        vote(round, outsider, lambda e: Q)
    assert "参加本次民主评议" in str(caught.value.message)
    with pytest.raises(RuleViolation):
        vote(round, people[0], lambda e: "perfect")
    assert fresh(round).online_ballots == 0 and not BallotReceipt.objects.exists()


def test_voting_outside_the_vote_step_is_refused(world, party):
    round, people = new_round(world, party, 2)
    with pytest.raises(RuleViolation) as caught:
        vote(round, people[0], lambda e: Q)
    assert "民主测评" in str(caught.value.message)


@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_lose_none(world, party, flushable_audit_log):
    """Voters in threads, each with its own connection, at the same moment: every ballot
    is counted. (Not on SQLite's in-memory test database, whose shared cache refuses a
    second writer instead of making it wait: set GONGZHI_TEST_DB or use PostgreSQL.)"""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("SQLite in memory: set GONGZHI_TEST_DB, or run on PostgreSQL")
    secretary = world.users["branch_secretary"]
    round, people = new_round(world, party, 6)
    round = step(round, secretary, "open_peer", "open_vote")
    choices = {e.pk: Q for e in Evaluation.objects.filter(round=round)}
    start, errors = threading.Barrier(len(people)), []

    def voter(member):
        try:
            start.wait()
            services.cast_ballot(
                EvaluationRound.objects.get(pk=round.pk), actor=member.user, choices=choices
            )
        except Exception as exc:  # pragma: no cover (shown by the assertion below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=voter, args=(m,)) for m in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert fresh(round).online_ballots == 6
    assert set(
        Evaluation.objects.filter(round=round).values_list("votes_qualified", flat=True)
    ) == {6}


def test_a_ballot_on_a_round_read_before_the_vote_closed_is_not_counted(world, party, secretary):
    round, people = new_round(world, party, 2)
    round = step(round, secretary, "open_peer", "open_vote")
    vote(round, people[0], lambda e: Q)
    stale = fresh(round)
    step(round, secretary, "close_vote")
    choices = {e.pk: U for e in Evaluation.objects.filter(round=round)}
    with pytest.raises(RuleViolation) as caught:
        services.cast_ballot(stale, actor=people[1].user, choices=choices)
    assert "已经结束" in str(caught.value.message)
    assert fresh(round).online_ballots == 1
    assert not Evaluation.objects.filter(round=round, votes_unqualified__gt=0).exists()
    assert BallotReceipt.objects.filter(round=round).count() == 1


def test_stale_copies_of_the_round_still_add_up(world, party, secretary):
    """F() increments: ballots cast on copies of the rows read before the others' votes."""
    round, people = new_round(world, party, 4)
    round = step(round, secretary, "open_peer", "open_vote")
    stale = [fresh(round) for _ in people]
    choices = {e.pk: E for e in Evaluation.objects.filter(round=round)}
    for copy, member in zip(stale, people, strict=True):
        services.cast_ballot(copy, actor=member.user, choices=choices)
    assert fresh(round).online_ballots == 4
    assert {e.votes_excellent for e in Evaluation.objects.filter(round=round)} == {4}


def test_paper_ballots_add_to_the_tallies_and_never_exceed_the_ballots(world, party, secretary):
    round, people = new_round(world, party, 5, accounts=False)
    round = step(round, secretary, "open_peer", "open_vote")
    by_member = entries(round)
    first, second = by_member[people[0].pk].pk, by_member[people[1].pk].pk
    with pytest.raises(RuleViolation) as caught:
        services.record_paper_ballots(
            fresh(round),
            actor=secretary,
            ballots=3,
            tallies={first: {E: 2, Q: 2}, second: {Q: 3}},
        )
    assert caught.value.field == f"e{first}_excellent"
    assert "超过纸质票数3张" in str(caught.value.message)
    assert fresh(round).paper_ballots == 0
    assert Evaluation.objects.get(pk=first).votes_excellent == 0  # nothing half-written
    services.record_paper_ballots(
        fresh(round), actor=secretary, ballots=3, tallies={first: {E: 2, Q: 1}, second: {Q: 3}}
    )
    services.record_paper_ballots(fresh(round), actor=secretary, ballots=2, tallies={first: {E: 2}})
    assert fresh(round).paper_ballots == 5
    assert Evaluation.objects.get(pk=first).votes_excellent == 4
    with pytest.raises(RuleViolation) as caught:  # every member of the round has voted
        services.record_paper_ballots(fresh(round), actor=secretary, ballots=1, tallies={})
    assert caught.value.field == "ballots"


def test_paper_ballots_at_the_members_left_to_vote(world, party, secretary):
    round, people = new_round(world, party, 3)
    round = step(round, secretary, "open_peer", "open_vote")
    vote(round, people[0], lambda e: Q)
    with pytest.raises(RuleViolation) as caught:
        services.record_paper_ballots(fresh(round), actor=secretary, ballots=3, tallies={})
    assert "尚未投票的参评党员人数2" in str(caught.value.message)
    services.record_paper_ballots(fresh(round), actor=secretary, ballots=2, tallies={})
    assert fresh(round).paper_ballots == 2


# --- The cap on 优秀 ---------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "cap"), [(2, 0), (3, 1), (4, 1), (9, 3), (10, 3)])
def test_the_cap_is_a_third_rounded_down(n, cap):
    assert rules.excellent_cap(n, TODAY) == cap
    assert services.cap_refusal(cap, n, TODAY) is None
    refusal = services.cap_refusal(cap + 1, n, TODAY)
    assert refusal is not None and refusal.field == "grades"
    assert str(refusal.message) == (
        f"优秀不得超过参评党员的三分之一（{n}人中最多{cap}人），当前{cap + 1}人"
    )


@pytest.mark.parametrize("n", [2, 3, 4, 9, 10])
def test_the_committees_proposal_at_the_cap_and_one_above(world, party, secretary, n):
    round, people = new_round(world, party, n)
    round = to_proposal(round, people, secretary)
    cap = rules.excellent_cap(n, TODAY)
    with pytest.raises(RuleViolation) as caught:
        services.propose_grades(
            fresh(round),
            actor=secretary,
            version=fresh(round).version,
            grades=grades_for(round, people, excellent=cap + 1),
        )
    assert f"（{n}人中最多{cap}人），当前{cap + 1}人" in str(caught.value.message)
    assert not Evaluation.objects.filter(round=round).exclude(proposed="").exists()
    services.propose_grades(
        fresh(round),
        actor=secretary,
        version=fresh(round).version,
        grades=grades_for(round, people, excellent=cap),
    )
    assert Evaluation.objects.filter(round=round, proposed=E).count() == cap


def test_the_divisor_is_a_parameter(world, django_capture_on_commit_callbacks):
    from gongzhi.core import params

    with (
        time_machine.travel(date(2026, 12, 6), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        params.set_parameter(
            actor=world.users["district_admin"],
            key="orglife.excellent_divisor",
            new_value=4,
            effective_from=date(2026, 12, 6),
            note="测试",
        )
    assert rules.excellent_cap(9, date(2026, 12, 5)) == 3
    assert rules.excellent_cap(9, date(2026, 12, 6)) == 2
    refusal = services.cap_refusal(3, 9, date(2026, 12, 6))
    assert refusal is not None and "四分之一（9人中最多2人），当前3人" in str(refusal.message)


def test_a_proposal_grades_everyone(world, party, secretary):
    round, people = new_round(world, party, 3)
    round = to_proposal(round, people, secretary)
    partial = dict(list(grades_for(round, people).items())[:2])
    with pytest.raises(RuleViolation) as caught:
        services.propose_grades(
            fresh(round), actor=secretary, version=fresh(round).version, grades=partial
        )
    assert caught.value.field == "grades"
    with pytest.raises(RuleViolation) as caught:
        services.decide(
            fresh(round),
            actor=secretary,
            version=fresh(round).version,
            meeting=held_meeting(party.ours_branch, people, present=3),
            decided_on=TODAY,
        )
    assert "尚未对全部参评党员提出等次" in str(caught.value.message)


# --- The decision -----------------------------------------------------------------------------


def proposed(world, party, secretary, n=6, excellent=1, unqualified=0, **kw):
    round, people = new_round(world, party, n, **kw)
    round = to_proposal(round, people, secretary)
    services.propose_grades(
        fresh(round),
        actor=secretary,
        version=fresh(round).version,
        grades=grades_for(round, people, excellent=excellent, unqualified=unqualified),
    )
    return fresh(round), people


def test_no_quorum_refuses_the_decision_with_the_counts(world, party, secretary):
    round, people = proposed(world, party, secretary, n=6)
    meeting = held_meeting(party.ours_branch, people, present=3)  # 3 of 6: not more than half
    with pytest.raises(RuleViolation) as caught:
        services.decide(
            round,
            actor=secretary,
            version=round.version,
            meeting=meeting,
            decided_on=TODAY - timedelta(days=15),
        )
    assert caught.value.field == "meeting"
    assert (
        str(caught.value.message) == "到会党员3人，应到6人，未超过半数（至少4人），不能确定等次。"
    )
    assert (
        fresh(round).state == S.PROPOSAL
        and not MemberEvent.objects.filter(kind=EventKind.EVALUATED).exists()
    )
    quorate = held_meeting(party.ours_branch, people, present=4)
    round = services.decide(
        round,
        actor=secretary,
        version=round.version,
        meeting=quorate,
        decided_on=date(2026, 11, 20),
    )
    assert round.state == S.DECIDED and round.meeting == quorate


def test_the_decision_date_is_not_in_the_future_and_the_meeting_is_held_of_the_branch(
    world, party, secretary
):
    round, people = proposed(world, party, secretary, n=3)
    meeting = held_meeting(party.ours_branch, people, present=3)
    with pytest.raises(RuleViolation) as caught:
        services.decide(
            round,
            actor=secretary,
            version=round.version,
            meeting=meeting,
            decided_on=TODAY + timedelta(days=1),
        )
    assert caught.value.field == "decided_on" and "不能晚于今天" in str(caught.value.message)
    planned = held_meeting(party.ours_branch, people, present=3)
    planned.state = MeetingState.PLANNED
    planned.save()
    with pytest.raises(RuleViolation) as caught:
        services.decide(
            round, actor=secretary, version=round.version, meeting=planned, decided_on=TODAY
        )
    assert caught.value.field == "meeting" and "尚未召开" in str(caught.value.message)
    committee = held_meeting(party.ours_branch, people, present=3, kind=MeetingKind.COMMITTEE)
    with pytest.raises(RuleViolation) as caught:
        services.decide(
            round, actor=secretary, version=round.version, meeting=committee, decided_on=TODAY
        )
    assert "党员大会" in str(caught.value.message)
    other = members(world, party.ours_grid_branch, 2, prefix="网格")
    elsewhere = held_meeting(party.ours_grid_branch, other, present=2, kind=MeetingKind.ASSEMBLY)
    with pytest.raises(RuleViolation):
        services.decide(
            round, actor=secretary, version=round.version, meeting=elsewhere, decided_on=TODAY
        )
    services.decide(
        round, actor=secretary, version=round.version, meeting=meeting, decided_on=TODAY
    )


def test_the_meeting_may_change_grades_within_the_cap(world, party, secretary):
    round, people = proposed(world, party, secretary, n=6, excellent=2)
    meeting = held_meeting(party.ours_branch, people, present=6)
    by_member = entries(round)
    third = by_member[people[2].pk].pk
    with pytest.raises(RuleViolation) as caught:
        services.decide(
            round,
            actor=secretary,
            version=round.version,
            meeting=meeting,
            decided_on=TODAY,
            grades={third: E},
        )
    assert "当前3人" in str(caught.value.message)
    last = by_member[people[5].pk].pk
    round = services.decide(
        round,
        actor=secretary,
        version=round.version,
        meeting=meeting,
        decided_on=TODAY,
        grades={last: B},
    )
    assert Evaluation.objects.get(pk=last).grade == B
    assert Evaluation.objects.filter(round=round, grade=E).count() == 2
    event = MemberEvent.objects.get(member=people[5], kind=EventKind.EVALUATED)
    assert event.data == {"year": 2026, "grade": "basic", "round": round.pk}
    assert event.occurred_on == TODAY and "基本合格" in event.note
    assert MemberEvent.objects.filter(kind=EventKind.EVALUATED).count() == 6


# --- Corrections ----------------------------------------------------------------------------------


def decided(world, party, secretary, unqualified=1, on=date(2026, 11, 20)):
    round, people = proposed(world, party, secretary, n=6, excellent=1, unqualified=unqualified)
    meeting = held_meeting(party.ours_branch, people, present=5, on=on)
    round = services.decide(
        round, actor=secretary, version=round.version, meeting=meeting, decided_on=on
    )
    return round, people


def test_the_correction_deadline_at_the_limit_and_a_day_after(world, party, secretary):
    round, people = decided(world, party, secretary)
    limit = rules.correction_deadline_limit(round.decided_on)
    assert limit == date(2027, 11, 20)
    entry = entries(round)[people[-1].pk]
    with pytest.raises(RuleViolation) as caught:
        services.start_correction(
            entry, actor=secretary, plan="按期参加组织生活", deadline=limit + timedelta(days=1)
        )
    assert caught.value.field == "deadline" and "2027-11-20" in str(caught.value.message)
    correction = services.start_correction(
        entry, actor=secretary, plan="按期参加组织生活", deadline=limit
    )
    assert correction.state == CorrectionState.OPEN
    with pytest.raises(RuleViolation):  # one plan per member
        services.start_correction(entry, actor=secretary, plan="再来", deadline=limit)


def test_only_an_unqualified_member_gets_a_correction(world, party, secretary):
    round, people = decided(world, party, secretary)
    qualified = entries(round)[people[2].pk]
    with pytest.raises(RuleViolation) as caught:
        services.start_correction(
            qualified, actor=secretary, plan="计划", deadline=date(2027, 6, 1)
        )
    assert caught.value.field == "plan"


def test_follow_ups_and_the_outcome_corrected(world, party, secretary):
    round, people = decided(world, party, secretary)
    entry = entries(round)[people[-1].pk]
    correction = services.start_correction(
        entry, actor=secretary, plan="计划", deadline=date(2027, 6, 1)
    )
    services.add_followup(correction, actor=secretary, on=TODAY, note="谈心谈话一次")
    with pytest.raises(RuleViolation) as caught:
        services.add_followup(
            correction, actor=secretary, on=TODAY + timedelta(days=1), note="明天"
        )
    assert caught.value.field == "on"
    with pytest.raises(RuleViolation) as caught:  # the deadline has not passed
        services.close_correction(
            correction,
            actor=secretary,
            version=correction.version,
            outcome="not_corrected",
            on=TODAY,
        )
    assert caught.value.field == "outcome"
    correction = services.close_correction(
        correction,
        actor=secretary,
        version=correction.version,
        outcome="corrected",
        on=TODAY,
        note="表现良好",
    )
    assert correction.state == CorrectionState.CORRECTED and correction.closed_on == TODAY
    with pytest.raises(RuleViolation):
        services.add_followup(correction, actor=secretary, on=TODAY, note="已结束")


def test_not_corrected_after_the_deadline_records_it_and_warns(world, party, secretary):
    round, people = decided(world, party, secretary, on=date(2025, 12, 10))
    entry = entries(round)[people[-1].pk]
    correction = services.start_correction(
        entry, actor=secretary, plan="计划", deadline=date(2026, 6, 30)
    )
    assert list(selectors.correction_due(secretary, TODAY)) == [correction]
    assert list(selectors.correction_due(secretary, date(2026, 6, 30))) == []  # on the day: not yet
    correction = services.close_correction(
        correction,
        actor=secretary,
        version=correction.version,
        outcome="not_corrected",
        on=TODAY,
        note="仍未参加组织生活",
    )
    assert correction.state == CorrectionState.NOT_CORRECTED
    event = MemberEvent.objects.get(member=people[-1], kind=EventKind.NOT_CORRECTED)
    assert event.data["deadline"] == "2026-06-30"
    assert list(selectors.correction_due(secretary, TODAY)) == []
    member = Member.objects.get(pk=people[-1].pk)
    assert member.standing == Standing.ACTIVE  # never removed automatically
    services.remove_after_correction(
        correction, actor=secretary, version=member.version, on=TODAY, reason="限期改正逾期未改正"
    )
    assert Member.objects.get(pk=member.pk).standing == Standing.REMOVED


def test_removal_only_after_not_corrected(world, party, secretary):
    round, people = decided(world, party, secretary)
    entry = entries(round)[people[-1].pk]
    correction = services.start_correction(
        entry, actor=secretary, plan="计划", deadline=date(2027, 6, 1)
    )
    member = Member.objects.get(pk=people[-1].pk)
    with pytest.raises(RuleViolation):
        services.remove_after_correction(
            correction, actor=secretary, version=member.version, on=TODAY, reason="x"
        )


# --- The whole round and the results -------------------------------------------------------------


def test_a_full_round_end_to_end(world, party, secretary):
    round, people = new_round(world, party, 4)
    by_member = entries(round)
    for member in people:
        services.write_self_assessment(
            by_member[member.pk], actor=member.user, text=f"{member.name}的自评"
        )
    round = step(round, secretary, "open_peer")
    by_member = entries(round)
    for author in people:
        for peer in people:
            if peer != author:
                services.comment_on(by_member[peer.pk], actor=author.user, text="意见")
    round = step(round, secretary, "open_vote")
    for voter in people[:3]:
        vote(
            round,
            voter,
            lambda e: E if e.member_id == people[0].pk else U if e.member_id == people[3].pk else Q,
        )
    services.record_paper_ballots(
        fresh(round), actor=secretary, ballots=1, tallies={by_member[people[0].pk].pk: {E: 1}}
    )
    progress = selectors.progress(fresh(round), TODAY)
    assert (
        progress.evaluated,
        progress.assessed,
        progress.comments,
        progress.ballots,
        progress.cap,
    ) == (4, 4, 12, 4, 1)
    round = step(round, secretary, "close_vote")
    services.propose_grades(
        fresh(round),
        actor=secretary,
        version=fresh(round).version,
        grades=grades_for(round, people, excellent=1, unqualified=1),
    )
    meeting = held_meeting(party.ours_branch, people, present=3)
    round = services.decide(
        fresh(round),
        actor=secretary,
        version=fresh(round).version,
        meeting=meeting,
        decided_on=date(2026, 11, 20),
    )
    assert selectors.grades(2026, party.ours_committee) == {
        Member.objects.get(pk=people[0].pk): E,
        Member.objects.get(pk=people[1].pk): Q,
        Member.objects.get(pk=people[2].pk): Q,
        Member.objects.get(pk=people[3].pk): U,
    }
    correction = services.start_correction(
        entries(round)[people[3].pk],
        actor=secretary,
        plan="参加每月主题党日",
        deadline=date(2027, 5, 20),
    )
    services.add_followup(correction, actor=secretary, on=TODAY, note="支部书记谈话")
    assert correction.followups.count() == 1
    actions = AuditLog.objects.filter(action__startswith="orglife.").values_list(
        "action", flat=True
    )
    assert {
        "orglife.evaluation.decide",
        "orglife.evaluation.proposed",
        "orglife.correction.started",
    } <= set(actions)


def test_grades_of_a_subtree_only_and_only_decided(world, party, secretary):
    round, people = decided(world, party, secretary)
    assert len(selectors.grades(2026, party.ours_branch)) == 6
    assert selectors.grades(2026, party.sibling_committee) == {}
    assert selectors.grades(2025, party.ours_branch) == {}
    assert len(selectors.grades(2026, party.street_committee)) == 6
