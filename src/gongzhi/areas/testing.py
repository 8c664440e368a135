"""Area fixtures for the cross-scope walk (tests/test_cross_scope.py); the shared world
itself is core.testing.build_world."""

from gongzhi.core.testing import make_household

from . import services
from .choices import Level
from .models import Household


def cross_scope_change(fx) -> None:
    """The sibling community's nodes renamed, a new grid and new households, marked."""
    root, sib, mark = fx.world.users["superuser"], fx.world.sibling, fx.mark
    for node in (sib.community, sib.grid, sib.estate, sib.unit):
        node.refresh_from_db()
        services.update_area(node, actor=root, version=node.version, name=f"{mark}{node.name}")
    services.create_area(
        actor=root,
        parent=sib.community,
        level=Level.GRID,
        code=sib.community.code + "009",
        name=f"{mark}网格",
    )
    for i in range(5):
        make_household(sib.unit, f"0{i}09", f"{mark}{i}")
    for household in Household.objects.filter(area=sib.unit):
        services.update_household(household, actor=root, version=household.version, note=mark)
