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
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.accounts.models import User
from gongzhi.areas import selectors as area_selectors
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.params import value as param
from gongzhi.core.services import atomic
from gongzhi.residents import selectors as resident_selectors
from gongzhi.residents import services as resident_services
from gongzhi.residents.choices import Duty
from gongzhi.residents.models import Resident, ResidentTag, Responsibility

from . import pairing, reports, rules
from .choices import CadreLevel, PairKind, ReportState
from .models import Pair
from .permissions import VIEW

CANDIDATES = 5  # candidates listed per gap

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


def _skill_score(skills: str, needs: str) -> int:
    return sum(1 for word in _words(skills) if word in needs)


def _common(a: str, b: str) -> int:
    """Segments two tree paths share from the top (nearest residence first)."""
    n = 0
    for x, y in zip(a.strip("/").split("/"), b.strip("/").split("/"), strict=False):
        if x != y:
            break
        n += 1
    return n


@dataclass
class _Member:
    pk: int
    name: str
    home: str
    skills: str
    cadre_level: str
    load: pairing.Load


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
        _Member(pk, name, home or "", skills or own or "", level, loads[pk])
        for pk, name, home, skills, own, level, _capacity in rows
    ]


def _difficult(user: User, community: Area) -> dict[int, tuple[str, str, str]]:
    """Difficult households: with a care household record (visits, reason difficult) or a
    present resident holding a care tag. {id: (path, address, needs)}."""
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
        pk: (path, _masked(address, door), "、".join(needs[pk]))
        for pk, path, address, door in households
    }


def _masked(address: str, door: str) -> str:
    return pairing.mask_address(Household(address=address, door_number=door))


def _rank_members(
    members: list[_Member],
    place: str,
    needs: str,
    exclude: set[int] = frozenset(),  # type: ignore[assignment]
) -> list[Candidate]:
    ranked = [
        Candidate(
            m.pk,
            m.name,
            _("已结对%(live)d/%(cap)d户") % {"live": m.load.live, "cap": m.load.capacity}
            + (f" · {m.skills}" if m.skills else ""),
            (-_common(m.home, place), -_skill_score(m.skills, needs), m.load.live, m.pk),
        )
        for m in members
        if m.load.free > 0 and m.pk not in exclude
    ]
    return sorted(ranked, key=lambda c: c.rank)[:CANDIDATES]


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
    # Ordinary households near the members' homes (their buildings), not yet paired.
    buildings = {"/".join(m.home.split("/")[:7]) + "/" for m in members if m.home}
    nearby: defaultdict[str, list[tuple[int, str, str]]] = defaultdict(list)
    if buildings:
        for pk, path, address, door in (
            area_selectors.households_for(user)
            .filter(path__under=community.path)
            .filter(area__path__regex=r"^(" + "|".join(re.escape(b) for b in buildings) + ")")
            .values_list("pk", "path", "address", "door_number")
        ):
            if pk not in difficult and pk not in paired_households:
                nearby["/".join(path.split("/")[:7]) + "/"].append(
                    (pk, path, _masked(address, door))
                )
    free_difficult = [
        (pk, path, address, needs)
        for pk, (path, address, needs) in difficult.items()
        if pk not in paired_households
    ]
    for m in members:
        need_difficult, need_ordinary = rules.pairing_shortfall(
            m.load.difficult, m.load.ordinary, today
        )
        if need_difficult and m.load.free:
            options = sorted(
                free_difficult,
                key=lambda h, m=m: (-_common(m.home, h[1]), -_skill_score(m.skills, h[3]), h[0]),
            )[:CANDIDATES]
            gaps.append(
                Gap(
                    "member_difficult",
                    m.name,
                    _("尚缺困难户%(n)d户") % {"n": need_difficult},
                    m.pk,
                    [Candidate(pk, address, needs) for pk, _p, address, needs in options],
                )
            )
        if need_ordinary and m.load.free:
            building = "/".join(m.home.split("/")[:7]) + "/" if m.home else ""
            options_o = sorted(
                nearby.get(building, []), key=lambda h, m=m: (-_common(m.home, h[1]), h[0])
            )
            gaps.append(
                Gap(
                    "member_ordinary",
                    m.name,
                    _("尚缺普通户%(n)d户") % {"n": need_ordinary},
                    m.pk,
                    [Candidate(pk, address) for pk, _p, address in options_o[:CANDIDATES]],
                )
            )
    for pk, path, address, needs in free_difficult:
        gaps.append(
            Gap(
                "household",
                address,
                needs,
                pk,
                _rank_members(members, path, needs),
            )
        )
    gaps.extend(_links(user, community, members, today))
    return gaps


def _links(user: User, community: Area, members: list[_Member], today: date) -> list[Gap]:
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
                        _rank_members(members, place.path, "", exclude=linked[place.pk]),
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
                    [m for m in members if m.cadre_level == CadreLevel.COUNTY_LEADER],
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
    for row in resident_selectors.coverage(user, community):
        for area, missing in row.gaps:
            if area.level == Level.GRID or missing == str(Duty.BUILDING_HEAD.label):
                gaps.append(Gap("links", area.place_name(), missing, area.pk))
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
