"""Password policy (RULES.md level 3): complexity, expiry after 90 days, forced change."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from gongzhi.accounts import services
from gongzhi.accounts.models import User
from gongzhi.accounts.roles import Role
from gongzhi.core.errors import RuleViolation
from gongzhi.core.models import AuditLog
from gongzhi.core.testing import PASSWORD

NEW_PASSWORD = "Harbour-Lamp-47"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def refusal_codes(password, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


# --- Complexity -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Tq7#kLm2x", "password_too_short"),  # 9 characters, 4 classes
        ("tq7kalm2xv", "password_too_simple"),  # 10 characters, 2 classes
        ("TQKALMXVRB", "password_too_simple"),  # 1 class
        ("Password123", "password_too_common"),  # 3 classes, on the common list
        ("73019462850", "password_entirely_numeric"),
    ],
)
def test_weak_passwords_are_refused(password, code):
    assert code in refusal_codes(password)


@pytest.mark.parametrize(
    "password",
    [
        "Tq7#kLm2xv",  # exactly 10 characters, 4 classes
        "tq7#kalm2x",  # 10 characters, exactly 3 classes (lower, digit, symbol)
        "TQ7KALMq2X",  # 3 classes (upper, digit, lower)
    ],
)
def test_passwords_at_the_boundary_are_accepted(password):
    assert refusal_codes(password) == set()


def test_password_like_the_account_name_is_refused():
    user = User(username="zhangwei2024", full_name="张伟", phone="13812345678")
    assert "password_too_similar" in refusal_codes("Zhangwei2024!", user)
    assert "password_too_similar" in refusal_codes("13812345678Ab", user)
    assert refusal_codes("Harbour-Lamp-47", user) == set()


def test_change_password_page_applies_the_policy(world, client_as):
    user = world.users["secretary"]
    client = client_as(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "short1A!", "new_password2": "short1A!"},
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_new_password_must_differ_from_the_current_one(world):
    user = world.users["secretary"]
    with pytest.raises(RuleViolation) as exc:
        services.change_password(user, new_password=PASSWORD)
    assert exc.value.field == "new_password1"


# --- Expiry ---------------------------------------------------------------------


@pytest.fixture
def aged_user(world):
    """A community secretary whose password was set at START."""
    user = world.users["secretary"]
    User.objects.filter(pk=user.pk).update(password_changed_at=START)
    user.refresh_from_db()
    return user


def test_password_still_valid_on_day_ninety(aged_user, client_as):
    with time_machine.travel(START + timedelta(days=90), tick=False):
        client = client_as(aged_user)
        assert client.get(reverse("core:workbench")).status_code == 200


def test_password_expired_on_day_ninety_one_forces_a_change(aged_user, client_as):
    with time_machine.travel(START + timedelta(days=91), tick=False):
        client = client_as(aged_user)
        response = client.get(reverse("core:workbench"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:password_change"))
        page = client.get(reverse("accounts:password_change"))
        assert "密码已使用超过90天" in page.content.decode()
        response = client.post(
            reverse("accounts:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        assert response.status_code == 302
        assert client.get(reverse("core:workbench")).status_code == 200


def test_account_never_stamped_ages_from_its_creation(world):
    with time_machine.travel(START, tick=False):
        user = User.objects.create_user("legacy", password=NEW_PASSWORD)
    assert user.password_changed_at is None
    with time_machine.travel(START + timedelta(days=90), tick=False):
        assert not user.password_expired(90)
    with time_machine.travel(START + timedelta(days=91), tick=False):
        assert user.password_expired(90)


# --- Forced change on first sign-in -------------------------------------------


@pytest.fixture
def created_user(world):
    return services.create_user(
        actor=world.users["secretary"],
        username="newstaff",
        full_name="新社工",
        password="Initial-Pass-2026",
        area=world.ours.community,
        role=Role.COMMUNITY_STAFF,
    )


def sign_in_with_password(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_created_account_must_change_its_password_before_any_page(created_user, world, client):
    assert created_user.must_change_password
    assert sign_in_with_password(client, "newstaff", "Initial-Pass-2026").status_code == 302
    change = reverse("accounts:password_change")
    for url in [
        reverse("core:workbench"),
        reverse("areas:household_list"),
        reverse("areas:area_detail", args=[world.ours.community.pk]),
        reverse("accounts:tokens"),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(change), url
    # A form post elsewhere is refused the same way and writes nothing.
    response = client.post(reverse("accounts:tokens"), {"name": "x", "days": 30})
    assert response.status_code == 302
    assert not created_user.api_tokens.exists()
    # The API answers with a machine-readable 403 meanwhile.
    api = client.get("/api/v1/areas")
    assert api.status_code == 403
    error = api.json()["error"]  # the body of every API 4xx
    assert (error["code"], error["field"]) == ("password_change_required", None) and error[
        "message"
    ]

    response = client.post(
        change,
        {
            "old_password": "Initial-Pass-2026",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    created_user.refresh_from_db()
    assert not created_user.must_change_password
    assert client.get(reverse("core:workbench")).status_code == 200
    assert client.get("/api/v1/areas").status_code == 200
    assert AuditLog.objects.filter(
        action="accounts.password.changed", user_id=created_user.pk
    ).exists()


def test_redirect_to_the_change_page_returns_to_where_the_user_was(created_user, client):
    sign_in_with_password(client, "newstaff", "Initial-Pass-2026")
    wanted = reverse("areas:household_list")
    response = client.get(wanted)
    assert (
        response["Location"]
        == f"{reverse('accounts:password_change')}?next=%2Fareas%2Fhouseholds%2F"
    )
    response = client.post(
        response["Location"],
        {
            "old_password": "Initial-Pass-2026",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response["Location"] == wanted


def test_change_page_does_not_redirect_off_site(created_user, client):
    sign_in_with_password(client, "newstaff", "Initial-Pass-2026")
    response = client.post(
        reverse("accounts:password_change") + "?next=https://evil.example/",
        {
            "old_password": "Initial-Pass-2026",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response["Location"] == reverse("core:workbench")


def test_sign_out_stays_reachable_during_a_forced_change(created_user, client):
    sign_in_with_password(client, "newstaff", "Initial-Pass-2026")
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_by_an_administrator_forces_a_change_again(world, client_as):
    user = world.users["staff"]
    token, key = services.issue_token(actor=user, name="script", scope="write", verified=True)
    services.reset_password(user, actor=world.users["secretary"], password="Temp-Pass-2026x")
    user.refresh_from_db()
    assert user.must_change_password
    assert user.check_password("Temp-Pass-2026x")
    token.refresh_from_db()
    assert token.revoked
    assert services.authenticate_token(key) is None
