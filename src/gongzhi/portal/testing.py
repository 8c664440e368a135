"""Fixtures of the residents' portal for tests and the cross-scope walk
(tests/test_cross_scope.py)."""

from . import binding_testing


def cross_scope_rows(fx) -> None:
    """The portal's rows of each community (each part adds its own)."""
    _demand_rows(fx)
    binding_testing.cross_scope_rows(fx)


def _demand_rows(fx) -> None:
    """A portal demand in each community, raised by a resident not bound yet."""
    from gongzhi.accounts.models import User

    from .demands import submit

    for community, marker in ((fx.world.ours, "和顺"), (fx.world.sibling, "邻里社区")):
        resident = User.objects.create(username=f"portal-{community.community.code}")
        submit(actor=resident, area=community.building, content=f"{marker}居民端诉求：楼道灯坏了")


def cross_scope_change(fx) -> None:
    """New portal rows in the sibling community, marked (the differential check)."""
    from gongzhi.accounts.models import User

    from .demands import submit

    resident = User.objects.create(username="portal-change")
    submit(actor=resident, area=fx.world.sibling.estate, content=f"{fx.mark}居民端诉求")
    binding_testing.cross_scope_change(fx)
