"""民主评议党员 over the API (``/api/v1/orglife/evaluations``): the same selectors and
services as the pages. Rounds, entries and corrections are fetched through the scope
(404 outside it); a member's own routes (self-assessment, comments, ballot, ``/mine``)
through their member record. Domain errors are ``{"error": {"code", "message",
"field"}}`` with a 4xx status (gongzhi/api.py)."""

from datetime import date
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.core.api import ERRORS, Day, ErrorOut, Id, Pagination, Text, Version
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.party import selectors as party_selectors
from gongzhi.party.choices import MemberStatus

from . import evaluation as services
from . import evaluation_selectors as selectors
from .choices import CorrectionState, Grade, RoundState
from .permissions import EVALUATE

router = Router(tags=["orglife-evaluations"])

# --- Schemas -----------------------------------------------------------------------------------


class EvaluationRoundOut(Schema):
    id: int
    organization_id: int
    organization_name: str = Field(..., alias="organization.name")
    year: int
    state: RoundState
    online_ballots: int
    paper_ballots: int
    decided_on: date | None
    meeting_id: int | None
    version: int


class EvaluationProgressOut(Schema):
    evaluated: int
    assessed: int
    comments: int
    ballots: int
    online: int
    paper: int
    cap: int


class EvaluationEntryOut(Schema):
    id: int
    member_id: int
    member_name: str = Field(..., alias="member.name")
    member_status: MemberStatus = Field(..., alias="member.status")
    self_assessment: str
    votes_excellent: int
    votes_qualified: int
    votes_basic: int
    votes_unqualified: int
    proposed: Grade | None
    grade: Grade | None

    @staticmethod
    def resolve_proposed(obj) -> str | None:
        return obj.proposed or None

    @staticmethod
    def resolve_grade(obj) -> str | None:
        return obj.grade or None


class EvaluationRoundDetailOut(Schema):
    round: EvaluationRoundOut
    progress: EvaluationProgressOut
    entries: list[EvaluationEntryOut]
    allowed: list[str]


class EvaluationCommentOut(Schema):
    id: int
    evaluation_id: int
    member_name: str = Field(..., alias="evaluation.member.name")
    author_id: int
    author_name: str = Field(..., alias="author.name")
    text: str


class EvaluationRoundFilters(Schema):
    year: int | None = Field(None, ge=1990, le=2100)
    state: RoundState | None = None
    organization_id: Id | None = None


class EvaluationRoundIn(Schema):
    organization_id: Id
    year: int = Field(..., ge=1990, le=2100)


class EvaluationVersionIn(Schema):
    version: Version


class EvaluationGradeIn(Schema):
    evaluation_id: Id
    grade: Grade


class EvaluationProposalIn(Schema):
    version: Version
    grades: list[EvaluationGradeIn] = Field(..., max_length=2000)


class EvaluationDecisionIn(Schema):
    version: Version
    meeting_id: Id
    decided_on: Day
    grades: list[EvaluationGradeIn] = Field(default_factory=list, max_length=2000)


class EvaluationTallyIn(Schema):
    evaluation_id: Id
    excellent: int = Field(0, ge=0, le=10000)
    qualified: int = Field(0, ge=0, le=10000)
    basic: int = Field(0, ge=0, le=10000)
    unqualified: int = Field(0, ge=0, le=10000)


class EvaluationPaperIn(Schema):
    ballots: int = Field(..., ge=1, le=10000)
    tallies: list[EvaluationTallyIn] = Field(default_factory=list, max_length=2000)


class EvaluationBallotIn(Schema):
    choices: list[EvaluationGradeIn] = Field(..., max_length=2000)


class EvaluationTextIn(Schema):
    text: Text(1, 5000)  # type: ignore[valid-type]


class EvaluationCommentIn(Schema):
    text: Text(1, 2000)  # type: ignore[valid-type]


class EvaluationMineOut(Schema):
    id: int
    round: EvaluationRoundOut
    self_assessment: str
    grade: Grade | None
    voted: bool
    peers: list[dict]

    @staticmethod
    def resolve_grade(obj) -> str | None:
        return obj.grade or None


