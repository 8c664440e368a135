"""Lists at a million demands: who the requester clause is for, the capped count, and
each page fetched with the scope marked wide (same rows, newest first)."""

from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from gongzhi.core.calendar import SHANGHAI
from gongzhi.core.scoping import widened
from gongzhi.demands import selectors, services
from gongzhi.demands.choices import Channel, RequesterKind
from gongzhi.demands.models import Demand
from gongzhi.demands.pagination import DemandPaginator
from gongzhi.demands.permissions import VIEW
from gongzhi.demands.views import DemandListView

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def new(world, area, title, **kw):
    return services.create_demand(
        actor=world.users["staff"] if area == world.ours.grid else world.users["superuser"],
        area=area,
        title=title,
        content=f"{title}，请尽快处理。",
        channel=Channel.DESK,
        requester_kind=RequesterKind.RESIDENT,
        requester_name="张小明",
        **kw,
    )


def where(queryset) -> str:
    return str(queryset.query).split(" WHERE ", 1)[1]


def fresh(user):
    """The user as a new request loads it (no per-request caches)."""
    return type(user).objects.get(pk=user.pk)


def test_a_requester_sees_their_own_demands_wherever_they_are(world):
    resident = world.users["resident"]
    theirs = new(world, world.sibling.grid, "邻里小区停车难")
    assert not Demand.objects.visible_to(fresh(resident), VIEW).filter(pk=theirs.pk).exists()
    own = new(world, world.sibling.grid, "邻里小区漏水", requester_user=resident)
    visible = Demand.objects.visible_to(fresh(resident), VIEW)
    assert own in visible and theirs not in visible


def test_staff_who_raised_nothing_get_no_requester_clause(world):
    staff = fresh(world.users["secretary"])
    ours = new(world, world.ours.grid, "和顺楼道灯不亮")
    assert "requester_user_id" not in where(
        Demand.objects.visible_to(staff, VIEW)
    )  # the path index alone serves the list
    assert ours in Demand.objects.visible_to(staff, VIEW)
    # Once they raise one (elsewhere), it is theirs to see too.
    own = new(world, world.sibling.grid, "邻里路灯不亮", requester_user=world.users["secretary"])
    staff = fresh(world.users["secretary"])
    assert "requester_user_id" in where(Demand.objects.visible_to(staff, VIEW))
    assert {ours, own} <= set(Demand.objects.visible_to(staff, VIEW))


def test_widened_pages_are_the_same_rows_in_the_same_order(world, _frozen):
    for i in range(4):
        _frozen.shift(60)
        new(world, world.ours.grid, f"和顺第{i}件")
        new(world, world.sibling.grid, f"邻里第{i}件")
    street = fresh(world.users["street_admin"])
    secretary = fresh(world.users["secretary"])
    for user in (street, secretary):
        plain = (
            selectors.demands_for(user).filter(status="received").order_by("-received_at", "-id")
        )
        wide = widened(plain)
        assert list(wide) == list(plain) and list(wide[1:3]) == list(plain[1:3])
        sql = str(wide.query)
        if connection.vendor == "sqlite":
            assert "likely(" in sql and "likely(" not in str(plain.query)
        else:
            assert "likely(" not in sql
    newest_first = selectors.demands_for(secretary).order_by("-received_at", "-id")
    assert [d.title for d in widened(newest_first)] == [f"和顺第{i}件" for i in (3, 2, 1, 0)]


def test_the_count_is_capped_and_says_so(world, client_as, monkeypatch, _frozen):
    for i in range(5):
        _frozen.shift(60)
        new(world, world.ours.grid, f"和顺第{i}件")
    monkeypatch.setattr(DemandPaginator, "cap", 3)
    monkeypatch.setattr(DemandListView, "paginate_by", 2)
    client = client_as(world.users["secretary"])
    first = client.get(reverse("demands:list")).content.decode()
    assert "共 3+ 条，第 1/2+ 页" in first
    assert "和顺第4件" in first and "和顺第3件" in first and "和顺第2件" not in first
    assert "page=2" in first
    second = client.get(reverse("demands:list"), {"page": 2}).content.decode()
    assert "和顺第2件" in second and "和顺第1件" not in second
    assert client.get(reverse("demands:list"), {"page": 3}).status_code == 404
    # Under the cap the count is exact.
    monkeypatch.setattr(DemandPaginator, "cap", 10)
    page = client.get(reverse("demands:list")).content.decode()
    assert "共 5 条，第 1/3 页" in page


