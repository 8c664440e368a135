"""Fixtures shared by organizational life's tests."""

import pytest

from gongzhi.accounts.models import RoleAssignment
from gongzhi.accounts.roles import Role
from gongzhi.core.testing import make_user


def branch_secretary(world, organization, username="zbsj"):
    """A user holding the branch secretary's role on ``organization`` (ADR 0008)."""
    user = make_user(username, area=world.ours.community, full_name="支部书记")
    RoleAssignment.objects.create(
        user=user,
        role=Role.BRANCH_SECRETARY,
        area=organization.area,
        organization=organization,
    )
    return user


@pytest.fixture
def secretary(world, party):
    """The branch secretary of our first branch."""
    return branch_secretary(world, party.ours_branch)
