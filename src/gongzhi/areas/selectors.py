"""Scoped reads of the area tree, for pages, API and exports alike."""

from django.db.models import Count, QuerySet

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
