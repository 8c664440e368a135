"""Account administration: scoped services and the pages under /accounts/users/."""

from io import BytesIO

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.accounts import services
from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import AuditLog
from gongzhi.core.testing import PASSWORD, make_user

INITIAL = "Initial-Pass-2026"


def create(actor, area, role=Role.COMMUNITY_STAFF, username="xinren", **extra):
    return services.create_user(
        actor=actor,
        username=username,
        full_name=extra.pop("full_name", "新人"),
        password=extra.pop("password", INITIAL),
        area=area,
        role=role,
        **extra,
    )


def denials(actor) -> int:
    return AuditLog.objects.filter(
        action="core.permission.denied", user_id=actor.pk, result="denied"
    ).count()


@pytest.fixture
def neighbour(world):
    """A social worker of the sibling community: out of reach of "our" secretary."""
    return make_user("lj", Role.COMMUNITY_STAFF, world.sibling.community, phone="13900001111")


# --- create_user ---------------------------------------------------------------


def test_secretary_creates_an_account_in_their_community(world):
    secretary = world.users["secretary"]
    user = create(secretary, world.ours.grid, Role.GRID_WORKER, phone="138 1234 5678")
    assert user.must_change_password
    assert user.home_path == world.ours.grid.path
    assert user.phone == "13812345678"
    assert list(user.role_assignments.values_list("role", "area")) == [
        (Role.GRID_WORKER, world.ours.grid.pk)
    ]
    record = AuditLog.objects.get(action="accounts.user.created")
    assert (record.user_id, record.target_id) == (secretary.pk, str(user.pk))
    assert record.data["role"] == Role.GRID_WORKER


def test_secretary_cannot_create_in_the_sibling_community(world):
    secretary = world.users["secretary"]
    with pytest.raises(NotFoundOrForbidden):
        create(secretary, world.sibling.community)
    assert not User.objects.filter(username="xinren").exists()
    assert denials(secretary) == 1


@pytest.mark.parametrize(
    "role",
    [
        Role.COMMUNITY_SECRETARY,
        Role.STREET_ADMIN,
        Role.DISTRICT_ADMIN,
        Role.AUDITOR,
        Role.UNIT_HANDLER,
    ],
)
def test_secretary_cannot_grant_roles_outside_assignable(world, role):
    secretary = world.users["secretary"]
    with pytest.raises(RuleViolation) as exc:
        create(secretary, world.ours.community, role)
    assert exc.value.field == "role"
    assert not User.objects.filter(username="xinren").exists()
    assert denials(secretary) == 1


def test_street_admin_appoints_a_secretary_but_no_district_admin(world):
    street_admin = world.users["street_admin"]
    user = create(street_admin, world.sibling.community, Role.COMMUNITY_SECRETARY)
    assert user.role_assignments.get().role == Role.COMMUNITY_SECRETARY
    with pytest.raises(RuleViolation):
        create(street_admin, world.street, Role.DISTRICT_ADMIN, username="other")
    with pytest.raises(NotFoundOrForbidden):
        create(street_admin, world.district, Role.COMMUNITY_STAFF, username="other")


def test_only_the_system_administrator_appoints_auditors(world):
    with pytest.raises(RuleViolation):
        create(world.users["district_admin"], world.district, Role.AUDITOR)
    user = create(world.users["superuser"], world.district, Role.AUDITOR)
    assert user.role_assignments.get().role == Role.AUDITOR


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"username": "SJ"}, "username"),  # taken, whatever the case
        ({"username": "bad name!"}, "username"),
        ({"full_name": "  "}, "full_name"),
        ({"phone": "12345"}, "phone"),
        ({"password": "short1A!"}, "password"),
        ({"password": "Xinren2026!"}, "password"),  # like the account name
    ],
)
def test_create_user_refuses_bad_input_naming_the_field(world, extra, field):
    before = User.objects.count()
    with pytest.raises(RuleViolation) as exc:
        create(world.users["secretary"], world.ours.community, **extra)
    assert exc.value.field == field
    assert User.objects.count() == before


# --- roles, activation --------------------------------------------------------------


