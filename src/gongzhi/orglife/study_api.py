"""Study hours and talks over the API: the same selectors and services as the pages.

Hours and days go out as strings with one decimal (``"31.5"``) and come in as strings
or JSON numbers with at most one decimal. Members and organizations are fetched through
the scope (404 outside it); domain errors become ``{"error": {"code", "message",
"field"}}`` with a 4xx status (gongzhi/api.py)."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import PlainSerializer, WithJsonSchema

from gongzhi.core.api import ERRORS, Day, ErrorOut, Id, Pagination, Text
from gongzhi.core.errors import NotFoundOrForbidden

from . import study, talks
from .choices import StudyKind, TalkPair, TrainingLevel
from .permissions import CHANGE

router = Router(tags=["orglife"])

Hours = Annotated[
    Decimal,
    PlainSerializer(lambda v: f"{v:.1f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+\.[0-9]$", "description": "学时/天数"}),
]
HoursIn = Annotated[Decimal, Field(max_digits=4, decimal_places=1, ge=0)]
SignedIn = Annotated[Decimal, Field(max_digits=4, decimal_places=1)]
Year = Annotated[int, Field(ge=2000, le=2100)]


def _year(year: int | None) -> int:
    return year or timezone.localdate().year


# --- Schemas --------------------------------------------------------------------------------


class OrglifeStudyLineOut(Schema):
    id: int
    member_id: int
    year: int
    on: date
    kind: StudyKind
    title: str
    hours: Hours
    days: Hours
    level: TrainingLevel | Literal[""]
    organizer: str
    meeting_id: int | None
    reason: str


class OrglifeTrainingOut(Schema):
    role: Literal["community_secretary", "two_committee"]
    required: Hours
    lowest_level: TrainingLevel = Field(..., alias="lowest")
    days: Hours
    met: bool


class OrglifeLedgerOut(Schema):
    member_id: int
    member_name: str
    year: int
    is_cadre: bool
    required: int
    total: Hours
    missing: Hours
    met: bool
    training: OrglifeTrainingOut | None
    lines: list[OrglifeStudyLineOut]


class OrglifeSummaryRowOut(Schema):
    member_id: int
    member_name: str
    cadre: bool
    hours: Hours
    required: int
    missing: Hours
    training: OrglifeTrainingOut | None


class OrglifeShortfallOut(Schema):
    member_id: int = Field(..., alias="pk")
    member_name: str = Field(..., alias="name")
    organization_id: int
    hours: Hours
    cadre: bool


class OrglifeEntryIn(Schema):
    member_ids: list[Id] = Field(..., min_length=1, max_length=500)
    on: Day
    kind: Literal["course", "training"]
    title: Text(1, 200)  # type: ignore[valid-type]
    length: Literal["full_day", "half_day", "hours"]
    hours: HoursIn | None = None
    days: HoursIn | None = None
    level: TrainingLevel | Literal[""] = ""
    organizer: Text(0, 100) = ""  # type: ignore[valid-type]


class OrglifeCorrectionIn(Schema):
    on: Day
    kind: StudyKind
    hours: SignedIn | None = None
    days: SignedIn | None = None
    level: TrainingLevel | Literal[""] = ""
    title: Text(0, 200) = ""  # type: ignore[valid-type]
    reason: Text(0, 200)  # type: ignore[valid-type]


class OrglifeTalkOut(Schema):
    id: int
    organization_id: int
    year: int
    pair: TalkPair
    first_id: int
    first_name: str = Field(..., alias="first.name")
    second_id: int
    second_name: str = Field(..., alias="second.name")
    held_on: date
    note: str


class OrglifeTalkIn(Schema):
    first_id: Id
    second_id: Id
    held_on: Day
    note: Text(0, 300) = ""  # type: ignore[valid-type]


class OrglifeMissingTalkOut(Schema):
    pair: TalkPair
    first_id: int
    first_name: str
    second_id: int | None
    second_name: str | None


class OrglifeLinesFilters(Schema):
    year: Year | None = None
    member_id: Id | None = None


def _training(training: study.Training | None) -> dict | None:
    if training is None:
        return None
    return {
        "role": training.role,
        "required": training.required,
        "lowest": training.lowest,
        "days": training.days,
        "met": training.met,
    }


def _ledger_out(ledger: study.Ledger) -> dict:
    return {
        "member_id": ledger.member.pk,
        "member_name": ledger.member.name,
        "year": ledger.year,
        "is_cadre": ledger.is_cadre,
        "required": ledger.required,
        "total": ledger.total,
        "missing": ledger.missing,
        "met": ledger.met,
        "training": _training(ledger.training),
        "lines": ledger.lines,
    }


# --- Reads ----------------------------------------------------------------------------------


@router.get("/mine", response={200: OrglifeLedgerOut, ERRORS: ErrorOut})
def my_ledger(request, year: Year | None = None):
    """The caller's own ledger of a year (404 when the account has no party membership)."""
    member = study.own_member(request.user)
    if member is None:
        raise NotFoundOrForbidden()
    return _ledger_out(study.ledger(request.user, member, _year(year)))


