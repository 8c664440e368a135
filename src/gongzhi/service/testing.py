"""Rows of the module for tests and the cross-scope walk (tests/test_cross_scope.py): each
part of the module (``<part>_testing.py``) adds its own, listed in ``PARTS``."""

from importlib import import_module

PARTS: tuple[str, ...] = (
    "wishes_testing",
    "ratings_testing",
    "ledger_testing",
    "reports_testing",
    "activities_testing",
)


def cross_scope_rows(fx) -> None:
    for part in PARTS:
        import_module(f"{__package__}.{part}").cross_scope_rows(fx)


def cross_scope_change(fx) -> None:
    for part in PARTS:
        hook = getattr(import_module(f"{__package__}.{part}"), "cross_scope_change", None)
        if hook is not None:
            hook(fx)
