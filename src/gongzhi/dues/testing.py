"""Dues fixtures for the cross-scope walk (tests/test_cross_scope.py)."""

from . import services


def cross_scope_rows(fx) -> None:
    """The month's charges and accounts of both communities' members."""
    services.run_month(actor=fx.world.users["superuser"], month=fx.today.replace(day=1))
