"""三级评议 (the three-level evaluation) of in-service members: who may rate at each
level, the ratings themselves, the yearly result with 四不一否决, the units' deduction and
the community's publication — services and selectors.

The levels (RULES.md "In-service members"):

* **group** (居民小组/楼栋): a rater inside the member's resident group — a grid worker
  whose role covers the member's residence, the building head of the member's building
  (``residents.Responsibility`` ``building_head`` with that user) or a resident living in
  the same building. The residence is the member's ``household``; a member without one
  cannot be rated at this level (the reason says so).
* **community** (社区党组织): community staff holding ``RATE`` on the member's community.
* **employer** (单位党组织): entered by community staff from the form the employer's party
  organization returned; ``rater_name`` is that organization.

One rating per member, year and level (a second is refused, also under a race: the
database constraint). Any 四不 shortcoming vetoes the year's honours (``rules.vetoed``);
the overall result is ``rules.overall``. Once a community has published a year
(``RatingRelease``) its ratings of that year are final."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core import audit, notifications, pii
from gongzhi.core.calendar import require_happened
from gongzhi.core.errors import NotFoundOrForbidden, Problems, RuleViolation
from gongzhi.core.services import atomic, deny, require
from gongzhi.core.types import Visitor
from gongzhi.party.models import Member
from gongzhi.residents.choices import Duty
from gongzhi.residents.models import Resident, Responsibility

from . import rules
from .choices import RatingGrade, RatingLevel, ReportState, Shortcoming
from .models import OrganUnit, Rating, RatingRelease, Report
from .permissions import RATE, TAKE_PART, VIEW

RATED = "service.rating.rated"
PUBLISHED = "service.rating.published"
NOTICE = "service.rating"  # the notification kind (manifest)
# Reports whose member is rated: confirmed, or ended after they served part of the year.
RATED_STATES = (ReportState.CONFIRMED, ReportState.ENDED)
FIRST_YEAR = 2000


def building_path(path: str) -> str:
    """The path of the building a household (or unit) lies in."""
    return "/".join(path.split("/")[: Level.BUILDING + 1]) + "/"


# --- Selectors --------------------------------------------------------------------------


def reports_of_year(within_path: str | None, year: int) -> QuerySet[Report]:
    """The reports whose members are rated for ``year`` (under a place, or anywhere for
    None): confirmed by the year's end and not ended before it began (unscoped: callers
    scope the place)."""
    reports = Report.objects.filter(
        status__in=RATED_STATES, confirmed_on__lte=date(year, 12, 31)
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=date(year, 1, 1)))
    if within_path is not None:
        reports = reports.filter(path__under=within_path)
    return reports.filter(member__category="in_service")


def communities_for(user: Visitor, perm: str = VIEW) -> QuerySet[Area]:
    """The communities where ``user`` holds ``perm`` (at the community or above)."""
    paths = user.scope_paths(perm) if user.is_authenticated else []
    if getattr(user, "is_superuser", False):
        return Area.objects.filter(level=Level.COMMUNITY).order_by("path")
    if not paths:
        return Area.objects.none()
    where = Q()
    for path in paths:
        where |= Q(path__startswith=path)
    return Area.objects.filter(where, level=Level.COMMUNITY).order_by("path")


@dataclass
class MemberRow:
    """One member's year: the report, the three levels' ratings and the result."""

    report: Report
    ratings: dict[str, Rating] = field(default_factory=dict)
    # The year's record the raters judge by (hours, wishes, visits): ``feedback.figures``.
    record: Any = None

    @property
    def member(self) -> Member:
        return self.report.member

    @property
    def masked_name(self) -> str:
        return pii.mask_name(self.report.member.name)

    @property
    def vetoed(self) -> bool:
        return any(rules.vetoed(r.shortcomings) for r in self.ratings.values())

    @property
    def grades(self) -> dict[str, str]:
        return {level: r.grade for level, r in self.ratings.items()}

    @property
    def overall(self) -> str:
        return rules.overall(self.grades, vetoed=self.vetoed)

    @property
    def overall_label(self) -> str:
        return result_label(self.overall)

    def level(self, level: str) -> Rating | None:
        return self.ratings.get(level)

    @property
    def levels(self) -> list[tuple[str, Rating | None]]:
        return [(level, self.ratings.get(level)) for level in rules.LEVELS]


def result_label(result: str) -> str:
    if result == rules.VETOED:
        return _("否决")
    if result == rules.UNFINISHED:
        return _("未完成")
    return str(RatingGrade(result).label)


def year_rows(user: Visitor, community: Area, year: int) -> list[MemberRow]:
    """The community's members rated for ``year`` with their ratings, for a user who
    sees the community (``VIEW`` or ``RATE``): two queries whatever the count."""
    if not (user.has_perm(VIEW, community) or user.has_perm(RATE, community)):
        return []
    reports = list(
        reports_of_year(community.path, year)
        .select_related("member", "unit")
        .order_by("member__name", "id")
    )
    return _with_ratings(reports, year)


def _with_ratings(reports: list[Report], year: int) -> list[MemberRow]:
    rows: dict[int, MemberRow] = {}
    for report in reports:
        rows.setdefault(report.member_id, MemberRow(report))
    for rating in Rating.objects.filter(member_id__in=list(rows), year=year):
        rows[rating.member_id].ratings[rating.level] = rating
    return list(rows.values())


def release_of(community: Area, year: int) -> RatingRelease | None:
    return RatingRelease.objects.filter(community=community, year=year).first()


def published_rows(user: Visitor, community: Area, year: int) -> list[MemberRow] | None:
    """The published results of a community's year for anyone who takes part or works
    there (``TAKE_PART`` or ``VIEW``); None when not published or not theirs."""
    if not (user.has_perm(TAKE_PART, community) or user.has_perm(VIEW, community)):
        return None
    if release_of(community, year) is None:
        return None
    reports = list(
        reports_of_year(community.path, year).select_related("member").order_by("member__name")
    )
    return _with_ratings(reports, year)


def my_ratings(user: Visitor) -> QuerySet[Rating]:
    """The signed-in member's own ratings (the ``self`` reach), newest year first."""
    if not user.is_authenticated:
        return Rating.objects.none()
    return (
        Rating.objects.visible_to(user, VIEW).filter(member__user=user).order_by("-year", "level")
    )


