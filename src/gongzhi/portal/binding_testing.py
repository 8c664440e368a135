"""Household bindings for tests: a resident account with a pending request in a
community, and the cross-scope rows (tests/test_cross_scope.py)."""

from gongzhi.accounts.models import User
from gongzhi.core.testing import make_user

from . import binding
from .models import BindingRequest


def resident_account(username: str, phone: str) -> User:
    """An account as the first phone sign-in opens it: a number, no password, no role."""
    user = make_user(username, phone=phone, full_name="")
    user.set_unusable_password()
    user.save()
    return user


def pending_request(community, username: str, phone: str, **stated) -> BindingRequest:
    stated.setdefault("address", "1栋1单元101")
    stated.setdefault("name", "王小明")
    return binding.request_binding(
        actor=resident_account(username, phone), community=community, **stated
    )


def cross_scope_rows(fx) -> None:
    world = fx.world
    fx.extra["bindings"] = [
        pending_request(world.ours.community, "portal-ours", "13900000011"),
        pending_request(world.sibling.community, "portal-sibling", "13900000012", name="邻里居民"),
    ]


def cross_scope_change(fx) -> None:
    """A new request in the sibling community, marked."""
    pending_request(
        fx.world.sibling.community,
        "portal-sibling-new",
        "13900000013",
        name=f"{fx.mark}"[:50],
        address=f"{fx.mark}住址",
    )
