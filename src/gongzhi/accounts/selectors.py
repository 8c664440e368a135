"""Scoped reads for account administration: lists, details and the choices of its forms."""

from django.db.models import QuerySet
from django.utils.functional import Promise

from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.party.choices import OrgType
from gongzhi.party.models import Organization

from .models import RoleAssignment, User
from .permissions import VIEW_USER
from .roles import Role
from .services import grantable_roles


def home_area(user: User) -> Area | None:
    return Area.objects.filter(path=user.home_path).first() if user.home_path else None


def assignments_visible_to(actor: User, user: User) -> QuerySet[RoleAssignment]:
    """The account's role assignments that lie in the actor's part of the tree."""
    return (
        RoleAssignment.objects.visible_to(actor, VIEW_USER)
        .filter(user=user)
        .select_related("area", "organization")
        .order_by("pk")
    )


def role_areas(areas: QuerySet[Area]) -> QuerySet[Area]:
    """Of the areas in an actor's scope, where accounts are placed and roles held: down
    to the grid (a district, street, community or grid, never a building)."""
    return (
        areas.filter(level__lte=Level.GRID)
        .order_by("path")
        .only("pk", "path", "name", "full_name", "level")
    )


def role_organizations(organizations: QuerySet[Organization]) -> QuerySet[Organization]:
    """Of the party organizations in an actor's scope, those a role may be held on: the
    active ones but party groups, in tree order."""
    return (
        organizations.filter(is_active=True)
        .exclude(org_type=OrgType.GROUP)
        .order_by("tree_path")
        .only("pk", "name")
    )


def role_choices(actor: User) -> list[tuple[str, str | Promise]]:
    allowed = grantable_roles(actor)
    return [(value, label) for value, label in Role.choices if value in allowed]
