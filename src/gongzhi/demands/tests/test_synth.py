"""The synthetic demands of the bench district look like the services' own rows: the
monthly figures are exactly the closed rows, every state is there, the search index and
the category suggestion work on them."""

import pytest
from django.db.models import Count, Q, Sum

from gongzhi.areas import synth
from gongzhi.core.search import search
from gongzhi.demands import selectors, services
from gongzhi.demands.choices import Outcome, Rating, Status
from gongzhi.demands.models import Demand, DemandEvent, DemandRequester, MonthlyFigures
from gongzhi.demands.synth import END

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_synthetic_demands_are_consistent(settings):
    ctx = synth.run(residents=6000, seed=3, district_code="510198")
    demands = Demand.objects.filter(path__under="/510198/")
    assert ctx.counts["诉求"] == demands.count() > 5000
    assert set(demands.values_list("status", flat=True)) == set(Status.values)
    closed = demands.filter(status=Status.CLOSED).aggregate(
        n=Count("id"),
        followed=Count("id", filter=Q(followed_up=True)),
        resolved=Count("id", filter=Q(followed_up=True, outcome=Outcome.RESOLVED)),
        satisfied=Count("id", filter=Q(followed_up=True, rating=Rating.SATISFIED)),
        basic=Count("id", filter=Q(followed_up=True, rating=Rating.BASIC)),
    )
    figures = MonthlyFigures.objects.aggregate(
        closed=Sum("closed"),
        followed=Sum("followed"),
        resolved=Sum("resolved"),
        satisfied=Sum("satisfied"),
        basic=Sum("basic"),
    )
    assert figures == {
        "closed": closed["n"],
        "followed": closed["followed"],
        "resolved": closed["resolved"],
        "satisfied": closed["satisfied"],
        "basic": closed["basic"],
    }
    merged = demands.filter(status=Status.MERGED)
    assert merged.exists() and DemandRequester.objects.count() == merged.count()
    assert all(d.merged_into.received_at <= d.received_at for d in merged[:20])
    assert DemandEvent.objects.filter(demand__in=demands).count() > 5 * demands.count()
    assert demands.filter(status__in=selectors.OPEN, overdue=True).exists()
    assert search(demands, "漏水").exists() and search(demands, "停水").exists()
    guess = services.suggest_category("楼上卫生间漏水到我家天花板")
    assert guess and guess[0][0].name == "房屋漏水"
    last = demands.order_by("-received_at").first()
    assert last.received_at.date() <= END


def test_a_demand_created_after_the_synth_gets_a_new_id():
    # The synth writes explicit ids; on PostgreSQL the id sequence must be moved past
    # them, or the first demand made through the services is a duplicate key (a 500).
    from gongzhi.accounts.roles import Role
    from gongzhi.areas.choices import Level
    from gongzhi.areas.models import Area
    from gongzhi.core.testing import make_user
    from gongzhi.demands.choices import Channel, RequesterKind

    synth.run(residents=3000, seed=5, district_code="510197")
    district = Area.objects.get(code="510197")
    grid = Area.objects.filter(path__under=district.path, level=Level.GRID).first()
    last = Demand.objects.order_by("-id").values_list("id", flat=True).first()
    staff = make_user("desk_after_synth", Role.DISTRICT_ADMIN, district)
    for i in range(2):
        demand = services.create_demand(
            actor=staff,
            area=grid,
            title="楼道灯不亮",
            content=f"合成数据之后新建的第{i + 1}条诉求。",
            channel=Channel.DESK,
            requester_kind=RequesterKind.ANONYMOUS,
        )
        assert demand.pk > last
