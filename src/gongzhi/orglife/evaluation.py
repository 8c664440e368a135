"""民主评议党员: the yearly round of a branch, its workflow and every write of it.

A round moves self-assessment → peer assessment → democratic vote → the committee's
proposal → the branch meeting's decision, each step taken by the secretary (permission
``EVALUATE`` on the branch). Members act through their own account (``Member.user``):
they write their self-assessment, comment on the other members of the round and cast
one anonymous ballot. The ballot's choices go straight into the tallies with ``F()``
increments; ``BallotReceipt`` records only that the member voted, never how.

A 不合格 grade starts a correction plan (限期改正, deadline at most
``rules.correction_deadline_limit``) with its follow-ups; not corrected after the
deadline, the member's timeline records it and the removal procedure (party's
``remove_member``) is taken only on the secretary's explicit action."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.models import User
from gongzhi.core import audit, params
from gongzhi.core.errors import Problems, RuleViolation
from gongzhi.core.services import atomic, check_version, lock, require
from gongzhi.core.workflow import Workflow, register, step
from gongzhi.party import services as party_services
from gongzhi.party.choices import BRANCH_TYPES, EventKind, Standing
from gongzhi.party.models import Member, MemberEvent, Organization

from . import rules
from .choices import ATTENDED, HAPPENED, CorrectionState, Entitlement, Grade, MeetingKind
from .choices import RoundState as S
from .models import (
    BallotReceipt,
    Correction,
    CorrectionFollowUp,
    Evaluation,
    EvaluationRound,
    Meeting,
    PeerComment,
)
from .permissions import EVALUATE

# The tally field of each grade.
TALLY = {
    Grade.EXCELLENT: "votes_excellent",
    Grade.QUALIFIED: "votes_qualified",
    Grade.BASIC: "votes_basic",
    Grade.UNQUALIFIED: "votes_unqualified",
}
# Meetings whose decision may fix the grades: the branch's members' meeting.
DECIDING_KINDS = (MeetingKind.EVALUATION, MeetingKind.ASSEMBLY)
# The cap's fraction in words (orglife.excellent_divisor is 2 to 10).
FRACTIONS = {
    2: gettext_lazy("二分之一"),
    3: gettext_lazy("三分之一"),
    4: gettext_lazy("四分之一"),
    5: gettext_lazy("五分之一"),
    6: gettext_lazy("六分之一"),
    7: gettext_lazy("七分之一"),
    8: gettext_lazy("八分之一"),
    9: gettext_lazy("九分之一"),
    10: gettext_lazy("十分之一"),
}


def _today() -> date:
    return timezone.localdate()


# --- The round's workflow -------------------------------------------------------------------


def _ballots_cast(round: EvaluationRound, actor: Any) -> None:
    if round.online_ballots + round.paper_ballots == 0:
        raise RuleViolation(_("民主测评尚无选票，不能结束测评。"), field="state")


def _all_proposed(round: EvaluationRound, actor: Any) -> None:
    if round.entries.filter(proposed="").exists():
        raise RuleViolation(_("支委会尚未对全部参评党员提出等次。"), field="grades")


ROUND_WORKFLOW = register(
    "orglife.evaluation_round",
    Workflow(
        model=EvaluationRound,
        state_field="state",
        audit_prefix="orglife.evaluation",
        transitions={
            "open_peer": step({S.SELF}, S.PEER, perm=EVALUATE),
            "open_vote": step({S.PEER}, S.VOTE, perm=EVALUATE),
            "close_vote": step(
                {S.VOTE},
                S.PROPOSAL,
                perm=EVALUATE,
                guards=[_ballots_cast],
            ),
            "decide": step(
                {S.PROPOSAL},
                S.DECIDED,
                perm=EVALUATE,
                guards=[_all_proposed],
            ),
        },
    ),
)


def _deadline_passed(correction: Correction, actor: Any) -> None:
    if _today() <= correction.deadline:
        raise RuleViolation(
            _("改正期限%(d)s未满，不能作出未改正的结论。") % {"d": correction.deadline.isoformat()},
            field="outcome",
        )


CORRECTION_WORKFLOW = register(
    "orglife.correction",
    Workflow(
        model=Correction,
        state_field="state",
        audit_prefix="orglife.correction",
        transitions={
            "corrected": step(
                {CorrectionState.OPEN},
                CorrectionState.CORRECTED,
                perm=EVALUATE,
                refusal=gettext_lazy("该限期改正已有结论。"),
            ),
            "not_corrected": step(
                {CorrectionState.OPEN},
                CorrectionState.NOT_CORRECTED,
                perm=EVALUATE,
                guards=[_deadline_passed],
                refusal=gettext_lazy("该限期改正已有结论。"),
            ),
        },
    ),
)


def _in_state(round: EvaluationRound, state: str, field: str = "state") -> None:
    if round.state != state:
        raise RuleViolation(
            _("民主评议当前处于“%(now)s”阶段，此操作只能在“%(need)s”阶段进行。")
            % {"now": round.get_state_display(), "need": S(state).label},
            field=field,
        )


def _timeline(
    member: Member, kind: str, on: date, actor: User, note: str = "", **data: Any
) -> None:
    """A line of the member's timeline (party.models.MemberEvent), as party.services
    writes its own."""
    MemberEvent.objects.create(
        member=member, kind=kind, occurred_on=on, actor=actor, note=note[:200], data=data
    )


# --- Starting a round -----------------------------------------------------------------------


@atomic
def start_round(*, actor: User, organization: Organization, year: int) -> EvaluationRound:
    """Open the branch's round for ``year`` with one ``Evaluation`` per member evaluated.

    Who is evaluated: every member of the branch whose standing is active (党籍正常),
    full and probationary alike — the 12371 guidance on 民主评议党员 has probationary
    members take part (they are assessed and give their opinion in the 测评). Members whose
    standing is suspended (停止党籍) are not evaluated."""
    require(actor, EVALUATE, organization)
    problems = Problems()
    with problems.check():
        if organization.org_type not in BRANCH_TYPES:
            raise RuleViolation(
                _("民主评议党员以党支部为单位开展，请选择党支部。"), field="organization"
            )
    with problems.check():
        if year > _today().year:
            raise RuleViolation(_("年度不能晚于今年。"), field="year")
    with problems.check():
        if EvaluationRound.objects.filter(organization=organization, year=year).exists():
            raise RuleViolation(
                _("%(org)s%(year)d年度的民主评议已经开始。")
                % {"org": organization.name, "year": year},
                field="year",
            )
    members = list(
        Member.objects.filter(organization=organization, standing=Standing.ACTIVE).order_by("id")
    )
    with problems.check():
        if not members and organization.org_type in BRANCH_TYPES:
            raise RuleViolation(
                _("该支部没有党籍正常的党员，无法开展民主评议。"), field="organization"
            )
    problems.raise_any()
    round = EvaluationRound.objects.create(
        organization=organization, path=organization.path, year=year
    )
    Evaluation.objects.bulk_create(Evaluation(round=round, member=m) for m in members)
    audit.log(
        "orglife.evaluation.started",
        actor=actor,
        target=round,
        data={"year": year, "evaluated": len(members)},
    )
    return round


@atomic
def advance(
    round: EvaluationRound, *, actor: User, version: int | None, action: str
) -> EvaluationRound:
    """The secretary moves the round to its next step (``open_peer``, ``open_vote``,
    ``close_vote``); the decision has its own service (``decide``)."""
    if action not in ("open_peer", "open_vote", "close_vote"):
        raise RuleViolation(_("未知的操作。"), field="action")
    round = ROUND_WORKFLOW.begin(round, actor, action, version)
    return ROUND_WORKFLOW.commit(round, actor, action)


# --- Members acting through their own account ----------------------------------------------


def member_of(user: User | None) -> Member | None:
    """The party member whose account ``user`` is, if any."""
    if user is None or not user.is_authenticated:
        return None
    return Member.objects.filter(user=user).first()


def _voter(round: EvaluationRound, actor: User, field: str) -> Member:
    """The actor's member record, evaluated in ``round`` (only they give opinions)."""
    member = member_of(actor)
    if member is None or not round.entries.filter(member=member).exists():
        raise RuleViolation(_("只有参加本次民主评议的党员本人可以进行此操作。"), field=field)
    return member