def group_members_for(user: Visitor, year: int) -> QuerySet[Member]:
    """Members a user may rate at the group level: those rated in ``year`` whose
    residence lies where the user is a grid worker, a building head or a resident."""
    if not user.is_authenticated:
        return Member.objects.none()
    where = Q()
    for role, path in user.role_grants:
        if role == Role.GRID_WORKER:
            where |= Q(household__path__startswith=path)
    for path in Responsibility.objects.filter(user_id=user.pk, duty=Duty.BUILDING_HEAD).values_list(
        "area__path", flat=True
    ):
        where |= Q(household__path__startswith=building_path(path))
    for path in Resident.objects.filter(user_id=user.pk, present=True).values_list(
        "household__path", flat=True
    ):
        where |= Q(household__path__startswith=building_path(path))
    if not where:
        return Member.objects.none()
    reported = Report.objects.filter(
        status__in=RATED_STATES, confirmed_on__lte=date(year, 12, 31)
    ).values("member_id")
    return Member.objects.filter(where, pk__in=reported, category="in_service").order_by("name")


def rateable_members(user: Visitor, year: int) -> QuerySet[Member]:
    """Every member the user may pick on the rating form: those of the communities
    where they hold ``RATE``, and those of their resident group."""
    reports = Report.objects.filter(
        status__in=RATED_STATES, confirmed_on__lte=date(year, 12, 31)
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=date(year, 1, 1)))
    staff = Report.objects.visible_to(user, RATE).filter(pk__in=reports.values("pk"))
    group = group_members_for(user, year).values("pk")
    return Member.objects.filter(
        Q(pk__in=staff.values("member_id")) | Q(pk__in=group), category="in_service"
    ).order_by("name")


@dataclass
class UnitRow:
    """A unit's year: its members rated, those poorly rated, the share and the deduction."""

    key: str
    name: str
    party_org: str
    unit: OrganUnit | None
    members: int = 0
    rated: int = 0
    poor: int = 0
    vetoed: int = 0
    deduction: int = 0

    @property
    def share(self) -> Decimal:
        if not self.rated:
            return Decimal(0)
        return (Decimal(self.poor * 100) / self.rated).quantize(Decimal("0.1"))


def unit_rows(user: Visitor, within: Area, year: int) -> list[UnitRow]:
    """Per employer unit of the members reported under ``within`` (visible to the user):
    members rated, poorly rated (差 at any level, or vetoed), the share and the deduction
    of the unit's yearly assessment score (``rules.unit_deduction``). Three queries."""
    if not user.has_perm(VIEW, within):
        return []
    reports = list(
        Report.objects.visible_to(user, VIEW)
        .filter(pk__in=reports_of_year(within.path, year).values("pk"))
        .select_related("unit")
        .order_by("id")
    )
    rows = _with_ratings(reports, year)
    units: dict[str, UnitRow] = {}
    for row in rows:
        report = row.report
        if report.unit_id is not None:
            key, name, org = f"u{report.unit_id}", report.unit.name, report.unit.party_org
        else:
            key, name, org = f"o{report.employer_org}", report.employer, report.employer_org
        unit = units.setdefault(key, UnitRow(key, name, org, report.unit))
        unit.members += 1
        if row.ratings:
            unit.rated += 1
            if rules.poorly_rated(row.grades.values(), vetoed=row.vetoed):
                unit.poor += 1
            if row.vetoed:
                unit.vetoed += 1
    day = date(year, 12, 31)
    for unit in units.values():
        unit.deduction = rules.unit_deduction(unit.poor, unit.rated, day)
    return sorted(units.values(), key=lambda u: (-u.deduction, -u.share, u.name))


