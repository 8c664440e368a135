"""三级评议: who may rate at each level, one rating per member, year and level, 四不一否决,
the overall result, the units' deduction at and around its threshold, the publication."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation, RuleViolations
from gongzhi.core.models import AuditLog, Notification
from gongzhi.core.testing import make_household, make_user
from gongzhi.residents.choices import Duty
from gongzhi.residents.models import Resident, Responsibility

from .. import ratings, rules
from ..models import Rating, RatingRelease
from ..ratings_testing import in_service, organ_unit

YEAR = timezone.localdate().year - 1
ON = date(YEAR, 12, 20)


@pytest.fixture
def admin(world):
    return world.users["district_admin"]


@pytest.fixture
def member(world, party, admin):
    member, _report = in_service(
        admin, party.ours_branch, world.ours, "李在职", 501, confirmed_on=date(YEAR, 3, 1)
    )
    return member


def resident_user(world, household, username, name="王居民", serial=701):
    from gongzhi.residents.testing import add_person

    user = make_user(username, Role.RESIDENT, world.ours.community, full_name=name)
    person = add_person(world, household, name, date(1970, 1, 1), serial)
    Resident.objects.filter(pk=person.pk).update(user=user)
    return user


# --- rules -------------------------------------------------------------------------------


def test_overall_is_the_lowest_of_three_grades():
    grades = {"group": "excellent", "community": "good", "employer": "fair"}
    assert rules.overall(grades) == "fair"
    assert rules.overall({**grades, "group": "poor"}) == "poor"
    assert (
        rules.overall({"group": "excellent", "community": "excellent", "employer": "excellent"})
        == "excellent"
    )


def test_overall_unfinished_until_three_levels_rated():
    assert rules.overall({}) == rules.UNFINISHED
    assert rules.overall({"group": "good", "community": "good"}) == rules.UNFINISHED


def test_overall_vetoed_by_one_shortcoming_even_if_unfinished():
    assert rules.vetoed(["no_results"])
    assert not rules.vetoed([])
    assert rules.overall({"group": "excellent"}, vetoed=True) == rules.VETOED


@pytest.mark.parametrize(("poor", "deduction"), [(19, 0), (20, 10), (21, 10)])
def test_unit_deduction_at_and_around_the_threshold(db, poor, deduction):
    assert rules.unit_deduction(poor, 100, date(YEAR, 12, 31)) == deduction


def test_poorly_rated_counts_poor_grades_and_vetoes():
    assert rules.poorly_rated(["good", "poor"])
    assert rules.poorly_rated(["good"], vetoed=True)
    assert not rules.poorly_rated(["good", "fair"])


# --- who rates ---------------------------------------------------------------------------


def test_community_staff_rates_and_it_is_audited(world, member):
    staff = world.users["staff"]
    rating = ratings.rate(
        actor=staff, member=member, year=YEAR, level="community", grade="good", rated_on=ON
    )
    assert rating.path == world.ours.community.path
    assert rating.rater_name == "和顺社区党组织"
    assert AuditLog.objects.filter(action=ratings.RATED, target_id=str(rating.pk)).exists()


def test_grid_worker_covering_the_residence_rates_the_group_level(world, member):
    rating = ratings.rate(
        actor=world.users["grid_worker"], member=member, year=YEAR, level="group", grade="good"
    )
    assert rating.rater_name == "wg"


def test_building_head_and_neighbour_rate_the_group_level(world, party, admin, member):
    head = make_user("ldz", Role.RESIDENT, world.ours.community, full_name="楼栋长")
    Responsibility.objects.create(
        area=world.ours.building,
        path=world.ours.building.path,
        duty=Duty.BUILDING_HEAD,
        name="楼栋长",
        user=head,
    )
    assert ratings.in_group(head, member)
    neighbour = resident_user(world, world.ours.households[2], "ljjm")
    assert ratings.in_group(neighbour, member)
    ratings.rate(actor=neighbour, member=member, year=YEAR, level="group", grade="excellent")


def test_rater_outside_the_group_is_refused_naming_the_field(world, member):
    building = world.sibling.unit
    stranger = resident_user(world, make_household(building, "0901", "901"), "wbjm", serial=702)
    with pytest.raises(RuleViolation) as refused:
        ratings.rate(actor=stranger, member=member, year=YEAR, level="group", grade="good")
    assert "评议人不在该党员所在居民小组" in str(refused.value.message)
    assert refused.value.field == "member"
    assert not Rating.objects.exists()
    assert AuditLog.objects.filter(action="core.permission.denied").exists()


def test_community_staff_not_in_the_group_cannot_rate_the_group_level(world, member):
    with pytest.raises(RuleViolation) as refused:
        ratings.rate(
            actor=world.users["staff"], member=member, year=YEAR, level="group", grade="good"
        )
    assert refused.value.field == "member"


def test_member_without_household_cannot_be_rated_by_the_group(world, party, admin):
    member, _r = in_service(
        admin, party.ours_branch, world.ours, "赵无户", 502, household=False, confirmed_on=ON
    )
    with pytest.raises(RuleViolation) as refused:
        ratings.rate(
            actor=world.users["grid_worker"], member=member, year=YEAR, level="group", grade="good"
        )
    assert "未登记居住户" in str(refused.value.message)
    assert "和顺社区" in str(refused.value.message)


def test_grid_worker_cannot_rate_the_community_level(world, member):
    with pytest.raises(NotFoundOrForbidden):
        ratings.rate(
            actor=world.users["grid_worker"],
            member=member,
            year=YEAR,
            level="community",
            grade="good",
        )


def test_sibling_staff_cannot_rate_our_member(world, member):
    other = make_user("ljgz", Role.COMMUNITY_STAFF, world.sibling.community)
    with pytest.raises(NotFoundOrForbidden):
        ratings.rate(
            actor=other, member=member, year=YEAR, level="employer", grade="good", rater_name="X"
        )


# --- bad input ---------------------------------------------------------------------------


def test_second_rating_of_a_level_is_refused(world, member):
    staff = world.users["staff"]
    ratings.rate(
        actor=staff, member=member, year=YEAR, level="community", grade="good", rated_on=ON
    )
    with pytest.raises(RuleViolation) as refused:
        ratings.rate(
            actor=staff, member=member, year=YEAR, level="community", grade="poor", rated_on=ON
        )
    assert refused.value.field == "level"
    assert "已录入" in str(refused.value.message)
    assert Rating.objects.count() == 1


def test_employer_rating_needs_the_organization_and_a_past_date_all_at_once(world, member):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(RuleViolations) as refused:
        ratings.rate(
            actor=world.users["staff"],
            member=member,
            year=YEAR,
            level="employer",
            grade="good",
            rated_on=tomorrow,
        )
    assert {e.field for e in refused.value.errors} == {"rater_name", "rated_on"}
    assert not Rating.objects.exists()


def test_rating_date_before_the_year_is_refused(world, member):
    with pytest.raises(RuleViolation) as refused:
        ratings.rate(
            actor=world.users["staff"],
            member=member,
            year=YEAR,
            level="community",
            grade="good",
            rated_on=date(YEAR - 1, 12, 31),
        )
    assert refused.value.field == "rated_on"


def test_unknown_shortcoming_is_refused(world, member):
    with pytest.raises(RuleViolation) as refused:
        ratings.rate(
            actor=world.users["staff"],
            member=member,
            year=YEAR,
            level="community",
            grade="good",
            shortcomings=["lazy"],
            rated_on=ON,
        )
    assert refused.value.field == "shortcomings"


def test_member_without_confirmed_report_is_refused(world, party, admin):
    from gongzhi.party.testing import add_member

    other = add_member(admin, party.ours_branch, name="钱未报到", serial=503)
    with pytest.raises(RuleViolation) as refused:
        ratings.rate(
            actor=world.users["staff"], member=other, year=YEAR, level="community", grade="good"
        )
    assert refused.value.field == "member"


# --- the year's page, veto, units ------------------------------------------------------------


def test_one_shortcoming_vetoes_the_year(world, member):
    staff = world.users["staff"]
    ratings.rate(
        actor=staff,
        member=member,
        year=YEAR,
        level="community",
        grade="good",
        shortcomings=["not_trying"],
        rated_on=ON,
    )
    [row] = ratings.year_rows(staff, world.ours.community, YEAR)
    assert row.vetoed
    assert row.overall == rules.VETOED
    assert row.overall_label == "否决"


def test_year_rows_in_constant_queries(world, party, admin, django_assert_max_num_queries):
    staff = world.users["staff"]
    for i in range(4):
        m, _r = in_service(
            admin, party.ours_branch, world.ours, f"成员{i}", 510 + i, confirmed_on=ON
        )
        ratings.rate(actor=staff, member=m, year=YEAR, level="community", grade="good", rated_on=ON)
    with django_assert_max_num_queries(4):
        rows = ratings.year_rows(staff, world.ours.community, YEAR)
        assert [r.overall for r in rows] == [rules.UNFINISHED] * 4
    assert ratings.year_rows(staff, world.sibling.community, YEAR) == []


def unit_with(world, party, admin, rated: int, poor: int, serial: int):
    unit = organ_unit(world.ours, "区水务局")
    staff = world.users["staff"]
    for i in range(rated):
        m, _r = in_service(
            admin, party.ours_branch, world.ours, f"水务{i}", serial + i, unit=unit, confirmed_on=ON
        )
        ratings.rate(
            actor=staff,
            member=m,
            year=YEAR,
            level="community",
            grade="poor" if i < poor else "good",
            rated_on=ON,
        )
    return unit


@pytest.mark.parametrize(("rated", "poor", "deduction"), [(6, 1, 0), (5, 1, 10), (4, 1, 10)])
def test_unit_rows_deduct_when_the_poor_share_reaches_the_threshold(
    world, party, admin, rated, poor, deduction
):
    unit_with(world, party, admin, rated, poor, 600)
    [row] = ratings.unit_rows(world.users["street_admin"], world.street, YEAR)
    assert (row.rated, row.poor) == (rated, poor)
    assert row.deduction == deduction


def test_unit_rows_count_a_veto_as_poor(world, party, admin):
    unit = organ_unit(world.ours, "区教育局")
    m, _r = in_service(
        admin, party.ours_branch, world.ours, "教育一", 620, unit=unit, confirmed_on=ON
    )
    ratings.rate(
        actor=world.users["staff"],
        member=m,
        year=YEAR,
        level="community",
        grade="good",
        shortcomings=["no_initiative"],
        rated_on=ON,
    )
    [row] = ratings.unit_rows(world.users["secretary"], world.ours.community, YEAR)
    assert (row.poor, row.vetoed, row.deduction) == (1, 1, 10)
    assert ratings.unit_rows(world.users["secretary"], world.sibling.community, YEAR) == []


# --- publication -------------------------------------------------------------------------------


def test_publish_masks_names_notifies_and_freezes_the_year(world, party, admin, member):
    from gongzhi.party.models import Member

    user = make_user("lzz", Role.INSERVICE_MEMBER, world.ours.community)
    Member.objects.filter(pk=member.pk).update(user=user)
    secretary = world.users["secretary"]
    ratings.rate(
        actor=secretary, member=member, year=YEAR, level="community", grade="good", rated_on=ON
    )
    assert ratings.published_rows(world.users["resident"], world.ours.community, YEAR) is None
    release = ratings.publish(actor=secretary, community=world.ours.community, year=YEAR)
    assert Notification.objects.filter(user=user, kind=ratings.NOTICE).exists()
    [row] = ratings.published_rows(world.users["resident"], world.ours.community, YEAR)
    assert row.masked_name == "李*职"
    assert ratings.published_rows(world.users["resident"], world.sibling.community, YEAR) is None
    with pytest.raises(RuleViolation) as refused:
        ratings.rate(
            actor=secretary,
            member=member,
            year=YEAR,
            level="employer",
            grade="good",
            rater_name="局机关党委",
            rated_on=ON,
        )
    assert refused.value.field == "year"
    with pytest.raises(RuleViolation):
        ratings.publish(actor=secretary, community=world.ours.community, year=YEAR)
    assert RatingRelease.objects.get() == release
    assert list(ratings.my_ratings(user).values_list("level", flat=True)) == ["community"]


def test_publish_without_ratings_is_refused(world):
    with pytest.raises(RuleViolation) as refused:
        ratings.publish(actor=world.users["secretary"], community=world.ours.community, year=YEAR)
    assert refused.value.field == "year"


def test_publish_needs_rate_on_the_community(world, member):
    with pytest.raises(NotFoundOrForbidden):
        ratings.publish(actor=world.users["resident"], community=world.ours.community, year=YEAR)


def test_group_members_for_a_neighbour(world, member):
    neighbour = resident_user(world, world.ours.households[1], "ljjm2", serial=703)
    assert list(ratings.group_members_for(neighbour, YEAR)) == [member]
    assert list(ratings.rateable_members(neighbour, YEAR)) == [member]
    assert list(ratings.rateable_members(world.users["staff"], YEAR)) == [member]


# --- demo ----------------------------------------------------------------------------------------


def test_demo_ratings_load_once_with_gaps_a_veto_a_deducted_unit_and_a_release(world, party, admin):
    from .. import demo_ratings

    unit = organ_unit(world.ours, "区审计局")
    for i in range(5):
        in_service(
            admin, party.ours_branch, world.ours, f"审计{i}", 650 + i, unit=unit, confirmed_on=ON
        )
    in_service(admin, party.sibling_branch, world.sibling, "邻里党员", 660, confirmed_on=ON)
    today = timezone.localdate()
    assert "已加载" in demo_ratings.load(today)
    assert Rating.objects.filter(level="group").count() == 5  # no grid worker in the sibling
    assert sum(1 for r in Rating.objects.all() if rules.vetoed(r.shortcomings)) == 1
    [row] = [u for u in ratings.unit_rows(admin, world.district, YEAR) if u.name == "区审计局"]
    assert row.deduction == 10
    assert RatingRelease.objects.get().community == world.ours.community
    assert "已存在" in demo_ratings.load(today)
