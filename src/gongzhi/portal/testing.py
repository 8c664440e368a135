"""Fixtures of the residents' portal for tests and the cross-scope walk
(tests/test_cross_scope.py)."""


def cross_scope_rows(fx) -> None:
    """The portal's rows of each community (each part adds its own)."""
