"""“1+1”: one problem and one suggestion per in-service member per period
(``rules.period_of``, quarters by default), counted from the demands members raise.

A demand counts for a member when they raised it: ``requester_user`` is the member's
account, or it was taken down for them (``requester_kind`` member) with the member's name
and phone. A problem is a demand raised in the period (its ``received_at`` day); a
suggestion is such a demand with a non-empty ``suggestion``.

The rows are the members with a confirmed report (双报到) to the community, read through
the user's scope; their demands are counted wherever they were raised (a member raises
problems where they see them), and only as counts.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet

from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core import pii
from gongzhi.core.types import Actor
from gongzhi.demands.choices import RequesterKind
from gongzhi.demands.models import Demand
from gongzhi.party.models import Member

from . import rules
from .choices import ReportState
from .models import Report
from .permissions import VIEW


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def key(self) -> str:
        return self.start.isoformat()

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} ~ {self.end:%Y-%m-%d}"


@dataclass(frozen=True)
class Count:
    problems: int = 0
    suggestions: int = 0

    @property
    def problem(self) -> bool:
        return self.problems > 0

    @property
    def suggestion(self) -> bool:
        return self.suggestions > 0

    @property
    def done(self) -> bool:
        return self.problem and self.suggestion


@dataclass(frozen=True)
class Row:
    member: Member
    count: Count

    @property
    def name_masked(self) -> str:
        return pii.mask_name(self.member.name)


def period(day: date) -> Period:
    return Period(*rules.period_of(day))


def recent_periods(today: date, n: int = 8) -> list[Period]:
    """The current period and the ``n - 1`` before it, newest first (the switcher)."""
    periods = [period(today)]
    while len(periods) < n:
        periods.append(period(periods[-1].start - timedelta(days=1)))
    return periods


def period_from(key: str | None, today: date) -> Period:
    """The period a switcher's key (its first day) names; the current one otherwise. A
    period after today's is not offered."""
    try:
        day = date.fromisoformat(key or "")
    except ValueError:
        return period(today)
    return period(min(day, today))


def _raised(members: Iterable[Member], within: Period) -> QuerySet[Demand]:
    members = list(members)
    users = [m.user_id for m in members if m.user_id is not None]
    phones = [m.phone for m in members if m.phone]
    if not users and not phones:
        return Demand.objects.none()
    return Demand.objects.filter(
        Q(requester_user_id__in=users)
        | Q(requester_kind=RequesterKind.MEMBER, requester_phone__in=phones),
        received_at__date__gte=within.start,
        received_at__date__lte=within.end,
    )


def counts(members: Iterable[Member], within: Period) -> dict[int, Count]:
    """Problems and suggestions of each member in the period (one query)."""
    members = list(members)
    by_user = {m.user_id: m.pk for m in members if m.user_id is not None}
    by_person = {(m.name, m.phone): m.pk for m in members if m.phone}
    tally: dict[int, list[int]] = {m.pk: [0, 0] for m in members}
    rows = _raised(members, within).values_list(
        "requester_user_id", "requester_kind", "requester_name", "requester_phone", "suggestion"
    )
    for user_id, kind, name, phone, suggestion in rows:
        pk = by_user.get(user_id)
        if pk is None and kind == RequesterKind.MEMBER:
            pk = by_person.get((name, phone))
        if pk is None:
            continue
        tally[pk][0] += 1
        if (suggestion or "").strip():
            tally[pk][1] += 1
    return {pk: Count(*t) for pk, t in tally.items()}


def reported_members(user: Actor, community: Area) -> list[Member]:
    """Members with a confirmed report to the community, through the user's scope."""
    reports = (
        Report.objects.visible_to(user, VIEW)
        .filter(community=community, status=ReportState.CONFIRMED)
        .select_related("member")
        .order_by("member__name", "member_id")
    )
    return [r.member for r in reports]


def community_rows(user: Actor, community: Area, within: Period) -> list[Row]:
    members = reported_members(user, community)
    tally = counts(members, within)
    return [Row(m, tally[m.pk]) for m in members]


def communities(user: Actor) -> QuerySet[Area]:
    """Communities the user sees reports of (the page's community choice)."""
    return Area.objects.visible_to(user, VIEW).filter(level=Level.COMMUNITY).order_by("path")


def my_rows(member: Member, today: date, n: int = 4) -> list[tuple[Period, Count]]:
    """A member's own “1+1” for the current period and the ones before it."""
    return [(p, counts([member], p)[member.pk]) for p in recent_periods(today, n)]
