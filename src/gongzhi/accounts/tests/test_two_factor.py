"""TOTP second factor for administrators: enrol once, verify on every sign-in."""

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongzhi.core.models import AuditLog
from gongzhi.core.testing import PASSWORD

START = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
TWO_FACTOR = "/accounts/two-factor/"


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def sign_in(client, username):
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def code_for(key: bytes) -> str:
    """What an authenticator app shows right now for ``key`` (RFC 6238, 30 s, 6 digits)."""
    return f"{totp(key, step=30, t0=0, digits=6):06d}"


def enrol(client) -> bytes:
    page = client.get(TWO_FACTOR)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body  # the QR code, drawn inline
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', body).group(1)
    return base64.b32decode(secret)


@pytest.mark.parametrize("who", ["district_admin", "street_admin", "superuser", "auditor"])
def test_administrators_must_enrol_before_any_page(world, client, frozen, who):
    user = world.users[who]
    sign_in(client, user.username)
    for url in [reverse("core:workbench"), reverse("areas:household_list")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(TWO_FACTOR)
    api = client.get("/api/v1/areas")
    assert api.status_code == 403
    error = api.json()["error"]  # the body of every API 4xx
    assert (error["code"], error["field"]) == ("two_factor_required", None) and error["message"]

    key = enrol(client)
    response = client.post(TWO_FACTOR, {"token": code_for(key)})
    assert response.status_code == 302
    assert client.get(reverse("core:workbench")).status_code == 200
    assert TOTPDevice.objects.get(user=user).confirmed
    actions = set(AuditLog.objects.filter(user_id=user.pk).values_list("action", flat=True))
    assert {"accounts.two_factor.enrolled", "accounts.two_factor.verified"} <= actions


@pytest.mark.parametrize(
    "who", ["secretary", "staff", "grid_worker", "branch_secretary", "resident"]
)
def test_community_roles_are_not_asked(world, client, who):
    """Their home page opens (a resident's is the portal's) without the second factor."""
    sign_in(client, world.users[who].username)
    answer = client.get(reverse("core:workbench"), follow=True)
    assert answer.status_code == 200
    assert all(TWO_FACTOR not in url for url, _status in answer.redirect_chain)
    assert not TOTPDevice.objects.filter(user=world.users[who]).exists()


def test_wrong_code_is_refused_and_audited(world, client, frozen):
    user = world.users["district_admin"]
    sign_in(client, user.username)
    key = enrol(client)
    right = code_for(key)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(TWO_FACTOR, {"token": wrong}, REMOTE_ADDR="10.2.3.4")
    assert response.status_code == 400
    assert "动态验证码不正确" in response.content.decode()
    assert client.get(reverse("core:workbench")).status_code == 302
    record = AuditLog.objects.get(action="accounts.two_factor.failed")
    assert (record.user_id, record.result, record.ip) == (user.pk, "failure", "10.2.3.4")
    assert not TOTPDevice.objects.get(user=user).confirmed

    # After the throttle delay the right code is accepted.
    frozen.shift(timedelta(seconds=2))
    assert client.post(TWO_FACTOR, {"token": code_for(key)}).status_code == 302
    assert client.get(reverse("core:workbench")).status_code == 200


def test_every_sign_in_asks_for_a_code_again(world, client, frozen):
    user = world.users["street_admin"]
    sign_in(client, user.username)
    key = enrol(client)
    client.post(TWO_FACTOR, {"token": code_for(key)})
    client.post(reverse("accounts:logout"))

    frozen.shift(timedelta(minutes=5))
    sign_in(client, user.username)
    response = client.get(reverse("core:workbench"))
    assert response["Location"].startswith(TWO_FACTOR)
    page = client.get(TWO_FACTOR).content.decode()
    assert "totp-secret" not in page  # enrolled: the secret is never shown again
    assert client.post(TWO_FACTOR, {"token": code_for(key)}).status_code == 302
    assert client.get(reverse("core:workbench")).status_code == 200
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_a_code_cannot_be_replayed(world, client, frozen):
    user = world.users["street_admin"]
    sign_in(client, user.username)
    key = enrol(client)
    code = code_for(key)
    client.post(TWO_FACTOR, {"token": code})
    client.post(reverse("accounts:logout"))
    frozen.shift(timedelta(seconds=3))  # same 30-second step
    sign_in(client, user.username)
    assert client.post(TWO_FACTOR, {"token": code}).status_code == 400


def test_after_verifying_the_user_returns_where_they_were_but_never_off_site(world, client, frozen):
    sign_in(client, world.users["district_admin"].username)
    wanted = reverse("areas:household_list")
    location = client.get(wanted)["Location"]
    key = enrol(client)
    assert client.post(location, {"token": code_for(key)})["Location"] == wanted

    client.post(reverse("accounts:logout"))
    frozen.shift(timedelta(minutes=1))
    sign_in(client, world.users["district_admin"].username)
    response = client.post(TWO_FACTOR + "?next=https://evil.example/", {"token": code_for(key)})
    assert response["Location"] == reverse("core:workbench")
