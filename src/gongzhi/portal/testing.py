"""Fixtures of the residents' portal for tests and the cross-scope walk
(tests/test_cross_scope.py)."""

from . import binding_testing


def cross_scope_rows(fx) -> None:
    """The portal's rows of each community (each part adds its own)."""
    binding_testing.cross_scope_rows(fx)


def cross_scope_change(fx) -> None:
    """The portal's new rows in the sibling community, marked (each part adds its own)."""
    binding_testing.cross_scope_change(fx)
