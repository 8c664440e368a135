"""Scoped reads of the resident registry: search, the coverage report, map and cards."""

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.functional import Promise

from gongzhi.accounts.models import User
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.core import pii
from gongzhi.core.errors import NotFoundOrForbidden
from gongzhi.core.finder import Hit, detail
from gongzhi.core.params import value as param
from gongzhi.core.pinyin import LETTERS, first_letters_only, letter_columns, letters_match
from gongzhi.core.search import has_cjk

from .choices import Duty
from .models import Rental, Resident, Responsibility
from .permissions import VIEW, VIEW_SENSITIVE

_DIGITS = re.compile(r"^[0-9]+$")
_ADDRESS = re.compile(r"\d|栋|幢|单元|号|室|楼")
_PLACE = re.compile(r"栋|幢|单元|号|室")
_DIGIT = re.compile(r"\d")


def is_address(query: str) -> bool:
    """What a search box takes for an address: a part of a building (栋, 单元, 室…), or
    Chinese with digits (和顺花园3). Digits alone are a tail, a phone or a door number."""
    return bool(_PLACE.search(query) or (has_cjk(query) and _DIGIT.search(query)))


def residents_for(user: User, perm: str = VIEW) -> QuerySet[Resident]:
    return Resident.objects.visible_to(user, perm).select_related("household")