@atomic
def write_self_assessment(evaluation: Evaluation, *, actor: User, text: str) -> Evaluation:
    """个人自评: written by the member through their own account, or entered by the
    secretary for a member who has no account."""
    round = evaluation.round
    own = evaluation.member.user_id is not None and evaluation.member.user_id == actor.pk
    if not own:
        require(actor, EVALUATE, round)
        if evaluation.member.user_id is not None:
            raise RuleViolation(
                _("该党员已开通账号，个人自评须由本人填写。"), field="self_assessment"
            )
    problems = Problems()
    with problems.check():
        _in_state(round, S.SELF, "self_assessment")
    with problems.check():
        if not (text or "").strip():
            raise RuleViolation(_("请填写个人自评。"), field="self_assessment")
    problems.raise_any()
    evaluation.self_assessment = text.strip()
    evaluation.save(update_fields=["self_assessment"])
    audit.log(
        "orglife.evaluation.self_assessed",
        actor=actor,
        target=evaluation,
        data={"by_member": own},
    )
    return evaluation


@atomic
def comment_on(evaluation: Evaluation, *, actor: User, text: str) -> PeerComment:
    """党员互评: a member of the round comments on another member of it, once."""
    round = evaluation.round
    author = _voter(round, actor, "text")
    problems = Problems()
    with problems.check():
        _in_state(round, S.PEER, "text")
    with problems.check():
        if author.pk == evaluation.member_id:
            raise RuleViolation(_("不能评议自己，请通过个人自评填写。"), field="text")
    with problems.check():
        if not (text or "").strip():
            raise RuleViolation(_("请填写评议意见。"), field="text")
    with problems.check():
        if PeerComment.objects.filter(evaluation=evaluation, author=author).exists():
            raise RuleViolation(_("您已评议过该党员，每人只能评议一次。"), field="text")
    problems.raise_any()
    try:
        with transaction.atomic():
            comment = PeerComment.objects.create(
                evaluation=evaluation, author=author, text=text.strip()
            )
    except IntegrityError:  # a second submission at the same moment
        raise RuleViolation(_("您已评议过该党员，每人只能评议一次。"), field="text") from None
    audit.log("orglife.evaluation.commented", actor=actor, target=evaluation)
    return comment


