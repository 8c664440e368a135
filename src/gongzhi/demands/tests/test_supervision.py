"""Supervision (督办) at a million demands: its tabs and per-community counts read only the
unfinished demands, through the partial index of those (models.UNFINISHED)."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from gongzhi.core.calendar import SHANGHAI
from gongzhi.demands import selectors, services
from gongzhi.demands.choices import Channel, RequesterKind, Status
from gongzhi.demands.models import Demand

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def new(world, area, title, **state):
    demand = services.create_demand(
        actor=world.users["superuser"],
        area=area,
        title=title,
        content=f"{title}，请尽快处理。",
        channel=Channel.DESK,
        requester_kind=RequesterKind.RESIDENT,
        requester_name="张小明",
    )
    # The states a long workflow would reach, set directly: this is about the reads.
    Demand.objects.filter(pk=demand.pk).update(due_at=NOW + timedelta(days=1), **state)
    return demand


@pytest.fixture
def cases(world):
    flags = {"overdue": True, "supervised": True}
    return {
        "late": new(
            world,
            world.ours.grid,
            "和顺超期未接单",
            status=Status.DISPATCHED,
            accept_overdue=True,
            **flags,
        ),
        "closed": new(
            world,
            world.ours.grid,
            "和顺超期已办结",
            status=Status.CLOSED,
            closed_at=NOW,
            accept_overdue=True,
            **flags,
        ),
        "merged": new(world, world.ours.grid, "和顺已合并", status=Status.MERGED, **flags),
        "answered": new(world, world.ours.grid, "和顺已答复", status=Status.ANSWERED, **flags),
        "sibling": new(
            world, world.sibling.grid, "邻里超期办理中", status=Status.IN_PROGRESS, **flags
        ),
    }


def titles(queryset) -> set[str]:
    return set(queryset.values_list("title", flat=True))


def test_tabs_list_only_unfinished_demands(world, cases):
    street = world.users["street_admin"]
    assert titles(selectors.supervised_demands(street, "overdue")) == {
        "和顺超期未接单",
        "邻里超期办理中",
    }
    assert titles(selectors.supervised_demands(street, "accept_overdue")) == {"和顺超期未接单"}
    assert titles(selectors.supervised_demands(street, "supervised")) == {
        "和顺超期未接单",
        "和顺已答复",
        "邻里超期办理中",
    }


def test_community_counts_open_ones_and_the_months_intake(world, cases):
    rows = {c.name: c for c in selectors.community_counts(world.users["street_admin"], NOW.date())}
    ours, sibling = rows["和顺社区"], rows["邻里社区"]
    assert (ours.open, ours.overdue, ours.supervised, ours.accept_overdue) == (1, 1, 1, 1)
    assert ours.received == 3  # all but the merged one
    assert (sibling.open, sibling.overdue, sibling.received) == (1, 1, 1)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plans")
def test_supervision_reads_take_the_unfinished_index(world, cases, client_as):
    client = client_as(world.users["street_admin"])
    reads = []

    def record(execute, sql, params, many, context):
        if '"demands_demand"."closed_at" IS NULL' in sql:
            reads.append((sql, params))
        return execute(sql, params, many, context)

    for tab in ("overdue", "supervised", "accept_overdue"):
        with connection.execute_wrapper(record):
            assert client.get(reverse("demands:supervision"), {"tab": tab}).status_code == 200
    assert len(reads) == 9  # a count, the per-community counts and a page, per tab
    with connection.cursor() as cursor:
        for sql, params in reads:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "demands_unfinished" in plan, (sql, plan)
