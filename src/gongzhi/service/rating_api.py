"""三级评议 and the feedback reports over the API (``/api/v1/service/ratings``): the same
selectors and services as the pages. Domain errors are ``{"error": {"code", "message",
"field"}}`` with a 4xx status (gongzhi/api.py)."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.core.api import ERRORS, Day, ErrorOut, Id, Pagination, Text

from . import feedback, ratings, rules
from .choices import BatchState, RatingGrade, RatingLevel, Shortcoming
from .permissions import RATE, REPORT, VIEW

router = Router(tags=["service-ratings"])


class ServiceRatingOut(Schema):
    id: int
    member_id: int
    member_name: str = Field(..., alias="member.name")
    year: int
    level: RatingLevel
    grade: RatingGrade
    shortcomings: list[str]
    vetoed: bool
    comment: str
    rater_name: str
    rated_on: date

    @staticmethod
    def resolve_vetoed(obj) -> bool:
        return rules.vetoed(obj.shortcomings)


class ServiceRatingFilters(Schema):
    year: int | None = Field(None, ge=ratings.FIRST_YEAR, le=2100)
    level: RatingLevel | None = None


class ServiceRatingIn(Schema):
    member_id: Id
    year: int = Field(..., ge=ratings.FIRST_YEAR, le=2100)
    level: RatingLevel
    grade: RatingGrade
    shortcomings: list[Shortcoming] = Field(default_factory=list, max_length=4)
    comment: Text(0, 300) = ""  # type: ignore[valid-type]
    rater_name: Text(0, 100) = ""  # type: ignore[valid-type]
    rated_on: Day | None = None


class ServiceUnitRatingOut(Schema):
    name: str
    party_org: str
    members: int
    rated: int
    poor: int
    vetoed: int
    share: Decimal
    deduction: int


class ServiceUnitRatingFilters(Schema):
    within_id: Id
    year: int = Field(..., ge=ratings.FIRST_YEAR, le=2100)


class ServiceReleaseIn(Schema):
    area_id: Id = Field(..., description="社区（区域 id）")
    year: int = Field(..., ge=ratings.FIRST_YEAR, le=2100)


class ServiceReleaseOut(Schema):
    id: int
    community_id: int
    year: int
    published_at: datetime


class ServiceFeedbackIn(Schema):
    area_id: Id
    year: int = Field(..., ge=ratings.FIRST_YEAR, le=2100)


class ServiceFeedbackOut(Schema):
    id: int
    area_id: int
    year: int
    status: BatchState
    members: int
    units: int
    created_at: datetime
    finished_at: datetime | None
    download_url: str | None

    @staticmethod
    def resolve_download_url(obj) -> str | None:
        if obj.status != BatchState.DONE:
            return None
        from django.urls import reverse

        return reverse("service:feedback_download", args=[obj.pk])


@router.get("", response={200: list[ServiceRatingOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_ratings(request, filters: Query[ServiceRatingFilters]):
    """The ratings of the user's scope (and their own), newest year first."""
    qs = ratings.ratings_for(request.user)
    if filters.year is not None:
        qs = qs.filter(year=filters.year)
    if filters.level is not None:
        qs = qs.filter(level=filters.level)
    return qs


@router.get("/mine", response={200: list[ServiceRatingOut], ERRORS: ErrorOut})
def mine(request):
    """The signed-in member's own ratings."""
    return list(ratings.my_ratings(request.user).select_related("member"))


@router.post("", response={201: ServiceRatingOut, ERRORS: ErrorOut})
def rate(request, payload: ServiceRatingIn):
    """Enter one level's yearly rating of a member (group: a rater of the member's
    resident group; community and employer: community staff)."""
    member = ratings.member_to_rate(request.user, payload.member_id, payload.year)
    rating = ratings.rate(
        actor=request.user,
        member=member,
        year=payload.year,
        level=payload.level,
        grade=payload.grade,
        shortcomings=[str(s) for s in payload.shortcomings],
        comment=payload.comment,
        rater_name=payload.rater_name,
        rated_on=payload.rated_on or timezone.localdate(),
    )
    return Status(201, rating)


@router.get("/units", response={200: list[ServiceUnitRatingOut], ERRORS: ErrorOut})
def units(request, filters: Query[ServiceUnitRatingFilters]):
    """Per unit under a place: members rated, poorly rated, the share and the deduction."""
    within = ratings.area_for(request.user, VIEW, filters.within_id)
    return ratings.unit_rows(request.user, within, filters.year)


@router.post("/releases", response={201: ServiceReleaseOut, ERRORS: ErrorOut})
def publish(request, payload: ServiceReleaseIn):
    """Publish a community's results of a year (names masked on the published page)."""
    community = ratings.area_for(request.user, RATE, payload.area_id)
    release = ratings.publish(actor=request.user, community=community, year=payload.year)
    return Status(201, release)


@router.get("/feedback", response={200: list[ServiceFeedbackOut], ERRORS: ErrorOut})
@paginate(Pagination)
def list_batches(request):
    """The feedback report batches of the user's scope, newest first."""
    return feedback.batches_for(request.user).order_by("-created_at")


@router.post("/feedback", response={201: ServiceFeedbackOut, ERRORS: ErrorOut})
def start_batch(request, payload: ServiceFeedbackIn):
    """Queue the feedback reports of a year for the members reported under a place."""
    area = ratings.area_for(request.user, REPORT, payload.area_id)
    return Status(201, feedback.start(actor=request.user, area=area, year=payload.year))


@router.get(
    "/feedback/{int:feedbackbatch_id}", response={200: ServiceFeedbackOut, ERRORS: ErrorOut}
)
def batch_detail(request, feedbackbatch_id: int):
    """A batch's state and progress; its download address once done."""
    return feedback.batch_for(request.user, feedbackbatch_id)