@atomic
def cast_ballot(
    round: EvaluationRound, *, actor: User, choices: Mapping[int, str]
) -> BallotReceipt:
    """民主测评: the member's anonymous ballot, a grade for every evaluated member
    (``choices``: evaluation id → grade). The receipt says only that they voted; the
    grades go into the tallies with ``F()`` increments in this transaction, so that
    concurrent ballots lose none and nothing links a voter to a choice."""
    voter = _voter(round, actor, "ballot")
    _in_state(round, S.VOTE, "ballot")
    entries = set(round.entries.values_list("pk", flat=True))
    problems = Problems()
    with problems.check():
        if set(choices) != entries:
            raise RuleViolation(_("请为每一位参评党员选择一个等次。"), field="ballot")
    with problems.check():
        if any(grade not in TALLY for grade in choices.values()):
            raise RuleViolation(_("等次只能是优秀、合格、基本合格或不合格。"), field="ballot")
    problems.raise_any()
    try:
        with transaction.atomic():
            receipt = BallotReceipt.objects.create(round=round, voter=voter)
    except IntegrityError:
        raise RuleViolation(_("您已投过票，每人只能投一次。"), field="ballot") from None
    # Counted only while the vote is still open in the database (the secretary may have
    # closed it since the round was read): otherwise the whole ballot is rolled back.
    counted = EvaluationRound.objects.filter(pk=round.pk, state=S.VOTE).update(
        online_ballots=F("online_ballots") + 1
    )
    if not counted:
        raise RuleViolation(_("民主测评已经结束，选票未计入。"), field="ballot")
    for grade, field in TALLY.items():
        chosen = [pk for pk, g in choices.items() if g == grade]
        if chosen:
            Evaluation.objects.filter(round=round, pk__in=chosen).update(**{field: F(field) + 1})
    audit.log("orglife.evaluation.voted", actor=actor, target=round)  # who, never how
    return receipt


# --- The secretary's entries ----------------------------------------------------------------