# --- Who rates at the group level -----------------------------------------------------------


def in_group(actor: User, member: Member) -> bool:
    """Whether ``actor`` is inside the member's resident group (the member has a
    household): a grid worker whose role covers it, the building head of its building,
    or a resident living in the same building."""
    household = member.household
    assert household is not None
    path, building = household.path, building_path(household.path)
    if any(role == Role.GRID_WORKER and path.startswith(p) for role, p in actor.role_grants):
        return True
    if Responsibility.objects.filter(
        user_id=actor.pk, duty=Duty.BUILDING_HEAD, area__path=building
    ).exists():
        return True
    return Resident.objects.filter(
        user_id=actor.pk, present=True, household__path__startswith=building
    ).exists()


def _check_rater(actor: User, member: Member, report: Report, level: str) -> None:
    if level == RatingLevel.GROUP:
        if member.household_id is None:
            raise RuleViolation(
                _(
                    "该党员未登记居住户，无法确定其所在居民小组（报到社区：%(c)s），"
                    "请先登记其居住户再进行居民小组评议。"
                )
                % {"c": report.community.name},
                field="member",
            )
        if not in_group(actor, member):
            deny(
                actor,
                RATE,
                report,
                refusal=RuleViolation(
                    _(
                        "评议人不在该党员所在居民小组：居民小组评议由该党员居住地的网格员、"
                        "楼栋长或同楼栋居民进行。"
                    ),
                    field="member",
                ),
                level=level,
            )
        return
    require(actor, RATE, report, level=level)


# --- Services ---------------------------------------------------------------------------------


def live_report(member: Member, year: int) -> Report | None:
    return (
        reports_of_year(None, year)
        .filter(member=member)
        .select_related("community", "member__household")
        .order_by("-confirmed_on", "-id")
        .first()
    )


@atomic
def rate(
    *,
    actor: User,
    member: Member,
    year: int,
    level: str,
    grade: str,
    shortcomings: list[str] | tuple[str, ...] = (),
    comment: str = "",
    rater_name: str = "",
    rated_on: date | None = None,
) -> Rating:
    """Enter one level's yearly rating of an in-service member (see the module's
    docstring for who may rate at each level). All problems of the input are refused
    together, nothing written."""
    today = timezone.localdate()
    rated_on = rated_on or today
    shortcomings = list(dict.fromkeys(shortcomings))
    report = live_report(member, year)
    if report is None:
        raise RuleViolation(
            _("该党员%(year)d年度没有已确认的社区报到，不能评议。") % {"year": year},
            field="member",
        )
    if level not in RatingLevel.values:
        raise RuleViolation(_("请选择评议层级。"), field="level")
    _check_rater(actor, member, report, level)
    problems = Problems()
    with problems.check():
        if not FIRST_YEAR <= year <= today.year:
            raise RuleViolation(
                _("评议年度应在%(a)d至%(b)d之间。") % {"a": FIRST_YEAR, "b": today.year},
                field="year",
            )
    with problems.check():
        if grade not in RatingGrade.values:
            raise RuleViolation(_("请选择评议等次。"), field="grade")
    with problems.check():
        unknown = [s for s in shortcomings if s not in Shortcoming.values]
        if unknown:
            raise RuleViolation(_("“四不”情形只能从所列四项中选择。"), field="shortcomings")
    with problems.check():
        require_happened(rated_on, field="rated_on")
        if rated_on.year < year:
            raise RuleViolation(
                _("评议日期%(d)s早于评议年度%(year)d年。")
                % {"d": rated_on.isoformat(), "year": year},
                field="rated_on",
            )
    with problems.check():
        if level == RatingLevel.EMPLOYER and not rater_name.strip():
            raise RuleViolation(
                _("单位党组织评议请填写反馈评议意见的单位党组织名称。"), field="rater_name"
            )
    with problems.check():
        if len(comment) > 300:
            raise RuleViolation(_("评议意见不能超过300字。"), field="comment")
    with problems.check():
        if RatingRelease.objects.filter(community_id=report.community_id, year=year).exists():
            raise RuleViolation(
                _("%(c)s%(year)d年度的评议结果已公布，不能再录入评议。")
                % {"c": report.community.name, "year": year},
                field="year",
            )
    with problems.check():
        if Rating.objects.filter(member=member, year=year, level=level).exists():
            raise _already(member, year, level)
    problems.raise_any()
    if level == RatingLevel.EMPLOYER:
        name = rater_name.strip()[:100]
    elif level == RatingLevel.COMMUNITY:
        name = (rater_name.strip() or _("%(c)s党组织") % {"c": report.community.name})[:100]
    else:
        name = (actor.full_name or actor.get_username())[:100]
    try:
        with transaction.atomic():  # a savepoint: a concurrent second rating loses here
            rating = Rating.objects.create(
                member=member,
                path=report.community.path,
                year=year,
                level=level,
                grade=grade,
                shortcomings=shortcomings,
                comment=comment.strip(),
                rater=actor,
                rater_name=name,
                rated_on=rated_on,
            )
    except IntegrityError:
        raise _already(member, year, level) from None
    audit.log(
        RATED,
        actor=actor,
        target=rating,
        data={
            "member": member.pk,
            "year": year,
            "level": level,
            "grade": grade,
            "vetoed": rules.vetoed(shortcomings),
        },
    )
    return rating


