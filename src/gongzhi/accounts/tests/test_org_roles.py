"""Roles held on a party organization (ADR 0008): how they are granted, refused, counted
in the user's grants and in the fingerprint that API tokens remember."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from gongzhi.accounts import services
from gongzhi.accounts.models import ApiToken, RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import AuditLog
from gongzhi.core.testing import api_key, make_user
from gongzhi.party.permissions import VIEW_MEMBER

pytestmark = pytest.mark.django_db


def test_a_branch_secretary_is_assigned_on_an_organization(world, party):
    secretary, staff = world.users["secretary"], world.users["staff"]
    api_key(staff)
    assignment = services.assign_role(
        actor=secretary, user=staff, role=Role.BRANCH_SECRETARY, organization=party.ours_branch
    )
    assert (assignment.organization, assignment.area) == (party.ours_branch, world.ours.community)
    staff = User.objects.get(pk=staff.pk)
    assert staff.org_grants == [(Role.BRANCH_SECRETARY, party.ours_branch.tree_path)]
    assert staff.role_grants == [(Role.COMMUNITY_STAFF, world.ours.community.path)]
    assert staff.roles == {Role.COMMUNITY_STAFF, Role.BRANCH_SECRETARY}
    assert ApiToken.objects.get(user=staff).revoked  # the roles changed
    record = AuditLog.objects.filter(action="accounts.role.assigned").latest("id")
    assert record.data["organization"] == party.ours_branch.pk
    # The same role on another branch is another assignment.
    services.assign_role(
        actor=secretary, user=staff, role=Role.BRANCH_SECRETARY, organization=party.ours_grid_branch
    )
    # Not on a committee: its secretary holds the area's role.
    with pytest.raises(RuleViolation) as exc:
        services.assign_role(
            actor=secretary,
            user=staff,
            role=Role.BRANCH_SECRETARY,
            organization=party.ours_committee,
        )
    assert exc.value.field == "organization" and "党总支" in str(exc.value.message)
    with pytest.raises(RuleViolation) as exc:  # already held there
        services.assign_role(
            actor=secretary, user=staff, role=Role.BRANCH_SECRETARY, organization=party.ours_branch
        )
    assert exc.value.field == "organization"
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database agrees
        RoleAssignment.objects.create(
            user=staff,
            role=Role.BRANCH_SECRETARY,
            area=world.ours.community,
            organization=party.ours_branch,
        )


def test_revoking_a_role_held_on_an_organization(client, world, org_scope):
    user = org_scope.secretary
    key = api_key(user)
    assignment = RoleAssignment.objects.get(user=user)
    services.revoke_role(assignment, actor=world.users["secretary"])
    assert not RoleAssignment.objects.filter(user=user).exists()
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/organizations", headers=headers).status_code == 401
    record = AuditLog.objects.filter(action="accounts.role.revoked").latest("id")
    assert record.data["organization"] == org_scope.general.pk
    user = User.objects.get(pk=user.pk)
    assert not user.has_perm(VIEW_MEMBER) and user.org_grants == []


@pytest.mark.parametrize(
    "role", [Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.RESIDENT, Role.INSERVICE_MEMBER]
)
def test_only_a_party_role_is_held_on_an_organization(world, party, role):
    secretary, staff = world.users["secretary"], world.users["staff"]
    with pytest.raises(RuleViolation) as exc:
        services.assign_role(actor=secretary, user=staff, role=role, organization=party.ours_branch)
    assert exc.value.field == "organization"
    assert "党组织" in str(exc.value)
    assert not RoleAssignment.objects.filter(organization__isnull=False).exists()


def test_an_organization_outside_the_subtree_is_refused_like_an_area(world, party):
    secretary, staff = world.users["secretary"], world.users["staff"]
    with pytest.raises(NotFoundOrForbidden) as exc:
        services.assign_role(
            actor=secretary,
            user=staff,
            role=Role.BRANCH_SECRETARY,
            organization=party.sibling_branch,
        )
    assert exc.value.field == "organization"
    assert AuditLog.objects.filter(action="core.permission.denied", user_id=secretary.pk).exists()
    with pytest.raises(RuleViolation) as exc:  # an area that is not the organization's
        services.assign_role(
            actor=secretary,
            user=staff,
            role=Role.BRANCH_SECRETARY,
            organization=party.ours_branch,
            area=world.ours.grid,
        )
    assert exc.value.field == "area"
    assert not RoleAssignment.objects.filter(organization__isnull=False).exists()


def test_a_party_group_is_not_an_organization_to_hold_a_role_on(world, org_scope):
    with pytest.raises(RuleViolation) as exc:
        services.assign_role(
            actor=world.users["secretary"],
            user=world.users["staff"],
            role=Role.BRANCH_SECRETARY,
            organization=org_scope.sub_group,
        )
    assert exc.value.field == "organization" and "党小组" in str(exc.value)


def test_an_org_assigned_account_is_managed_by_its_area(world, party, org_scope):
    user = org_scope.secretary
    assert services.may_manage(world.users["secretary"], user)
    assert services.may_manage(world.users["street_admin"], user)
    neighbour = make_user("lsj", Role.COMMUNITY_SECRETARY, world.sibling.community)
    assert not services.may_manage(neighbour, user)
    # The role held on an organization administers nothing and grants nothing.
    assert not services.may_grant(user, Role.RESIDENT, world.ours.community)


def test_the_grants_are_loaded_in_one_query(world, org_scope, django_assert_num_queries):
    user = User.objects.get(pk=org_scope.secretary.pk)
    with django_assert_num_queries(1):
        assert user.roles == {Role.BRANCH_SECRETARY}
        assert user.role_grants == []
        assert user.org_scope_paths(VIEW_MEMBER) == [org_scope.general.tree_path]
        assert user.scope_paths(VIEW_MEMBER) == []
        assert user.has_perm(VIEW_MEMBER)
    listed = User.objects.filter(pk=user.pk).with_roles().get()
    assert listed.org_grants == user.org_grants


def test_a_token_dies_when_the_organization_of_a_role_changes(client, world, party, org_scope):
    """Another organization serving the same area is another power: the token issued
    under the first one stops (the roles fingerprint names the organization)."""
    user = org_scope.secretary
    key = api_key(user)
    headers = {"Authorization": f"Bearer {key}"}
    listed = client.get("/api/v1/organizations", headers=headers)
    assert listed.status_code == 200
    names = {row["name"] for row in listed.json()["items"]}
    assert names == {"和顺社区第二党总支", "第二党总支第一党支部", "第一党小组"}
    assert party.ours_branch.area == org_scope.general.area  # the area stays the same
    RoleAssignment.objects.filter(user=user).update(organization=party.ours_branch)
    assert client.get("/api/v1/organizations", headers=headers).status_code == 401
    assert ApiToken.objects.get(user=user).revoked


def test_the_role_page_assigns_on_an_organization_of_the_subtree(client_as, world, party):
    secretary, staff = world.users["secretary"], world.users["staff"]
    client = client_as(secretary)
    detail = client.get(reverse("accounts:user_detail", args=[staff.pk])).content.decode()
    assert party.ours_branch.name in detail and party.sibling_branch.name not in detail
    url = reverse("accounts:role_assign", args=[staff.pk])
    refused = client.post(
        url, {"role": Role.BRANCH_SECRETARY, "area": "", "organization": party.sibling_branch.pk}
    )
    assert refused.status_code == 400 and "organization" in refused.context["form"].errors
    wrong_role = client.post(
        url, {"role": Role.GRID_WORKER, "area": "", "organization": party.ours_branch.pk}
    )
    assert "organization" in wrong_role.context["form"].errors
    neither = client.post(url, {"role": Role.BRANCH_SECRETARY, "area": "", "organization": ""})
    assert "area" in neither.context["form"].errors
    assert not RoleAssignment.objects.filter(organization__isnull=False).exists()
    done = client.post(
        url, {"role": Role.BRANCH_SECRETARY, "area": "", "organization": party.ours_branch.pk}
    )
    assert done.status_code == 302
    assignment = RoleAssignment.objects.get(user=staff, organization__isnull=False)
    assert (assignment.organization, assignment.area) == (party.ours_branch, world.ours.community)
    detail = client.get(reverse("accounts:user_detail", args=[staff.pk])).content.decode()
    assert "党组织：和顺社区第一党支部" in detail


def test_a_role_on_an_organization_without_its_tree_path_reaches_nothing(world, org_scope):
    """Never taken for a role on the organization's area (which would reach the whole
    community): an organization whose tree path is not set yet gives no rows at all."""
    from gongzhi.party.models import Member

    Organization = type(org_scope.general)
    Organization.objects.filter(pk=org_scope.general.pk).update(tree_path="")
    user = User.objects.get(pk=org_scope.secretary.pk)
    assert user.role_grants == [] and user.org_grants == []
    assert user.roles == {Role.BRANCH_SECRETARY}
    assert not Member.objects.visible_to(user, VIEW_MEMBER).exists()
    assert not user.has_perm(VIEW_MEMBER)