def get_resident(user: User, pk: int | str, perm: str = VIEW) -> Resident:
    try:
        return residents_for(user, perm).get(pk=pk)
    except (Resident.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def search(
    user: User, query: str, *, present_only: bool = True, addresses: bool = True
) -> QuerySet[Resident]:
    """What resident staff type: a name (张小明), pinyin initials (zhxm / zxm) or full
    pinyin (zhangxiaoming, zhangx), a phone
    or ID tail (5678), a whole phone or ID number, or (with ``addresses``) an address
    (3栋2单元501)."""
    query = re.sub(r"\s+", "", pii.ascii_form(query))  # full-width digits typed by an IME
    qs = residents_for(user)
    if present_only:
        qs = qs.filter(present=True)
    if not query:
        return qs.none()
    if _DIGITS.match(query) and len(query) == 4:
        return qs.filter(Q(phone_tail=query) | Q(id_tail=query))
    if _DIGITS.match(query) and len(query) == 11:
        return qs.filter(phone_tail=query[-4:], phone=query)  # phone_tail is indexed
    if len(query) in (15, 18) and re.match(r"^[0-9]{14,17}[0-9xX]$", query):
        try:
            return qs.filter(id_number_hash__in=pii.lookup_hashes(pii.normalize_id_number(query)))
        except Exception:  # noqa: BLE001 (an invalid number simply finds nobody)
            return qs.none()
    if LETTERS.match(query):
        letters = query.lower()
        if first_letters_only(letters):
            # First letters (no zh/ch/sh, no syllable spelled out): one column, in its
            # index order, like the name.
            return qs.filter(short_initials__prefix=letters).order_by(
                "short_initials", "path", "id"
            )
        return qs.filter(letters_match(letters))
    if addresses and _ADDRESS.search(query):
        households = Household.objects.visible_to(user, "areas.view_household").filter(
            address__contains=query
        )
        return qs.filter(household__in=households)
    # In name order: the name index serves the match and the order, where the path order
    # made the database walk the whole scope for a rare name (0.3 s for a district).
    return qs.filter(name__prefix=query).order_by("name", "path", "id")


def households_matching(
    user: User, query: str, within: Area | None = None, *, doors: bool = True
) -> QuerySet[Household]:
    """The households staff look for: by an address (3栋2单元501; with ``doors``, a bare
    door number or household code too), by the name of their estate or building
    (和顺花园), or by a present member's name, pinyin, phone or ID tail (张小明, zxm,
    huping, 5678), in the user's scope. An address is searched inside the stored ones
    (no index serves that): a search box over a wide scope passes ``doors=False``, so
    that digits alone find people's households by their tails instead."""
    query = re.sub(r"\s+", "", pii.ascii_form(query))
    households = Household.objects.visible_to(user, "areas.view_household")
    if within is not None:
        households = households.filter(path__under=within.path)
    if not query:
        return households.none()
    if is_address(query):
        return households.filter(Q(address__contains=query) | Q(code__startswith=query))
    people = first_matches(user, query, HOUSEHOLD_PEOPLE)
    match = Q(pk__in={person.household_id for person in people})
    if doors and _DIGITS.match(query):
        match |= Q(address__contains=query) | Q(code__startswith=query)
    if has_cjk(query):
        places = (
            Area.objects.visible_to(user, "areas.view_area")
            .filter(level__gte=Level.ESTATE, name__contains=query)
            .values_list("path", flat=True)[:5]
        )
        for path in places:
            match |= Q(path__under=path)
    return households.filter(match)


# The people whose households a name finds (a search box shows a few of them).
HOUSEHOLD_PEOPLE = 50


def first_matches(user: User, query: str, limit: int) -> list[Resident]:
    """At most ``limit`` present residents of :func:`search` (addresses aside), for a
    search box: pinyin letters asked column by column, each in its index order
    (core.pinyin.letters_match)."""
    letters = re.sub(r"\s+", "", pii.ascii_form(query)).lower()
    if not LETTERS.match(letters):
        return list(search(user, query, addresses=False)[:limit])
    present = residents_for(user).filter(present=True)
    found: dict[int, Resident] = {}
    for column in letter_columns(letters):
        rows = present.filter(**{f"{column}__prefix": letters}).order_by(column, "path", "id")
        for resident in rows[:limit]:
            found.setdefault(resident.pk, resident)
    return list(found.values())[:limit]


def find(user: User, query: str, limit: int) -> list[Hit]:
    """The header search's residents (core.finder): :func:`first_matches`, the name
    masked for a minor as on every page, the phone and ID number masked. An address
    finds households (:func:`find_households`), not each of their people."""
    if is_address(query):
        return []
    today = timezone.localdate()
    return [
        Hit(
            display_name(user, resident, today),
            detail(
                resident.household.address,
                pii.mask_phone(resident.phone),
                resident.id_number_masked,
            ),
            resident.get_absolute_url(),
        )
        for resident in first_matches(user, query, limit)
    ]


def find_households(user: User, query: str, limit: int) -> list[Hit]:
    """The header search's households (core.finder): :func:`households_matching`."""
    return [
        Hit(
            household.address or household.door_number, household.code, household.get_absolute_url()
        )
        for household in households_matching(user, query, doors=False).order_by("path")[:limit]
    ]


def shows_sensitive(user: User, resident: Resident) -> bool:
    return user.has_perm(VIEW_SENSITIVE, resident)


def display_name(user: User, resident: Resident, today: date | None = None) -> str:
    """Children under 14 are sensitive (PIPL art. 28): masked unless the role may see them."""
    today = today or timezone.localdate()
    if resident.age_on(today) < param("residents.minor_age", today) and not shows_sensitive(
        user, resident
    ):
        return pii.mask_name(resident.name)
    return resident.name


# --- Coverage of the responsibility map (结对联系三必有) --------------------------------------


@dataclass
class CoverageRow:
    community: Area
    gaps: list[tuple[Area, str]] = field(default_factory=list)
    counts: dict = field(default_factory=lambda: defaultdict(int))


def coverage(user: User, within: Area) -> list[CoverageRow]:
    """Every grid without a grid worker, building without a head or with fewer than the
    required linked in-service members, courtyard without an organ unit and community
    without a leader, under ``within``, grouped by community with counts."""
    areas = list(
        Area.objects.visible_to(user, "areas.view_area")
        .filter(path__under=within.path)
        .filter(level__in=[Level.COMMUNITY, Level.GRID, Level.ESTATE, Level.BUILDING])
        .only("id", "name", "full_name", "path", "level", "code")
        .order_by("path")
    )
    links: defaultdict[tuple[int, str], int] = defaultdict(int)
    for area_id, duty, n in (
        Responsibility.objects.filter(path__under=within.path)
        .values_list("area_id", "duty")
        .annotate(n=Count("id"))
        .values_list("area_id", "duty", "n")
    ):
        links[(area_id, duty)] = n
    members_needed = param("residents.building_linked_members")
    rows: dict[str, CoverageRow] = {}
    for area in areas:
        if area.level == Level.COMMUNITY:
            rows[area.path] = CoverageRow(area)
    for area in areas:
        row = rows.get("/".join(area.path.split("/")[:4]) + "/")
        if row is None:
            continue
        missing: list[str | Promise] = []
        if area.level == Level.COMMUNITY and not links[(area.pk, Duty.LEADER)]:
            missing.append(Duty.LEADER.label)
        if area.level == Level.GRID and not links[(area.pk, Duty.GRID_WORKER)]:
            missing.append(Duty.GRID_WORKER.label)
        if area.level == Level.ESTATE and not links[(area.pk, Duty.ORGAN_UNIT)]:
            missing.append(Duty.ORGAN_UNIT.label)
        if area.level == Level.BUILDING:
            if not links[(area.pk, Duty.BUILDING_HEAD)]:
                missing.append(Duty.BUILDING_HEAD.label)
            if links[(area.pk, Duty.LINKED_MEMBER)] < members_needed:
                missing.append(
                    f"{Duty.LINKED_MEMBER.label}（{links[(area.pk, Duty.LINKED_MEMBER)]}/{members_needed}）"
                )
        row.counts[area.level] += 1
        for gap in missing:
            row.gaps.append((area, str(gap)))
            row.counts[f"gap_{area.level}"] += 1
    return list(rows.values())


# --- Grid map --------------------------------------------------------------------------------


def grid_map(user: User, community: Area) -> dict[str, Any]:
    """GeoJSON features of the community's grids with their indicators (households, care
    households, coverage gaps) for the ECharts map; a handful of queries."""
    grids = list(
        Area.objects.visible_to(user, "areas.view_area")
        .filter(parent=community, level=Level.GRID)
        .order_by("code")
    )
    if not grids:
        return {"type": "FeatureCollection", "features": []}
    length = len(grids[0].path)
    households = dict(
        Household.objects.filter(path__under=community.path)
        .annotate(grid=Substr("path", 1, length))
        .values("grid")
        .annotate(n=Count("id"))
        .values_list("grid", "n")
    )
    care = dict(
        Resident.objects.filter(path__under=community.path, present=True, tag_links__isnull=False)
        .annotate(grid=Substr("path", 1, length))
        .values("grid")
        .annotate(n=Count("household_id", distinct=True))
        .values_list("grid", "n")
    )
    gaps: defaultdict[str, int] = defaultdict(int)
    for row in coverage(user, community):
        for area, _gap in row.gaps:
            gaps[area.path[:length]] += 1
    features = []
    for grid in grids:
        features.append(
            {
                "type": "Feature",
                "id": grid.pk,
                "properties": {
                    "id": grid.pk,
                    "name": grid.name,
                    "code": grid.code,
                    "url": grid.get_absolute_url(),
                    "households": households.get(grid.path, 0),
                    "care_households": care.get(grid.path, 0),
                    "coverage_gaps": gaps.get(grid.path, 0),
                },
                "geometry": grid.geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --- Contact card (联系卡) ------------------------------------------------------------------


def contact_card(user: User, household: Household) -> dict[str, Any]:
    """Who a household can reach: its grid worker, building head and linked party members."""
    ancestors = household.area.ancestor_paths() + [household.area.path]
    links = (
        Responsibility.objects.filter(path__in=ancestors).select_related("area").order_by("duty")
    )
    by_duty: defaultdict[str, list[Responsibility]] = defaultdict(list)
    for link in links:
        by_duty[link.duty].append(link)
    return {
        "household": household,
        "residents": Resident.objects.filter(household=household, present=True).order_by("id"),
        "grid_workers": by_duty[Duty.GRID_WORKER],
        "building_heads": by_duty[Duty.BUILDING_HEAD],
        "linked_members": by_duty[Duty.LINKED_MEMBER],
        "leaders": by_duty[Duty.LEADER],
    }


# --- Lists and exports -----------------------------------------------------------------------


def name_masker(user: User, today: date | None = None) -> Callable[[Resident], str]:
    """``display_name`` for many rows: the parameter and the date are read once."""
    today = today or timezone.localdate()
    minor_age = param("residents.minor_age", today)

    def show(resident: Resident) -> str:
        if resident.age_on(today) < minor_age and not shows_sensitive(user, resident):
            return pii.mask_name(resident.name)
        return resident.name

    return show


def visible_tags(user: User, resident: Resident) -> list[str]:
    """The resident's care tags (prefetched into ``care_tags`` by list_queryset), sensitive
    ones only for sensitive roles."""
    tags = getattr(resident, "care_tags", None)
    if tags is None:
        tags = resident.tags.all()
    sensitive = None
    names = []
    for tag in tags:
        if tag.sensitive:
            if sensitive is None:
                sensitive = shows_sensitive(user, resident)
            if not sensitive:
                continue
        names.append(tag.name)
    return names


def list_queryset(user: User, perm: str = VIEW) -> QuerySet[Resident]:
    """The resident list and export: the household and the tags in a constant number of
    queries per page (the tags as a plain list: no related manager per row)."""
    return (
        residents_for(user, perm)
        .prefetch_related(Prefetch("tags", to_attr="care_tags"))
        .order_by("path", "id")
    )


def floating_for(user: User) -> QuerySet[Resident]:
    return list_queryset(user).filter(floating=True, present=True)


def rentals_for(user: User, perm: str = VIEW) -> QuerySet[Rental]:
    return (
        Rental.objects.visible_to(user, perm)
        .select_related("household")
        .prefetch_related("tenants")
        .order_by("-starts_on", "-id")
    )


def get_rental(user: User, pk: int | str, perm: str = VIEW) -> Rental:
    try:
        return rentals_for(user, perm).get(pk=pk)
    except (Rental.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def responsibilities_for(user: User, perm: str = VIEW) -> QuerySet[Responsibility]:
    return Responsibility.objects.visible_to(user, perm).select_related("area", "member")


def get_responsibility(user: User, pk: int | str, perm: str = VIEW) -> Responsibility:
    try:
        return responsibilities_for(user, perm).get(pk=pk)
    except (Responsibility.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def responsibility_map(user: User, community: Area) -> list[tuple[Area, list[Responsibility]]]:
    """The community's grids, courtyards and buildings with their links, in tree order
    (two queries)."""
    links: defaultdict[int, list[Responsibility]] = defaultdict(list)
    for link in responsibilities_for(user).filter(path__under=community.path).order_by("duty"):
        links[link.area_id].append(link)
    areas = (
        Area.objects.visible_to(user, "areas.view_area")
        .filter(path__under=community.path)
        .filter(level__in=[Level.COMMUNITY, Level.GRID, Level.ESTATE, Level.BUILDING])
        .order_by("path")
    )
    return [(area, links.get(area.pk, [])) for area in areas]


def building_cards(user: User, building: Area) -> list[dict[str, Any]]:
    """联系卡 of every household of a building: a handful of queries for the building."""
    households = list(
        Household.objects.visible_to(user, "areas.view_household")
        .filter(path__under=building.path)
        .select_related("area")
        .order_by("path")
    )
    ancestors = building.ancestor_paths() + [building.path]
    unit_paths = {h.area.path for h in households}
    links = list(Responsibility.objects.filter(path__in=[*ancestors, *unit_paths]).order_by("duty"))
    residents: defaultdict[int, list[Resident]] = defaultdict(list)
    for resident in Resident.objects.filter(household__in=households, present=True).order_by("id"):
        residents[resident.household_id].append(resident)
    cards = []
    for household in households:
        own = set(household.area.ancestor_paths() + [household.area.path])
        by_duty: defaultdict[str, list[Responsibility]] = defaultdict(list)
        for link in links:
            if link.path in own:
                by_duty[link.duty].append(link)
        cards.append(
            {
                "household": household,
                "residents": residents.get(household.pk, []),
                "grid_workers": by_duty[Duty.GRID_WORKER],
                "building_heads": by_duty[Duty.BUILDING_HEAD],
                "linked_members": by_duty[Duty.LINKED_MEMBER],
                "leaders": by_duty[Duty.LEADER],
            }
        )
    return cards


def household_residents(user: User, household: Household) -> QuerySet[Resident]:
    return residents_for(user).filter(household=household).order_by("-present", "id")
