"""The volunteer registry, teams, posts with matching, the hours ledger and certificates
over the API (``/api/v1/service/volunteers``): the same selectors and services as the
pages. Hours go out as strings with two decimals (``"15.50"``); phones masked."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import PlainSerializer, WithJsonSchema

from gongzhi.core.api import ERRORS, Day, ErrorOut, Id, Pagination, Text
from gongzhi.core.errors import NotFoundOrForbidden

from . import certificates, ledger, teams, volunteers
from .choices import COUNTED
from .permissions import CHANGE

router = Router(tags=["service"])

Hours = Annotated[
    Decimal,
    PlainSerializer(lambda v: f"{v:.2f}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$", "description": "小时"}),
]
Year = Annotated[int, Field(ge=2000, le=2100)]


class ServiceVolunteerOut(Schema):
    id: int
    name: str
    community_id: int
    community_name: str = Field(..., alias="community.name")
    phone_masked: str
    member_id: int | None
    resident_id: int | None
    skills: str
    hobbies: str
    joined_on: date
    is_active: bool


class ServiceVolunteerFilters(Schema):
    q: Text(0, 50) = ""  # type: ignore[valid-type]
    is_active: bool | None = None


class ServiceVolunteerIn(Schema):
    skills: Text(0, 200) = ""  # type: ignore[valid-type]
    hobbies: Text(0, 200) = ""  # type: ignore[valid-type]
    phone: Text(0, 20) = ""  # type: ignore[valid-type]


class ServiceHoursLineOut(Schema):
    id: int
    served_on: date
    activity_id: int | None
    activity_title: str
    description: str
    hours: Hours
    source: str
    status: str
    counted: bool
    corrects_id: int | None
    reason: str


class ServiceLedgerOut(Schema):
    volunteer_id: int
    volunteer_name: str
    year: int
    counted: Hours
    pending: Hours
    required: int | None
    progress: int | None
    missing: Hours
    all_time: Hours
    stars: int
    next_star: int | None
    lines: list[ServiceHoursLineOut]


class ServiceSummaryRowOut(Schema):
    volunteer_id: int
    volunteer_name: str
    hours: Hours
    required: int | None
    below: bool


class ServiceCertificateIn(Schema):
    period_from: Day | None = None
    period_to: Day


class ServiceCertificateOut(Schema):
    id: int
    code: str
    volunteer_id: int
    hours: Hours
    period_from: date | None
    period_to: date
    issued_at: datetime


class ServiceTeamOut(Schema):
    id: int
    name: str
    community_id: int
    leader_id: int | None
    skills: str
    description: str


class ServicePostOut(Schema):
    id: int
    name: str
    community_id: int
    team_id: int | None
    skills: str
    open_to_residents: bool
    is_active: bool


class ServicePostCandidateOut(Schema):
    volunteer_id: int
    volunteer_name: str
    matched: list[str]
    local: bool
    in_team: bool


class ServiceTeamMemberIn(Schema):
    volunteer_id: Id


def _ledger(book: ledger.Ledger) -> dict:
    return {
        "volunteer_id": book.volunteer.pk,
        "volunteer_name": book.volunteer.name,
        "year": book.year,
        "counted": book.counted,
        "pending": book.pending,
        "required": book.required,
        "progress": book.progress,
        "missing": book.missing,
        "all_time": book.all_time,
        "stars": book.stars,
        "next_star": book.next_star,
        "lines": [
            {
                "id": line.pk,
                "served_on": line.served_on,
                "activity_id": line.activity_id,
                "activity_title": line.activity.title if line.activity else "",
                "description": line.description,
                "hours": line.hours,
                "source": line.source,
                "status": line.status,
                "counted": line.status in COUNTED,
                "corrects_id": line.corrects_id,
                "reason": line.reason,
            }
            for line in book.lines
        ],
    }


def _year(year: int | None) -> int:
    return year or timezone.localdate().year


# --- Volunteers and their ledgers ---------------------------------------------------------------


@router.get("", response={200: list[ServiceVolunteerOut], ERRORS: ErrorOut})
@paginate(Pagination)
def volunteer_list(request, filters: Query[ServiceVolunteerFilters]):
    """Volunteers in the caller's scope, by name or skill and whether on the register."""
    qs = volunteers.volunteers_for(request.user)
    if filters.q:
        qs = qs.filter(name__contains=filters.q) | qs.filter(skills__contains=filters.q)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    return qs.order_by("path", "name", "pk")


