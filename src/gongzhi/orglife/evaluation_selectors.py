"""Reads of 民主评议党员: every list starts from the scope (``visible_to``); a member's own
rounds are reached through their account (``Member.user``)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet

from gongzhi.accounts.models import User
from gongzhi.core.errors import NotFoundOrForbidden
from gongzhi.party.models import Member, Organization

from . import rules
from .choices import HAPPENED, CorrectionState, RoundState
from .evaluation import DECIDING_KINDS, member_of
from .models import Correction, Evaluation, EvaluationRound, Meeting, PeerComment
from .permissions import EVALUATE, VIEW


def rounds_for(user: User, perm: str = VIEW) -> QuerySet[EvaluationRound]:
    return (
        EvaluationRound.objects.visible_to(user, perm)
        .select_related("organization")
        .annotate(
            evaluated=Count("entries", distinct=True),
            assessed=Count("entries", filter=~Q(entries__self_assessment=""), distinct=True),
        )
    )


def get_round(user: User, pk: int | str, perm: str = VIEW) -> EvaluationRound:
    try:
        return (
            EvaluationRound.objects.visible_to(user, perm).select_related("organization").get(pk=pk)
        )
    except (EvaluationRound.DoesNotExist, ValueError):
        raise NotFoundOrForbidden() from None


def entries_of(round: EvaluationRound) -> QuerySet[Evaluation]:
    """The round's evaluated members with their comment counts and correction."""
    return (
        round.entries.select_related("member", "correction")
        .annotate(comment_count=Count("comments"))
        .order_by("member__name", "id")
    )


def get_evaluation(user: User, pk: int | str, perm: str = VIEW) -> Evaluation:
    try:
        return (
            Evaluation.objects.visible_to(user, perm)
            .select_related("round", "round__organization", "member")
            .get(pk=pk)
        )
    except (Evaluation.DoesNotExist, ValueError):
        raise NotFoundOrForbidden() from None


def corrections_for(user: User, perm: str = VIEW) -> QuerySet[Correction]:
    return Correction.objects.visible_to(user, perm).select_related(
        "evaluation__member", "evaluation__round__organization"
    )


def get_correction(user: User, pk: int | str, perm: str = VIEW) -> Correction:
    try:
        return corrections_for(user, perm).get(pk=pk)
    except (Correction.DoesNotExist, ValueError):
        raise NotFoundOrForbidden() from None


def comments_on(round: EvaluationRound) -> QuerySet[PeerComment]:
    return (
        PeerComment.objects.filter(evaluation__round=round)
        .select_related("author", "evaluation__member")
        .order_by("evaluation__member__name", "id")
    )


@dataclass(frozen=True)
class Progress:
    evaluated: int
    assessed: int
    comments: int
    ballots: int
    online: int
    paper: int
    cap: int


def progress(round: EvaluationRound, today: date) -> Progress:
    counts = round.entries.aggregate(
        n=Count("id"), assessed=Count("id", filter=~Q(self_assessment=""))
    )
    comments = PeerComment.objects.filter(evaluation__round=round).count()
    n = counts["n"]
    on = round.decided_on or today
    return Progress(
        evaluated=n,
        assessed=counts["assessed"],
        comments=comments,
        ballots=round.online_ballots + round.paper_ballots,
        online=round.online_ballots,
        paper=round.paper_ballots,
        cap=rules.excellent_cap(n, on),
    )


def deciding_meetings(user: User, round: EvaluationRound) -> QuerySet[Meeting]:
    """The branch's held members' meetings the decision may be linked to."""
    return (
        Meeting.objects.visible_to(user, VIEW)
        .filter(organization=round.organization, kind__in=DECIDING_KINDS, state__in=HAPPENED)
        .order_by("-held_on", "-id")
    )


def get_meeting(user: User, pk: int | str) -> Meeting:
    try:
        return Meeting.objects.visible_to(user, VIEW).get(pk=pk)
    except (Meeting.DoesNotExist, ValueError):
        raise NotFoundOrForbidden() from None


# --- A member's own rounds ------------------------------------------------------------------


def my_entries(user: User) -> QuerySet[Evaluation]:
    """The user's own evaluations (newest round first), through their member record."""
    return (
        Evaluation.objects.filter(member__user=user)
        .select_related("round", "round__organization", "member")
        .order_by("-round__year", "-id")
    )


def round_for_member(user: User, pk: int | str) -> EvaluationRound:
    """A round in which the user's member record is evaluated (else not found)."""
    member = member_of(user)
    try:
        if member is None:
            raise EvaluationRound.DoesNotExist
        return EvaluationRound.objects.select_related("organization").get(
            pk=pk, entries__member=member
        )
    except (EvaluationRound.DoesNotExist, ValueError):
        raise NotFoundOrForbidden() from None


def entry_for_member(user: User, pk: int | str) -> Evaluation:
    """An evaluation of a round in which the user is evaluated too (their own or a
    peer's: the member comments on it), else not found."""
    member = member_of(user)
    try:
        if member is None:
            raise Evaluation.DoesNotExist
        return Evaluation.objects.select_related("round", "member").get(
            pk=pk, round__entries__member=member
        )
    except (Evaluation.DoesNotExist, ValueError):
        raise NotFoundOrForbidden() from None


@dataclass
class MyRound:
    """What a member sees of one round: their own entry, the peers to comment on (with
    whether they did), whether they voted."""

    entry: Evaluation
    peers: list[tuple[Evaluation, bool]]
    voted: bool
    entries: list[Evaluation]


def my_round(user: User, entry: Evaluation) -> MyRound:
    round = entry.round
    entries = list(round.entries.select_related("member").order_by("member__name", "id"))
    commented = set(
        PeerComment.objects.filter(evaluation__round=round, author=entry.member).values_list(
            "evaluation_id", flat=True
        )
    )
    peers = [(e, e.pk in commented) for e in entries if e.pk != entry.pk]
    voted = round.receipts.filter(voter=entry.member).exists()
    return MyRound(entry=entry, peers=peers, voted=voted, entries=entries)


# --- Warnings and the results for other modules ----------------------------------------------


def correction_due(user: User, today: date) -> QuerySet[Correction]:
    """Corrections past their deadline with no outcome yet (the warning
    ``orglife.correction_due``)."""
    return corrections_for(user, EVALUATE).filter(state=CorrectionState.OPEN, deadline__lt=today)


def grades(year: int, under: Organization) -> dict[Member, str]:
    """The decided grades of ``year``'s rounds in the organization subtree ``under``
    (itself and every organization below it): member → grade (``Grade`` value). Rounds
    not yet decided give nothing. For the honours of the evaluation module; the caller
    has already checked the user's reach on ``under``."""
    rows = (
        Evaluation.objects.filter(
            round__year=year,
            round__state=RoundState.DECIDED,
            round__organization__tree_path__under=under.tree_path,
        )
        .exclude(grade="")
        .select_related("member")
    )
    return {row.member: row.grade for row in rows}