def _already(member: Member, year: int, level: str) -> RuleViolation:
    return RuleViolation(
        _("该党员%(year)d年度的%(level)s评议已录入，每一层级每年只评议一次。")
        % {"year": year, "level": RatingLevel(level).label},
        field="level",
    )


@atomic
def publish(*, actor: User, community: Area, year: int) -> RatingRelease:
    """Publish a community's results of ``year`` (names masked on the published page);
    each rated member with an account is told."""
    require(actor, RATE, community, year=year)
    today = timezone.localdate()
    problems = Problems()
    with problems.check():
        if community.level != Level.COMMUNITY:
            raise RuleViolation(_("评议结果由社区公布，请选择社区。"), field="community")
    with problems.check():
        if not FIRST_YEAR <= year <= today.year:
            raise RuleViolation(
                _("评议年度应在%(a)d至%(b)d之间。") % {"a": FIRST_YEAR, "b": today.year},
                field="year",
            )
    with problems.check():
        if RatingRelease.objects.filter(community=community, year=year).exists():
            raise RuleViolation(
                _("%(c)s%(year)d年度的评议结果已经公布。") % {"c": community.name, "year": year},
                field="year",
            )
    problems.raise_any()
    rated = list(
        Rating.objects.filter(path__under=community.path, year=year)
        .values_list("member_id", "member__user_id")
        .distinct()
    )
    if not rated:
        raise RuleViolation(
            _("%(c)s%(year)d年度还没有评议记录，不能公布。") % {"c": community.name, "year": year},
            field="year",
        )
    try:
        with transaction.atomic():
            release = RatingRelease.objects.create(
                community=community, path=community.path, year=year, published_by=actor
            )
    except IntegrityError:
        raise RuleViolation(
            _("%(c)s%(year)d年度的评议结果已经公布。") % {"c": community.name, "year": year},
            field="year",
        ) from None
    audit.log(
        PUBLISHED,
        actor=actor,
        target=release,
        data={"year": year, "members": len({m for m, _u in rated})},
    )
    from django.urls import reverse

    link = reverse("service:rating_mine")
    for user_id in sorted({u for _m, u in rated if u is not None}):
        notifications.notify(
            user_id=user_id,
            kind=NOTICE,
            title=_("%(year)d年度三级评议结果已公布") % {"year": year},
            body=_("%(c)s已公布%(year)d年度在职党员三级评议结果，请查看本人评议情况。")
            % {"c": community.name, "year": year},
            link=link,
        )
    return release


# --- Lookups of the API (404 outside the user's reach) ----------------------------------------


def ratings_for(user: Visitor) -> QuerySet[Rating]:
    """The ratings of the user's scope (``VIEW``) or their own, newest year first."""
    return (
        Rating.objects.visible_to(user, VIEW)
        .select_related("member")
        .order_by("-year", "path", "member_id", "level")
    )


def member_to_rate(user: Visitor, member_id: int, year: int) -> Member:
    """A member the user may pick on the rating form (``rateable_members``: their
    communities' or their resident group's); the service then decides the level."""
    member = rateable_members(user, year).filter(pk=member_id).first()
    if member is None:
        raise NotFoundOrForbidden()
    return member


def area_for(user: Visitor, perm: str, area_id: int) -> Area:
    area = Area.objects.visible_to(user, perm).filter(pk=area_id).first()
    if area is None:
        raise NotFoundOrForbidden()
    return area


def places_for(user: Visitor, perm: str = VIEW) -> QuerySet[Area]:
    """The district, streets and communities where the user holds ``perm``."""
    return Area.objects.visible_to(user, perm).filter(level__lte=Level.COMMUNITY).order_by("path")
