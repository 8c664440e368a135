"""The pairing coverage report of a community (结对联系全覆盖): each in-service member with
1 difficult + ≥ 1 ordinary household, each building with its linked members, each
courtyard with an organ party organization, 1–2 county-level leaders and about 6 organ
units per community, and no difficult household without a paired member. Each gap lists
ranked candidates and is closed in one click (:func:`assign`).

Built from a handful of aggregate queries whatever the number of rows; the other links of
the responsibility map (grid workers, building heads) come from
``residents.selectors.coverage``."""

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, reduce
from operator import or_
from typing import Any, Generic, NamedTuple, TypeVar, cast

from django.apps import apps
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.models import User
from gongzhi.areas import selectors as area_selectors
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.params import value as param
from gongzhi.core.scoping import is_valid_path
from gongzhi.core.services import atomic
from gongzhi.residents import selectors as resident_selectors
from gongzhi.residents import services as resident_services
from gongzhi.residents.choices import Duty
from gongzhi.residents.models import Resident, ResidentTag, Responsibility

from . import pairing, reports, rules
from .choices import CadreLevel, PairKind, ReportState
from .models import Pair
from .permissions import VIEW

CANDIDATES = 3  # candidates listed per gap: the best three of the ranking

KINDS = {
    "member_difficult": gettext_lazy("党员未联系困难户"),
    "member_ordinary": gettext_lazy("党员联系普通户不足"),
    "household": gettext_lazy("困难户无结对党员"),
    "building": gettext_lazy("楼栋联系在职党员不足"),
    "courtyard": gettext_lazy("院落无联系机关党组织"),
    "leaders": gettext_lazy("社区联系县处级领导"),
    "units": gettext_lazy("社区报到机关单位不足"),
    "links": gettext_lazy("其他三必有缺口"),
}


@dataclass
class Candidate:
    pk: int
    label: str
    detail: str = ""
    rank: tuple[Any, ...] = ()


@dataclass
class Gap:
    kind: str
    place: str
    need: str
    target: int
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(KINDS[self.kind])

    @property
    def assignable(self) -> bool:
        return self.kind != "links"


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[\s,，、;；/]+", text or "") if w}


def _common(a: str, b: str) -> int:
    """Segments two tree paths share from the top (nearest residence first)."""
    n = 0
    for x, y in zip(a.strip("/").split("/"), b.strip("/").split("/"), strict=False):
        if x != y:
            break
        n += 1
    return n


def _segments(path: str) -> tuple[str, ...]:
    return tuple(path.strip("/").split("/"))


T = TypeVar("T")


class _Nearest(Generic[T]):
    """The first ``k`` of ``items`` for a place and a query, in the order of
    ``(-segments shared with the place, -score(item, query), tie(item))``: what sorting every
    item by that key gives, without scoring every item for every gap. Items are indexed by
    each prefix of their path; a lookup reads the levels from the place's own upwards (an
    item sharing ``d`` segments is under the place's ``d``-prefix and not its ``d + 1``-one)
    and stops once it has ``k``. A small level is sorted; a large one is read in the
    query's order over all items (computed once per query)."""

    SMALL = 48

    def __init__(
        self,
        items: list[T],
        path: Callable[[T], str],
        tie: Callable[[T], tuple[Any, ...]],
        score: Callable[[T, Any], int],
    ) -> None:
        self.items = items
        self.segments = [_segments(path(item)) for item in items]
        self.ties = [tie(item) for item in items]
        self.score = score
        self.under: defaultdict[tuple[str, ...], list[int]] = defaultdict(list)
        for i, segments in enumerate(self.segments):
            for d in range(len(segments) + 1):
                self.under[segments[:d]].append(i)
        self.orders: dict[Any, list[int]] = {}

    def _order(self, query: Any) -> list[int]:
        if query not in self.orders:
            items, score, ties = self.items, self.score, self.ties
            self.orders[query] = sorted(
                range(len(items)), key=lambda i: (-score(items[i], query), ties[i])
            )
        return self.orders[query]

    def first(
        self,
        place: str,
        query: Any,
        k: int = CANDIDATES,
        skip: Callable[[T], bool] | None = None,
    ) -> list[T]:
        items, all_segments, ties, score = self.items, self.segments, self.ties, self.score
        at = _segments(place)
        found: list[int] = []
        for d in range(len(at), -1, -1):
            level = self.under.get(at[:d])
            if not level:
                continue
            deeper = at[d] if d < len(at) else None

            def here(i: int, d: int = d, deeper: str | None = deeper) -> bool:
                segments = all_segments[i]
                if deeper is not None and len(segments) > d and segments[d] == deeper:
                    return False  # shares more than d segments: taken at a deeper level
                return skip is None or not skip(items[i])

            want = k - len(found)
            if len(level) <= self.SMALL:
                found += sorted(
                    (i for i in level if here(i)),
                    key=lambda i: (-score(items[i], query), ties[i]),
                )[:want]
            else:
                prefix = at[:d]
                for i in self._order(query):
                    if all_segments[i][:d] == prefix and here(i):
                        found.append(i)
                        if len(found) == k:
                            break
            if len(found) >= k:
                break
        return [items[i] for i in found]