@atomic
def record_paper_ballots(
    round: EvaluationRound,
    *,
    actor: User,
    ballots: int,
    tallies: Mapping[int, Mapping[str, int]],
) -> EvaluationRound:
    """Paper ballots counted by the tellers: ``ballots`` ballots and, for each evaluated
    member (evaluation id), the count of each grade. Added to the tallies (a batch per
    ballot box); a member's counts may not exceed the ballots of the batch, and the
    ballots may not exceed the members of the round who have not voted online."""
    require(actor, EVALUATE, round)
    round = lock(round)
    _in_state(round, S.VOTE, "ballots")
    entries = {e.pk: e for e in round.entries.select_related("member")}
    problems = Problems()
    room = len(entries) - round.online_ballots - round.paper_ballots
    with problems.check():
        if ballots < 1:
            raise RuleViolation(_("纸质票数至少为1。"), field="ballots")
    with problems.check():
        if ballots > room:
            raise RuleViolation(
                _("纸质票数%(n)d超过尚未投票的参评党员人数%(room)d。")
                % {"n": ballots, "room": room},
                field="ballots",
            )
    with problems.check():
        if set(tallies) - set(entries):
            raise RuleViolation(_("计票结果中有不属于本次评议的党员。"), field="ballots")
    for pk, counts in tallies.items():
        if pk not in entries:
            continue
        with problems.check():
            if any(int(counts.get(g, 0)) < 0 for g in TALLY):
                raise RuleViolation(_("票数不能为负数。"), field=f"e{pk}_excellent")
            total = sum(int(counts.get(g, 0)) for g in TALLY)
            if total > ballots:
                raise RuleViolation(
                    _("%(name)s的得票合计%(total)d张，超过纸质票数%(n)d张。")
                    % {"name": entries[pk].member.name, "total": total, "n": ballots},
                    field=f"e{pk}_excellent",
                )
    problems.raise_any()
    for pk, counts in tallies.items():
        increments = {TALLY[g]: F(TALLY[g]) + int(counts.get(g, 0)) for g in TALLY if counts.get(g)}
        if increments:
            Evaluation.objects.filter(pk=pk).update(**increments)
    round.paper_ballots += ballots
    EvaluationRound.objects.filter(pk=round.pk).update(paper_ballots=F("paper_ballots") + ballots)
    audit.log(
        "orglife.evaluation.paper_counted", actor=actor, target=round, data={"ballots": ballots}
    )
    return round


def cap_refusal(
    excellent: int, evaluated: int, on: date, field: str = "grades"
) -> RuleViolation | None:
    """The refusal of ``excellent`` 优秀 grades among ``evaluated`` members, or None."""
    cap = rules.excellent_cap(evaluated, on)
    if excellent <= cap:
        return None
    divisor = int(params.value("orglife.excellent_divisor", on=on))
    return RuleViolation(
        _("优秀不得超过参评党员的%(fraction)s（%(n)d人中最多%(cap)d人），当前%(k)d人")
        % {
            "fraction": FRACTIONS.get(divisor) or f"1/{divisor}",
            "n": evaluated,
            "cap": cap,
            "k": excellent,
        },
        field=field,
    )


def _checked_grades(
    round: EvaluationRound, grades: Mapping[int, str], on: date, *, partial: bool
) -> dict[int, str]:
    entries = set(round.entries.values_list("pk", flat=True))
    problems = Problems()
    with problems.check():
        if set(grades) - entries:
            raise RuleViolation(_("等次中有不属于本次评议的党员。"), field="grades")
    with problems.check():
        if any(g not in TALLY for g in grades.values()):
            raise RuleViolation(_("等次只能是优秀、合格、基本合格或不合格。"), field="grades")
    with problems.check():
        if not partial and set(grades) != entries:
            raise RuleViolation(_("请为每一位参评党员提出等次。"), field="grades")
    problems.raise_any()
    return {pk: grades[pk] for pk in entries & set(grades)}


@atomic
def propose_grades(
    round: EvaluationRound, *, actor: User, version: int | None, grades: Mapping[int, str]
) -> EvaluationRound:
    """The branch committee's proposal: a grade for every evaluated member, 优秀 at most
    ``rules.excellent_cap`` of them."""
    require(actor, EVALUATE, round)
    check_version(round, version)
    round = lock(round)
    check_version(round, version)
    _in_state(round, S.PROPOSAL, "grades")
    today = _today()
    chosen = _checked_grades(round, grades, today, partial=False)
    excellent = sum(1 for g in chosen.values() if g == Grade.EXCELLENT)
    refusal = cap_refusal(excellent, len(chosen), today)
    if refusal is not None:
        raise refusal
    for grade in TALLY:
        pks = [pk for pk, g in chosen.items() if g == grade]
        if pks:
            Evaluation.objects.filter(pk__in=pks).update(proposed=grade)
    EvaluationRound.objects.filter(pk=round.pk).update(version=F("version") + 1)
    round.version += 1
    audit.log(
        "orglife.evaluation.proposed",
        actor=actor,
        target=round,
        data={"excellent": excellent, "evaluated": len(chosen)},
    )
    return round


