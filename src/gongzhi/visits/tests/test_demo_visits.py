"""The demo's visits and care cases (``demo_visits.load``), after the demo street."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gongzhi.visits.models import Visit

# --- Demo ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_demo_loads_three_years_once(demo):
    from gongzhi.visits import demo_visits
    from gongzhi.visits.models import CareCase

    today = timezone.localdate()
    visits = Visit.objects.all()
    first = visits.order_by("visited_on").first()
    assert first.visited_on < today - timedelta(days=3 * 365 - 30)
    assert visits.filter(visited_on__gt=today).count() == 0
    assert visits.filter(demand__isnull=False).count() == 3
    assert sorted(CareCase.objects.values_list("status", flat=True)) == ["closed", "open", "review"]
    assert "未重复加载" in demo_visits.load(today)
