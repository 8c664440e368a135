"""Dues under a role held on a party organization (ADR 0008): the branch secretary of a
general branch keeps the dues of its subtree's members, and only theirs."""

from datetime import date
from decimal import Decimal

import pytest

from gongzhi.core.errors import NotFoundOrForbidden
from gongzhi.dues import services
from gongzhi.dues.choices import DuesKind, PaymentMethod
from gongzhi.dues.models import DuesAccount, DuesCharge, DuesPayment, DuesProfile
from gongzhi.dues.permissions import MANAGE_DUES, VIEW_DUES

pytestmark = pytest.mark.django_db
MAY = date(2026, 5, 1)


def _declare_everyone(world, org_scope):
    admin = world.users["district_admin"]
    for member in (*org_scope.inside, org_scope.beside, org_scope.sibling):
        services.declare(
            member,
            actor=admin,
            kind=DuesKind.EMPLOYED,
            base=Decimal("6000.00"),
            effective_month=MAY,
            declared_on=MAY,
        )


def test_the_secretary_sees_the_dues_of_their_subtree_only(world, org_scope):
    _declare_everyone(world, org_scope)
    services.run_month(MAY)
    user, inside = org_scope.secretary, set(org_scope.inside)
    for model in (DuesProfile, DuesCharge, DuesAccount):
        rows = list(model.objects.visible_to(user, VIEW_DUES))
        assert {row.member for row in rows} == inside, model
        for row in model.objects.all():
            assert user.has_perm(VIEW_DUES, row) == (row.member in inside), (model, row)


def test_the_secretary_records_payments_in_their_subtree_and_not_beside_it(world, org_scope):
    _declare_everyone(world, org_scope)
    services.run_month(MAY)
    user = org_scope.secretary
    payment = services.record_payment(
        org_scope.inside[0],
        actor=user,
        month=MAY,
        amount="90.00",
        paid_on=date(2026, 5, 20),
        method=PaymentMethod.CASH,
        receiver="组织委员",
    )
    assert set(DuesPayment.objects.visible_to(user, VIEW_DUES)) == {payment}
    for member in (org_scope.beside, org_scope.sibling):
        with pytest.raises(NotFoundOrForbidden):
            services.record_payment(
                member,
                actor=user,
                month=MAY,
                amount="90.00",
                paid_on=date(2026, 5, 20),
                method=PaymentMethod.CASH,
                receiver="组织委员",
            )


def test_the_secretary_runs_the_month_for_their_subtree(world, org_scope):
    _declare_everyone(world, org_scope)
    user = org_scope.secretary
    assert user.has_perm(MANAGE_DUES)
    run = services.run_month_in_scope(MAY, actor=user)
    assert run["charged"] == 2
    assert {c.member for c in DuesCharge.objects.all()} == set(org_scope.inside)
