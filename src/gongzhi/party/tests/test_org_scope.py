"""A role held on a party organization (ADR 0008): the branch secretary assigned on a
general branch reaches the party-side rows of its subtree, nothing beside it, and none of
the area-side rows of the community the organization serves."""

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from gongzhi.accounts.roles import Role, grants
from gongzhi.areas.models import Area, Household
from gongzhi.core.errors import NotFoundOrForbidden
from gongzhi.core.scoping import ScopedModel, TreePathField, scope_of
from gongzhi.party import services
from gongzhi.party.models import (
    CommitteeSeat,
    FloatingContact,
    Member,
    Organization,
    Transfer,
)
from gongzhi.party.permissions import (
    CHANGE_MEMBER,
    CHANGE_ORG,
    MANAGE_TRANSFER,
    VIEW_MEMBER,
    VIEW_ORG,
)
from gongzhi.party.testing import add_member

pytestmark = pytest.mark.django_db


def test_the_secretary_sees_the_organizations_of_their_subtree(party, org_scope):
    user = org_scope.secretary
    visible = set(Organization.objects.visible_to(user, VIEW_ORG))
    assert visible == {org_scope.general, org_scope.sub_branch, org_scope.sub_group}
    assert party.ours_committee not in visible and party.ours_branch not in visible


def test_the_secretary_sees_the_members_of_their_subtree_only(org_scope):
    user = org_scope.secretary
    for perm in (VIEW_MEMBER, CHANGE_MEMBER):
        assert set(Member.objects.visible_to(user, perm)) == set(org_scope.inside), perm
    assert user.has_perm(VIEW_MEMBER, org_scope.inside[0])
    assert not user.has_perm(VIEW_MEMBER, org_scope.beside)  # a sibling branch, same community
    assert not user.has_perm(VIEW_MEMBER, org_scope.sibling)  # the sibling community


def test_the_secretary_sees_a_transfer_touching_their_subtree(world, party, org_scope):
    admin, issued = world.users["district_admin"], timezone.localdate() - timedelta(days=2)
    incoming = services.send_transfer(
        org_scope.beside,
        actor=admin,
        to_org=org_scope.sub_branch,
        letter_no="入1",
        issued_on=issued,
    )
    elsewhere = services.send_transfer(
        org_scope.sibling,
        actor=admin,
        to_org=party.ours_grid_branch,
        letter_no="外1",
        issued_on=issued,
    )
    user = org_scope.secretary
    assert set(Transfer.objects.visible_to(user, MANAGE_TRANSFER)) == {incoming}
    assert user.has_perm(MANAGE_TRANSFER, incoming)
    assert not user.has_perm(MANAGE_TRANSFER, elsewhere)


def test_the_secretary_writes_in_their_subtree_and_is_refused_beside_it(party, org_scope):
    user = org_scope.secretary
    member = add_member(user, org_scope.sub_branch, "新登记党员", serial=71)
    assert member.organization == org_scope.sub_branch
    with pytest.raises(NotFoundOrForbidden):
        add_member(user, party.ours_branch, "越权登记", serial=72)
    assert not user.has_perm(CHANGE_ORG, org_scope.general)  # the role does not grant it


def test_the_secretary_reaches_no_area_side_row(world, demands, org_scope):
    from gongzhi.demands import services as demand_services
    from gongzhi.demands.models import Demand

    demand_services.create_demand(
        actor=world.users["district_admin"],
        area=world.ours.unit,
        title="楼道灯坏了",
        content="楼道灯坏了",
        channel="desk",
        requester_kind="resident",
        requester_name="居民",
    )
    user, area_secretary = org_scope.secretary, world.users["branch_secretary"]
    for model, perm in (
        (Area, "areas.view_area"),
        (Household, "areas.view_household"),
        (Demand, "demands.view_demand"),
    ):
        assert model.objects.visible_to(area_secretary, perm).exists(), model  # rows are there
        assert not model.objects.visible_to(user, perm).exists(), model
        row = model.objects.filter(path__under=world.ours.community.path).first()
        assert not user.has_perm(perm, row), model
    # Nor by a permission alone where the page asks without a row: no area path is held.
    assert user.scope_paths("areas.view_area") == []
    assert user.has_perm(VIEW_MEMBER) and user.has_perm("areas.view_area") is False


def test_has_perm_on_a_row_in_hand_agrees_with_the_queryset(world, party, org_scope):
    """Every scoped row of every model, every permission of the role: the row-in-hand
    answer (``has_perm``) is the queryset's (``visible_to``)."""
    admin = world.users["district_admin"]
    services.add_seat(
        actor=admin,
        organization=org_scope.sub_branch,
        member=org_scope.inside[0],
        post="secretary",
        started_on=date(2024, 1, 1),
    )
    services.add_seat(
        actor=admin,
        organization=party.ours_branch,
        member=org_scope.beside,
        post="secretary",
        started_on=date(2024, 1, 1),
    )
    for member in (org_scope.inside[1], org_scope.beside):
        FloatingContact.objects.create(
            member=member, path=member.path, contacted_on=date(2026, 1, 5), method="电话"
        )
    services.send_transfer(
        org_scope.beside,
        actor=admin,
        to_org=org_scope.sub_branch,
        letter_no="入2",
        issued_on=timezone.localdate(),
    )
    user = org_scope.secretary
    seen = 0
    for model in apps.get_models():
        if not issubclass(model, ScopedModel):
            continue
        for perm in grants()[Role.BRANCH_SECRETARY]:
            visible = set(model.objects.visible_to(user, perm).values_list("pk", flat=True))
            for row in model._default_manager.all():
                assert user.has_perm(perm, row) == (row.pk in visible), (model, perm, row)
            seen += len(visible)
    assert seen and CommitteeSeat.objects.visible_to(user, VIEW_ORG).count() == 1
    assert FloatingContact.objects.visible_to(user, VIEW_MEMBER).count() == 1


def test_every_party_side_model_declares_its_organization_path():
    """Party, dues and development rows are scoped by organization too (deny by default
    for the others); each declared field is an organization tree path."""
    area_only = {"party.CommunityCadre"}  # the community's two committees: a place's roster
    for model in apps.get_models():
        if not issubclass(model, ScopedModel):
            continue
        declared = scope_of(model).org_paths
        if model._meta.app_label in {"party", "dues", "development"}:
            assert declared or model._meta.label in area_only, model._meta.label
        for path in declared:
            *hops, name = path.split("__")
            target = model
            for hop in hops:
                target = target._meta.get_field(hop).related_model
            assert target is Organization and name == "tree_path", (model, path)
            assert isinstance(target._meta.get_field(name), TreePathField)


def test_area_users_queries_carry_no_organization_term(world, party, org_scope):
    """The organization term joins the organization table: only a user holding a role on
    an organization pays for it; an area user's member list is the query it was."""
    area_user = world.users["branch_secretary"]
    assert "tree_path" not in str(Member.objects.visible_to(area_user, VIEW_MEMBER).query)
    assert "tree_path" in str(Member.objects.visible_to(org_scope.secretary, VIEW_MEMBER).query)
    # The area-held branch secretary still sees the whole community's members.
    assert set(Member.objects.visible_to(area_user, VIEW_MEMBER)) == {
        *org_scope.inside,
        org_scope.beside,
    }
