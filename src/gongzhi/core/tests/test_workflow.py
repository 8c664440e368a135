"""The workflow kernel (core/workflow.py), exercised on the demand workflow: the same
table decides what is offered and what is allowed, refusals are audited, the state comes
from the table, a stale row is a conflict without a second read, and the system check
finds a transition without its route."""

from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.core.errors import Conflict, NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import AuditLog
from gongzhi.core.workflow import check_routes
from gongzhi.demands import services
from gongzhi.demands.choices import Channel, RequesterKind, Status
from gongzhi.demands.models import Demand, DemandEvent

NOW = datetime.fromisoformat("2026-06-15T10:00:00+08:00")
WORKFLOW = services.WORKFLOW


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def new(world, **kw):
    return services.create_demand(
        actor=world.users["staff"],
        area=world.ours.grid,
        title="3栋楼道灯不亮",
        content="和顺花园3栋2单元楼道灯坏了一周。",
        channel=Channel.DESK,
        requester_kind=RequesterKind.RESIDENT,
        requester_name="张小明",
        requester_phone="13812345678",
        **kw,
    )


def dispatched(world, demands):
    staff = world.users["staff"]
    demand = new(world)
    demand = services.classify(
        demand, actor=staff, version=demand.version, category=demands.hallway
    )
    return services.dispatch(demand, actor=staff, version=demand.version)


def test_what_is_offered_is_what_begin_accepts(world, demands):
    demand = dispatched(world, demands)
    for user in world.users.values():
        offered = set(WORKFLOW.allowed(demand, user))
        for action in WORKFLOW.transitions:
            fresh = Demand.objects.get(pk=demand.pk)
            try:
                WORKFLOW.begin(fresh, user, action, fresh.version)
            except (NotFoundOrForbidden, RuleViolation):
                assert action not in offered, (user, action)
            else:
                assert action in offered, (user, action)


def test_the_state_comes_from_the_table(world, demands):
    demand = dispatched(world, demands)
    assert demand.status == Status.DISPATCHED
    with pytest.raises(ValueError, match="cannot end in"):
        begun = WORKFLOW.begin(demand, world.users["staff"], "reassign", demand.version)
        WORKFLOW.commit(begun, world.users["staff"], "reassign", to=Status.CLOSED)
    with pytest.raises(ValueError, match="keeps the state"):
        WORKFLOW.commit(demand, world.users["staff"], "supervise", to=Status.CLOSED)


def test_a_refusal_is_audited_and_survives_the_rollback(world, demands):
    demand = dispatched(world, demands)
    outsider = world.users["nobody"]
    before = AuditLog.objects.filter(action="core.permission.denied").count()
    with pytest.raises(NotFoundOrForbidden):
        services.accept(demand, actor=outsider, version=demand.version)
    denials = AuditLog.objects.filter(action="core.permission.denied")
    assert denials.count() == before + 1
    assert denials.latest("id").data["action"] == "accept"


def test_a_row_changed_since_it_was_read_is_a_conflict_and_nothing_is_kept(world, demands):
    demand = dispatched(world, demands)
    handler = demand.unit.handlers.first()
    stale = Demand.objects.get(pk=demand.pk)  # the page the handler loaded
    services.supervise(
        Demand.objects.get(pk=demand.pk), actor=world.users["street_admin"], version=None, note="快"
    )
    events = DemandEvent.objects.count()
    with pytest.raises(Conflict):
        services.accept(stale, actor=handler, version=None)
    assert Demand.objects.get(pk=demand.pk).status == Status.DISPATCHED
    assert DemandEvent.objects.count() == events


def test_a_transition_does_not_read_its_row_again(world, demands):
    demand = dispatched(world, demands)
    handler = demand.unit.handlers.first()
    demand = Demand.objects.select_related("unit").get(pk=demand.pk)
    handler.has_perm(services.DISPATCH, demand)  # the user's grants, loaded by the request
    with CaptureQueriesContext(connection) as queries:
        services.accept(demand, actor=handler, version=demand.version)
    reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "demands_demand"')]
    assert reads == []


def test_the_check_finds_a_transition_without_its_route(monkeypatch):
    assert check_routes() == []
    monkeypatch.setattr(WORKFLOW, "api_actions", WORKFLOW.api_actions - {"supervise"})
    problems = check_routes()
    assert len(problems) == 1 and "supervise" in problems[0] and "API" in problems[0]
