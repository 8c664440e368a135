"""Phone sign-in on the page and over the API: a first sign-in opens a resident account
and asks for a binding, a resident signs in, staff and disabled accounts are refused with
one neutral message, the answers never tell whether a number has an account."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.models import ApiToken, RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.core.models import AuditLog
from gongzhi.core.testing import PASSWORD
from gongzhi.portal import binding
from gongzhi.portal.signin_testing import sms_inbox

LOGIN = "/portal/login/"
NEW = "13912345678"
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


@pytest.fixture
def code_for(client, django_capture_on_commit_callbacks):
    """``code_for(phone)``: 获取验证码 on the page, the code read from the SMS log."""

    def _code(phone, **headers):
        with sms_inbox() as inbox, django_capture_on_commit_callbacks(execute=True):
            answer = client.post(LOGIN, {"phone": phone, "action": "send"}, **headers)
        assert answer.status_code in (200, 202), answer.content.decode()
        return inbox.codes[-1]

    return _code


def sign_in(client, phone, code):
    return client.post(LOGIN, {"phone": phone, "code": code, "action": "login"})


@pytest.mark.django_db
def test_anonymous_portal_goes_to_the_phone_sign_in_page(client):
    answer = client.get("/portal/")
    assert answer.status_code == 302 and answer["Location"].startswith(LOGIN)
    page = client.get(LOGIN).content.decode()
    assert "获取验证码" in page and "portal/signin.js" in page
    assert "<script>" not in page and "style=" not in page  # CSP: no inline code


@pytest.mark.django_db
def test_first_sign_in_opens_a_resident_account_and_asks_for_a_binding(client, code_for, world):
    code = code_for(NEW)
    answer = sign_in(client, NEW, code)
    assert answer.status_code == 302 and answer["Location"] == reverse("portal:bind")
    user = User.objects.get(phone=NEW)
    assert not user.has_usable_password() and user.roles == set()
    assert NEW not in user.username
    assert int(client.session[SESSION_KEY]) == user.pk
    assert client.get("/portal/").status_code == 200
    assert AuditLog.objects.filter(action="portal.account.created", user=user).exists()
    # Months later: no password to expire, no password page in the way.
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        client.force_login(user)
        assert client.get("/portal/bind/").status_code == 200


@pytest.mark.django_db
def test_a_resident_with_the_number_signs_in_to_their_account(client, code_for, world):
    resident = world.users["resident"]
    User.objects.filter(pk=resident.pk).update(phone=NEW)
    page = client.get(f"{LOGIN}?next=/portal/bind/").content.decode()
    assert 'name="next" value="/portal/bind/"' in page
    binding.request_binding(
        actor=resident, community=world.ours.community, address="101", name="陈阿姨"
    )
    answer = client.post(
        LOGIN, {"phone": NEW, "code": code_for(NEW), "action": "login", "next": "/portal/bind/"}
    )
    assert answer["Location"] == "/portal/bind/"
    assert int(client.session[SESSION_KEY]) == resident.pk
    assert User.objects.filter(phone=NEW).count() == 1
    client.logout()
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        code = code_for(NEW)
        answer = client.post(
            LOGIN, {"phone": NEW, "code": code, "action": "login", "next": "https://evil.example/"}
        )
    assert answer["Location"] == "/portal/"  # a request made: home, never another site


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["secretary", "grid_worker", "superuser", "disabled"])
def test_staff_and_disabled_accounts_are_refused_with_one_neutral_message(
    client, code_for, world, who
):
    user = world.users["resident" if who == "disabled" else who]
    User.objects.filter(pk=user.pk).update(phone=NEW, is_active=who != "disabled")
    answer = sign_in(client, NEW, code_for(NEW))
    assert answer.status_code == 422
    assert "该手机号不能登录居民端。工作人员请使用账号密码登录。" in answer.content.decode()
    assert SESSION_KEY not in client.session
    assert User.objects.filter(phone=NEW).count() == 1  # no account opened


@pytest.mark.django_db
def test_the_answer_to_a_code_request_never_tells_whether_the_number_has_an_account(
    client, code_for, world, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=world.users["secretary"].pk).update(phone="13900000001")
    User.objects.filter(pk=world.users["resident"].pk).update(phone="13900000002")
    bodies = []
    for phone in ("13900000001", "13900000002", "13900000003"):
        with sms_inbox() as inbox, django_capture_on_commit_callbacks(execute=True):
            answer = client.post(LOGIN, {"phone": phone, "action": "send"}, **FETCH)
        assert answer.status_code == 202 and len(inbox.codes) == 1
        bodies.append(answer.json()["message"].replace(phone[-4:], "****"))
    assert len(set(bodies)) == 1


@pytest.mark.django_db
def test_countdown_answers_and_the_throttle_as_json(client, code_for):
    code_for(NEW, **FETCH)
    answer = client.post(LOGIN, {"phone": NEW, "action": "send"}, **FETCH)
    assert answer.status_code == 429
    error = answer.json()["error"]
    assert error["code"] == "throttled" and error["field"] == "phone"
    assert 0 < error["wait_seconds"] <= 61


@pytest.mark.django_db
def test_the_page_without_script_sends_and_keeps_the_number(client, code_for):
    code_for(NEW)
    answer = client.post(LOGIN, {"phone": NEW, "action": "send"})  # too soon
    page = answer.content.decode()
    assert answer.status_code == 429 and "获取验证码过于频繁" in page
    assert f'value="{NEW}"' in page


@pytest.mark.django_db
def test_a_wrong_code_is_refused_beside_its_field_with_the_number_kept(client, code_for):
    code = code_for(NEW)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    answer = sign_in(client, NEW, wrong)
    page = answer.content.decode()
    assert answer.status_code == 422 and "验证码：验证码错误或已失效" in page
    assert f'value="{NEW}"' in page and SESSION_KEY not in client.session
    answer = client.post(LOGIN, {"phone": "", "action": "login"})
    assert answer.status_code == 400 and "手机号" in answer.content.decode()


@pytest.mark.django_db
def test_sign_out(client, code_for):
    sign_in(client, NEW, code_for(NEW))
    answer = client.post("/portal/logout/")
    assert answer.status_code == 302 and answer["Location"] == LOGIN
    assert SESSION_KEY not in client.session


# --- Where a resident lands (issue 16) ------------------------------------------------------


def password_sign_in(client, user, next_url=""):
    """Sign in at the staff sign-in page with the account's password, redirects followed."""
    query = f"?next={next_url}" if next_url else ""
    return client.post(
        reverse("accounts:login") + query,
        {"username": user.username, "password": PASSWORD},
        follow=True,
    )


