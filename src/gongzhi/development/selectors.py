"""Scoped reads of member development: files, their timelines, the pipeline board per
branch, the warnings and the yearly quotas per community."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, cast

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core.errors import NotFoundOrForbidden
from gongzhi.core.params import value as param
from gongzhi.party.choices import BRANCH_TYPES, HOLDING, MemberStatus, Standing
from gongzhi.party.models import Member, Organization

from . import rules
from .choices import STAGE_SHORT, STAGE_STEPS, FileState, Stage, Step
from .models import DevelopmentFile, Review, StepRecord
from .permissions import MANAGE_FILE, VIEW_FILE

if TYPE_CHECKING:
    from gongzhi.core.types import StrOrPromise


def files_for(user: User, perm: str = VIEW_FILE) -> QuerySet[DevelopmentFile]:
    return DevelopmentFile.objects.visible_to(user, perm).select_related("branch")


def with_history(queryset: QuerySet[DevelopmentFile]) -> QuerySet[DevelopmentFile]:
    """Files with their records and reviews in two more queries, for plans in bulk."""
    return queryset.prefetch_related(
        Prefetch("steps", queryset=StepRecord.objects.order_by("step", "attempt")),
        Prefetch("reviews", queryset=Review.objects.order_by("on", "id")),
    )


def get_file(
    user: User, pk: int | str, perm: str = VIEW_FILE, history: bool = False
) -> DevelopmentFile:
    queryset = files_for(user, perm)
    if history:
        queryset = with_history(queryset)
    try:
        return queryset.get(pk=pk)
    except (DevelopmentFile.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def branches_for(user: User, perm: str = MANAGE_FILE) -> QuerySet[Organization]:
    """Branches a user may open files in (their scope under ``perm``)."""
    return (
        Organization.objects.visible_to(user, perm)
        .filter(org_type__in=BRANCH_TYPES, is_active=True)
        .order_by("tree_path")
    )


def eligible_members(user: User, file: DevelopmentFile) -> QuerySet[Member]:
    """Members who can be contacts or introducers: full, in good standing, visible to the
    user, in the file's community (the first three levels of its path)."""
    return (
        Member.objects.visible_to(user, "party.view_member")
        .filter(
            path__under=community_path(file.path),
            status=MemberStatus.FULL,
            standing=Standing.ACTIVE,
        )
        .order_by("organization_id", "name")
    )


def voting_members(branch: Organization) -> int:
    """Full members of a branch in good standing: the default of "entitled to vote"."""
    return Member.objects.filter(
        organization=branch, status=MemberStatus.FULL, standing__in=HOLDING
    ).count()


def community_path(path: str) -> str:
    """The community a path lies in (district / street / community are the first three
    levels of every area path); a path above community level is returned unchanged."""
    parts = path.strip("/").split("/")
    return "/" + "/".join(parts[:3]) + "/"


def plan_for(file: DevelopmentFile, today: date | None = None) -> rules.Plan:
    today = today or timezone.localdate()
    return rules.plan(file, list(file.steps.all()), list(file.reviews.all()), today)


# --- Timeline of one file -------------------------------------------------------------

DONE, NEXT, LOCKED, SUPERSEDED = "done", "next", "locked", "superseded"


@dataclass
class TimelineEntry:
    step: int
    label: "StrOrPromise"
    stage: int
    state: str
    record: StepRecord | None = None
    history: list[StepRecord] = field(default_factory=list)  # earlier rounds (22–24)


@dataclass
class StageGroup:
    stage: int
    label: "StrOrPromise"
    entries: list[TimelineEntry]


def timeline(file: DevelopmentFile, plan: rules.Plan) -> list[StageGroup]:
    """The 25 steps in five stages: done (with the record), next, or locked."""
    records = list(file.steps.all())
    # The records given back (rules.current_records is typed for any records).
    current = cast("dict[int, StepRecord]", rules.current_records(file, records))
    groups = []
    for stage, steps in STAGE_STEPS.items():
        entries = []
        for number in steps:
            record = current.get(number)
            history = [r for r in records if r.step == number and r is not record]
            if record is not None:
                state = DONE
            elif number == plan.next_step:
                state = NEXT
            else:
                state = LOCKED
            entries.append(TimelineEntry(number, Step(number).label, stage, state, record, history))
        groups.append(StageGroup(stage, Stage(stage).label, entries))
    return groups


