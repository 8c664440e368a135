"""The pages every scoped model owes (core.viewtests), for party members."""

import itertools

import pytest

from gongzhi.core.viewtests import ScopedModelViewTests
from gongzhi.party.testing import add_member

_serials = itertools.count(101)
_names = iter(f"党员{chr(0x4E00 + i)}{chr(0x4E10 + i)}" for i in range(1000))


class TestMemberViews(ScopedModelViewTests):
    list_url = "party:member_list"
    detail_url = "party:member_detail"
    user = "secretary"

    @pytest.fixture
    def setup_rows(self, world, party):
        self.party = party
        return world

    def make(self, world, community, n):
        branch = self.party.ours_branch if community is world.ours else self.party.sibling_branch
        admin = world.users["superuser"]
        return [add_member(admin, branch, next(_names), serial=next(_serials)) for _ in range(n)]

    def label(self, row):
        return row.name


pytestmark = pytest.mark.django_db
