"""Scoped reads for account administration: lists, details and the choices of its forms."""

from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area

from .models import RoleAssignment, User
from .permissions import VIEW_USER
from .roles import Role
from .services import grantable_roles


def users_for(actor, perm: str = VIEW_USER):
    """Accounts belonging under the actor's areas, with their roles loaded in one query."""
    return User.objects.visible_to(actor, perm).with_roles()


def home_area(user: User) -> Area | None:
    return Area.objects.filter(path=user.home_path).first() if user.home_path else None


def assignments_visible_to(actor, user: User):
    """The account's role assignments that lie in the actor's part of the tree."""
    return (
        RoleAssignment.objects.visible_to(actor, VIEW_USER)
        .filter(user=user)
        .select_related("area")
        .order_by("pk")
    )


def role_areas(areas):
    """Of the areas in an actor's scope, where accounts are placed and roles held: down
    to the grid (a district, street, community or grid, never a building)."""
    return (
        areas.filter(level__lte=Level.GRID)
        .order_by("path")
        .only("pk", "path", "name", "full_name", "level")
    )


def role_choices(actor) -> list[tuple[str, str]]:
    allowed = grantable_roles(actor)
    return [(value, label) for value, label in Role.choices if value in allowed]
