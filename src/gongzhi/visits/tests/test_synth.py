"""The synthetic visits and care of the bench district, at a small size: visits by grid
workers and in-service members in realistic shares, care households in every tier, cases
with helpers and help, nothing in the future, and a second run writes nothing."""

import pytest
from django.db.models import Count

from gongzhi.accounts.models import RoleAssignment
from gongzhi.accounts.roles import Role
from gongzhi.areas import synth
from gongzhi.areas.models import Household
from gongzhi.service.choices import PairKind
from gongzhi.service.models import Pair
from gongzhi.service.synth import START, TODAY
from gongzhi.visits import synth as visits_synth
from gongzhi.visits.choices import CareTier, FollowUp, VisitKind
from gongzhi.visits.models import CareCase, CareHousehold, Help, Visit

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

RESIDENTS = 6000
CODE = "510194"


def test_visits_care_households_and_cases():
    ctx = synth.run(residents=RESIDENTS, seed=4, district_code=CODE)
    path = f"/{CODE}/"
    visits = Visit.objects.filter(path__under=path)
    # About one visit a resident over the three years.
    assert 0.8 * RESIDENTS < visits.count() < 1.2 * RESIDENTS
    assert ctx.counts["走访记录"] == visits.count()
    assert not visits.filter(visited_on__gte=TODAY).exists()
    assert not visits.filter(visited_on__lt=START).exists()
    by_member = visits.exclude(member=None)
    assert 0.1 * visits.count() < by_member.count() < 0.6 * visits.count()
    # A member visits as themselves, and only households they are paired with.
    one = by_member.select_related("member").first()
    assert one.visitor_id == one.member.user_id
    assert Pair.objects.filter(member=one.member, household=one.household).exists()
    workers = RoleAssignment.objects.filter(role=Role.GRID_WORKER, area__path__startswith=path)
    assert visits.filter(member=None, visitor__in=workers.values("user")).count() == (
        visits.filter(member=None).count()
    )
    kinds = set(visits.values_list("kind", flat=True))
    assert {VisitKind.ROUTINE, VisitKind.TALK, VisitKind.ILLNESS} <= kinds
    assert kinds & {VisitKind.ELDERLY_ALONE, VisitKind.DIFFICULT_HOUSEHOLD}
    assert visits.exclude(resident=None).exists()

    care = CareHousehold.objects.filter(path__under=path)
    households = Household.objects.filter(path__under=path).exclude(status="vacant").count()
    assert 0.02 * households < care.count() < 0.04 * households
    assert set(care.values_list("tier", flat=True)) == set(CareTier.values)
    assert care.exclude(event_at=None).exists()
    # The difficult households members are paired with are on the care list first.
    paired = Pair.objects.filter(path__under=path, kind=PairKind.DIFFICULT, ended_on=None)
    on_list = paired.filter(household__care__isnull=False).values("household").distinct().count()
    assert on_list >= min(care.count(), paired.values("household").distinct().count()) * 0.9
    # High-risk households are visited far more often than normal ones.
    per_tier = dict(
        care.values_list("tier").annotate(n=Count("household__visits")).values_list("tier", "n")
    )
    counts = dict(care.values_list("tier").annotate(h=Count("id")).values_list("tier", "h"))
    assert per_tier[CareTier.HIGH_RISK] / counts[CareTier.HIGH_RISK] > 3 * (
        per_tier[CareTier.NORMAL] / counts[CareTier.NORMAL]
    )

    cases = CareCase.objects.filter(path__under=path)
    assert cases.exists()
    assert not cases.annotate(h=Count("helpers")).filter(h=0).exists()
    assert Help.objects.filter(case__in=cases).count() >= 2 * cases.count()
    assert visits.filter(follow_up=FollowUp.CASE, case__isnull=False).count() == cases.count()
    assert visits.filter(follow_up=FollowUp.WISH, wish__isnull=False).exists()

    before = Visit.objects.count(), CareHousehold.objects.count()
    visits_synth.synthesize(ctx)
    assert (Visit.objects.count(), CareHousehold.objects.count()) == before