def test_assign_and_revoke_a_role_within_scope(world):
    secretary, staff = world.users["secretary"], world.users["staff"]
    assignment = services.assign_role(
        actor=secretary, user=staff, role=Role.GRID_WORKER, area=world.ours.grid
    )
    assert staff.role_assignments.count() == 2
    with pytest.raises(RuleViolation):  # already held
        services.assign_role(
            actor=secretary, user=staff, role=Role.GRID_WORKER, area=world.ours.grid
        )
    services.revoke_role(assignment, actor=secretary)
    assert staff.role_assignments.count() == 1
    actions = list(
        AuditLog.objects.filter(target_id=str(staff.pk)).values_list("action", flat=True)
    )
    assert actions == ["accounts.role.revoked", "accounts.role.assigned"]


def test_assign_refusals(world, neighbour):
    secretary, staff = world.users["secretary"], world.users["staff"]
    with pytest.raises(NotFoundOrForbidden):  # account of the sibling community
        services.assign_role(
            actor=secretary, user=neighbour, role=Role.RESIDENT, area=world.ours.community
        )
    with pytest.raises(NotFoundOrForbidden):  # area of the sibling community
        services.assign_role(
            actor=secretary, user=staff, role=Role.RESIDENT, area=world.sibling.community
        )
    with pytest.raises(RuleViolation):  # a role the secretary may not hand out
        services.assign_role(
            actor=secretary, user=staff, role=Role.COMMUNITY_SECRETARY, area=world.ours.community
        )
    with pytest.raises(RuleViolation):  # never to oneself
        services.assign_role(
            actor=secretary, user=secretary, role=Role.RESIDENT, area=world.ours.community
        )
    assert staff.role_assignments.count() == 1
    assert secretary.role_assignments.count() == 1
    assert denials(secretary) == 4


def test_account_holding_a_role_the_actor_cannot_grant_is_out_of_reach(world):
    """The unit handler lives in our community but holds a role the secretary cannot
    grant: the secretary can neither change its roles nor switch it off."""
    secretary, handler = world.users["secretary"], world.users["unit_handler"]
    assert not services.may_manage(secretary, handler)
    with pytest.raises(RuleViolation):
        services.set_active(handler, actor=secretary, active=False)
    with pytest.raises(RuleViolation):
        services.revoke_role(handler.role_assignments.get(), actor=secretary)
    with pytest.raises(RuleViolation):
        services.reset_password(handler, actor=secretary, password="Temp-Pass-2026x")
    assert denials(secretary) == 3
    handler.refresh_from_db()
    assert handler.is_active and handler.role_assignments.exists()
    # The street administrator above may.
    services.set_active(handler, actor=world.users["street_admin"], active=False)
    handler.refresh_from_db()
    assert not handler.is_active


def test_revoke_refused_for_a_role_in_another_community(world):
    """An account of our community holding a role next door: that role is not ours to take."""
    staff = world.users["staff"]
    foreign = RoleAssignment.objects.create(
        user=staff, role=Role.RESIDENT, area=world.sibling.community
    )
    with pytest.raises(RuleViolation):
        services.revoke_role(foreign, actor=world.users["secretary"])
    assert RoleAssignment.objects.filter(pk=foreign.pk).exists()


def test_deactivated_account_is_signed_out_and_cannot_sign_in(world, client_as):
    staff = world.users["staff"]
    client = client_as(staff)
    assert client.get(reverse("core:workbench")).status_code == 200
    services.set_active(staff, actor=world.users["secretary"], active=False)
    assert client.get(reverse("core:workbench")).status_code == 302
    response = client.post(reverse("accounts:login"), {"username": "gz", "password": PASSWORD})
    assert response.status_code == 200
    services.set_active(staff, actor=world.users["secretary"], active=True)
    response = client.post(reverse("accounts:login"), {"username": "gz", "password": PASSWORD})
    assert response.status_code == 302
    actions = set(AuditLog.objects.filter(target_id=str(staff.pk)).values_list("action", flat=True))
    assert {"accounts.user.deactivated", "accounts.user.activated"} <= actions