def meeting_quorum(meeting: Meeting) -> tuple[int, int]:
    """(attended, entitled) of a meeting's roster: the members entitled to it (not those
    invited) and those of them who attended in person or online."""
    rows = list(
        meeting.attendance.exclude(entitlement=Entitlement.INVITED).values_list(
            "presence", flat=True
        )
    )
    return sum(1 for p in rows if p in ATTENDED), len(rows)


@atomic
def decide(
    round: EvaluationRound,
    *,
    actor: User,
    version: int | None,
    meeting: Meeting,
    decided_on: date,
    grades: Mapping[int, str] | None = None,
) -> EvaluationRound:
    """The branch meeting confirms the committee's proposal (grades may be changed there,
    the cap checked again) at a held meeting of the branch with a quorum; each member's
    grade goes to their timeline."""
    round = ROUND_WORKFLOW.begin(round, actor, "decide", version)
    problems = Problems()
    with problems.check():
        if decided_on > _today():
            raise RuleViolation(_("确定日期不能晚于今天。"), field="decided_on")
    with problems.check():
        if meeting.organization_id != round.organization_id:
            raise RuleViolation(_("请选择本支部召开的党员大会。"), field="meeting")
        if meeting.kind not in DECIDING_KINDS:
            raise RuleViolation(_("等次须由支部党员大会确定，请选择党员大会。"), field="meeting")
        if meeting.state not in HAPPENED:
            raise RuleViolation(_("所选会议尚未召开。"), field="meeting")
        attended, entitled = meeting_quorum(meeting)
        if not rules.has_quorum(attended, entitled):
            raise RuleViolation(
                _("到会党员%(a)d人，应到%(e)d人，未超过半数（至少%(q)d人），不能确定等次。")
                % {"a": attended, "e": entitled, "q": rules.quorum(entitled)},
                field="meeting",
            )
    with problems.check():
        if meeting.held_on and decided_on < meeting.held_on:
            raise RuleViolation(_("确定日期不能早于党员大会召开日期。"), field="decided_on")
    problems.raise_any()
    entries = list(round.entries.select_related("member"))
    final = {e.pk: e.proposed for e in entries}
    final.update(_checked_grades(round, grades or {}, decided_on, partial=True))
    excellent = sum(1 for g in final.values() if g == Grade.EXCELLENT)
    refusal = cap_refusal(excellent, len(final), decided_on)
    if refusal is not None:
        raise refusal
    for entry in entries:
        entry.grade = final[entry.pk]
    Evaluation.objects.bulk_update(entries, ["grade"])
    for entry in entries:
        _timeline(
            entry.member,
            EventKind.EVALUATED,
            decided_on,
            actor,
            _("%(year)d年度民主评议：%(grade)s")
            % {"year": round.year, "grade": Grade(entry.grade).label},
            year=round.year,
            grade=entry.grade,
            round=round.pk,
        )
    round.meeting, round.decided_on = meeting, decided_on
    return ROUND_WORKFLOW.commit(
        round, actor, "decide", fields=["meeting", "decided_on"], excellent=excellent
    )


# --- Corrections of members graded 不合格 ----------------------------------------------------


