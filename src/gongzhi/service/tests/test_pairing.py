"""结对联系: capacity at n-1, n, n+1, the parameter's ceiling, a confirmed report first,
one live pair per household, ending, the member's own page with masked addresses."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.areas.models import Household
from gongzhi.core import params
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import ParameterValue
from gongzhi.core.testing import make_household, sign_in
from gongzhi.party.models import Member
from gongzhi.service import pairing, reports, rules
from gongzhi.service.models import Pair
from gongzhi.service.reports_testing import confirmed, in_service

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def errors(exc):
    return getattr(exc, "errors", [exc])


@pytest.fixture
def households(world):
    unit = world.ours.unit
    return list(world.ours.households) + [
        make_household(unit, f"0{i}01", f"{i}01") for i in range(4, 9)
    ]


@pytest.fixture
def member(world, party):
    m = in_service(world.users["district_admin"], party.ours_branch, "王在职", 61)
    Member.objects.filter(pk=m.pk).update(
        user=world.users["inservice_member"], household=world.ours.households[0]
    )
    m.refresh_from_db()
    return m


def pair(world, member, household, kind="ordinary"):
    return pairing.pair(
        actor=world.users["secretary"], member=member, household=household, kind=kind
    )


@pytest.mark.parametrize("capacity", [1, 3, 5])
def test_capacity_n_minus_one_n_and_n_plus_one(world, member, households, capacity):
    confirmed(world.users["secretary"], member, world.ours.community, on=TODAY, capacity=capacity)
    for h in households[: capacity - 1]:
        pair(world, member, h)
    assert rules.can_pair(capacity - 1, capacity, TODAY)
    pair(world, member, households[capacity - 1])  # the n-th
    assert not rules.can_pair(capacity, capacity, TODAY)
    with pytest.raises(RuleViolation) as exc:
        pair(world, member, households[capacity])  # the (n+1)-th
    assert errors(exc.value)[0].field == "member"
    assert "可联系户数" in str(errors(exc.value)[0].message)
    assert Pair.objects.filter(member=member).count() == capacity


def test_the_parameter_caps_a_declared_capacity(world, member):
    assert rules.pair_capacity(8, TODAY) == 5
    assert rules.pair_capacity(None, TODAY) == 5
    ParameterValue.objects.create(
        key="service.pair.capacity", value=2, effective_from=date(2020, 1, 1)
    )
    params._OVERRIDES.forget()
    assert rules.pair_capacity(3, TODAY) == 2
    assert rules.can_pair(1, 3, TODAY) and not rules.can_pair(2, 3, TODAY)


def test_pairing_needs_a_confirmed_report(world, member):
    reports.enter_report(
        actor=world.users["secretary"],
        member=member,
        entry=reports.ReportEntry(world.ours.community, "区财政局", "区财政局机关党支部"),
    )
    with pytest.raises(RuleViolation) as exc:
        pair(world, member, world.ours.households[1])
    assert errors(exc.value)[0].field == "member"


def test_one_live_pair_per_household_and_ending(world, member):
    confirmed(world.users["secretary"], member, world.ours.community, on=TODAY)
    link = pair(world, member, world.ours.households[1], "difficult")
    with pytest.raises(RuleViolation) as exc:
        pair(world, member, world.ours.households[1])
    assert errors(exc.value)[0].field == "household"
    with pytest.raises(RuleViolation) as exc:
        pair(world, member, world.ours.households[2], kind="rich")
    assert errors(exc.value)[0].field == "kind"
    pairing.end_pair(link, actor=world.users["secretary"])
    with pytest.raises(RuleViolation):
        pairing.end_pair(link, actor=world.users["secretary"])
    assert pair(world, member, world.ours.households[1]).ended_on is None


def test_a_future_start_is_refused(world, member):
    confirmed(world.users["secretary"], member, world.ours.community, on=TODAY)
    with pytest.raises(RuleViolation) as exc:
        pairing.pair(
            actor=world.users["secretary"],
            member=member,
            household=world.ours.households[1],
            kind="ordinary",
            started_on=TODAY + timedelta(days=1),
        )
    assert exc.value.field == "started_on"


def test_a_household_out_of_scope_is_refused(world, member):
    confirmed(world.users["secretary"], member, world.ours.community, on=TODAY)
    with pytest.raises(NotFoundOrForbidden):
        pair(world, member, world.sibling.households[0])


def test_masked_address():
    h = Household(address="和顺花园1栋1单元301", door_number="301")
    assert pairing.mask_address(h) == "和顺花园1栋1单元***"


def test_member_page_lists_their_households_masked(world, member, client):
    confirmed(world.users["secretary"], member, world.ours.community, on=TODAY)
    pair(world, member, world.ours.households[1], "difficult")
    sign_in(client, world.users["inservice_member"])
    page = client.get(reverse("service:report_mine")).content.decode()
    assert "和顺花园1栋1单元***" in page
    assert world.ours.households[1].address not in page


def test_pair_from_the_report_page(world, member, client):
    report = confirmed(world.users["secretary"], member, world.ours.community, on=TODAY)
    sign_in(client, world.users["secretary"])
    response = client.post(
        reverse("service:pair_create", args=[report.pk]),
        {"household": world.ours.households[2].pk, "kind": "ordinary"},
    )
    assert response.status_code == 302
    assert Pair.objects.filter(member=member, household=world.ours.households[2]).exists()