class EvaluationCorrectionOut(Schema):
    id: int
    evaluation_id: int
    member_id: int = Field(..., alias="evaluation.member_id")
    member_name: str = Field(..., alias="evaluation.member.name")
    year: int = Field(..., alias="evaluation.round.year")
    plan: str
    deadline: date
    state: CorrectionState
    closed_on: date | None
    outcome: str
    version: int
    allowed: list[str] = []


class EvaluationFollowUpOut(Schema):
    id: int
    on: date
    note: str


class EvaluationCorrectionDetailOut(EvaluationCorrectionOut):
    followups: list[EvaluationFollowUpOut]


class EvaluationCorrectionIn(Schema):
    plan: Text(1, 2000)  # type: ignore[valid-type]
    deadline: Day


class EvaluationFollowUpIn(Schema):
    on: Day
    note: Text(1, 300)  # type: ignore[valid-type]


class EvaluationCloseIn(Schema):
    version: Version
    outcome: Literal["corrected", "not_corrected"]
    on: Day
    note: Text(0, 200) = ""  # type: ignore[valid-type]


class EvaluationRemovalIn(Schema):
    version: Version = Field(..., description="党员档案的 version")
    on: Day
    reason: Text(1, 200)  # type: ignore[valid-type]


# --- Reads -------------------------------------------------------------------------------------


def _detail(request, round):
    round.refresh_from_db()
    return {
        "round": round,
        "progress": selectors.progress(round, timezone.localdate()),
        "entries": list(selectors.entries_of(round)),
        "allowed": services.ROUND_WORKFLOW.allowed(round, request.user),
    }


