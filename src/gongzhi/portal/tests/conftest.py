"""The portal tests' residents: one bound to our first household, one signed in by phone
and not bound yet."""

import pytest

from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.core.testing import make_user

from .test_demands import bind


@pytest.fixture
def bound(world):
    """A resident bound to our first household."""
    user = make_user("binding", Role.RESIDENT, world.ours.community, phone="13900001111")
    bind(user, world.ours.households[0])
    return user


@pytest.fixture
def unbound(db):
    """A resident signed in by phone, not bound yet: no role at all."""
    return User.objects.create(username="p13900002222", full_name="王芳", phone="13900002222")
