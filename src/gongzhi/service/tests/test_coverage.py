"""The pairing coverage report: each gap at and around its number (leaders 0/1/2/3, units
5/6/7, a member's 1 + 1 households, a building's linked members), ranked candidates,
one-click assignment, and a query count that does not grow with the rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.testing import make_household, sign_in
from gongzhi.party.models import Member
from gongzhi.residents import services as resident_services
from gongzhi.residents.choices import Duty
from gongzhi.residents.models import Responsibility
from gongzhi.service import coverage, reports, rules
from gongzhi.service.choices import CadreLevel
from gongzhi.service.models import Pair
from gongzhi.service.reports_testing import confirmed, in_service, unit
from gongzhi.visits.models import CareHousehold

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def kinds(gaps, kind):
    return [g for g in gaps if g.kind == kind]


@pytest.fixture
def members(world, party):
    admin = world.users["district_admin"]
    out = []
    for i, (name, skills) in enumerate((("张医生", "医疗 理发"), ("李老师", "辅导"))):
        m = in_service(admin, party.ours_branch, name, 40 + i, skills=skills)
        Member.objects.filter(pk=m.pk).update(household=world.ours.households[i])
        m.refresh_from_db()
        confirmed(admin, m, world.ours.community, on=TODAY)
        out.append(m)
    return out


def care(world, household):
    return CareHousehold.objects.create(
        household=household,
        path=household.path,
        tier="key",
        reason="difficult",
        since=TODAY - timedelta(days=10),
    )


def test_leaders_gap_at_0_1_2_3():
    assert rules.leaders_gap(0, TODAY) == -1
    assert rules.leaders_gap(1, TODAY) == 0
    assert rules.leaders_gap(2, TODAY) == 0
    assert rules.leaders_gap(3, TODAY) == 1


def test_units_shortfall_at_5_6_7():
    assert rules.units_shortfall(5, TODAY) == 1
    assert rules.units_shortfall(6, TODAY) == 0
    assert rules.units_shortfall(7, TODAY) == 0


def test_pairing_shortfall_1_plus_1():
    assert rules.pairing_shortfall(0, 0, TODAY) == (1, 1)
    assert rules.pairing_shortfall(1, 0, TODAY) == (0, 1)
    assert rules.pairing_shortfall(1, 1, TODAY) == (0, 0)
    assert rules.pairing_shortfall(2, 3, TODAY) == (0, 0)


def link(world, area, duty, name, member=None):
    return resident_services.set_responsibility(
        actor=world.users["secretary"], area=area, duty=duty, name=name, member=member
    )


def test_leaders_in_the_report(world, members, party):
    secretary, community = world.users["secretary"], world.ours.community
    gaps = kinds(coverage.coverage(secretary, community), "leaders")
    assert len(gaps) == 1 and gaps[0].candidates == []  # 0 leaders, no county leader reported
    leader = in_service(world.users["district_admin"], party.ours_branch, "赵局长", 49)
    confirmed(secretary, leader, community, on=TODAY, cadre_level=CadreLevel.COUNTY_LEADER)
    gaps = kinds(coverage.coverage(secretary, community), "leaders")
    assert [c.label for c in gaps[0].candidates] == ["赵局长"]
    coverage.assign(
        actor=secretary,
        community=community,
        kind="leaders",
        target=community.pk,
        candidate=leader.pk,
    )
    assert not kinds(coverage.coverage(secretary, community), "leaders")  # 1
    link(world, community, Duty.LEADER, "钱书记")
    assert not kinds(coverage.coverage(secretary, community), "leaders")  # 2
    link(world, community, Duty.LEADER, "孙主任")
    (too_many,) = kinds(coverage.coverage(secretary, community), "leaders")  # 3
    assert not too_many.candidates and "3" in too_many.need


def test_units_5_6_7_and_assign(world):
    secretary, community = world.users["secretary"], world.ours.community
    admin = world.users["district_admin"]
    organs = [unit(admin, world.street, f"单位{i}") for i in range(7)]
    for organ in organs[:5]:
        r = reports.request_unit_report(actor=secretary, unit=organ, community=community)
        reports.confirm_unit_report(r, actor=secretary)
    (gap,) = kinds(coverage.coverage(secretary, community), "units")
    # the street's units are not the community's to see until they report to it
    assert gap.candidates == [] or {c.label for c in gap.candidates} <= {"单位5", "单位6"}
    street_admin = world.users["street_admin"]
    (gap,) = kinds(coverage.coverage(street_admin, community), "units")
    assert {c.label for c in gap.candidates} == {"单位5", "单位6"}
    coverage.assign(
        actor=street_admin,
        community=community,
        kind="units",
        target=community.pk,
        candidate=organs[5].pk,
    )
    assert not kinds(coverage.coverage(street_admin, community), "units")  # 6
    r = reports.request_unit_report(actor=secretary, unit=organs[6], community=community)
    reports.confirm_unit_report(r, actor=secretary)
    assert not kinds(coverage.coverage(street_admin, community), "units")  # 7


def test_members_households_and_assign_a_pair(world, members):
    secretary, community = world.users["secretary"], world.ours.community
    difficult = world.ours.households[2]
    care(world, difficult)
    gaps = coverage.coverage(secretary, community)
    assert len(kinds(gaps, "member_difficult")) == 2
    assert len(kinds(gaps, "member_ordinary")) == 2
    (household_gap,) = kinds(gaps, "household")
    assert household_gap.target == difficult.pk
    # nearest residence first: both live in the same unit; then skills, then fewer pairs
    assert [c.pk for c in household_gap.candidates] == [members[0].pk, members[1].pk]
    coverage.assign(
        actor=secretary,
        community=community,
        kind="household",
        target=difficult.pk,
        candidate=members[1].pk,
    )
    assert Pair.objects.get(household=difficult).member == members[1]
    gaps = coverage.coverage(secretary, community)
    assert not kinds(gaps, "household")
    assert [g.place for g in kinds(gaps, "member_difficult")] == ["张医生"]
    (ordinary,) = [g for g in kinds(gaps, "member_ordinary") if g.target == members[1].pk]
    assert ordinary.candidates  # neighbours in the same building
    coverage.assign(
        actor=secretary,
        community=community,
        kind="member_ordinary",
        target=members[1].pk,
        candidate=ordinary.candidates[0].pk,
    )
    gaps = coverage.coverage(secretary, community)
    assert members[1].pk not in {g.target for g in gaps if g.kind.startswith("member_")}


def test_a_building_with_one_member_and_assign(world, members):
    secretary, community = world.users["secretary"], world.ours.community
    building = world.ours.building
    link(world, building, Duty.LINKED_MEMBER, members[0].name, members[0])
    (gap,) = kinds(coverage.coverage(secretary, community), "building")
    assert "1/2" in gap.need
    assert [c.pk for c in gap.candidates] == [members[1].pk]  # the linked one is not offered
    coverage.assign(
        actor=secretary,
        community=community,
        kind="building",
        target=building.pk,
        candidate=members[1].pk,
    )
    assert Responsibility.objects.filter(area=building, duty=Duty.LINKED_MEMBER).count() == 2
    assert not kinds(coverage.coverage(secretary, community), "building")


def test_courtyard_gap_offers_the_community_units(world):
    secretary, community = world.users["secretary"], world.ours.community
    organ = unit(world.users["district_admin"], world.street, "区水务局")
    r = reports.request_unit_report(actor=secretary, unit=organ, community=community)
    reports.confirm_unit_report(r, actor=secretary)
    (gap,) = kinds(coverage.coverage(secretary, community), "courtyard")
    assert [c.label for c in gap.candidates] == ["区水务局"]
    coverage.assign(
        actor=secretary,
        community=community,
        kind="courtyard",
        target=world.ours.estate.pk,
        candidate=organ.pk,
    )
    assert not kinds(coverage.coverage(secretary, community), "courtyard")


def test_assign_refuses_another_community_and_a_full_member(world, members):
    from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation

    secretary, community = world.users["secretary"], world.ours.community
    with pytest.raises(NotFoundOrForbidden):
        coverage.assign(
            actor=secretary,
            community=community,
            kind="household",
            target=world.sibling.households[0].pk,
            candidate=members[0].pk,
        )
    report = reports.reports_for(secretary).get(member=members[0])
    reports.Report.objects.filter(pk=report.pk).update(capacity=1)
    coverage.assign(
        actor=secretary,
        community=community,
        kind="member_ordinary",
        target=members[0].pk,
        candidate=world.ours.households[2].pk,
    )
    with pytest.raises(RuleViolation) as exc:
        coverage.assign(
            actor=secretary,
            community=community,
            kind="household",
            target=world.ours.households[1].pk,
            candidate=members[0].pk,
        )
    assert "可联系户数" in str(exc.value.message)


def test_query_count_does_not_grow_with_rows(world, party, members):
    secretary, community = world.users["secretary"], world.ours.community
    with CaptureQueriesContext(connection) as few:
        coverage.coverage(secretary, community)
    admin = world.users["district_admin"]
    for i in range(6):
        m = in_service(admin, party.ours_branch, f"党员{i}", 20 + i)
        confirmed(admin, m, community, on=TODAY)
        h = make_household(world.ours.unit, f"09{i}1", f"9{i}1")
        care(world, h)
        Member.objects.filter(pk=m.pk).update(household=h)
    with CaptureQueriesContext(connection) as many:
        gaps = coverage.coverage(secretary, community)
    assert len(kinds(gaps, "household")) == 6
    assert len(many.captured_queries) == len(few.captured_queries)


def test_pages(world, members, client):
    sign_in(client, world.users["secretary"])
    page = client.get(reverse("service:coverage") + f"?area={world.ours.community.pk}")
    assert page.status_code == 200 and "落实" in page.content.decode()
    response = client.post(
        reverse("service:coverage_assign"),
        {
            "community": world.ours.community.pk,
            "pick": f"building:{world.ours.building.pk}:{members[0].pk}",
        },
    )
    assert response.status_code == 302
    assert Responsibility.objects.filter(area=world.ours.building, member=members[0]).exists()
    sign_in(client, world.users["street_admin"])
    street = client.get(reverse("service:coverage") + f"?area={world.street.pk}")
    assert "和顺社区" in street.content.decode()


def test_query_count_does_not_grow_with_buildings(world, party, members):
    """Buildings without a head (named from their estate, no query each) and members in
    other buildings who lack an ordinary household (one query for all their buildings)."""
    from gongzhi.areas.choices import Level
    from gongzhi.core.testing import make_area

    secretary, community = world.users["secretary"], world.ours.community
    coverage.coverage(secretary, community)  # the user's roles, read once
    with CaptureQueriesContext(connection) as few:
        coverage.coverage(secretary, community)
    admin = world.users["district_admin"]
    for i in range(4):
        building = make_area(world.ours.estate, Level.BUILDING, f"00{i + 2}", f"{i + 2}栋")
        unit_ = make_area(building, Level.UNIT, "01", "1单元")
        home, neighbour = (make_household(unit_, f"0{j}01", f"{j}01") for j in (1, 2))
        m = in_service(admin, party.ours_branch, f"楼{i}", 30 + i)
        confirmed(admin, m, community, on=TODAY)
        Member.objects.filter(pk=m.pk).update(household=home)
    coverage.coverage(secretary, community)
    with CaptureQueriesContext(connection) as many:
        gaps = coverage.coverage(secretary, community)
    assert len(many.captured_queries) == len(few.captured_queries)
    heads = [g.place for g in kinds(gaps, "links") if g.place.endswith("栋")]
    assert sorted(heads) == [
        "和顺花园1栋",
        "和顺花园2栋",
        "和顺花园3栋",
        "和顺花园4栋",
        "和顺花园5栋",
    ]
    (ordinary,) = [g for g in kinds(gaps, "member_ordinary") if g.place == "楼3"]
    # the households of their own building, not their own home (the door hidden)
    assert [c.pk for c in ordinary.candidates] == [neighbour.pk]
    assert ordinary.candidates[0].label.endswith("和顺花园5栋1单元***")


def test_nearest_is_the_first_of_the_full_sort():
    """The prefix index gives what sorting every item by (nearest, score, tie) gives."""
    import random

    rng = random.Random(15)
    words = ["医疗", "理发", "辅导", "法律", "维修"]

    def path():
        return "/" + "/".join(str(rng.randint(1, 3)) for _ in range(rng.randint(1, 5))) + "/"

    for size in (0, 3, 40, 200):
        items = [
            (pk, path(), frozenset(rng.sample(words, rng.randint(0, 2))), rng.randint(0, 3))
            for pk in range(size)
        ]
        index = coverage._Nearest(
            items,
            lambda h: h[1],
            lambda h: (h[3], h[0]),
            lambda h, needs: sum(1 for word in h[2] if word in needs),
        )
        for _ in range(200):
            place, needs, k = path(), "、".join(rng.sample(words, 2)), rng.randint(1, 7)
            skipped = set(rng.sample(range(size), min(size, rng.randint(0, 10))))
            expected = sorted(
                (h for h in items if h[0] not in skipped),
                key=lambda h: (
                    -coverage._common(h[1], place),
                    -sum(1 for word in h[2] if word in needs),
                    h[3],
                    h[0],
                ),
            )[:k]
            got = index.first(place, needs, k, skip=lambda h, s=skipped: h[0] in s)
            assert got == expected
