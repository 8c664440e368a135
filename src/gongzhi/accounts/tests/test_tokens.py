"""API tokens carry the requirements of a session (outside security test, finding 4): the
second factor at issue time, password expiry, the roles they were issued under; read or
write; listed and revoked by their owner and by administrators; every use attributable.
"""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongzhi.accounts import services
from gongzhi.accounts.models import ApiToken, RoleAssignment
from gongzhi.accounts.roles import Role
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import AuditLog
from gongzhi.core.testing import api_key

API = "/api/v1"


def call(client, key, method="get", path="/areas", **kwargs):
    return getattr(client, method)(API + path, headers={"Authorization": f"Bearer {key}"}, **kwargs)


def error_code(response):
    assert response["Content-Type"].startswith("application/json")
    return response.json()["error"]["code"]


def test_a_role_that_needs_the_second_factor_needs_it_to_issue_a_token(world):
    admin = world.users["street_admin"]
    with pytest.raises(RuleViolation, match="动态验证码"):
        services.issue_token(actor=admin, name="脚本", verified=False)
    with pytest.raises(RuleViolation, match="动态验证码"):  # verified, but nothing enrolled
        services.issue_token(actor=admin, name="脚本", verified=True)
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    token, _key = services.issue_token(actor=admin, name="脚本", verified=True)
    assert token.scope == "read"
    # A role without the second factor issues without it.
    services.issue_token(actor=world.users["staff"], name="脚本")


def test_the_tokens_page_passes_the_session_s_second_factor(world, client_as):
    admin = world.users["street_admin"]
    page = client_as(admin, verified=False).post(
        reverse("accounts:tokens"), {"name": "脚本", "days": 30, "scope": "read"}
    )
    assert page.status_code in (302, 403) or "动态验证码" in page.content.decode()
    assert not ApiToken.objects.filter(user=admin).exists()
    client = client_as(admin)  # signed in again, second factor passed
    page = client.post(reverse("accounts:tokens"), {"name": "脚本", "days": 30, "scope": "read"})
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert ApiToken.objects.filter(user=admin, scope="read").count() == 1


def test_a_token_dies_when_its_owner_is_given_a_role(client, world):
    staff = world.users["staff"]
    key = api_key(staff)
    assert call(client, key).status_code == 200
    services.assign_role(
        actor=world.users["district_admin"],
        user=staff,
        role=Role.STREET_ADMIN,
        area=world.street,
    )
    response = call(client, key)
    assert response.status_code == 401 and error_code(response) == "unauthenticated"
    assert ApiToken.objects.get(user=staff).revoked


def test_a_token_dies_when_roles_change_by_any_path(client, world):
    """Even a role written without the services (a data fix, a migration) stops the token:
    it remembers the roles it was issued under."""
    staff = world.users["staff"]
    key = api_key(staff)
    RoleAssignment.objects.create(user=staff, role=Role.DISTRICT_ADMIN, area=world.district)
    response = call(client, key)
    assert response.status_code == 401
    token = ApiToken.objects.get(user=staff)
    assert token.revoked and token.revoked_at is not None
    record = AuditLog.objects.filter(action="accounts.token.revoked").latest("id")
    assert record.data["reason"] == "roles_changed"


def test_a_token_dies_when_a_role_is_taken_away_or_the_account_switched_off(client, world):
    secretary, staff = world.users["secretary"], world.users["staff"]
    key = api_key(staff)
    assignment = RoleAssignment.objects.get(user=staff)
    services.revoke_role(assignment, actor=secretary)
    assert call(client, key).status_code == 401
    grid_worker = world.users["grid_worker"]
    key = api_key(grid_worker)
    services.set_active(grid_worker, actor=secretary, active=False)
    assert ApiToken.objects.get(user=grid_worker).revoked
    assert call(client, key).status_code == 401


def test_a_token_stops_when_its_owner_s_password_expires(client, world, settings):
    staff = world.users["staff"]
    now = timezone.now()
    staff.password_changed_at = now
    staff.save(update_fields=["password_changed_at"])
    with time_machine.travel(now, tick=False) as traveller:
        key = api_key(staff, days=365)
        traveller.shift(timedelta(days=settings.GONGZHI_PASSWORD_MAX_AGE_DAYS))
        assert call(client, key).status_code == 200  # the last valid day
        traveller.shift(timedelta(days=1))
        response = call(client, key)
        assert response.status_code == 403
        assert error_code(response) == "password_change_required"
        assert "修改密码" in response.json()["error"]["message"]


def test_a_token_of_a_two_factor_role_stops_without_an_enrolled_authenticator(client, world):
    admin = world.users["street_admin"]
    key = api_key(admin)
    assert call(client, key).status_code == 200
    TOTPDevice.objects.filter(user=admin).delete()
    response = call(client, key)
    assert response.status_code == 403 and error_code(response) == "two_factor_required"


def test_a_read_token_reads_and_never_writes(client, world):
    key = api_key(world.users["secretary"], scope="read")
    assert call(client, key).status_code == 200
    response = call(
        client,
        key,
        "post",
        "/areas",
        data={"parent_id": world.ours.grid.pk, "code": "99", "name": "新小区", "level": 5},
        content_type="application/json",
    )
    assert response.status_code == 403 and error_code(response) == "token_read_only"
    write = api_key(world.users["secretary"], scope="write")
    response = call(client, write, "delete", f"/households/{world.ours.households[2].pk}")
    assert response.status_code == 204


def test_every_record_of_a_token_s_request_names_the_token(client, world):
    key = api_key(world.users["secretary"], scope="write")
    token = ApiToken.objects.get(user=world.users["secretary"])
    response = call(client, key, "delete", f"/households/{world.ours.households[2].pk}")
    assert response.status_code == 204
    deleted = AuditLog.objects.get(action="areas.household.deleted")
    assert deleted.channel == f"token:{token.prefix}"
    used = AuditLog.objects.get(action="accounts.token.used")
    assert used.channel == f"token:{token.prefix}" and used.ip == "127.0.0.1"
    token.refresh_from_db()
    assert token.last_used_ip == "127.0.0.1"
    # Used again within the interval from the same address: no second record.
    call(client, key)
    assert AuditLog.objects.filter(action="accounts.token.used").count() == 1


def test_administrators_list_and_revoke_the_tokens_of_accounts_they_manage(
    client, world, client_as
):
    staff = world.users["staff"]
    key = api_key(staff, name="采集脚本")
    token = ApiToken.objects.get(user=staff)
    page = client_as(world.users["secretary"]).get(reverse("accounts:user_detail", args=[staff.pk]))
    assert "采集脚本" in page.content.decode() and token.prefix in page.content.decode()
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    assert response["Location"] == staff.get_absolute_url()
    assert call(Client(), key).status_code == 401
    assert AuditLog.objects.filter(
        action="accounts.token.revoked", user_id=world.users["secretary"].pk
    ).exists()


def test_nobody_else_revokes_a_token(world):
    staff = world.users["staff"]
    api_key(staff)
    token = ApiToken.objects.get(user=staff)
    with pytest.raises(NotFoundOrForbidden):
        services.revoke_token(token, actor=world.users["grid_worker"])
    token.refresh_from_db()
    assert not token.revoked