@router.get("/rounds", response={200: list[EvaluationRoundOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_rounds(request, filters: Query[EvaluationRoundFilters]):
    """The rounds of the user's scope, newest year first."""
    qs = selectors.rounds_for(request.user).order_by("-year", "organization__tree_path")
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.state is not None:
        qs = qs.filter(state=filters.state)
    if filters.organization_id is not None:
        org = party_selectors.get_organization(request.user, filters.organization_id)
        qs = qs.filter(organization__tree_path__under=org.tree_path)
    return qs


@router.get(
    "/rounds/{int:evaluation_round_id}",
    response={200: EvaluationRoundDetailOut, ERRORS: ErrorOut},
)
def round_detail(request, evaluation_round_id: int):
    """A round: its stage, progress, each member's tallies and grades, the actions."""
    return _detail(request, selectors.get_round(request.user, evaluation_round_id))


@router.get(
    "/rounds/{int:evaluation_round_id}/comments",
    response={200: list[EvaluationCommentOut], ERRORS: ErrorOut},
)
def round_comments(request, evaluation_round_id: int):
    """The peer comments of a round (signed, not anonymous)."""
    return list(selectors.comments_on(selectors.get_round(request.user, evaluation_round_id)))


@router.get("/mine", response={200: list[EvaluationMineOut], ERRORS: ErrorOut})
def mine(request):
    """The user's own rounds (as a party member): their entry, the peers to comment on
    and whether they voted."""
    result = []
    for entry in selectors.my_entries(request.user):
        own = selectors.my_round(request.user, entry)
        entry.voted = own.voted
        entry.peers = [
            {"evaluation_id": peer.pk, "name": peer.member.name, "commented": done}
            for peer, done in own.peers
        ]
        result.append(entry)
    return result


@router.get("/corrections", response={200: list[EvaluationCorrectionOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_corrections(request, due: bool = False):
    """Corrections of members graded 不合格; ``due``: past their deadline, still open."""
    if due:
        return selectors.correction_due(request.user, timezone.localdate())
    return selectors.corrections_for(request.user).order_by("deadline", "id")


def _correction(request, correction):
    correction.allowed = services.CORRECTION_WORKFLOW.allowed(correction, request.user)
    return correction


@router.get(
    "/corrections/{int:correction_id}",
    response={200: EvaluationCorrectionDetailOut, ERRORS: ErrorOut},
)
def correction_detail(request, correction_id: int):
    """A correction with its follow-ups and the actions the user may take."""
    correction = selectors.get_correction(request.user, correction_id)
    return _correction(request, correction)


# --- The secretary's writes --------------------------------------------------------------------


@router.post("/rounds", response={201: EvaluationRoundOut, ERRORS: ErrorOut})
def start_round(request, payload: EvaluationRoundIn):
    """Open a branch's round for a year: every member in active standing is evaluated."""
    org = party_selectors.get_organization(request.user, payload.organization_id)
    round = services.start_round(actor=request.user, organization=org, year=payload.year)
    return Status(201, round)


def _advance(request, evaluation_round_id: int, payload: EvaluationVersionIn, action: str):
    round = selectors.get_round(request.user, evaluation_round_id, EVALUATE)
    round = services.advance(round, actor=request.user, version=payload.version, action=action)
    return _detail(request, round)


@router.post(
    "/rounds/{int:evaluation_round_id}/open_peer",
    response={200: EvaluationRoundDetailOut, ERRORS: ErrorOut},
)
def open_peer(request, evaluation_round_id: int, payload: EvaluationVersionIn):
    """Self-assessment done: the peer assessment begins."""
    return _advance(request, evaluation_round_id, payload, "open_peer")


@router.post(
    "/rounds/{int:evaluation_round_id}/open_vote",
    response={200: EvaluationRoundDetailOut, ERRORS: ErrorOut},
)
def open_vote(request, evaluation_round_id: int, payload: EvaluationVersionIn):
    """Peer assessment done: the democratic vote begins."""
    return _advance(request, evaluation_round_id, payload, "open_vote")


@router.post(
    "/rounds/{int:evaluation_round_id}/close_vote",
    response={200: EvaluationRoundDetailOut, ERRORS: ErrorOut},
)
def close_vote(request, evaluation_round_id: int, payload: EvaluationVersionIn):
    """The vote is closed: the branch committee proposes the grades."""
    return _advance(request, evaluation_round_id, payload, "close_vote")


@router.post(
    "/rounds/{int:evaluation_round_id}/paper",
    response={200: EvaluationRoundDetailOut, ERRORS: ErrorOut},
)
def paper(request, evaluation_round_id: int, payload: EvaluationPaperIn):
    """Paper ballots counted by the tellers, added to the tallies."""
    round = selectors.get_round(request.user, evaluation_round_id, EVALUATE)
    tallies = {t.evaluation_id: {g: getattr(t, g) for g in Grade.values} for t in payload.tallies}
    if len(tallies) != len(payload.tallies):
        raise RuleViolation(_("同一党员的计票结果重复。"), field="tallies")
    services.record_paper_ballots(
        round, actor=request.user, ballots=payload.ballots, tallies=tallies
    )
    return _detail(request, round)


def _grades(items: list[EvaluationGradeIn]) -> dict[int, str]:
    return {item.evaluation_id: item.grade for item in items}


@router.post(
    "/rounds/{int:evaluation_round_id}/proposal",
    response={200: EvaluationRoundDetailOut, ERRORS: ErrorOut},
)
def propose(request, evaluation_round_id: int, payload: EvaluationProposalIn):
    """The branch committee's proposal: a grade for every member, 优秀 within the cap."""
    round = selectors.get_round(request.user, evaluation_round_id, EVALUATE)
    round = services.propose_grades(
        round, actor=request.user, version=payload.version, grades=_grades(payload.grades)
    )
    return _detail(request, round)


@router.post(
    "/rounds/{int:evaluation_round_id}/decide",
    response={200: EvaluationRoundDetailOut, ERRORS: ErrorOut},
)
def decide(request, evaluation_round_id: int, payload: EvaluationDecisionIn):
    """The branch meeting's decision, linked to a held meeting of the branch with quorum;
    ``grades`` changes some of the proposal (the cap checked again)."""
    round = selectors.get_round(request.user, evaluation_round_id, EVALUATE)
    # Any meeting of the scope: the service says why one does not fit (not held, another
    # branch, not a members' meeting); outside the scope it is not found.
    meeting = selectors.get_meeting(request.user, payload.meeting_id)
    round = services.decide(
        round,
        actor=request.user,
        version=payload.version,
        meeting=meeting,
        decided_on=payload.decided_on,
        grades=_grades(payload.grades),
    )
    return _detail(request, round)


services.ROUND_WORKFLOW.routes(api={"open_peer", "open_vote", "close_vote", "decide"})


@router.post(
    "/entries/{int:evaluation_id}/self-assessment",
    response={200: EvaluationEntryOut, ERRORS: ErrorOut},
)
def self_assessment(request, evaluation_id: int, payload: EvaluationTextIn):
    """The member's own self-assessment, or the secretary's entry of it for a member
    without an account."""
    try:
        entry = selectors.get_evaluation(request.user, evaluation_id, EVALUATE)
    except NotFoundOrForbidden:
        entry = selectors.entry_for_member(request.user, evaluation_id)
    return services.write_self_assessment(entry, actor=request.user, text=payload.text)


@router.post(
    "/entries/{int:evaluation_id}/correction",
    response={201: EvaluationCorrectionOut, ERRORS: ErrorOut},
)
def start_correction(request, evaluation_id: int, payload: EvaluationCorrectionIn):
    """The correction plan of a member graded 不合格, with its deadline."""
    entry = selectors.get_evaluation(request.user, evaluation_id, EVALUATE)
    correction = services.start_correction(
        entry, actor=request.user, plan=payload.plan, deadline=payload.deadline
    )
    return Status(201, _correction(request, correction))


@router.post(
    "/corrections/{int:correction_id}/followups",
    response={201: EvaluationFollowUpOut, ERRORS: ErrorOut},
)
def add_followup(request, correction_id: int, payload: EvaluationFollowUpIn):
    """A dated note of the help given while the plan runs."""
    correction = selectors.get_correction(request.user, correction_id, EVALUATE)
    return Status(
        201,
        services.add_followup(correction, actor=request.user, on=payload.on, note=payload.note),
    )


@router.post(
    "/corrections/{int:correction_id}/close",
    response={200: EvaluationCorrectionDetailOut, ERRORS: ErrorOut},
)
def close_correction(request, correction_id: int, payload: EvaluationCloseIn):
    """The outcome: corrected, or not corrected once the deadline has passed."""
    correction = selectors.get_correction(request.user, correction_id, EVALUATE)
    correction = services.close_correction(
        correction,
        actor=request.user,
        version=payload.version,
        outcome=payload.outcome,
        on=payload.on,
        note=payload.note,
    )
    return _correction(request, correction)


services.CORRECTION_WORKFLOW.routes(api={"corrected", "not_corrected"})


@router.post(
    "/corrections/{int:correction_id}/removal",
    response={200: EvaluationCorrectionDetailOut, ERRORS: ErrorOut},
)
def removal(request, correction_id: int, payload: EvaluationRemovalIn):
    """The removal procedure (除名) of a member not corrected: the secretary's explicit
    action, through the party module's service."""
    correction = selectors.get_correction(request.user, correction_id, EVALUATE)
    services.remove_after_correction(
        correction,
        actor=request.user,
        version=payload.version,
        on=payload.on,
        reason=payload.reason,
    )
    return _correction(request, selectors.get_correction(request.user, correction_id))


# --- The member's own writes -------------------------------------------------------------------


@router.post(
    "/entries/{int:evaluation_id}/comments",
    response={201: EvaluationCommentOut, ERRORS: ErrorOut},
)
def comment(request, evaluation_id: int, payload: EvaluationCommentIn):
    """A member's peer comment on another member of their round (once)."""
    entry = selectors.entry_for_member(request.user, evaluation_id)
    return Status(201, services.comment_on(entry, actor=request.user, text=payload.text))


class EvaluationReceiptOut(Schema):
    round_id: int
    voted: bool = True


@router.post(
    "/rounds/{int:evaluation_round_id}/ballot",
    response={201: EvaluationReceiptOut, ERRORS: ErrorOut},
)
def ballot(request, evaluation_round_id: int, payload: EvaluationBallotIn):
    """The member's anonymous ballot: a grade for every evaluated member, once. The
    answer says only that the ballot was counted."""
    round = selectors.round_for_member(request.user, evaluation_round_id)
    choices = _grades(payload.choices)
    if len(choices) != len(payload.choices):
        raise RuleViolation(_("同一党员只能选择一个等次。"), field="choices")
    services.cast_ballot(round, actor=request.user, choices=choices)
    return Status(201, {"round_id": round.pk, "voted": True})
