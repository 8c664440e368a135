"""Household binding: the resident's request (one pending, every bad field at once), the
staff's list and decision against the register, a grid worker on the spot, the refusals
naming their field, the resident told, the API, and the scope."""

from datetime import date

import pytest
from django.urls import reverse

from gongzhi.accounts.models import RoleAssignment
from gongzhi.accounts.roles import Role
from gongzhi.areas.models import Household
from gongzhi.core import modules
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation, RuleViolations
from gongzhi.core.models import Notification
from gongzhi.core.testing import api_key
from gongzhi.portal import binding
from gongzhi.portal.binding_testing import pending_request, resident_account
from gongzhi.portal.choices import BindingStatus
from gongzhi.portal.models import BindingRequest
from gongzhi.residents.models import Resident
from gongzhi.residents.testing import add_person

BIND = "/portal/bind/"


@pytest.fixture
def family(world):
    """王小明 and his mother in our first household; a neighbour in the sibling's."""
    home = world.ours.households[0]
    return {
        "home": home,
        "him": add_person(world, home, "王小明", date(1990, 5, 1), 11),
        "mother": add_person(world, home, "李秀英", date(1960, 5, 1), 12, female=True),
        "neighbour": add_person(world, world.sibling.households[0], "王小明", date(1991, 5, 1), 13),
    }


@pytest.fixture
def account(world):
    return resident_account("jm-new", "13912345678")


def fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- The resident's request ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_resident_asks_on_the_page_and_sees_it_pending(client, world, account):
    client.force_login(account)
    page = client.get(BIND).content.decode()
    assert "和顺社区" in page and "邻里社区" in page and "portal/bind.js" in page
    answer = client.post(
        BIND,
        {"community": world.ours.community.pk, "address": "1栋1单元101", "name": "王小明"},
    )
    assert answer.status_code == 302
    request = BindingRequest.objects.get(user=account)
    assert (request.status, request.path) == (BindingStatus.PENDING, world.ours.community.path)
    page = client.get(BIND).content.decode()
    assert "等待社区确认" in page and "data-pending" in page


@pytest.mark.django_db
def test_every_bad_field_at_once_with_the_input_kept(client, world, account):
    client.force_login(account)
    answer = client.post(BIND, {"community": "", "address": "", "name": "张" * 51})
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "所在社区：" in page and "住址：" in page and "您的姓名：" in page
    assert "张" * 51 in page
    assert not BindingRequest.objects.exists()


@pytest.mark.django_db
def test_a_building_of_another_community_is_refused_naming_the_field(world, account):
    with pytest.raises(RuleViolations) as caught:
        binding.request_binding(
            actor=account,
            community=world.ours.community,
            building=world.sibling.building,
            address="",
            name="王小明",
        )
    assert [e.field for e in caught.value.errors] == ["building", "address"]
    assert "不属于“和顺社区”" in str(caught.value.errors[0].message)


@pytest.mark.django_db
def test_a_picked_building_goes_before_the_typed_door(client, world, account):
    client.force_login(account)
    page = client.get(f"{BIND}?community={world.ours.community.pk}").content.decode()
    assert "1栋" in page  # the community's buildings to pick from
    request = binding.request_binding(
        actor=account,
        community=world.ours.community,
        building=world.ours.building,
        address="1单元101",
        name="王小明",
    )
    assert request.address == "1栋1单元101"


@pytest.mark.django_db
def test_one_pending_request_per_account_and_none_once_bound(world, account, family):
    request = pending_request(world.ours.community, "jm-2", "13912340000")
    with pytest.raises(RuleViolation, match="已有一份待社区确认"):
        binding.request_binding(
            actor=request.user, community=world.ours.community, address="101", name="王小明"
        )
    binding.confirm_binding(
        request,
        actor=world.users["secretary"],
        household=family["home"],
        resident=family["him"],
    )
    with pytest.raises(RuleViolation, match="已绑定住户"):
        binding.request_binding(
            actor=request.user, community=world.ours.community, address="101", name="王小明"
        )


@pytest.mark.django_db
def test_staff_accounts_do_not_ask(world, client_as):
    client = client_as(world.users["grid_worker"])
    page = client.get(BIND).content.decode()
    assert "data-staff" in page and "邻里社区" not in page
    answer = client.post(BIND, {"community": world.ours.community.pk, "address": "1", "name": "王"})
    assert answer.status_code == 400 and not BindingRequest.objects.exists()
    with pytest.raises(RuleViolation, match="工作人员账号"):
        binding.request_binding(
            actor=world.users["grid_worker"],
            community=world.ours.community,
            address="101",
            name="王",
        )


# --- The staff's decision ----------------------------------------------------------------------