@pytest.mark.django_db
def test_a_resident_signing_in_with_a_password_lands_on_the_portal(client, world):
    """The demo's ``jumin`` landed on the staff workbench, which told them to ask an
    administrator for a role."""
    resident = world.users["resident"]
    answer = password_sign_in(client, resident)
    assert answer.status_code == 200 and answer.redirect_chain[-1][0] == reverse("portal:home")
    assert "尚未分配角色" not in answer.content.decode()
    # Opening the workbench sends them home too.
    answer = client.get(reverse("core:workbench"))
    assert answer.status_code == 302 and answer["Location"] == reverse("portal:home")
    # An explicit next is kept; one off the site is not.
    client.logout()
    answer = password_sign_in(client, resident, reverse("portal:demand_list"))
    assert answer.redirect_chain[-1][0] == reverse("portal:demand_list")
    client.logout()
    answer = password_sign_in(client, resident, "https://evil.example/")
    assert answer.redirect_chain[-1][0] == reverse("portal:home")


@pytest.mark.django_db
def test_an_account_signed_in_by_phone_lands_on_the_portal_from_the_workbench(client, world):
    """No role yet (not bound) and no password: a resident, not staff waiting for a role."""
    account = User.objects.create(username="jm-landing", phone=NEW)
    account.set_unusable_password()
    account.save()
    client.force_login(account)
    answer = client.get(reverse("core:workbench"))
    assert answer.status_code == 302 and answer["Location"] == reverse("portal:home")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["secretary", "grid_worker", "auditor", "superuser", "both"])
def test_staff_keep_the_workbench_even_when_also_residents(client_as, world, who):
    user = world.users["secretary" if who == "both" else who]
    if who == "both":
        RoleAssignment.objects.create(user=user, role=Role.RESIDENT, area=world.ours.community)
        assert user.roles == {Role.COMMUNITY_SECRETARY, Role.RESIDENT}
    answer = client_as(user).get(reverse("core:workbench"))
    assert answer.status_code == 200 and "工作台" in answer.content.decode()


@pytest.mark.django_db
def test_an_account_with_a_password_and_no_role_yet_is_told_to_ask_for_one(client_as, world):
    """Staff whose role is still to come keep the workbench and its notice."""
    answer = client_as(world.users["nobody"]).get(reverse("core:workbench"))
    assert answer.status_code == 200 and "尚未分配角色" in answer.content.decode()


# --- The API ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_code_then_token_then_the_residents_own_rows(
    client, world, django_capture_on_commit_callbacks
):
    with sms_inbox() as inbox, django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/api/v1/portal/auth/code", {"phone": NEW}, content_type="application/json"
        )
    assert answer.status_code == 202 and answer.json()["wait_seconds"] == 60
    again = client.post("/api/v1/portal/auth/code", {"phone": NEW}, content_type="application/json")
    assert again.status_code == 429 and again.json()["error"]["code"] == "throttled"
    wrong = client.post(
        "/api/v1/portal/auth/token",
        {"phone": NEW, "code": "12345x"},
        content_type="application/json",
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "code"
    answer = client.post(
        "/api/v1/portal/auth/token",
        {"phone": NEW, "code": inbox.codes[-1]},
        content_type="application/json",
    )
    assert answer.status_code == 201 and answer.json()["new_account"] is True
    key = answer.json()["token"]
    token = ApiToken.objects.get(user__phone=NEW)
    assert token.scope == "write" and key not in token.key_hash
    headers = {"Authorization": f"Bearer {key}"}
    mine = client.get("/api/v1/portal/bindings/mine", headers=headers)
    assert mine.status_code == 200 and mine.json() == {
        "bound": False,
        "household": "",
        "latest": None,
    }
    assert client.get("/api/v1/portal/bindings", headers=headers).status_code == 404


@pytest.mark.django_db
def test_api_malformed_input_is_a_4xx_json_never_a_500(client):
    for body in ({}, {"phone": 13912345678}, {"phone": "x" * 30}, {"phone": "1234"}):
        answer = client.post("/api/v1/portal/auth/code", body, content_type="application/json")
        assert 400 <= answer.status_code < 500 and "error" in answer.json()
    answer = client.post("/api/v1/portal/auth/token", "not json", content_type="application/json")
    assert 400 <= answer.status_code < 500 and "error" in answer.json()