@dataclass
class _Member:
    pk: int
    name: str
    home: str
    skills: str
    cadre_level: str
    load: pairing.Load
    words: frozenset[str] = frozenset()

    @cached_property
    def detail(self) -> str:
        """Its load and skills, as a candidate shows them (once per member)."""
        return _("已结对%(live)d/%(cap)d户") % {
            "live": self.load.live,
            "cap": self.load.capacity,
        } + (f" · {self.skills}" if self.skills else "")

    def score(self, needs: str) -> int:
        """How many of the member's skills the needs name."""
        return sum(1 for word in self.words if word in needs)


def _members(user: User, community: Area, today: date) -> list[_Member]:
    rows = list(
        reports.reports_for(user)
        .filter(status=ReportState.CONFIRMED, path__under=community.path)
        .values_list(
            "member_id",
            "member__name",
            "member__household__path",
            "skills",
            "member__skills",
            "cadre_level",
            "capacity",
        )
    )
    loads = pairing.loads([r[0] for r in rows], {r[0]: r[6] for r in rows}, today)
    return [
        _Member(
            pk,
            name,
            home or "",
            skills or own or "",
            level,
            loads[pk],
            frozenset(_words(skills or own or "")),
        )
        for pk, name, home, skills, own, level, _capacity in rows
    ]


def _difficult(user: User, community: Area) -> dict[int, tuple[str, str, str, str]]:
    """Difficult households: with a care household record (visits, reason difficult) or a
    present resident holding a care tag. {id: (path, address, door number, needs)}."""
    needs: defaultdict[int, list[str]] = defaultdict(list)
    if apps.is_installed("gongzhi.visits"):
        from gongzhi.visits.choices import CareReason
        from gongzhi.visits.models import CareHousehold

        for household_id in (
            CareHousehold.objects.visible_to(user, "visits.view_visit")
            .filter(path__under=community.path, is_active=True, reason=CareReason.DIFFICULT)
            .values_list("household_id", flat=True)
        ):
            needs[household_id].append(str(CareReason.DIFFICULT.label))
    residents = Resident.objects.visible_to(user, "residents.view_resident").filter(
        path__under=community.path, present=True
    )
    for household_id, tag in ResidentTag.objects.filter(
        resident__in=residents, tag__is_active=True, tag__sensitive=False
    ).values_list("resident__household_id", "tag__name"):
        needs[household_id].append(tag)
    households = (
        area_selectors.households_for(user)
        .filter(pk__in=list(needs))
        .values_list("pk", "path", "address", "door_number")
    )
    return {
        pk: (path, address, door, "、".join(needs[pk])) for pk, path, address, door in households
    }


class _Door(NamedTuple):
    """What ``pairing.mask_address`` reads of a household, without building a model
    instance per row."""

    address: str
    door_number: str


def _masked(address: str, door: str) -> str:
    return pairing.mask_address(cast(Household, _Door(address, door)))


def _building(path: str) -> str:
    """The building part of a household's path (district/street/community/grid/estate/
    building)."""
    return "/".join(path.split("/")[:7]) + "/"


# More buildings than this: their households are read from the community's instead of one
# path range each (SQLite limits the depth of an expression, so of an OR).
BUILDINGS_IN_ONE_QUERY = 200


