"""民主评议 rows for the cross-scope walk (tests/test_cross_scope.py), which finds a
module's hooks as ``gongzhi.orglife.testing.cross_scope_rows(fx)`` and
``cross_scope_change(fx)``: the module's ``testing.py`` calls these two."""

from datetime import timedelta

from gongzhi.core.testing import make_user
from gongzhi.party.models import Member

from . import evaluation as services
from .choices import Entitlement, Grade, MeetingKind, MeetingState, Presence
from .models import Attendance, Evaluation, EvaluationRound, Meeting


def _held_meeting(branch, roster, on):
    """A held members' meeting with everyone present (ORM rows: the meetings' own
    services are exercised by their tests)."""
    meeting = Meeting.objects.create(
        organization=branch,
        path=branch.path,
        kind=MeetingKind.EVALUATION,
        year=on.year,
        planned_on=on,
        held_on=on,
        state=MeetingState.HELD,
    )
    Attendance.objects.bulk_create(
        Attendance(
            meeting=meeting, member=m, entitlement=Entitlement.MEMBER, presence=Presence.PRESENT
        )
        for m in roster
    )
    return meeting


def decided_round(admin, branch, today, username):
    """A round of ``branch`` run to its decision: a self-assessment, a peer comment, an
    online ballot and paper ballots, the proposal, the decision at a held meeting (its
    first member 不合格), that member's correction with a follow-up. Returns the round
    and the correction."""
    roster = list(Member.objects.filter(organization=branch, standing="active").order_by("id"))
    voter = roster[0]
    if voter.user_id is None:
        user = make_user(username, area=branch.area, full_name=voter.name)
        Member.objects.filter(pk=voter.pk).update(user=user)
        voter.refresh_from_db()
    round = services.start_round(actor=admin, organization=branch, year=today.year)
    entries = list(Evaluation.objects.filter(round=round).order_by("id"))
    services.write_self_assessment(entries[0], actor=voter.user, text="本人自评")
    round = services.advance(round, actor=admin, version=round.version, action="open_peer")
    services.comment_on(entries[1], actor=voter.user, text="互评意见")
    round = services.advance(round, actor=admin, version=round.version, action="open_vote")
    services.cast_ballot(round, actor=voter.user, choices={e.pk: Grade.QUALIFIED for e in entries})
    services.record_paper_ballots(
        round, actor=admin, ballots=1, tallies={entries[1].pk: {Grade.QUALIFIED: 1}}
    )
    round = EvaluationRound.objects.get(pk=round.pk)
    round = services.advance(round, actor=admin, version=round.version, action="close_vote")
    grades = {e.pk: Grade.QUALIFIED for e in entries}
    grades[entries[0].pk] = Grade.UNQUALIFIED
    round = services.propose_grades(round, actor=admin, version=round.version, grades=grades)
    on = today - timedelta(days=1)
    meeting = _held_meeting(branch, roster, on)
    round = services.decide(
        round, actor=admin, version=round.version, meeting=meeting, decided_on=on
    )
    correction = services.start_correction(
        Evaluation.objects.get(pk=entries[0].pk),
        actor=admin,
        plan="按时参加组织生活",
        deadline=today + timedelta(days=90),
    )
    services.add_followup(correction, actor=admin, on=today, note="谈心谈话")
    return round, correction


def cross_scope_rows(fx) -> None:
    """A decided round with a correction in each community's first branch."""
    orgs, admin = fx.extra["party"], fx.world.users["district_admin"]
    fx.extra["evaluation"] = {
        "ours": decided_round(admin, orgs.ours_branch, fx.today, "pj_hs"),
        "sibling": decided_round(admin, orgs.sibling_branch, fx.today, "pj_lj"),
    }


def cross_scope_change(fx) -> None:
    """A new round of the sibling branch (renamed with the mark by party's hook) and a
    marked follow-up of its correction."""
    root, orgs = fx.world.users["superuser"], fx.extra["party"]
    services.start_round(actor=root, organization=orgs.sibling_branch, year=fx.today.year - 1)
    _round, correction = fx.extra["evaluation"]["sibling"]
    services.add_followup(correction, actor=root, on=fx.today, note=f"{fx.mark}帮教")