@pytest.mark.parametrize("wide_from", [1, 1000])
def test_only_a_page_of_many_matches_is_widened(world, client_as, monkeypatch, _frozen, wide_from):
    from django.test.utils import CaptureQueriesContext

    from gongzhi.demands import pagination

    for i in range(3):
        _frozen.shift(60)
        new(world, world.ours.grid, f"和顺第{i}件")
        new(world, world.sibling.grid, f"邻里第{i}件")
    monkeypatch.setattr(pagination, "WIDE_FROM", wide_from)
    client = client_as(world.users["secretary"])
    for url, query in (("/demands/", {}), ("/api/v1/demands", {"limit": 2, "offset": 1})):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, query)
        page_sql = [
            q["sql"] for q in queries if "ORDER BY" in q["sql"] and "demands_demand" in q["sql"]
        ]
        widened_sql = any("likely(" in sql for sql in page_sql)
        assert widened_sql == (wide_from == 1 and connection.vendor == "sqlite")
        assert not any("likely(" in q["sql"] for q in queries if "COUNT(" in q["sql"])
    data = response.json()
    assert data["count"] == 3
    assert [d["title"] for d in data["items"]] == ["和顺第1件", "和顺第0件"]


def test_a_count_widens_only_a_whole_district(world):
    for name, widens in (("district_admin", True), ("street_admin", False), ("secretary", False)):
        scoped = Demand.objects.visible_to(fresh(world.users[name]), VIEW)
        counted = widened(scoped, depth=1)
        assert counted.count() == scoped.count()
        assert ("likely(" in where(counted)) == (widens and connection.vendor == "sqlite")


def test_search_only_filters_except_for_a_whole_districts_count(world, client_as, _frozen):
    from django.test.utils import CaptureQueriesContext

    for i in range(2):
        _frozen.shift(60)
        new(world, world.ours.grid, f"和顺楼道漏水{i}")
        new(world, world.sibling.grid, f"邻里楼道漏水{i}")
    new(world, world.ours.grid, "和顺路灯不亮")
    for name, titles, count_drives in (
        ("secretary", ["和顺楼道漏水1", "和顺楼道漏水0"], False),
        (
            "district_admin",
            ["邻里楼道漏水1", "和顺楼道漏水1", "邻里楼道漏水0", "和顺楼道漏水0"],
            True,
        ),
    ):
        client = client_as(world.users[name])
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("demands:list"), {"q": "漏水"}).content.decode()
        assert [t for t in titles if t in page] == titles and "路灯" not in page
        assert sorted(titles, key=page.index) == titles  # newest first
        if connection.vendor == "sqlite":
            (count,) = [
                q["sql"] for q in queries if "COUNT(" in q["sql"] and "demands_demand" in q["sql"]
            ]
            assert ('+"demands_demand"."id" IN' not in count) == count_drives


def test_rows_are_escaped_and_overdue_ones_marked(world, client_as):
    demand = new(world, world.ours.grid, '<script>alert("x")</script>漏水')
    Demand.objects.filter(pk=demand.pk).update(overdue=True)
    page = client_as(world.users["secretary"]).get(reverse("demands:list")).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)" in page
    assert f'<tr class="table-danger"><td><a href="{demand.get_absolute_url()}">' in page
    assert "<td>已受理</td>" in page  # the status label


def test_search_is_a_condition_on_the_row_and_follows_the_text(world):
    from gongzhi.core.search import search

    leak = new(world, world.ours.grid, "楼道漏水")
    new(world, world.ours.grid, "路灯不亮")
    found = search(Demand.objects.all(), "漏水", as_filter=True)
    assert list(found) == [leak]
    if connection.vendor == "postgresql":
        # The stored vector on the row (its GIN index), not a subquery over the table.
        sql = where(found)
        assert '"demands_demand"."search_tokens_vector" @@ to_tsquery' in sql
        assert "SELECT" not in sql
    # The match names its own table when the query is nested in another one.
    nested = Demand.objects.filter(pk__in=found.values("pk"), merged_into__isnull=True)
    assert list(nested) == [leak]
    if connection.vendor == "postgresql":
        assert 'U0."search_tokens_vector" @@' in where(nested)
    # The index follows a change of the text (PostgreSQL: generated column; SQLite: triggers).
    Demand.objects.filter(pk=leak.pk).update(search_tokens="停 车 停车")
    assert not search(Demand.objects.all(), "漏水").exists()
    assert list(search(Demand.objects.all(), "停车")) == [leak]
