"""Issue 13, defect 16: a place is shown by its full, readable name (锦江小区3栋1单元301),
never the bare door number or unit; an uncategorised demand reads 未分类."""

from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.core.calendar import SHANGHAI
from gongzhi.demands import services
from gongzhi.demands.choices import Channel, RequesterKind
from gongzhi.demands.models import Demand

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _new(world, title="楼道灯不亮", **kw):
    return services.create_demand(
        actor=world.users["staff"],
        area=world.ours.unit,
        title=title,
        content="楼道灯坏了一周，晚上老人上下楼不安全。",
        channel=Channel.DESK,
        requester_kind=RequesterKind.RESIDENT,
        requester_name="张小明",
        requester_phone="13812345678",
        **kw,
    )


def test_areas_and_households_have_readable_place_names(world):
    """Issue 13 defect 16: one method names a place wherever it is shown."""
    ours = world.ours
    assert ours.unit.place_name() == "和顺花园1栋1单元"
    assert ours.building.place_name() == "和顺花园1栋"
    assert ours.estate.place_name() == "和顺花园"
    assert ours.grid.place_name() == ours.grid.full_name
    household = ours.households[2]
    assert household.place_name() == household.address
    assert household.place_name().endswith("1单元301")


def test_the_demand_page_names_the_household_and_reads_uncategorised(world, client_as):
    """Issue 13 defect 16: the page showed the household as "301" and an uncategorised
    demand as "— · 一般"."""
    demand = _new(world, household=world.ours.households[2])
    page = client_as(world.users["staff"]).get(demand.get_absolute_url()).content.decode()
    assert world.ours.households[2].address in page
    assert "和顺花园1栋1单元" in page
    assert "未分类 · 一般" in page and "— · " not in page


def test_work_lists_and_the_api_name_the_place_in_constant_queries(world, client_as):
    """Issue 13 defect 16: the work lists showed the place as "1单元"."""
    client = client_as(world.users["staff"])
    url, query = reverse("demands:inbox"), {"tab": "dispatch"}
    client.get(url, query)  # warm the session and caches
    _new(world, "第0件")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url, query).content.decode()
    assert "<td>和顺花园1栋1单元</td>" in page and "<td>1单元</td>" not in page
    assert "未分类" in page
    for i in range(1, 6):
        _new(world, f"第{i}件")
    with CaptureQueriesContext(connection) as more:
        page = client.get(url, query).content.decode()
    assert page.count("<td>和顺花园1栋1单元</td>") == 6
    assert len(more) == len(queries)
    body = client.get("/api/v1/demands").json()
    assert {item["area_name"] for item in body["items"]} == {"和顺花园1栋1单元"}
    assert Demand.objects.count() == 6
