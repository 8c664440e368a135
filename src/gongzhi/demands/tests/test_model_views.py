"""The pages every scoped model owes (core.viewtests), for demands."""

import pytest

from gongzhi.core.viewtests import ScopedModelViewTests

from .test_services import new


class TestDemandViews(ScopedModelViewTests):
    list_url = "demands:list"
    detail_url = "demands:detail"
    user = "staff"

    @pytest.fixture
    def setup_rows(self, world, demands):
        return world

    def make(self, world, community, n):
        return [
            new(world, actor=world.users["superuser"], area=community.grid, title=f"第{i}件诉求")
            for i in range(n)
        ]

    def label(self, row):
        return row.number


pytestmark = pytest.mark.django_db