@atomic
def start_correction(
    evaluation: Evaluation, *, actor: User, plan: str, deadline: date
) -> Correction:
    """限期改正 of a member graded 不合格: the plan and its deadline, at most
    ``rules.correction_deadline_limit(decided_on)``."""
    require(actor, EVALUATE, evaluation.round)
    evaluation = lock(evaluation, related=("round",))  # read afresh: the decided grade
    round = evaluation.round
    problems = Problems()
    with problems.check():
        if round.state != S.DECIDED or evaluation.grade != Grade.UNQUALIFIED:
            raise RuleViolation(_("只有经党员大会评定为不合格的党员需要限期改正。"), field="plan")
    with problems.check():
        if Correction.objects.filter(evaluation=evaluation).exists():
            raise RuleViolation(_("该党员的限期改正已经开始。"), field="plan")
    with problems.check():
        if not (plan or "").strip():
            raise RuleViolation(_("请填写改正措施。"), field="plan")
    if round.decided_on is not None:
        limit = rules.correction_deadline_limit(round.decided_on)
        with problems.check():
            if deadline > limit:
                raise RuleViolation(
                    _("改正期限不能晚于%(limit)s（评定之日起最长期限）。")
                    % {"limit": limit.isoformat()},
                    field="deadline",
                )
        with problems.check():
            if deadline <= round.decided_on:
                raise RuleViolation(_("改正期限须晚于评定日期。"), field="deadline")
    problems.raise_any()
    correction = Correction.objects.create(
        evaluation=evaluation, plan=plan.strip(), deadline=deadline
    )
    audit.log(
        "orglife.correction.started",
        actor=actor,
        target=correction,
        data={"deadline": deadline.isoformat()},
    )
    return correction


@atomic
def add_followup(correction: Correction, *, actor: User, on: date, note: str) -> CorrectionFollowUp:
    """A dated note of the help and supervision given (帮教) while the plan runs."""
    require(actor, EVALUATE, correction)
    problems = Problems()
    with problems.check():
        if correction.state != CorrectionState.OPEN:
            raise RuleViolation(_("该限期改正已有结论，不能再添加帮教记录。"), field="note")
    with problems.check():
        if on > _today():
            raise RuleViolation(_("日期不能晚于今天。"), field="on")
        decided_on = correction.evaluation.round.decided_on
        if decided_on and on < decided_on:
            raise RuleViolation(_("日期不能早于评定日期。"), field="on")
    with problems.check():
        if not (note or "").strip():
            raise RuleViolation(_("请填写帮教情况。"), field="note")
    problems.raise_any()
    followup = CorrectionFollowUp.objects.create(
        correction=correction, on=on, note=note.strip(), actor=actor
    )
    audit.log("orglife.correction.followed_up", actor=actor, target=correction)
    return followup


@atomic
def close_correction(
    correction: Correction,
    *,
    actor: User,
    version: int | None,
    outcome: str,
    on: date,
    note: str = "",
) -> Correction:
    """The outcome: ``corrected``, or ``not_corrected`` once the deadline has passed —
    which writes the member's timeline and leaves the removal procedure to the
    secretary (``remove_member``, on the correction's page)."""
    if outcome not in CORRECTION_WORKFLOW.transitions:
        raise RuleViolation(_("请选择改正结论。"), field="outcome")
    correction = CORRECTION_WORKFLOW.begin(correction, actor, outcome, version)
    problems = Problems()
    with problems.check():
        if on > _today():
            raise RuleViolation(_("结论日期不能晚于今天。"), field="on")
    with problems.check():
        if outcome == "not_corrected" and on <= correction.deadline:
            raise RuleViolation(
                _("改正期限%(d)s未满，不能作出未改正的结论。")
                % {"d": correction.deadline.isoformat()},
                field="outcome",
            )
    problems.raise_any()
    correction.closed_on, correction.outcome = on, (note or "").strip()[:200]
    if outcome == "not_corrected":
        evaluation = correction.evaluation
        _timeline(
            evaluation.member,
            EventKind.NOT_CORRECTED,
            on,
            actor,
            correction.outcome,
            year=evaluation.round.year,
            deadline=correction.deadline.isoformat(),
        )
    return CORRECTION_WORKFLOW.commit(
        correction, actor, outcome, fields=["closed_on", "outcome"], at=on
    )


@atomic
def remove_after_correction(
    correction: Correction, *, actor: User, version: int | None, on: date, reason: str
) -> Member:
    """The removal procedure of a member not corrected: party's ``remove_member`` (除名),
    taken only on the secretary's explicit action; ``version`` is the member's."""
    require(actor, EVALUATE, correction)
    if correction.state != CorrectionState.NOT_CORRECTED:
        raise RuleViolation(_("只有逾期未改正的党员可以启动除名程序。"), field="reason")
    if on > _today():
        raise RuleViolation(_("日期不能晚于今天。"), field="on")
    member = correction.evaluation.member
    return party_services.remove_member(member, actor=actor, version=version, on=on, reason=reason)