@pytest.mark.django_db
def test_secretary_confirms_against_the_register_and_the_resident_is_told(client_as, world, family):
    request = pending_request(world.ours.community, "jm-2", "13912340000")
    client = client_as(world.users["secretary"])
    listing = client.get(reverse("portal:bindings")).content.decode()
    assert f'data-row="{request.pk}"' in listing
    page = client.get(request.get_absolute_url()).content.decode()
    assert "139****0000" in page and "13912340000" not in page
    assert f'value="{family["home"].pk}:{family["him"].pk}"' in page  # candidates
    assert "李秀英" in page and family["neighbour"].household.address not in page
    answer = client.post(
        request.get_absolute_url(),
        {
            "decision": "confirm",
            "choice": f"{family['home'].pk}:{family['him'].pk}",
            "version": request.version,
        },
    )
    assert answer.status_code == 302
    request = fresh(request)
    assert request.status == BindingStatus.CONFIRMED and not request.on_the_spot
    assert (request.household, request.resident) == (family["home"], family["him"])
    assert fresh(family["him"]).user == request.user
    assert RoleAssignment.objects.filter(
        user=request.user, role=Role.RESIDENT, area=world.ours.community
    ).exists()
    note = Notification.objects.get(user=request.user)
    assert note.kind == "portal.binding" and "已确认" in note.title
    # The resident reaches their household now (the register's own scope).
    user = fresh(request.user)
    assert list(Household.objects.visible_to(user, "areas.view_household")) == [family["home"]]
    resident_client = client_as(user)
    assert "data-bound" in resident_client.get(BIND).content.decode()


@pytest.mark.django_db
def test_a_grid_worker_confirms_on_the_spot_for_their_grid(client_as, world, family):
    request = pending_request(world.ours.community, "jm-2", "13912340000")
    worker = world.users["grid_worker"]
    assert list(binding.pending_for(worker)) == [request]
    binding.confirm_binding(
        request, actor=worker, household=family["home"], resident=family["him"], on_the_spot=True
    )
    assert fresh(request).on_the_spot and fresh(request).decided_by == worker


@pytest.mark.django_db
def test_refusals_name_their_field_and_write_nothing(world, family):
    request = pending_request(world.ours.community, "jm-2", "13912340000")
    secretary = world.users["district_admin"]  # reaches both communities' households
    RoleAssignment.objects.create(user=secretary, role=Role.COMMUNITY_SECRETARY, area=world.street)
    secretary = type(secretary).objects.get(pk=secretary.pk)
    with pytest.raises(RuleViolation) as caught:
        binding.confirm_binding(
            request,
            actor=secretary,
            household=family["neighbour"].household,
            resident=family["neighbour"],
        )
    assert caught.value.field == "household"
    assert "不属于申请人所选的“和顺社区”" in str(caught.value.message)
    with pytest.raises(RuleViolations) as caught:
        binding.confirm_binding(request, actor=secretary, household=None, resident=None)
    assert [e.field for e in caught.value.errors] == ["household", "resident"]
    with pytest.raises(RuleViolation) as caught:
        binding.confirm_binding(
            request, actor=secretary, household=family["home"], resident=family["neighbour"]
        )
    assert caught.value.field == "resident"
    Resident.objects.filter(pk=family["mother"].pk).update(
        user=resident_account("jm-mother", "13912349999")
    )
    with pytest.raises(RuleViolation, match="已绑定其他账号"):
        binding.confirm_binding(
            request, actor=secretary, household=family["home"], resident=family["mother"]
        )
    assert fresh(request).status == BindingStatus.PENDING
    assert not Resident.objects.filter(user=request.user).exists()


@pytest.mark.django_db
def test_decline_needs_a_reason_the_resident_sees_it_and_may_ask_again(client_as, world):
    request = pending_request(world.ours.community, "jm-2", "13912340000")
    client = client_as(world.users["staff"])
    answer = client.post(
        request.get_absolute_url(), {"decision": "decline", "reason": "", "version": 1}
    )
    assert answer.status_code == 400 and "请填写未通过的原因" in answer.content.decode()
    client.post(
        request.get_absolute_url(),
        {"decision": "decline", "reason": "登记中没有此人，请到社区登记", "version": 1},
    )
    assert fresh(request).status == BindingStatus.DECLINED
    assert Notification.objects.get(user=request.user).body == "登记中没有此人，请到社区登记"
    page = client_as(request.user).get(BIND).content.decode()
    assert "登记中没有此人" in page and "提交申请" in page
    with pytest.raises(RuleViolation, match="已处理"):
        binding.decline_binding(fresh(request), actor=world.users["staff"], reason="再次")