@router.get("/members/{int:member_id}/ledger", response={200: OrglifeLedgerOut, ERRORS: ErrorOut})
def member_ledger(request, member_id: int, year: Year | None = None):
    """A member's ledger of a year: its lines, the total against the requirement (32 or
    56 class hours), and a community cadre's days of concentrated training."""
    member = study.get_member(request.user, member_id)
    return _ledger_out(study.ledger(request.user, member, _year(year)))


@router.get("/lines", response={200: list[OrglifeStudyLineOut], ERRORS: ErrorOut})
@paginate(Pagination)
def lines(request, filters: Query[OrglifeLinesFilters]):
    """Ledger lines in the caller's scope, newest first, by year and member."""
    qs = study.records_for(request.user)
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.member_id is not None:
        qs = qs.filter(member=study.get_member(request.user, filters.member_id))
    return qs.order_by("-on", "-id")


@router.get(
    "/organizations/{int:organization_id}/summary",
    response={200: list[OrglifeSummaryRowOut], ERRORS: ErrorOut},
)
def summary(
    request,
    organization_id: int,
    year: Year | None = None,
    order: Literal["name", "hours", "-hours", "missing"] = "name",
):
    """Each active member of a branch: hours of the year against the requirement."""
    branch = study.get_branch(request.user, organization_id)
    return [
        {
            "member_id": r.member.pk,
            "member_name": r.member.name,
            "cadre": r.cadre,
            "hours": r.hours,
            "required": r.required,
            "missing": r.missing,
            "training": _training(r.training),
        }
        for r in study.branch_summary(request.user, branch, _year(year), order)
    ]


@router.get("/shortfalls", response={200: list[OrglifeShortfallOut], ERRORS: ErrorOut})
@paginate(Pagination)
def shortfalls(request):
    """The warning: members under their hours and cadres under their training days, from
    the fourth quarter (empty before it)."""
    return study.shortfalls(request.user, timezone.localdate())


@router.get(
    "/organizations/{int:organization_id}/talks",
    response={200: list[OrglifeTalkOut], ERRORS: ErrorOut},
)
def branch_talks(request, organization_id: int, year: Year | None = None):
    """The talks of a branch in a year."""
    branch = study.get_branch(request.user, organization_id)
    return list(talks.branch_talks(request.user, branch, _year(year)))


@router.get(
    "/organizations/{int:organization_id}/missing-talks",
    response={200: list[OrglifeMissingTalkOut], ERRORS: ErrorOut},
)
def missing_talks(request, organization_id: int, year: Year | None = None):
    """The required talks of the year not yet held (``rules.missing_talks``)."""
    branch = study.get_branch(request.user, organization_id)
    return [
        {
            "pair": m.pair,
            "first_id": m.first.pk,
            "first_name": m.first.name,
            "second_id": m.second.pk if m.second else None,
            "second_name": m.second.name if m.second else None,
        }
        for m in talks.missing(branch, _year(year), talks.talks_for(request.user))
    ]


# --- Writes ---------------------------------------------------------------------------------


@router.post("/lines", response={201: list[OrglifeStudyLineOut], ERRORS: ErrorOut})
def enter(request, payload: OrglifeEntryIn):
    """A course or training for one member or many: all or none, every refusal listed."""
    members = [
        study.get_member(request.user, pk, CHANGE) for pk in dict.fromkeys(payload.member_ids)
    ]
    entry = study.Entry(
        on=payload.on,
        kind=payload.kind,
        title=payload.title,
        length=payload.length,
        hours=payload.hours,
        days=payload.days,
        level=payload.level,
        organizer=payload.organizer,
    )
    return Status(201, study.record_study(members, actor=request.user, entry=entry))


@router.post(
    "/members/{int:member_id}/corrections",
    response={201: OrglifeStudyLineOut, ERRORS: ErrorOut},
)
def correct(request, member_id: int, payload: OrglifeCorrectionIn):
    """A correction line (signed hours and days) with its required reason."""
    member = study.get_member(request.user, member_id, CHANGE)
    return Status(201, study.correct_study(member, actor=request.user, **payload.dict()))


@router.post("/talks", response={201: OrglifeTalkOut, ERRORS: ErrorOut})
def record_talk(request, payload: OrglifeTalkIn):
    """A talk between two members of one branch; its pair kind comes from their roles."""
    first = study.get_member(request.user, payload.first_id, CHANGE)
    second = study.get_member(request.user, payload.second_id, CHANGE)
    talk = talks.record_talk(
        actor=request.user,
        first=first,
        second=second,
        held_on=payload.held_on,
        note=payload.note,
    )
    return Status(201, talk)
