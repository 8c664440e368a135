"""Owner relations declared on the models' scope (kernel issue, ADR 0008): besides the
rows of their place or organization, a user reaches "their own" — a party member their own
record and dues, a resident the household they live in and its members (masked as
everywhere) — and nothing of their neighbours'. The queryset and the row in hand agree,
and staff lists keep their place-only queries."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.accounts.roles import Role
from gongzhi.areas.models import Household
from gongzhi.areas.permissions import VIEW_HOUSEHOLD
from gongzhi.core.testing import make_user
from gongzhi.dues import services as dues
from gongzhi.dues.models import DuesAccount, DuesCharge
from gongzhi.dues.permissions import VIEW_DUES
from gongzhi.dues.testing import declared_member
from gongzhi.party.models import Member
from gongzhi.party.permissions import VIEW_MEMBER
from gongzhi.party.testing import add_member
from gongzhi.residents.models import Resident
from gongzhi.residents.permissions import VIEW
from gongzhi.residents.testing import build_residents

pytestmark = pytest.mark.django_db


def agrees(user, perm, model, expected: set) -> None:
    """The queryset gives exactly ``expected``, and has_perm on every row says the same."""
    assert set(model.objects.visible_to(user, perm)) == expected
    for row in model.objects.all():
        assert user.has_perm(perm, row) == (row in expected), (model.__name__, row)


def test_a_member_reaches_their_own_record_and_dues_only(world, party):
    admin = world.users["district_admin"]
    me = declared_member(admin, party.ours_branch, name="王在职", serial=11)
    colleague = declared_member(admin, party.ours_branch, name="李同事", serial=12)
    account = make_user("wangzz", Role.INSERVICE_MEMBER, world.ours.community)
    assert not Member.objects.visible_to(account, VIEW_MEMBER).exists()  # not linked yet
    Member.objects.filter(pk=me.pk).update(user=account)
    dues.run_month(actor=world.users["superuser"], month=date(2026, 11, 1))
    agrees(account, VIEW_MEMBER, Member, {me})
    assert colleague not in Member.objects.visible_to(account, VIEW_MEMBER)
    agrees(account, VIEW_DUES, DuesCharge, set(DuesCharge.objects.filter(member=me)))
    agrees(account, VIEW_DUES, DuesAccount, set(DuesAccount.objects.filter(member=me)))
    assert DuesCharge.objects.filter(member=me).exists()
    # Own rows widen viewing only: no change of their own record.
    assert not account.has_perm("party.change_member", me)


def test_a_resident_reaches_their_household_and_its_members_while_living_there(world):
    people = build_residents(world)
    head, child, tenant = people["head"], people["child"], people["tenant"]
    account = make_user("zhangxm", Role.RESIDENT, world.ours.community)
    for perm, model in ((VIEW, Resident), (VIEW_HOUSEHOLD, Household)):
        assert not model.objects.visible_to(account, perm).exists()
    Resident.objects.filter(pk=head.pk).update(user=account)
    home = head.household
    agrees(account, VIEW_HOUSEHOLD, Household, {home})
    agrees(account, VIEW, Resident, set(Resident.objects.filter(household=home)))
    assert {head, child} <= set(Resident.objects.visible_to(account, VIEW))
    assert tenant not in Resident.objects.visible_to(account, VIEW)  # the neighbour's
    # Moved out: the old household is no longer theirs.
    Resident.objects.filter(pk=head.pk).update(present=False)
    agrees(account, VIEW_HOUSEHOLD, Household, set())
    agrees(account, VIEW, Resident, set())


def test_staff_lists_carry_no_owner_term(world, party):
    """A user who reaches the rows by place gets the place-only query (the path index
    serves it), even if they are also a member themselves."""
    staff = world.users["staff"]
    me = add_member(world.users["district_admin"], party.ours_branch, "社区干部", serial=13)
    Member.objects.filter(pk=me.pk).update(user=staff)
    for model, perm in ((Member, VIEW_MEMBER), (Resident, VIEW), (Household, VIEW_HOUSEHOLD)):
        with CaptureQueriesContext(connection) as queries:
            list(model.objects.visible_to(staff, perm)[:5])
        sql = queries.captured_queries[-1]["sql"]
        assert '"user_id"' not in sql.split("WHERE")[1] and "JOIN" not in sql, sql
