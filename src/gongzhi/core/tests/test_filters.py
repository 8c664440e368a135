"""Issue 13, defect 13: an unchosen filter reads 全部 on every list, never 未知 or a dash
line; the urgency filter offers urgencies only."""

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse

from gongzhi.accounts.filters import UserFilter
from gongzhi.areas.filters import AreaFilter, HouseholdFilter
from gongzhi.core.filters import FilterSet
from gongzhi.demands.filters import DemandFilter
from gongzhi.demands.models import Category
from gongzhi.development.filters import FileFilter
from gongzhi.party.filters import MemberFilter, TalentFilter, TransferFilter
from gongzhi.residents.filters import RentalFilter, ResidentFilter

pytestmark = pytest.mark.django_db

FILTERSETS = [
    UserFilter,
    AreaFilter,
    HouseholdFilter,
    DemandFilter,
    FileFilter,
    MemberFilter,
    TalentFilter,
    TransferFilter,
    RentalFilter,
    ResidentFilter,
]


def _first_options(html: str) -> dict[str, str]:
    """Each select's name → the text of its first option."""
    return {
        name: re.sub(r"<[^>]+>", "", first).strip()
        for name, first in re.findall(
            r'<select name="(\w+)"[^>]*>\s*(<option[^>]*>[^<]*</option>)', html
        )
    }


@pytest.mark.parametrize("filterset", FILTERSETS, ids=lambda f: f.__name__)
def test_every_unchosen_filter_reads_all(world, filterset):
    """Issue 13 defect 13: the yes/no filters read 未知 for "any"."""
    assert issubclass(filterset, FilterSet)
    request = RequestFactory().get("/")
    request.user = world.users["district_admin"]
    html = str(filterset({}, request=request).form)
    assert "未知" not in html and "-----" not in html
    named = {"presence": "在住", "standing": "在册（正常、停止党籍）"}
    for name, first in _first_options(html).items():
        assert first == named.get(name, "全部"), (name, first)


def test_the_demand_list_filters_read_all_and_urgency_is_an_urgency(world, client_as):
    """Issue 13 defect 13: /demands/ offered 未知 and the category name 水电气暖 as an
    urgency."""
    Category.objects.create(name="水电气暖")
    page = client_as(world.users["staff"]).get(reverse("demands:list")).content.decode()
    options = _first_options(page)
    assert options["overdue"] == options["supervised"] == options["urgency"] == "全部"
    urgency = re.search(r'<select name="urgency".*?</select>', page, re.S).group(0)
    labels = re.findall(r">([^<]+)</option>", urgency)
    assert labels == ["全部", "紧急", "较急", "一般", "复杂"]
    assert "未知" not in page