@router.get("/mine/ledger", response={200: ServiceLedgerOut, ERRORS: ErrorOut})
def my_ledger(request, year: Year | None = None):
    """The caller's own ledger (404 when they are not a registered volunteer)."""
    volunteer = volunteers.of_user(request.user)
    if volunteer is None:
        raise NotFoundOrForbidden()
    return _ledger(ledger.ledger(request.user, volunteer, _year(year)))


@router.get("/{int:volunteer_id}", response={200: ServiceVolunteerOut, ERRORS: ErrorOut})
def volunteer_detail(request, volunteer_id: int):
    return volunteers.get_volunteer(request.user, volunteer_id)


@router.patch("/{int:volunteer_id}", response={200: ServiceVolunteerOut, ERRORS: ErrorOut})
def volunteer_update(request, volunteer_id: int, payload: ServiceVolunteerIn):
    """Skills, hobbies and phone: staff in scope or the volunteer themselves."""
    volunteer = volunteers.get_volunteer(request.user, volunteer_id)
    return volunteers.update_volunteer(volunteer, actor=request.user, **payload.dict())


@router.get("/{int:volunteer_id}/ledger", response={200: ServiceLedgerOut, ERRORS: ErrorOut})
def volunteer_ledger(request, volunteer_id: int, year: Year | None = None):
    volunteer = volunteers.get_volunteer(request.user, volunteer_id)
    return _ledger(ledger.ledger(request.user, volunteer, _year(year)))


@router.post(
    "/{int:volunteer_id}/certificates",
    response={201: ServiceCertificateOut, ERRORS: ErrorOut},
)
def issue_certificate(request, volunteer_id: int, payload: ServiceCertificateIn):
    """志愿服务记录证明 of the counted hours in the period: staff or the volunteer."""
    volunteer = volunteers.get_volunteer(request.user, volunteer_id)
    certificate = certificates.issue(actor=request.user, volunteer=volunteer, **payload.dict())
    return Status(201, certificate)


@router.get("/summary", response={200: list[ServiceSummaryRowOut], ERRORS: ErrorOut})
def summary(request, community_id: Id, year: Year | None = None):
    """A community's volunteers with the year's counted hours, below requirement first."""
    community = ledger.communities_for(request.user).filter(pk=community_id).first()
    if community is None:
        raise NotFoundOrForbidden()
    return [
        {
            "volunteer_id": r.volunteer.pk,
            "volunteer_name": r.volunteer.name,
            "hours": r.hours,
            "required": r.required,
            "below": r.below,
        }
        for r in ledger.community_summary(request.user, community, _year(year))
    ]


# --- Teams, posts and matching -----------------------------------------------------------------


@router.get("/teams", response={200: list[ServiceTeamOut], ERRORS: ErrorOut})
@paginate(Pagination)
def team_list(request):
    return teams.teams_for(request.user).order_by("path", "name")


@router.post("/teams/{int:team_id}/members", response={200: ServiceTeamOut, ERRORS: ErrorOut})
def team_add(request, team_id: int, payload: ServiceTeamMemberIn):
    """Add a volunteer of the team's community to it (the matching's one click)."""
    team = teams.get_team(request.user, team_id, CHANGE)
    volunteer = volunteers.get_volunteer(request.user, payload.volunteer_id)
    return teams.add_member(team, volunteer, actor=request.user)


@router.get("/posts", response={200: list[ServicePostOut], ERRORS: ErrorOut})
@paginate(Pagination)
def post_list(request):
    return teams.posts_for(request.user).order_by("path", "name")


@router.get(
    "/posts/{int:post_id}/candidates",
    response={200: list[ServicePostCandidateOut], ERRORS: ErrorOut},
)
def candidates(request, post_id: int):
    """Volunteers ranked for a post: skills matched, then the same community."""
    post = teams.get_post(request.user, post_id)
    return [
        {
            "volunteer_id": c.volunteer.pk,
            "volunteer_name": c.volunteer.name,
            "matched": c.matched,
            "local": c.local,
            "in_team": c.in_team,
        }
        for c in teams.match(request.user, post)
    ]