# --- Pipeline board -------------------------------------------------------------------


@dataclass
class BoardRow:
    file: DevelopmentFile
    plan: rules.Plan


@dataclass
class BranchBoard:
    branch: Organization
    rows: list[BoardRow]
    counts: dict[int, int]  # files per stage

    @property
    def stage_counts(self) -> list[tuple["StrOrPromise", int]]:
        return [(STAGE_SHORT[Stage(stage)], n) for stage, n in self.counts.items()]

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.plan.status == rules.OVERDUE or r.plan.warnings)


def pipeline(
    user: User, today: date | None = None, branch: Organization | None = None
) -> list[BranchBoard]:
    """Open files per branch: who is at which step, what is due next and by when, and
    what is overdue; three queries whatever the number of files."""
    today = today or timezone.localdate()
    files = with_history(files_for(user).filter(state=FileState.OPEN))
    if branch is not None:
        files = files.filter(branch=branch)
    boards: dict[int, BranchBoard] = {}
    for file in files.order_by("branch__tree_path", "last_step", "applied_on", "id"):
        board = boards.get(file.branch_id)
        if board is None:
            board = boards[file.branch_id] = BranchBoard(
                file.branch, [], dict.fromkeys(Stage.values, 0)
            )
        board.rows.append(BoardRow(file, plan_for(file, today)))
        board.counts[file.stage] += 1
    return list(boards.values())


@dataclass(frozen=True)
class DueStep:
    """A file whose next step is due soon or overdue (a row of the workbench's to-do)."""

    file: DevelopmentFile
    step: str
    due: date

    def __str__(self) -> str:
        return f"{self.file.name}：{self.step}"

    def get_absolute_url(self) -> str:
        return self.file.get_absolute_url()


def steps_due(user: User, today: date) -> list[DueStep]:
    """The open files the user manages whose next step is due now (due soon or overdue),
    the soonest first: the pipeline's three queries."""
    rows = [
        row
        for board in pipeline(user, today)
        for row in board.rows
        if row.plan.status in (rules.DUE_SOON, rules.OVERDUE) and row.plan.due
    ]
    return sorted(
        (DueStep(r.file, r.plan.next_label, cast(date, r.plan.due)) for r in rows),
        key=lambda d: (d.due, d.file.pk),
    )


def warnings(user: User, today: date | None = None) -> list[BoardRow]:
    """Open files with something overdue or flagged, the most urgent stage first."""
    rows = [row for board in pipeline(user, today) for row in board.rows if row.plan.warnings]
    return sorted(rows, key=lambda r: (r.plan.due or date.max, r.file.pk))


# --- Quotas per community ---------------------------------------------------------------


@dataclass
class Quota:
    community: Area
    activists: int
    activists_needed: int
    objects: int
    objects_needed: int
    objects_since: int  # first year of the development-object period

    @property
    def activists_met(self) -> bool:
        return self.activists >= self.activists_needed

    @property
    def objects_met(self) -> bool:
        return self.objects >= self.objects_needed

    @property
    def met(self) -> bool:
        return self.activists_met and self.objects_met


def quotas(user: User, year: int) -> list[Quota]:
    """Each community in scope against seed 001 第6篇: at least 3 new activists in
    ``year`` and at least 1 development object in the two years ending with ``year``."""
    on = date(year, 12, 31)
    period = param("development.quota_objects_years", on)
    since = year - period + 1
    communities = list(
        Area.objects.visible_to(user, VIEW_FILE).filter(level=Level.COMMUNITY).order_by("path")
    )
    visible = files_for(user).values("id")
    named = StepRecord.objects.filter(file__in=visible, attempt=1)
    counts: dict[tuple[str, int], int] = defaultdict(int)
    rows: Iterable[tuple[str, int]]
    rows = named.filter(step=Step.NAME_ACTIVIST, on__year=year).values_list("file__path", "step")
    rows = list(rows) + list(
        named.filter(step=Step.NAME_OBJECT, on__year__gte=since, on__year__lte=year).values_list(
            "file__path", "step"
        )
    )
    for path, step in rows:
        counts[(community_path(path), step)] += 1
    return [
        Quota(
            community,
            counts[(community.path, Step.NAME_ACTIVIST)],
            param("development.quota_activists_per_year", on),
            counts[(community.path, Step.NAME_OBJECT)],
            param("development.quota_objects", on),
            since,
        )
        for community in communities
    ]