def _nearby(
    user: User, community: Area, buildings: set[str], excluded: set[int]
) -> dict[str, list[tuple[int, str, str, str]]]:
    """The households of ``buildings`` but the ``excluded`` ones, by building:
    [(id, path, address, door number)]."""
    nearby: defaultdict[str, list[tuple[int, str, str, str]]] = defaultdict(list)
    if not buildings:
        return nearby
    households = area_selectors.households_for(user).filter(path__under=community.path)
    ranges = [b for b in buildings if is_valid_path(b)]
    if len(buildings) <= BUILDINGS_IN_ONE_QUERY:
        if not ranges:
            return nearby
        households = households.filter(reduce(or_, (Q(path__under=b) for b in ranges)))
    for pk, path, address, door in households.values_list("pk", "path", "address", "door_number"):
        building = _building(path)
        if building in buildings and pk not in excluded:
            nearby[building].append((pk, path, address, door))
    return nearby


def _member_index(members: list[_Member]) -> _Nearest[_Member]:
    """The members who can take one more household, to rank for many places."""
    return _Nearest(
        [m for m in members if m.load.free > 0],
        lambda m: m.home,
        lambda m: (m.load.live, m.pk),
        lambda m, needs: m.score(needs),
    )


def _rank_members(
    index: _Nearest[_Member],
    place: str,
    needs: str,
    exclude: set[int] = frozenset(),  # type: ignore[assignment]
) -> list[Candidate]:
    """The first members for a place: nearest residence, then skills matching the needs,
    then fewer live pairs."""
    return [
        Candidate(
            m.pk,
            m.name,
            m.detail,
            (-_common(m.home, place), -m.score(needs), m.load.live, m.pk),
        )
        for m in index.first(place, needs, skip=(lambda m: m.pk in exclude) if exclude else None)
    ]


def coverage(user: User, community: Area, *, today: date | None = None) -> list[Gap]:
    """Every pairing gap of ``community`` with its ranked candidates (contract)."""
    today = today or timezone.localdate()
    gaps: list[Gap] = []
    members = _members(user, community, today)
    difficult = _difficult(user, community)
    paired = set(
        Pair.objects.visible_to(user, VIEW)
        .filter(path__under=community.path, ended_on__isnull=True)
        .values_list("household_id", "member_id")
    )
    paired_households = {h for h, _m in paired}
    shortfalls = {
        m.pk: rules.pairing_shortfall(m.load.difficult, m.load.ordinary, today)
        for m in members
        if m.load.free
    }
    # Ordinary households near the homes (their buildings) of the members who lack one,
    # not yet paired.
    nearby = _nearby(
        user,
        community,
        {_building(m.home) for m in members if m.home and shortfalls.get(m.pk, (0, 0))[1]},
        set(difficult) | paired_households,
    )
    free_difficult = [
        (pk, path, _masked(address, door), needs)
        for pk, (path, address, door, needs) in difficult.items()
        if pk not in paired_households
    ]
    households = _Nearest(
        free_difficult,
        lambda h: h[1],
        lambda h: (h[0],),
        lambda h, words: sum(1 for word in words if word in h[3]),
    )
    for m in members:
        need_difficult, need_ordinary = shortfalls.get(m.pk, (0, 0))
        if need_difficult:
            # nearest first, then needs matching the member's skills
            options = households.first(m.home, m.words)
            gaps.append(
                Gap(
                    "member_difficult",
                    m.name,
                    _("尚缺困难户%(n)d户") % {"n": need_difficult},
                    m.pk,
                    [Candidate(pk, address, needs) for pk, _p, address, needs in options],
                )
            )
        if need_ordinary:
            options_o = sorted(
                # The neighbours of the member's building, not the member's own home.
                (h for h in nearby.get(_building(m.home), []) if h[1] != m.home) if m.home else [],
                key=lambda h, m=m: (-_common(m.home, h[1]), h[0]),
            )
            gaps.append(
                Gap(
                    "member_ordinary",
                    m.name,
                    _("尚缺普通户%(n)d户") % {"n": need_ordinary},
                    m.pk,
                    [
                        Candidate(pk, _masked(address, door))
                        for pk, _p, address, door in options_o[:CANDIDATES]
                    ],
                )
            )
    index = _member_index(members)
    for pk, path, address, needs in free_difficult:
        gaps.append(Gap("household", address, needs, pk, _rank_members(index, path, needs)))
    gaps.extend(_links(user, community, members, index, today))
    return gaps