def test_set_active_refusals(world, neighbour):
    secretary = world.users["secretary"]
    with pytest.raises(RuleViolation):
        services.set_active(secretary, actor=secretary, active=False)
    with pytest.raises(NotFoundOrForbidden):
        services.set_active(world.users["street_admin"], actor=secretary, active=False)
    with pytest.raises(NotFoundOrForbidden):
        services.set_active(neighbour, actor=secretary, active=False)
    with pytest.raises(NotFoundOrForbidden):
        services.set_active(
            world.users["superuser"], actor=world.users["district_admin"], active=False
        )
    assert User.objects.filter(is_active=False).count() == 0


def test_reset_password_refused_out_of_scope(world, neighbour):
    with pytest.raises(NotFoundOrForbidden):
        services.reset_password(
            neighbour, actor=world.users["secretary"], password="Temp-Pass-2026x"
        )
    neighbour.refresh_from_db()
    assert neighbour.check_password(PASSWORD)
    assert not neighbour.must_change_password


# --- Pages ---------------------------------------------------------------------------


def test_list_shows_own_community_with_masked_phones(world, client_as, neighbour):
    User.objects.filter(pk=world.users["staff"].pk).update(phone="13812345678")
    client = client_as(world.users["secretary"])
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "138****5678" in body
    assert "13812345678" not in body
    assert ">gz<" in body
    assert ">lj<" not in body  # sibling community
    assert ">jd<" not in body  # the street administrator above
    assert "社区工作者" in body  # role column


def test_list_export_is_masked_scoped_and_audited(world, client_as, neighbour):
    User.objects.filter(pk=world.users["staff"].pk).update(phone="13812345678")
    client = client_as(world.users["secretary"])
    response = client.get(reverse("accounts:user_list"), {"export": "xlsx"}, REMOTE_ADDR="10.3.3.3")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    usernames = {r[0] for r in rows}
    assert "gz" in usernames and "lj" not in usernames
    assert next(r for r in rows if r[0] == "gz")[:3] == ["gz", "gz", "138****5678"]
    record = AuditLog.objects.get(action="core.list.exported")
    assert (record.user_id, record.ip, record.data["list"]) == (
        world.users["secretary"].pk,
        "10.3.3.3",
        "users",
    )


def test_list_filters(world, client_as):
    client = client_as(world.users["secretary"])
    body = client.get(reverse("accounts:user_list"), {"role": Role.GRID_WORKER}).content.decode()
    assert ">wg<" in body and ">gz<" not in body
    body = client.get(reverse("accounts:user_list"), {"q": "gz"}).content.decode()
    assert ">gz<" in body and ">wg<" not in body


def test_list_runs_a_constant_number_of_queries(world, client_as, django_assert_num_queries):
    secretary = world.users["secretary"]
    client = client_as(secretary)
    url = reverse("accounts:user_list")

    def add(n, start):
        for i in range(start, start + n):
            user = make_user(f"batch{i:03d}", Role.COMMUNITY_STAFF, world.ours.community)
            RoleAssignment.objects.create(user=user, role=Role.GRID_WORKER, area=world.ours.grid)

    add(5, 0)
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as five:
        assert client.get(url).status_code == 200
    add(15, 5)
    with django_assert_num_queries(len(five.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("<td>batch0") == 20


def test_list_refused_to_a_resident_and_the_refusal_audited(world, client_as):
    resident = world.users["resident"]
    response = client_as(resident).get(reverse("accounts:user_list"), REMOTE_ADDR="10.4.4.4")
    assert response.status_code == 403
    record = AuditLog.objects.get(action="core.permission.denied")
    assert (record.user_id, record.ip, record.data["perm"]) == (
        resident.pk,
        "10.4.4.4",
        "accounts.view_user",
    )


def test_create_page_offers_only_grantable_roles_and_areas_in_scope(world, client_as):
    client = client_as(world.users["secretary"])
    body = client.get(reverse("accounts:user_create")).content.decode()
    assert 'value="grid_worker"' in body
    for role in ["community_secretary", "street_admin", "auditor", "unit_handler"]:
        assert f'value="{role}"' not in body
    assert "和顺社区" in body and "和顺第1网格" in body
    assert "邻里社区" not in body
    assert "和顺花园" not in body  # estates and below hold no roles


def test_create_page_creates_the_account(world, client_as):
    client = client_as(world.users["secretary"])
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "xinren",
            "full_name": "新人",
            "phone": "13812345678",
            "password": INITIAL,
            "role": Role.COMMUNITY_STAFF,
            "area": world.ours.community.pk,
        },
    )
    user = User.objects.get(username="xinren")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    assert user.must_change_password


