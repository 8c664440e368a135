"""Dues fixtures for the cross-scope walk (tests/test_cross_scope.py)."""

from datetime import date

from gongzhi.party.testing import add_member

from . import services
from .choices import DuesKind


def declared_member(actor, org, *, name="张小明", serial=1, base="6000", kind=DuesKind.EMPLOYED):
    """A member of ``org`` whose dues basis is declared from January 2026 (a based kind
    with ``base``, the others without)."""
    member = add_member(actor, org, name=name, serial=serial)
    based = kind in (DuesKind.EMPLOYED, DuesKind.RETIRED)
    services.declare(
        member,
        actor=actor,
        kind=kind,
        effective_month=date(2026, 1, 1),
        declared_on=date(2026, 1, 5),
        base=base if based else None,
    )
    return member


def cross_scope_rows(fx) -> None:
    """The month's charges and accounts of both communities' members."""
    services.run_month(actor=fx.world.users["superuser"], month=fx.today.replace(day=1))
