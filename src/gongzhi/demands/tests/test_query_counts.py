"""Queries a write costs through the whole service (kernel issue: a demand created from
the page in at most 8, any transition in at most 8, none re-reading its row; 9 since the
delivery log, ADR 0010).

Savepoints are not queries of the work; everything else the database is sent counts:
the permission and scope checks, the row's versioned update, the event, the audit
record, the notifications (one INSERT of inbox rows and one of deliveries for everyone a
step tells, whatever the channels: addresses known only by account are read when the
delivery is sent, after the commit), the month figures."""

import re

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.demands import services
from gongzhi.demands.choices import Rating
from gongzhi.demands.models import Demand

from .test_services import new, sh
from .test_views import intake_data

# On PostgreSQL the audit chain takes its advisory lock first (one statement more; its
# read of the last hash must come after the lock, so the two cannot be one). A step that
# tells someone writes its deliveries beside its inbox rows: one INSERT more (ADR 0010).
LIMIT = 8 + 1 + (connection.vendor == "postgresql")
WORK = re.compile(r"^(?!\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT))", re.I)


def counted(call):
    with CaptureQueriesContext(connection) as captured:
        result = call()
    queries = [q["sql"] for q in captured.captured_queries if WORK.match(q["sql"])]
    return result, queries


def as_the_page_loads_it(demand):
    """The row as the case page has it (its selector joins the unit, area, category)."""
    return Demand.objects.select_related("unit", "area", "category").get(pk=demand.pk)


class Walk:
    def __init__(self):
        self.counts = {}

    def __call__(self, action, demand, call):
        loaded = as_the_page_loads_it(demand)
        result, queries = counted(lambda: call(loaded))
        self.counts[action] = len(queries)
        own = [q for q in queries if re.match(r'SELECT .* FROM "demands_demand"\s', q)]
        assert not own, f"{action} re-reads its row: {own}"
        return result


@time_machine.travel(sh(2026, 9, 30, 10, 0), tick=False)
def test_the_loop_within_the_budget(world, demands):
    staff, handler, resident = (world.users[k] for k in ("staff", "unit_handler", "resident"))
    walk = Walk()
    d = new(world, requester_user=resident)
    d = walk(
        "classify",
        d,
        lambda d: services.classify(d, actor=staff, version=d.version, category=demands.hallway),
    )
    d = walk("dispatch", d, lambda d: services.dispatch(d, actor=staff, version=d.version))
    d = walk("accept", d, lambda d: services.accept(d, actor=handler, version=d.version))
    d = walk("start", d, lambda d: services.start(d, actor=handler, version=d.version))
    d = walk(
        "answer",
        d,
        lambda d: services.answer(
            d, actor=handler, version=d.version, text="已更换声控灯", resolved=True
        ),
    )
    walk(
        "rate",
        d,
        lambda d: services.rate(d, actor=resident, version=d.version, rating=Rating.SATISFIED),
    )
    assert all(n <= LIMIT for n in walk.counts.values()), walk.counts


@time_machine.travel(sh(2026, 11, 2, 9, 0), tick=False)
def test_the_other_transitions_within_the_budget(world, demands):
    staff, handler, resident = (world.users[k] for k in ("staff", "unit_handler", "resident"))
    street = world.users["street_admin"]
    demands.property_unit.handlers.add(handler)
    walk = Walk()
    d = new(world, requester_user=resident, category=demands.hallway)
    d = walk("dispatch", d, lambda d: services.dispatch(d, actor=staff, version=d.version))
    d = walk(
        "supervise",
        d,
        lambda d: services.supervise(d, actor=street, version=d.version, note="请加快"),
    )
    d = walk(
        "return",
        d,
        lambda d: services.return_demand(d, actor=handler, version=d.version, reason="不属本单位"),
    )
    d = walk("dispatch", d, lambda d: services.dispatch(d, actor=staff, version=d.version))
    d = walk("accept", d, lambda d: services.accept(d, actor=handler, version=d.version))
    ext = walk(
        "request_extension",
        d,
        lambda d: services.request_extension(
            d, actor=handler, version=d.version, days=3, reason="需要联合执法"
        ),
    )
    ext.demand = as_the_page_loads_it(d)
    walk("decide_extension", d, lambda d: services.decide_extension(ext, actor=staff, approve=True))
    d = walk(
        "answer",
        d,
        lambda d: services.answer(
            d, actor=handler, version=d.version, text="已处理", resolved=True
        ),
    )
    d = walk(
        "rate",
        d,
        lambda d: services.rate(d, actor=resident, version=d.version, rating=Rating.UNSATISFIED),
    )
    d = walk(
        "reopen", d, lambda d: services.reopen(d, actor=staff, version=d.version, reason="再办")
    )
    d = walk("accept", d, lambda d: services.accept(d, actor=handler, version=d.version))
    d = walk(
        "answer",
        d,
        lambda d: services.answer(
            d, actor=handler, version=d.version, text="已再次处理", resolved=True
        ),
    )
    walk(
        "follow_up",
        d,
        lambda d: services.follow_up(
            d, actor=staff, version=d.version, rating=Rating.SATISFIED, note="电话回访"
        ),
    )
    # The first demand closed uncategorised in a community also makes the community's own
    # unit and the "未分类" category (4 queries, once); the next one is the measure.
    for key in ("close_unresolved (first of its community)", "close_unresolved"):
        walk(
            key,
            new(world, title="另一件事"),
            lambda d: services.close_unresolved(
                d, actor=staff, version=d.version, reason="不属于本区事权"
            ),
        )
    assert walk.counts.pop("close_unresolved (first of its community)") <= LIMIT + 4
    assert all(n <= LIMIT for n in walk.counts.values()), walk.counts


def test_a_demand_created_from_the_page_within_the_budget(world, demands, client_as):
    client = client_as(world.users["staff"])
    page = reverse("demands:intake")
    client.get(page)  # the session and the menu are warm, as for a desk at work
    response, queries = counted(lambda: client.post(page, intake_data(world)))
    assert response.status_code == 302
    # The request's own bookkeeping (session, signed-in user) is not the write's.
    work = [q for q in queries if not re.search(r'FROM "(django_session|accounts_user)"', q)]
    assert len(work) <= LIMIT, "\n".join(work)