def _links(
    user: User,
    community: Area,
    members: list[_Member],
    index: _Nearest[_Member],
    today: date,
) -> list[Gap]:
    """Buildings, courtyards and the community's leaders and units; then the other 三必有
    links the residents' coverage finds missing (grid workers, building heads)."""
    gaps: list[Gap] = []
    places = list(
        Area.objects.visible_to(user, "areas.view_area")
        .filter(path__under=community.path, level__in=[Level.ESTATE, Level.BUILDING])
        .select_related("parent__parent")
        .order_by("path")
    )
    counts: defaultdict[tuple[int, str], int] = defaultdict(int)
    linked: defaultdict[int, set[int]] = defaultdict(set)
    for area_id, duty, member_id in (
        Responsibility.objects.visible_to(user, "residents.view_resident")
        .filter(path__under=community.path)
        .values_list("area_id", "duty", "member_id")
    ):
        counts[(area_id, duty)] += 1
        if member_id:
            linked[area_id].add(member_id)
    units = list(
        reports.unit_reports_for(user)
        .filter(path__under=community.path, status=ReportState.CONFIRMED)
        .values_list("unit_id", "unit__name", "resources")
    )
    need_members = param("residents.building_linked_members", today)
    need_units = param("service.courtyard_units", today)
    for place in places:
        if place.level == Level.BUILDING:
            have = counts[(place.pk, Duty.LINKED_MEMBER)]
            if have < need_members:
                gaps.append(
                    Gap(
                        "building",
                        place.place_name(),
                        _("联系在职党员%(have)d/%(need)d名") % {"have": have, "need": need_members},
                        place.pk,
                        _rank_members(index, place.path, "", exclude=linked[place.pk]),
                    )
                )
        elif counts[(place.pk, Duty.ORGAN_UNIT)] < need_units:
            gaps.append(
                Gap(
                    "courtyard",
                    place.place_name(),
                    _("联系机关党组织%(have)d/%(need)d个")
                    % {"have": counts[(place.pk, Duty.ORGAN_UNIT)], "need": need_units},
                    place.pk,
                    [Candidate(pk, name, resources[:40]) for pk, name, resources in units][
                        :CANDIDATES
                    ],
                )
            )
    leaders = counts[(community.pk, Duty.LEADER)]
    gap = rules.leaders_gap(leaders, today)
    if gap:
        low = param("service.community_leaders_min", today)
        high = param("service.community_leaders_max", today)
        gaps.append(
            Gap(
                "leaders",
                community.name,
                _("联系县处级领导%(n)d名，应为%(low)d至%(high)d名")
                % {"n": leaders, "low": low, "high": high},
                community.pk,
                []
                if gap > 0
                else _rank_members(
                    _member_index(
                        [m for m in members if m.cadre_level == CadreLevel.COUNTY_LEADER]
                    ),
                    community.path,
                    "",
                    exclude=linked[community.pk],
                ),
            )
        )
    shortfall = rules.units_shortfall(len(units), today)
    if shortfall:
        reported = {pk for pk, _n, _r in units}
        options = [
            Candidate(u.pk, u.name, u.party_org)
            for u in reports.units_known_to(user)
            .exclude(pk__in=reported)
            .exclude(
                pk__in=reports.unit_reports_for(user)
                .filter(community=community, status__in=reports.LIVE)
                .values("unit_id")
            )[:CANDIDATES]
        ]
        gaps.append(
            Gap(
                "units",
                community.name,
                _("已报到机关单位%(n)d个，尚缺%(m)d个") % {"n": len(units), "m": shortfall},
                community.pk,
                options,
            )
        )
    # The residents' coverage reads its areas without their parents: a building is named
    # from the places above (parents selected), a grid by its own full name.
    by_pk = {place.pk: place for place in places}
    for row in resident_selectors.coverage(user, community):
        for area, missing in row.gaps:
            if area.level == Level.GRID or missing == str(Duty.BUILDING_HEAD.label):
                name = by_pk.get(area.pk, area).place_name()
                gaps.append(Gap("links", name, missing, area.pk))
    return gaps


