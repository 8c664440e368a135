"""The volunteer hours ledger (志愿服务时长台账): a volunteer's lines of a year with the
counted and pending totals, the yearly requirement of in-service members with its
progress, the star level on the all-time counted hours, the community's summary and the
shortfall warning from the third quarter.

Lines are ``Hours`` rows written by the activities (check-in/out, make-up entries and
corrections); only the states in ``choices.COUNTED`` count. A volunteer's ledger is one
query for the year's lines (served by the ``(volunteer, served_on)`` index) and one for
the all-time total."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    DecimalField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.core.errors import NotFoundOrForbidden
from gongzhi.party.choices import Category

from . import rules
from .choices import COUNTED, HoursState, ReportState
from .models import Hours, Report, Volunteer
from .permissions import VIEW

ZERO = Decimal(0)
HOURS = DecimalField(max_digits=10, decimal_places=2)


@dataclass
class Ledger:
    """A volunteer's year: ``required``/``progress`` are None for a volunteer who is not an
    in-service member (residents have no requirement)."""

    volunteer: Volunteer
    year: int
    lines: list[Hours]
    counted: Decimal
    pending: Decimal
    required: int | None
    progress: int | None
    all_time: Decimal
    stars: int
    next_star: int | None

    @property
    def missing(self) -> Decimal:
        if self.required is None:
            return ZERO
        return max(Decimal(self.required) - self.counted, ZERO)

    @property
    def met(self) -> bool:
        return self.required is None or self.counted >= self.required

    @property
    def to_next_star(self) -> Decimal | None:
        return None if self.next_star is None else Decimal(self.next_star) - self.all_time

    @property
    def star_range(self) -> range:
        return range(self.stars)


def is_in_service(volunteer: Volunteer) -> bool:
    """A volunteer who owes the yearly hours: an in-service party member."""
    return volunteer.member_id is not None and volunteer.member.category == Category.IN_SERVICE


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def ledger(user: User, volunteer: Volunteer, year: int, *, today: date | None = None) -> Ledger:
    """The ledger of ``volunteer`` for ``year`` as ``user`` may see it (their own, or a
    volunteer in their scope; else ``NotFoundOrForbidden``)."""
    if not user.has_perm(VIEW, volunteer):
        raise NotFoundOrForbidden()
    start, end = year_bounds(year)
    lines = list(
        Hours.objects.filter(volunteer=volunteer, served_on__range=(start, end))
        .select_related("activity", "corrects", "corrects__activity")
        .order_by("-served_on", "-id")
    )
    counted = sum((line.hours for line in lines if line.status in COUNTED), ZERO)
    pending = sum((line.hours for line in lines if line.status == HoursState.PENDING), ZERO)
    # SQLite sums decimals as floats: back to hundredths (1.82, not 1.82000000000000).
    all_time = (
        Hours.objects.filter(volunteer=volunteer, status__in=COUNTED)
        .aggregate(total=Coalesce(Sum("hours"), Value(ZERO), output_field=HOURS))["total"]
        .quantize(rules.HUNDREDTH)
    )
    on = today or end
    required = rules.yearly_required(year) if is_in_service(volunteer) else None
    return Ledger(
        volunteer=volunteer,
        year=year,
        lines=lines,
        counted=counted,
        pending=pending,
        required=required,
        progress=None if required is None else rules.progress(counted, required),
        all_time=all_time,
        stars=rules.star_level(all_time, on),
        next_star=rules.next_star(all_time, on),
    )


def year_totals(volunteer_ids: list[int], year: int) -> dict[int, Decimal]:
    """Counted hours of ``year`` per volunteer id (0 for those without lines): one query."""
    start, end = year_bounds(year)
    totals = dict.fromkeys(volunteer_ids, ZERO)
    rows = (
        Hours.objects.filter(
            volunteer_id__in=volunteer_ids, served_on__range=(start, end), status__in=COUNTED
        )
        .values("volunteer_id")
        .annotate(total=Sum("hours"))
    )
    for row in rows:
        totals[row["volunteer_id"]] = row["total"]
    return totals


def _counted_in(year: int, volunteer_ref: str) -> Coalesce:
    start, end = year_bounds(year)
    lines = (
        Hours.objects.filter(
            **{"volunteer" + volunteer_ref: OuterRef("pk" if volunteer_ref == "" else "member")},
            served_on__range=(start, end),
            status__in=COUNTED,
        )
        .order_by()
        .values("volunteer" + volunteer_ref)
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return Coalesce(Subquery(lines, output_field=HOURS), Value(ZERO), output_field=HOURS)


# --- The community summary --------------------------------------------------------------


@dataclass
class SummaryRow:
    volunteer: Volunteer
    hours: Decimal
    required: int | None

    @property
    def below(self) -> bool:
        return self.required is not None and self.hours < self.required

    @property
    def missing(self) -> Decimal:
        return max(Decimal(self.required) - self.hours, ZERO) if self.required else ZERO


def communities_for(user: User) -> QuerySet[Area]:
    """Communities whose summary ``user`` may see (the service's view in their scope)."""
    from gongzhi.areas.choices import Level

    return Area.objects.visible_to(user, VIEW).filter(level=Level.COMMUNITY).order_by("path")


def community_summary(user: User, community: Area, year: int) -> list[SummaryRow]:
    """Each active volunteer of ``community`` in ``user``'s scope with the year's counted
    hours; in-service members against the requirement, those below it first."""
    required = rules.yearly_required(year)
    volunteers = (
        Volunteer.objects.visible_to(user, VIEW)
        .filter(path__startswith=community.path, is_active=True)
        .select_related("member")
        .annotate(year_hours=_counted_in(year, ""))
        .order_by("name", "pk")
    )
    rows = [SummaryRow(v, v.year_hours, required if is_in_service(v) else None) for v in volunteers]
    rows.sort(key=lambda r: (not r.below, r.volunteer.name))
    return rows


# --- The shortfall warning (third quarter on) ----------------------------------------------


def shortfalls(user: User, today: date) -> QuerySet[Report]:
    """Confirmed reports of in-service members in ``user``'s scope whose counted hours of
    this year are below the requirement, from the month ``rules.hours_warned`` says; none
    before it. A member who has never volunteered counts 0 hours."""
    if not rules.hours_warned(today):
        return Report.objects.none()
    required = rules.yearly_required(today.year)
    return (
        Report.objects.visible_to(user, VIEW)
        .filter(status=ReportState.CONFIRMED, member__category=Category.IN_SERVICE)
        .annotate(year_hours=_counted_in(today.year, "__member"))
        .filter(Q(year_hours__lt=required))
        .select_related("member", "community")
        .order_by("path", "member__name")
    )