@pytest.mark.django_db
def test_a_stale_form_is_a_conflict(world, family):
    request = pending_request(world.ours.community, "jm-2", "13912340000")
    with pytest.raises(Exception, match="已被他人修改"):
        binding.decline_binding(request, actor=world.users["staff"], reason="x", version=9)


# --- Scope -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sibling_community_never_sees_nor_decides_our_requests(client_as, world, family):
    ours = pending_request(world.ours.community, "jm-2", "13912340000")
    theirs = pending_request(world.sibling.community, "jm-3", "13912341111")
    assert {ours, theirs} <= set(binding.bindings_for(world.users["street_admin"]))
    for role in ("secretary", "staff", "grid_worker"):
        user = world.users[role]
        assert set(binding.bindings_for(user)) == {ours}
        # The row in hand agrees with the list (the model's declared scope).
        assert user.has_perm("portal.decide_binding", ours)
        assert not user.has_perm("portal.decide_binding", theirs)
    client = client_as(world.users["secretary"])
    assert client.get(theirs.get_absolute_url()).status_code == 404
    with pytest.raises(NotFoundOrForbidden):
        binding.confirm_binding(
            theirs,
            actor=world.users["secretary"],
            household=family["neighbour"].household,
            resident=family["neighbour"],
        )
    resident = client_as(world.users["resident"])
    assert resident.get(reverse("portal:bindings")).status_code == 403
    assert not binding.bindings_for(world.users["street_admin"], "portal.decide_binding")


@pytest.mark.django_db
def test_pending_requests_are_a_workbench_todo(client_as, world):
    pending_request(world.ours.community, "jm-2", "13912340000")
    todo = next(t for m in modules.manifests() for t in m.todos if t.key == "portal.bindings")
    assert todo.rows(world.users["secretary"], date(2026, 12, 7)).count() == 1
    assert todo.rows(world.users["street_admin"], date(2026, 12, 7)).count() == 0
    page = client_as(world.users["secretary"]).get("/").content.decode()
    assert "待确认的住户绑定" in page


# --- The API ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_request_list_confirm_and_decline(client, world, family):
    account = resident_account("jm-api", "13912348888")
    from gongzhi.portal.signin import issue_portal_token

    _token, key = issue_portal_token(account)
    resident = {"Authorization": f"Bearer {key}"}
    bad = client.post(
        "/api/v1/portal/bindings/mine",
        {
            "community_id": world.ours.community.pk,
            "building_id": world.sibling.building.pk,
            "address": "101",
            "name": "王小明",
        },
        content_type="application/json",
        headers=resident,
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "building"
    made = client.post(
        "/api/v1/portal/bindings/mine",
        {"community_id": world.ours.community.pk, "address": "1栋1单元101", "name": "王小明"},
        content_type="application/json",
        headers=resident,
    )
    assert made.status_code == 201 and made.json()["status"] == "pending"
    staff = {"Authorization": f"Bearer {api_key(world.users['secretary'])}"}
    rows = client.get("/api/v1/portal/bindings?status=pending", headers=staff).json()
    assert [r["id"] for r in rows["items"]] == [made.json()["id"]]
    assert rows["items"][0]["phone"] == "139****8888"
    url = f"/api/v1/portal/bindings/{made.json()['id']}"
    wrong = client.post(
        f"{url}/confirm",
        {"household_id": family["home"].pk, "resident_id": family["neighbour"].pk, "version": 1},
        content_type="application/json",
        headers=staff,
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "resident"
    done = client.post(
        f"{url}/confirm",
        {"household_id": family["home"].pk, "resident_id": family["him"].pk, "version": 1},
        content_type="application/json",
        headers=staff,
    )
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    again = client.post(
        f"{url}/decline",
        {"reason": "x", "version": 2},
        content_type="application/json",
        headers=staff,
    )
    assert again.status_code == 422
    sibling = {"Authorization": f"Bearer {api_key(world.users['district_admin'])}"}
    assert client.get(url, headers=sibling).status_code == 200  # the district reads it


@pytest.mark.django_db
def test_demo_a_bound_and_a_pending_resident_once(world, family):
    from gongzhi.core.testing import make_user
    from gongzhi.portal import demo_signin

    add_person(world, world.ours.households[1], "赵大爷", date(1950, 5, 1), 14)
    make_user("shuji", Role.COMMUNITY_SECRETARY, world.ours.community)
    message = demo_signin.load("510107")
    assert "13800000016" in message
    bound = Resident.objects.get(user__phone="13800000016")
    assert bound.household == family["home"]
    pending = BindingRequest.objects.get(status=BindingStatus.PENDING)
    assert pending.user.phone == "13800000017" and pending.address.startswith("和顺第1网格")
    assert "已存在" in demo_signin.load("510107")
