"""The demand workflow: every transition and refusal, deadlines, rates, sweep, scope."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from gongzhi.core.calendar import SHANGHAI
from gongzhi.core.errors import Conflict, NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import AuditLog, Notification
from gongzhi.demands import selectors, services
from gongzhi.demands.choices import (
    Channel,
    ExtensionState,
    Outcome,
    Rating,
    RequesterKind,
    Status,
    Urgency,
)
from gongzhi.demands.models import Demand, DemandEvent, Extension, MonthlyFigures

pytestmark = pytest.mark.django_db


def sh(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def new(world, *, actor=None, area=None, received=None, **kw):
    kw.setdefault("title", "3栋楼道灯不亮")
    kw.setdefault("content", "和顺花园3栋2单元楼道灯坏了一周，晚上老人上下楼不安全。")
    kw.setdefault("channel", Channel.DESK)
    kw.setdefault("requester_kind", RequesterKind.RESIDENT)
    kw.setdefault("requester_name", "张小明")
    kw.setdefault("requester_phone", "13812345678")
    return services.create_demand(
        actor=actor or world.users["staff"],
        area=area or world.ours.grid,
        received_at=received,
        **kw,
    )


def walk(demand, actor, *steps):
    for step, kwargs in steps:
        demand = getattr(services, step)(demand, actor=actor, version=demand.version, **kwargs)
    return demand


@time_machine.travel(sh(2026, 9, 30, 10, 0), tick=False)
def test_the_whole_loop_and_its_events(world, demands):
    staff, handler = world.users["staff"], world.users["unit_handler"]
    resident = world.users["resident"]
    demand = new(world, requester_user=resident, suggestion="建议换成声控灯")
    demand = services.classify(
        demand, actor=staff, version=demand.version, category=demands.hallway
    )
    # Ordinary: 7 working days after 30 Sep: 8, 9, 10 (make-up Saturday), 12, 13, 14, 15 October.
    assert demand.due_at == sh(2026, 10, 15, 23, 59, 59)
    demand = services.dispatch(demand, actor=staff, version=demand.version)  # by the routing rule
    assert demand.unit == demands.property_unit and demand.status == Status.DISPATCHED
    assert demand.accept_due == sh(2026, 10, 1, 10, 0)
    demand = walk(
        demand,
        handler,
        ("accept", {}),
        ("start", {}),
        ("answer", {"text": "已更换声控灯", "resolved": True}),
    )
    demand = services.rate(demand, actor=resident, version=demand.version, rating=Rating.SATISFIED)
    assert demand.status == Status.CLOSED and demand.outcome == Outcome.RESOLVED
    actions = list(DemandEvent.objects.filter(demand=demand).values_list("action", flat=True))
    assert actions == ["create", "classify", "dispatch", "accept", "start", "answer", "rate"]
    assert Notification.objects.filter(user=resident).count() >= 5  # told at each step
    figures = MonthlyFigures.objects.get()
    assert (
        figures.closed,
        figures.followed,
        figures.contacted,
        figures.resolved,
        figures.satisfied,
        figures.on_time,
    ) == (1, 1, 1, 1, 1, 1)


@pytest.mark.parametrize(
    ("received", "category", "due"),
    [
        (sh(2026, 9, 30, 10), "gas", sh(2026, 9, 30, 12)),  # urgent: 2 clock hours
        (sh(2026, 9, 30, 10), "water", sh(2026, 10, 1, 10)),  # utilities: 24 hours, holiday or not
        (sh(2026, 10, 1, 9), "lights", sh(2026, 10, 15, 23, 59, 59)),  # received on a holiday
        (sh(2026, 10, 7, 23, 59), "lights", sh(2026, 10, 15, 23, 59, 59)),
        (sh(2026, 10, 8, 0, 0), "lights", sh(2026, 10, 16, 23, 59, 59)),
        # Complex, 15 working days into 2027, beyond the published schedule: 1 Jan 2027 is
        # New Year's Day by law (core.calendar): 21-31 Dec (9), 4-8 Jan (14), 11 Jan.
        (sh(2026, 12, 20, 15), "building", sh(2027, 1, 11, 23, 59, 59)),
    ],
)
def test_deadlines(world, demands, received, category, due):
    with time_machine.travel(received + timedelta(minutes=1), tick=False):
        demand = new(world, received=received)
        demand = services.classify(
            demand,
            actor=world.users["staff"],
            version=demand.version,
            category=getattr(demands, category),
        )
    assert demand.due_at == due


def test_meeting_items_take_the_meeting_time(world, demands):
    held = sh(2026, 6, 12, 19, 30)
    meeting = services.record_meeting(
        actor=world.users["staff"],
        area=world.ours.community,
        title="六月居民夜话",
        held_at=held,
        items=[
            {
                "title": "小区停车难",
                "content": "晚上车位不够",
                "requester_kind": RequesterKind.ANONYMOUS,
            },
            {
                "title": "广场舞噪音",
                "content": "晚上十点后仍有音乐",
                "requester_kind": RequesterKind.RESIDENT,
                "requester_name": "李四",
            },
        ],
    )
    assert [d.received_at for d in meeting.demands.all()] == [held, held]
    with pytest.raises(RuleViolation) as exc:
        services.record_meeting(
            actor=world.users["staff"],
            area=world.ours.community,
            title="x",
            held_at=held,
            items=[{"title": "", "content": "x", "requester_kind": RequesterKind.ANONYMOUS}],
        )
    assert "第1条" in str(exc.value.message)


def test_refusals(world, demands):
    staff, handler = world.users["staff"], world.users["unit_handler"]
    demand = new(world)
    with pytest.raises(RuleViolation):  # not from "received"
        services.accept(demand, actor=staff, version=demand.version)
    with pytest.raises(NotFoundOrForbidden):  # not routed to the handler's unit yet
        services.accept(demand, actor=handler, version=demand.version)
    with pytest.raises(NotFoundOrForbidden):  # a grid worker records but does not dispatch
        services.classify(
            demand,
            actor=world.users["grid_worker"],
            version=demand.version,
            category=demands.lights,
        )
    demands.lights.is_active = False
    demands.lights.save()
    with pytest.raises(RuleViolation) as exc:
        services.classify(demand, actor=staff, version=demand.version, category=demands.lights)
    assert exc.value.field == "category"
    demand = services.classify(
        demand, actor=staff, version=demand.version, category=demands.hallway
    )
    with pytest.raises(Conflict):  # a stale form
        services.dispatch(demand, actor=staff, version=demand.version - 1)
    demand = services.dispatch(demand, actor=staff, version=demand.version)
    demand = services.accept(demand, actor=handler, version=demand.version)
    with pytest.raises(RuleViolation) as exc:
        services.answer(demand, actor=handler, version=demand.version, text="  ", resolved=True)
    assert exc.value.field == "answer"
    demand = services.answer(
        demand, actor=handler, version=demand.version, text="已处理", resolved=True
    )
    with pytest.raises(NotFoundOrForbidden):  # only the requester rates
        services.rate(
            demand, actor=world.users["secretary"], version=demand.version, rating=Rating.SATISFIED
        )
    with pytest.raises(RuleViolation) as exc:
        new(world, title="", requester_kind="nobody")
    assert exc.value.field == "title"


def test_complex_category_cannot_be_closed_by_the_community(world, demands):
    demand = new(world, category=demands.building)
    with pytest.raises(RuleViolation) as exc:
        services.handle_self(demand, actor=world.users["staff"], version=demand.version)
    assert exc.value.field == "category"


def test_extension_within_the_category_maximum(world, demands):
    staff = world.users["staff"]
    with time_machine.travel(sh(2026, 11, 2, 9), tick=False):
        demand = new(world, category=demands.building)
        demand = services.dispatch(demand, actor=staff, version=demand.version)
        demand.unit.handlers.add(world.users["unit_handler"])
        demand = services.accept(demand, actor=world.users["unit_handler"], version=demand.version)
        with pytest.raises(RuleViolation) as exc:
            services.request_extension(
                demand,
                actor=world.users["unit_handler"],
                version=demand.version,
                days=11,
                reason="需要联合执法",
            )
        assert "10个工作日" in str(exc.value.message)
        extension = services.request_extension(
            demand,
            actor=world.users["unit_handler"],
            version=demand.version,
            days=10,
            reason="需要联合执法",
        )
        before = Demand.objects.get(pk=demand.pk).due_at
        services.decide_extension(extension, actor=staff, approve=True)
        after = Demand.objects.get(pk=demand.pk)
        assert after.due_at > before and after.extension_days == 10
        with pytest.raises(RuleViolation):
            services.request_extension(
                after,
                actor=world.users["unit_handler"],
                version=after.version,
                days=1,
                reason="再延",
            )


def test_an_extension_request_is_decided_once_through_its_workflow(world, demands):
    """The request's pending → approved/rejected is the extension workflow's (kernel
    issue): a second decision is refused by the table, and one made from a copy read
    before the first finds nothing to change (409), leaving the first decision whole."""
    staff, handler = world.users["staff"], world.users["unit_handler"]
    demand = new(world, category=demands.hallway)
    demand = services.dispatch(demand, actor=staff, version=demand.version)
    demand = services.accept(demand, actor=handler, version=demand.version)
    extension = services.request_extension(
        demand, actor=handler, version=demand.version, days=3, reason="等待材料"
    )
    stale = Extension.objects.get(pk=extension.pk)
    services.decide_extension(extension, actor=staff, approve=False)
    assert Extension.objects.get(pk=extension.pk).state == ExtensionState.REJECTED
    with pytest.raises(RuleViolation) as refused:
        services.decide_extension(extension, actor=staff, approve=True)
    assert "没有待审批的延期申请" in str(refused.value.message)  # the demand's guard
    with pytest.raises(RuleViolation) as refused:
        services.EXTENSION_WORKFLOW.begin(extension, staff, "approve")
    assert refused.value.field == "state" and "已处理" in str(refused.value.message)
    stale.demand = Demand.objects.get(pk=demand.pk)
    with pytest.raises(Conflict):
        services.EXTENSION_WORKFLOW.begin(stale, staff, "approve")
        services.EXTENSION_WORKFLOW.commit(stale, staff, "approve", fields=["decided_at"])
    after = Extension.objects.get(pk=extension.pk)
    assert after.state == ExtensionState.REJECTED
    assert Demand.objects.get(pk=demand.pk).extension_days == 0
    assert services.EXTENSION_WORKFLOW.allowed(after, staff) == []  # internal: no button


def test_return_to_sender_needs_a_reason(world, demands):
    staff, handler = world.users["staff"], world.users["unit_handler"]
    demand = new(world, category=demands.hallway)
    demand = services.dispatch(demand, actor=staff, version=demand.version)
    with pytest.raises(RuleViolation) as exc:
        services.return_demand(demand, actor=handler, version=demand.version, reason="")
    assert exc.value.field == "reason"
    demand = services.return_demand(
        demand, actor=handler, version=demand.version, reason="不属物业职责"
    )
    assert demand.status == Status.CLASSIFIED and demand.unit is None
    demand = services.dispatch(demand, actor=staff, version=demand.version, unit=demands.housing)
    assert demand.unit == demands.housing


def test_unsatisfied_reopens_or_closes_unresolved(world, demands):
    staff, handler, resident = (
        world.users["staff"],
        world.users["unit_handler"],
        world.users["resident"],
    )
    demand = new(world, category=demands.hallway, requester_user=resident)
    demand = walk(demand, staff, ("dispatch", {}))
    demand = walk(demand, handler, ("accept", {}), ("answer", {"text": "已打扫", "resolved": True}))
    demand = services.rate(
        demand, actor=resident, version=demand.version, rating=Rating.UNSATISFIED
    )
    assert demand.status == Status.RATED
    demand = services.reopen(demand, actor=staff, version=demand.version, reason="仍未打扫干净")
    assert demand.status == Status.DISPATCHED and demand.reopen_count == 1 and demand.rating == ""
    demand = walk(
        demand, handler, ("accept", {}), ("answer", {"text": "再次打扫", "resolved": False})
    )
    demand = services.rate(
        demand, actor=resident, version=demand.version, rating=Rating.UNSATISFIED
    )
    demand = services.close(demand, actor=staff, version=demand.version, note="已尽力")
    assert demand.outcome == Outcome.UNRESOLVED
    figures = MonthlyFigures.objects.get()
    assert (figures.followed, figures.resolved, figures.satisfied) == (1, 0, 0)


def test_unrated_answers_wait_then_follow_up_or_close(world, demands):
    staff, handler = world.users["staff"], world.users["unit_handler"]
    with time_machine.travel(sh(2026, 6, 1, 9), tick=False):
        demand = new(world, category=demands.hallway)
        demand = walk(demand, staff, ("dispatch", {}))
        demand = walk(
            demand, handler, ("accept", {}), ("answer", {"text": "已处理", "resolved": True})
        )
        with pytest.raises(RuleViolation):
            services.close(demand, actor=staff, version=demand.version)
        other = new(world, category=demands.hallway, title="第二件")
        other = walk(other, staff, ("dispatch", {}))
        other = walk(
            other, handler, ("accept", {}), ("answer", {"text": "已处理", "resolved": True})
        )
    with time_machine.travel(sh(2026, 6, 4, 10), tick=False):
        closed = services.close(demand, actor=staff, version=demand.version)
        assert closed.followed_up is False  # not counted in the rates
        other = services.follow_up(
            other,
            actor=staff,
            version=other.version,
            rating=Rating.BASIC,
            note="电话回访，基本满意",
        )
        assert other.status == Status.CLOSED
    rates = selectors.rates(staff, sh(2026, 6, 1).date(), sh(2026, 6, 30).date())
    assert (rates.closed, rates.followed) == (2, 1)
    assert rates.satisfaction == pytest.approx(0.9)


def test_rate_formula():
    totals = {
        "closed": 12,
        "followed": 10,
        "contacted": 9,
        "resolved": 7,
        "satisfied": 5,
        "basic": 2,
        "on_time": 11,
    }
    rates = selectors.compute_rates(totals, sh(2026, 6, 1).date())
    assert rates.response == pytest.approx(0.9)
    assert rates.resolution == pytest.approx(0.7)
    assert rates.satisfaction == pytest.approx((5 + 0.9 * 2) / 10)
    assert rates.composite == pytest.approx(0.1 * 0.9 + 0.5 * 0.7 + 0.4 * 0.68)
    assert rates.on_time_rate == pytest.approx(11 / 12)
    assert selectors.compute_rates({}, sh(2026, 6, 1).date()).composite is None


def test_merge_tells_every_requester(world, demands):
    staff = world.users["staff"]
    first = new(world, requester_user=world.users["resident"])
    second = new(world, requester_name="李四", requester_phone="13900001111")
    merged = services.merge(second, actor=staff, version=second.version, into=first)
    assert merged.status == Status.MERGED and merged.merged_into == first
    assert list(first.requesters.values_list("name", flat=True)) == ["李四"]
    with pytest.raises(RuleViolation):
        services.merge(first, actor=staff, version=first.version, into=first)


def test_sweep_reminds_and_escalates_once(world, demands):
    staff = world.users["staff"]
    with time_machine.travel(sh(2026, 6, 1, 9), tick=False):
        demand = new(world, category=demands.gas)  # urgent: due 11:00
        walk(demand, staff, ("dispatch", {}))
    with time_machine.travel(sh(2026, 6, 1, 10), tick=False):
        assert services.sweep()["reminded"] == 1
        assert services.sweep()["reminded"] == 0
    with time_machine.travel(sh(2026, 6, 1, 11, 1), tick=False):
        first = services.sweep()
        assert first["overdue"] == 1 and first["accept_overdue"] == 0
        assert services.sweep() == {"reminded": 0, "overdue": 0, "accept_overdue": 0}
    demand.refresh_from_db()
    assert demand.overdue and demand.supervised
    assert DemandEvent.objects.filter(demand=demand, action="escalate").count() == 1
    with time_machine.travel(sh(2026, 6, 2, 9, 1), tick=False):
        assert services.sweep()["accept_overdue"] == 1


def test_scope_and_the_handlers_reach(world, demands):
    ours = new(world)
    theirs = new(
        world, actor=world.users["street_admin"], area=world.sibling.grid, title="邻里社区井盖缺失"
    )
    assert list(selectors.demands_for(world.users["secretary"])) == [ours]
    with pytest.raises(NotFoundOrForbidden):
        services.classify(
            theirs, actor=world.users["secretary"], version=theirs.version, category=demands.lights
        )
    with pytest.raises(NotFoundOrForbidden):
        new(world, actor=world.users["secretary"], area=world.sibling.grid)
    handler = world.users["unit_handler"]
    assert list(selectors.demands_for(handler)) == []  # nothing routed to its unit yet
    walk(
        services.classify(
            ours, actor=world.users["staff"], version=ours.version, category=demands.hallway
        ),
        world.users["staff"],
        ("dispatch", {}),
    )
    assert [d.pk for d in selectors.inbox(handler)] == [ours.pk]
    assert [d.pk for d in selectors.demands_for(handler)] == [ours.pk]


def test_idempotency_key_never_makes_two(world, demands):
    first = new(world, idempotency_key="abc-123")
    again = new(world, idempotency_key="abc-123")
    assert first.pk == again.pk and Demand.objects.count() == 1
    assert again.replayed and not getattr(first, "replayed", False)
    # The same key with another request is the client's mistake, not a retry.
    with pytest.raises(RuleViolation) as refused:
        new(world, idempotency_key="abc-123", title="另一件事")
    assert refused.value.code == "idempotency_key_reused" and Demand.objects.count() == 1


def test_allowed_actions_read_nothing_more(world, demands, django_assert_num_queries):
    demand = new(world)
    staff = world.users["staff"]
    staff.has_perm(services.DISPATCH, demand)  # the grants, loaded once a request
    with django_assert_num_queries(0):  # the reach is decided on the row in hand
        actions = services.allowed_actions(demand, staff)
    assert actions == ["classify", "ask_info", "close_unresolved", "merge"]


def test_a_refused_intake_writes_one_denial_and_nothing_else(world, demands):
    before = AuditLog.objects.count()
    with pytest.raises(NotFoundOrForbidden):
        new(world, area=world.sibling.grid)
    assert not Demand.objects.exists() and not DemandEvent.objects.exists()
    assert list(AuditLog.objects.order_by("id").values_list("action", flat=True)[before:]) == [
        "core.permission.denied"
    ]


def test_chinese_full_text_search_in_scope(world, demands):
    new(world, title="楼道漏水", content="三单元楼道天花板漏水严重")
    new(world, title="噪音扰民", content="楼下烧烤店油烟和噪音")
    new(
        world,
        actor=world.users["street_admin"],
        area=world.sibling.grid,
        title="邻里楼道漏水",
        content="漏水",
    )
    user = world.users["secretary"]
    assert [d.title for d in selectors.search_demands(user, "漏水")] == ["楼道漏水"]
    assert [d.title for d in selectors.search_demands(user, "油烟 噪音")] == ["噪音扰民"]
    assert list(selectors.search_demands(user, "停车")) == []
    assert len(selectors.search_demands(world.users["street_admin"], "漏水")) == 2
    assert list(selectors.search_demands(user, "'; DROP TABLE x; --")) == []


def test_category_suggestion_learns_from_closed_demands(
    world, demands, django_capture_on_commit_callbacks
):
    staff, handler, resident = (
        world.users["staff"],
        world.users["unit_handler"],
        world.users["resident"],
    )
    texts = {
        demands.hallway: ["楼道垃圾堆放没人清理", "楼道很脏无人打扫", "楼道杂物堆积"],
        demands.water: ["小区突然停水", "停水两天了", "自来水停水没有通知"],
    }
    for category, items in texts.items():
        for text in items:
            with django_capture_on_commit_callbacks(execute=True):
                d = new(world, title=text, content=text, category=category, requester_user=resident)
                d = walk(d, staff, ("dispatch", {}))
                d = walk(
                    d, handler, ("accept", {}), ("answer", {"text": "已处理", "resolved": True})
                )
                services.rate(d, actor=resident, version=d.version, rating=Rating.SATISFIED)
    suggestion = services.suggest_category("我家楼道堆满垃圾")
    assert suggestion[0][0] == demands.hallway and suggestion[0][1] > 0.5
    assert services.suggest_category("今天又停水")[0][0] == demands.water


def test_possible_duplicates(world, demands):
    household = world.ours.households[0]
    first = new(world, area=world.ours.unit, title="电梯故障", content="1单元电梯经常停运困人")
    new(world, area=world.ours.unit, title="绿化", content="草坪需要修剪")
    found = services.possible_duplicates(
        world.users["staff"], area=world.ours.unit, text="1单元电梯又停运了困人"
    )
    assert [d.pk for d, _score in found] == [first.pk]
    by_home = new(
        world, area=world.ours.unit, household=household, title="家里跳闸", content="总是跳闸"
    )
    found = services.possible_duplicates(
        world.users["staff"], area=world.ours.unit, text="水管", household=household
    )
    assert [d.pk for d, _score in found] == [by_home.pk]
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert (
            services.possible_duplicates(
                world.users["staff"], area=world.ours.unit, text="1单元电梯又停运了困人"
            )
            == []
        )


def test_concurrent_updates_never_lose_one(world, demands):
    staff = world.users["staff"]
    demand = new(world)
    stale = Demand.objects.get(pk=demand.pk)
    demand = services.classify(demand, actor=staff, version=demand.version, category=demands.lights)
    with pytest.raises(Conflict):  # read before the other change: it wrote nothing
        services.classify(stale, actor=staff, version=stale.version, category=demands.hallway)
    assert Demand.objects.get(pk=demand.pk).category == demands.lights
    assert demand.events.filter(action="classify").count() == 1
    # The sweep's flags count as a change too (they move the version on).
    demand = services.dispatch(demand, actor=staff, version=demand.version)
    read = Demand.objects.get(pk=demand.pk)
    services._flag(demand.pk, "reminded", "remind", timezone.now(), "即将到期")
    with pytest.raises(Conflict):
        services.accept(read, actor=staff, version=read.version)


def test_urgency_defaults_from_the_category_unless_given(world, demands):
    assert new(world, category=demands.water).urgency == Urgency.UTILITY
    assert new(world, category=demands.water, urgency=Urgency.URGENT).urgency == Urgency.URGENT
    assert new(world).urgency == Urgency.ORDINARY


def test_a_units_case_is_for_its_own_handlers(world, demands):
    """A handler of one unit cannot take a case dispatched to another unit of the same
    community; the community staff who dispatched it still can act for the unit."""
    staff, handler = world.users["staff"], world.users["unit_handler"]
    demand = new(world)
    demand = services.classify(demand, actor=staff, version=demand.version, category=demands.lights)
    demand = services.dispatch(demand, actor=staff, version=demand.version)  # 区住建局
    assert demand.unit == demands.housing
    assert "accept" not in services.allowed_actions(demand, handler)
    with pytest.raises(NotFoundOrForbidden):
        services.accept(demand, actor=handler, version=demand.version)
    assert "accept" in services.allowed_actions(demand, staff)
    demand = services.reassign(
        demand, actor=staff, version=demand.version, unit=demands.property_unit, reason="物业负责"
    )
    assert services.accept(demand, actor=handler, version=demand.version).status == Status.ACCEPTED


def test_a_community_case_is_not_for_unit_handlers(world, demands):
    staff, handler = world.users["staff"], world.users["unit_handler"]
    demand = new(world)
    demand = services.classify(
        demand, actor=staff, version=demand.version, category=demands.hallway
    )
    demand = services.handle_self(demand, actor=staff, version=demand.version)
    assert "answer" not in services.allowed_actions(demand, handler)
    with pytest.raises(NotFoundOrForbidden):
        services.start(demand, actor=handler, version=demand.version)
    assert services.start(demand, actor=staff, version=demand.version).status == Status.IN_PROGRESS


def test_learning_many_counts_as_learning_each(world, demands, django_capture_on_commit_callbacks):
    from gongzhi.demands.models import Category, TokenCount

    texts = [(demands.hallway, "楼道垃圾堆放没人清理"), (demands.water, "小区突然停水两天")]
    for category, text in texts:
        with django_capture_on_commit_callbacks(execute=True):
            d = new(world, title=text, content=text, category=category)
            services.close_unresolved(d, actor=world.users["staff"], version=d.version, reason="测")
    one_by_one = sorted(TokenCount.objects.values_list("token", "category_id", "count"))
    trained = sorted(Category.objects.values_list("pk", "trained", "trained_tokens"))
    TokenCount.objects.all().delete()
    Category.objects.update(trained=0, trained_tokens=0)
    assert services.learn_many((c.pk, f"{t} {t}") for c, t in texts) == 2
    assert sorted(TokenCount.objects.values_list("token", "category_id", "count")) == one_by_one
    assert sorted(Category.objects.values_list("pk", "trained", "trained_tokens")) == trained


def test_meeting_rows_are_checked_together_nothing_written(world, demands):
    """Issue 13, the desk (meeting batch; defect 11's "three submits"): every problem of
    the meeting and of every row at once, each named by its row and field, and nothing
    written unless all rows are valid."""
    from gongzhi.core.errors import RuleViolations
    from gongzhi.demands.models import Meeting

    with pytest.raises(RuleViolations) as exc:
        services.record_meeting(
            actor=world.users["staff"],
            area=world.ours.community,
            title="",
            held_at=sh(2026, 6, 12, 19, 30),
            items=[
                {"title": "停车难", "content": "车位不够", "requester_kind": "anonymous"},
                {"title": "", "content": "", "requester_kind": "resident"},
                {
                    "title": "噪音",
                    "content": "广场舞",
                    "requester_kind": "resident",
                    "requester_name": "王阿姨",
                    "requester_phone": "123",
                },
            ],
        )
    fields = [e.field for e in exc.value.errors]
    assert fields == [
        "title",
        "items.1.title",
        "items.1.content",
        "items.1.requester_name",
        "items.2.requester_phone",
    ]
    assert "第2条" in str(exc.value.errors[1].message)
    assert not Meeting.objects.exists() and not Demand.objects.exists()
