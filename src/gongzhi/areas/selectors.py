"""Scoped reads of the area tree, for pages, API and exports alike."""

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet

from gongzhi.accounts.models import User
from gongzhi.core.errors import NotFoundOrForbidden

from .choices import Level
from .models import Area, Household
from .permissions import VIEW_AREA, VIEW_HOUSEHOLD


def areas_for(user: User, perm: str = VIEW_AREA) -> QuerySet[Area]:
    return Area.objects.visible_to(user, perm).select_related("parent")


def households_for(user: User, perm: str = VIEW_HOUSEHOLD) -> QuerySet[Household]:
    return Household.objects.visible_to(user, perm)


def get_area(user: User, pk: int | str, perm: str = VIEW_AREA) -> Area:
    try:
        return areas_for(user, perm).get(pk=pk)
    except (Area.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def get_household(user: User, pk: int | str, perm: str = VIEW_HOUSEHOLD) -> Household:
    try:
        return households_for(user, perm).select_related("area").get(pk=pk)
    except (Household.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden() from None


def top_areas(user: User) -> QuerySet[Area]:
    """The highest nodes the user can see: the roots of their part of the tree."""
    if user.is_superuser:
        return Area.objects.filter(parent__isnull=True)
    paths = set(user.scope_paths(VIEW_AREA))
    return Area.objects.filter(path__in=paths).order_by("path")


def children_with_counts(user: User, area: Area) -> QuerySet[Area]:
    """The children of ``area`` with how many sub-nodes and households each holds."""
    children = areas_for(user).filter(parent=area).order_by("code")
    return children.annotate(
        child_count=Count("children", distinct=True),
        household_count=Count("households", distinct=True),
    )


def subtree_household_count(user: User, area: Area) -> int:
    return households_for(user).filter(path__under=area.path).count()


def breadcrumbs(user: User, area: Area) -> list[Area]:
    """Ancestors of ``area`` that the user may see, from the top down."""
    visible = areas_for(user).filter(path__in=area.ancestor_paths())
    return sorted(visible, key=lambda a: a.level)


def level_counts(user: User, area: Area | None = None) -> dict[int, int]:
    qs = areas_for(user)
    if area is not None:
        qs = qs.filter(path__under=area.path)
    return dict(qs.values_list("level").annotate(n=Count("id")).values_list("level", "n"))


LEVELS_WITH_HOUSEHOLDS = (Level.ESTATE, Level.BUILDING, Level.UNIT)


def _prefixes(path: str) -> list[str]:
    segments = path.strip("/").split("/")
    return ["/" + "/".join(segments[:i]) + "/" for i in range(1, len(segments) + 1)]


def area_labels(paths: Iterable[str]) -> dict[str, str]:
    """Each path's node with the nodes above it, "武侯区 / 锦华街道 / 和顺社区 / 第1网格",
    in one query. The names above the user's scope are those every area's ``full_name``
    already carries."""
    paths = list(paths)
    wanted = {prefix for path in paths for prefix in _prefixes(path)}
    names = dict(Area.objects.filter(path__in=wanted).values_list("path", "name"))
    return {p: " / ".join(names[x] for x in _prefixes(p) if x in names) for p in paths}


PICK_LIMIT = 20


def pick_areas(
    user: User,
    text: str,
    *,
    perm: str = VIEW_AREA,
    min_level: int | None = None,
    max_level: int | None = None,
) -> list[tuple[Area, str]]:
    """The area picker's answer: areas of the user's scope whose full name or code
    matches every word of ``text`` (the slashes of a label separate words), the highest
    first, with their labels."""
    # Only areas the user may see as areas: the permission the form asks for narrows
    # them (a dispatcher's areas), never widens them (a resident sees no area names).
    areas = Area.objects.visible_to(user, perm)
    if perm != VIEW_AREA:
        areas &= Area.objects.visible_to(user, VIEW_AREA)
    if min_level:
        areas = areas.filter(level__gte=min_level)
    if max_level:
        areas = areas.filter(level__lte=max_level)
    for word in text.replace("/", " ").split()[:8]:  # a label typed back: its names
        areas = areas.filter(
            Q(full_name__contains=word) | Q(name__contains=word) | Q(code__startswith=word)
        )
    found = list(areas.order_by("level", "path")[:PICK_LIMIT])
    labels = area_labels(a.path for a in found)
    return [(a, labels[a.path]) for a in found]