@dataclass
class Summary:
    community: Area
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def street_coverage(user: User, street: Area, *, today: date | None = None) -> list[Summary]:
    """The gaps of each community of a street, counted by kind."""
    today = today or timezone.localdate()
    communities = (
        Area.objects.visible_to(user, "areas.view_area")
        .filter(path__under=street.path, level=Level.COMMUNITY)
        .order_by("path")
    )
    summaries = []
    for community in communities:
        counts = dict.fromkeys(KINDS, 0)
        for gap in coverage(user, community, today=today):
            counts[gap.kind] += 1
        summaries.append(Summary(community, counts))
    return summaries


# --- One-click assignment ---------------------------------------------------------------


def _member(user: User, community: Area, pk: int) -> Any:
    report = (
        reports.reports_for(user)
        .filter(status=ReportState.CONFIRMED, path__under=community.path, member_id=pk)
        .first()
    )
    if report is None:
        raise NotFoundOrForbidden()
    return report.member


def _household(user: User, community: Area, pk: int) -> Household:
    household = area_selectors.get_household(user, pk)
    if not household.path.startswith(community.path):
        raise NotFoundOrForbidden()
    return household


def _area(user: User, community: Area, pk: int, level: int) -> Area:
    area = area_selectors.get_area(user, pk)
    if area.level != level or not area.path.startswith(community.path):
        raise NotFoundOrForbidden()
    return area


@atomic
def assign(
    *,
    actor: User,
    community: Area,
    kind: str,
    target: int,
    candidate: int,
    today: date | None = None,
) -> object:
    """Close a gap with a candidate: a ``Pair`` for a household gap, a
    ``residents.Responsibility`` for a building, courtyard or leader link (through
    ``residents.services``), a confirmed unit report for the community's units."""
    today = today or timezone.localdate()
    if kind in ("member_difficult", "member_ordinary"):
        return pairing.pair(
            actor=actor,
            member=_member(actor, community, target),
            household=_household(actor, community, candidate),
            kind=PairKind.DIFFICULT if kind == "member_difficult" else PairKind.ORDINARY,
            started_on=today,
        )
    if kind == "household":
        return pairing.pair(
            actor=actor,
            member=_member(actor, community, candidate),
            household=_household(actor, community, target),
            kind=PairKind.DIFFICULT,
            started_on=today,
        )
    if kind == "building":
        member = _member(actor, community, candidate)
        return resident_services.set_responsibility(
            actor=actor,
            area=_area(actor, community, target, Level.BUILDING),
            duty=Duty.LINKED_MEMBER,
            name=member.name,
            member=member,
            user=member.user,
        )
    if kind == "leaders":
        member = _member(actor, community, candidate)
        if target != community.pk:
            raise NotFoundOrForbidden()
        return resident_services.set_responsibility(
            actor=actor, area=community, duty=Duty.LEADER, name=member.name, member=member
        )
    if kind == "courtyard":
        unit = _unit(actor, candidate)
        return resident_services.set_responsibility(
            actor=actor,
            area=_area(actor, community, target, Level.ESTATE),
            duty=Duty.ORGAN_UNIT,
            name=unit.name,
            phone=unit.phone,
        )
    if kind == "units":
        if target != community.pk:
            raise NotFoundOrForbidden()
        report = reports.request_unit_report(
            actor=actor, unit=_unit(actor, candidate), community=community, on=today
        )
        return reports.confirm_unit_report(report, actor=actor, on=today)
    raise RuleViolation(_("缺口类型不正确。"), field="kind")


def _unit(user: User, pk: int) -> Any:
    unit = reports.units_known_to(user).filter(pk=pk).first()
    if unit is None:
        raise NotFoundOrForbidden()
    return unit


def community_for(user: User, pk: int | str, perm: str = VIEW) -> Area:
    """A community the user may see the coverage of (``perm``: CHANGE to assign)."""
    area = area_selectors.get_area(user, pk)
    if area.level != Level.COMMUNITY or not user.has_perm(perm, area):
        raise NotFoundOrForbidden()
    return area
