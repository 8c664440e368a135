"""The pages every scoped model owes (core.viewtests), for households."""

import itertools

import pytest

from gongzhi.core.testing import make_household
from gongzhi.core.viewtests import ScopedModelViewTests

_doors = itertools.count(11)


class TestHouseholdViews(ScopedModelViewTests):
    list_url = "areas:household_list"
    detail_url = "areas:household_detail"
    user = "staff"

    def make(self, world, community, n):
        rows = []
        for _ in range(n):
            door = next(_doors)
            rows.append(make_household(community.unit, f"{door:04d}", f"{door}09"))
        return rows


pytestmark = pytest.mark.django_db