def test_create_page_refuses_an_area_next_door(world, client_as):
    client = client_as(world.users["secretary"])
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "xinren",
            "full_name": "新人",
            "password": INITIAL,
            "role": Role.COMMUNITY_STAFF,
            "area": world.sibling.community.pk,
        },
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="xinren").exists()


def test_create_page_shows_the_password_rule_on_its_field(world, client_as):
    client = client_as(world.users["secretary"])
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "xinren",
            "full_name": "新人",
            "password": "alllowercase",
            "role": Role.COMMUNITY_STAFF,
            "area": world.ours.community.pk,
        },
    )
    assert response.status_code == 400
    assert "至少3类" in response.content.decode()


def test_detail_page_and_actions(world, client_as, neighbour):
    secretary, staff = world.users["secretary"], world.users["staff"]
    client = client_as(secretary)
    detail = reverse("accounts:user_detail", args=[staff.pk])
    page = client.get(detail)
    assert page.status_code == 200
    assert "社区工作者" in page.content.decode()
    assert client.get(reverse("accounts:user_detail", args=[neighbour.pk])).status_code == 404

    response = client.post(
        reverse("accounts:role_assign", args=[staff.pk]),
        {"role": Role.GRID_WORKER, "area": world.ours.grid.pk},
    )
    assert response.status_code == 302
    assignment = staff.role_assignments.get(role=Role.GRID_WORKER)
    response = client.post(reverse("accounts:role_revoke", args=[staff.pk, assignment.pk]))
    assert response.status_code == 302
    assert not staff.role_assignments.filter(role=Role.GRID_WORKER).exists()

    assert client.post(reverse("accounts:user_deactivate", args=[staff.pk])).status_code == 302
    staff.refresh_from_db()
    assert not staff.is_active
    assert client.post(reverse("accounts:user_activate", args=[staff.pk])).status_code == 302
    staff.refresh_from_db()
    assert staff.is_active

    response = client.post(
        reverse("accounts:password_reset", args=[staff.pk]),
        {"password": "Temp-Pass-2026x", "password2": "Temp-Pass-2026x"},
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.must_change_password


def test_actions_on_accounts_out_of_scope_answer_not_found(world, client_as, neighbour):
    client = client_as(world.users["secretary"])
    street_admin = world.users["street_admin"]
    for target in [neighbour, street_admin]:
        assert client.post(reverse("accounts:user_deactivate", args=[target.pk])).status_code == 404
        rid = target.role_assignments.get().pk
        assert (
            client.post(reverse("accounts:role_revoke", args=[target.pk, rid])).status_code == 404
        )
        response = client.post(
            reverse("accounts:password_reset", args=[target.pk]),
            {"password": "Temp-Pass-2026x", "password2": "Temp-Pass-2026x"},
        )
        assert response.status_code == 404
    # A role assignment id of another account under our own account's URL.
    staff = world.users["staff"]
    rid = neighbour.role_assignments.get().pk
    assert client.post(reverse("accounts:role_revoke", args=[staff.pk, rid])).status_code == 404
    assert User.objects.filter(is_active=False).count() == 0
    assert RoleAssignment.objects.filter(user=neighbour).exists()


def test_refused_action_on_a_visible_account_shows_why(world, client_as):
    """The unit handler is listed for the secretary, but switching it off is refused."""
    client = client_as(world.users["secretary"])
    handler = world.users["unit_handler"]
    detail = reverse("accounts:user_detail", args=[handler.pk])
    page = client.get(detail).content.decode()
    assert reverse("accounts:user_deactivate", args=[handler.pk]) not in page
    response = client.post(reverse("accounts:user_deactivate", args=[handler.pk]), follow=True)
    assert response.redirect_chain == [(detail, 302)]
    assert "无权授予的角色" in response.content.decode()
    handler.refresh_from_db()
    assert handler.is_active
