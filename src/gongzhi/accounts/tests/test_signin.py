"""Sign-in security: identical failures, lockout after 5 failures for 15 minutes, idle timeout."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.core.models import AuditLog
from gongzhi.core.testing import PASSWORD

LOGIN = "/accounts/login/"
WRONG_PASSWORD_MESSAGE = "账号或密码错误。连续失败5次将锁定15分钟。"
LOCKED_MESSAGE = "登录失败次数过多，该账号已被锁定15分钟，请稍后再试。"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def attempt(client, username, password, ip="10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def normalised(response, username) -> str:
    """The page with the per-response CSRF token and the echoed account name blanked."""
    body = response.content.decode()
    body = re.sub(r"\b[A-Za-z0-9]{64}\b", "<csrf>", body)
    return body.replace(f'value="{username}"', 'value="…"')


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_wrong_password_and_unknown_account_read_the_same(world, client):
    existing = attempt(client, "sj", "Wrong-Passw0rd")
    unknown = attempt(client, "no-such-account", "Wrong-Passw0rd")
    assert existing.status_code == unknown.status_code == 200
    assert WRONG_PASSWORD_MESSAGE in existing.content.decode()
    assert normalised(existing, "sj") == normalised(unknown, "no-such-account")


def test_inactive_account_reads_like_a_wrong_password(world, client):
    user = world.users["staff"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    inactive = attempt(client, "gz", PASSWORD)
    unknown = attempt(client, "nobody-here", PASSWORD)
    assert inactive.status_code == unknown.status_code == 200
    assert normalised(inactive, "gz") == normalised(unknown, "nobody-here")
    assert "_auth_user_id" not in client.session


def test_right_password_signs_in(world, client):
    response = attempt(client, "sj", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.users["secretary"].pk)


def test_fifth_failure_locks_and_sixth_is_refused_even_with_the_right_password(
    world, client, frozen
):
    for _ in range(4):
        response = attempt(client, "sj", "Wrong-Passw0rd")
        assert response.status_code == 200
        assert LOCKED_MESSAGE not in response.content.decode()
    fifth = attempt(client, "sj", "Wrong-Passw0rd")
    assert fifth.status_code == 429
    assert LOCKED_MESSAGE in fifth.content.decode()

    sixth = attempt(client, "sj", PASSWORD)
    assert sixth.status_code == 429
    assert LOCKED_MESSAGE in sixth.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_account_name_not_per_address(world, client, frozen):
    for i in range(5):
        attempt(client, "sj", "Wrong-Passw0rd", ip=f"10.0.0.{i + 1}")
    # Another address does not get around the lock…
    assert attempt(client, "sj", PASSWORD, ip="10.9.9.9").status_code == 429
    # …and another account on the same address is not locked with it.
    assert attempt(client, "gz", PASSWORD, ip="10.0.0.1").status_code == 302


def test_unknown_account_locks_exactly_like_an_existing_one(world, client, frozen):
    known = [attempt(client, "sj", "Wrong-Passw0rd") for _ in range(6)]
    unknown = [attempt(client, "ghost", "Wrong-Passw0rd") for _ in range(6)]
    for k, u in zip(known, unknown, strict=True):
        assert k.status_code == u.status_code
        assert normalised(k, "sj") == normalised(u, "ghost")
    assert [r.status_code for r in unknown] == [200, 200, 200, 200, 429, 429]
    assert LOCKED_MESSAGE in unknown[-1].content.decode()


def test_lock_lifts_after_fifteen_minutes(world, client, frozen):
    for _ in range(5):
        attempt(client, "sj", "Wrong-Passw0rd")
    frozen.shift(timedelta(minutes=14, seconds=59))
    assert attempt(client, "sj", PASSWORD).status_code == 429
    frozen.shift(timedelta(seconds=2))
    response = attempt(client, "sj", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.users["secretary"].pk)


def test_success_resets_the_failure_count(world, client, frozen):
    for _ in range(4):
        attempt(client, "sj", "Wrong-Passw0rd")
    assert attempt(client, "sj", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert attempt(client, "sj", "Wrong-Passw0rd").status_code == 200


def test_sign_in_failure_and_lockout_are_audited(world, client, frozen):
    for _ in range(5):
        attempt(client, "sj", "Wrong-Passw0rd", ip="10.0.0.7")
    attempt(client, "sj", PASSWORD, ip="10.0.0.8")
    records = list(AuditLog.objects.filter(username="sj").order_by("id"))
    assert [(r.action, r.result) for r in records] == [
        *[("accounts.signin.failed", "failure")] * 5,
        ("accounts.signin.locked", "denied"),
        ("accounts.signin.locked", "denied"),
    ]
    assert records[0].ip == "10.0.0.7"
    assert records[-1].ip == "10.0.0.8"
    # The record names the account that was tried, so its area's auditor sees it.
    assert records[0].user_id == world.users["secretary"].pk
    assert records[0].area_path == world.ours.community.path


def test_failed_sign_in_with_unknown_account_is_audited_under_the_district(world, client):
    attempt(client, "ghost", "Wrong-Passw0rd", ip="10.0.0.9")
    record = AuditLog.objects.get(action="accounts.signin.failed")
    assert record.username == "ghost"
    assert record.user_id is None
    assert record.ip == "10.0.0.9"
    assert record.area_path == world.district.path


# --- Idle timeout --------------------------------------------------------------


def test_idle_session_is_signed_out_after_thirty_minutes(world, client, frozen):
    assert attempt(client, "sj", PASSWORD).status_code == 302
    assert client.get(reverse("core:workbench")).status_code == 200
    frozen.shift(timedelta(minutes=29))
    assert client.get(reverse("core:workbench")).status_code == 200
    frozen.shift(timedelta(minutes=30, seconds=1))
    response = client.get(reverse("core:workbench"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_session_active_every_twenty_minutes_stays_signed_in(world, client, frozen):
    assert attempt(client, "sj", PASSWORD).status_code == 302
    for _ in range(6):  # two hours in all
        frozen.shift(timedelta(minutes=20))
        assert client.get(reverse("core:workbench")).status_code == 200


def test_the_idle_timeout_is_renewed_at_most_once_a_minute(world, client, frozen):
    """No database write for a session on every request: the expiry moves on once a
    minute at most, so a session never outlives 30 minutes without activity."""
    assert attempt(client, "sj", PASSWORD).status_code == 302
    key = client.session.session_key
    signed_in = Session.objects.get(pk=key).expire_date
    frozen.shift(timedelta(seconds=59))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("core:workbench")).status_code == 200
    assert not [q for q in queries if 'UPDATE "django_session"' in q["sql"]]
    assert Session.objects.get(pk=key).expire_date == signed_in
    frozen.shift(timedelta(seconds=1))
    assert client.get(reverse("core:workbench")).status_code == 200
    assert Session.objects.get(pk=key).expire_date == signed_in + timedelta(seconds=60)
    frozen.shift(timedelta(minutes=30))  # 30 minutes after the last renewal: signed out
    assert client.get(reverse("core:workbench")).status_code == 302


def test_sign_out_ends_the_session_and_is_audited(world, client):
    attempt(client, "sj", PASSWORD, ip="10.0.0.5")
    client.post(reverse("accounts:logout"), REMOTE_ADDR="10.0.0.5")
    assert "_auth_user_id" not in client.session
    actions = list(
        AuditLog.objects.filter(username="sj").order_by("id").values_list("action", "ip")
    )
    assert actions == [("accounts.signin.succeeded", "10.0.0.5"), ("accounts.signout", "10.0.0.5")]
