"""Writes to accounts: users, role assignments, passwords and API tokens; all audited.

Account management is scoped twice: the account must belong (``home_path``) under an
area where the actor holds ``accounts.manage_user``, and a role can be granted or
taken away only where one of the actor's own roles may hand it out (``roles.ASSIGNABLE``).
An account that holds a role the actor could not grant is beyond the actor's reach
(a community secretary cannot switch off their street administrator).

Scope checks run before the transaction opens, so that the audit record of a refusal
is not rolled back with the refused write.
"""

from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.pii import normalize_phone

from .models import ApiToken, RoleAssignment, User, hash_token
from .permissions import MANAGE_USER
from .roles import ASSIGNABLE, Role, grants

# --- Rules: who may grant what, and whom an administrator may manage --------------


def grantable_roles(actor) -> frozenset[str]:
    """Every role the actor may hand out somewhere in their subtree."""
    if actor.is_superuser:
        return frozenset(Role)
    return frozenset().union(*(ASSIGNABLE.get(role, ()) for role in actor.roles))


def may_grant(actor, role: str, area) -> bool:
    """One of the actor's assignments covers ``area`` and may hand out ``role`` there."""
    if actor.is_superuser:
        return True
    if not actor.is_active or area is None:
        return False
    table = grants()
    return any(
        area.path.startswith(path)
        and MANAGE_USER in table.get(own_role, ())
        and role in ASSIGNABLE.get(own_role, ())
        for own_role, path in actor.role_grants
    )


def may_manage(actor, user: User) -> bool:
    """The account lies in the actor's subtree and holds no role the actor could not grant."""
    if actor.is_superuser:
        return True
    if user.is_superuser or not user.home_path or not actor.has_perm(MANAGE_USER, user):
        return False
    return all(
        may_grant(actor, a.role, a.area) for a in user.role_assignments.select_related("area")
    )


def _deny(actor, target=None, **data) -> None:
    audit.log(
        "core.permission.denied",
        actor=actor,
        target=target,
        result=audit.DENIED,
        data={"perm": MANAGE_USER, **data},
    )


def _require_area(actor, area) -> None:
    if area is None or not (actor.is_superuser or actor.has_perm(MANAGE_USER, area)):
        _deny(actor, area)
        raise NotFoundOrForbidden(field="area")


def _require_grant(actor, role: str, area) -> None:
    if role not in Role.values:
        raise RuleViolation(_("角色“%(r)s”不存在。") % {"r": role}, field="role")
    _require_area(actor, area)
    if not may_grant(actor, role, area):
        _deny(actor, area, role=role)
        raise RuleViolation(
            _("您无权在“%(a)s”授予“%(r)s”角色。") % {"a": area.name, "r": Role(role).label},
            field="role",
        )


def _require_user(actor, user: User) -> None:
    if actor.pk == user.pk:
        _deny(actor, user, reason="self")
        raise RuleViolation(_("不能修改自己的账号状态或角色，请联系上级管理员。"), field="user")
    if not may_manage(actor, user):
        _deny(actor, user)
        if actor.has_perm(MANAGE_USER, user) and not user.is_superuser:
            # The account is in the actor's area (and listed for them): say why.
            raise RuleViolation(
                _("该用户拥有您无权授予的角色，请联系上级管理员办理。"), field="user"
            )
        raise NotFoundOrForbidden()


def _checked_password(password: str, user: User, *, field: str = "password") -> str:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise RuleViolation(" ".join(exc.messages), field=field) from None
    return password


# --- Passwords -----------------------------------------------------------------


def change_password(user: User, *, new_password: str) -> None:
    """Set a password the user chose: clears the forced change and restarts its age.

    The new password must differ from the current one, or a forced or periodic change
    would change nothing."""
    if user.check_password(new_password):
        raise RuleViolation(_("新密码不能与原密码相同。"), field="new_password1")
    _checked_password(new_password, user, field="new_password1")
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "must_change_password", "password_changed_at"])
        audit.log("accounts.password.changed", actor=user, target=user)


def reset_password(user: User, *, actor, password: str) -> User:
    """An administrator sets a temporary password; the account must change it at sign-in.

    Its sessions end (the session hash changes) and its API tokens are revoked, since a
    reset usually means the old credentials can no longer be trusted."""
    _require_user(actor, user)
    _checked_password(password, user)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(password)
        user.must_change_password = True
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "must_change_password", "password_changed_at"])
        revoked = ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)
        audit.log("accounts.password.reset", actor=actor, target=user, data={"tokens": revoked})
    return user


# --- Accounts and roles ----------------------------------------------------------


def create_user(
    *, actor, username: str, full_name: str, password: str, area, role: str, phone: str = ""
) -> User:
    """An administrator creates an account in their subtree; it must change its password."""
    _require_grant(actor, role, area)
    username = (username or "").strip()
    full_name = (full_name or "").strip()
    if not username:
        raise RuleViolation(_("账号不能为空。"), field="username")
    try:
        User.username_validator(username)
    except ValidationError:
        raise RuleViolation(
            _("账号只能包含字母、数字和 @/./+/-/_ 符号。"), field="username"
        ) from None
    if len(username) > 150:
        raise RuleViolation(_("账号不能超过150个字符。"), field="username")
    if not full_name:
        raise RuleViolation(_("姓名不能为空。"), field="full_name")
    phone = normalize_phone(phone) if phone else ""
    user = User(
        username=username,
        full_name=full_name[:50],
        phone=phone,
        home_path=area.path,
        must_change_password=True,
        password_changed_at=timezone.now(),
    )
    _checked_password(password, user)
    user.set_password(password)
    with transaction.atomic():
        # Case-insensitive: "Zhang" and "zhang" would be two accounts for one person.
        if User.objects.filter(username__iexact=username).exists():
            raise RuleViolation(_("账号“%(u)s”已存在。") % {"u": username}, field="username")
        user.save()
        RoleAssignment.objects.create(user=user, role=role, area=area)
        audit.log(
            "accounts.user.created",
            actor=actor,
            target=user,
            area_path=area.path,
            data={"username": username, "role": role, "area": area.code},
        )
    return user


def assign_role(*, actor, user: User, role: str, area) -> RoleAssignment:
    _require_user(actor, user)
    _require_grant(actor, role, area)
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, area=area)
        if not created:
            raise RuleViolation(
                _("该用户已在“%(a)s”拥有“%(r)s”角色。") % {"a": area.name, "r": Role(role).label},
                field="role",
            )
        audit.log(
            "accounts.role.assigned",
            actor=actor,
            target=user,
            area_path=user.home_path or area.path,
            data={"role": role, "area": area.code},
        )
    return assignment


def revoke_role(assignment: RoleAssignment, *, actor) -> None:
    user = assignment.user
    _require_user(actor, user)
    _require_grant(actor, assignment.role, assignment.area)
    with transaction.atomic():
        deleted, _rows = RoleAssignment.objects.filter(pk=assignment.pk).delete()
        if not deleted:
            raise NotFoundOrForbidden()
        audit.log(
            "accounts.role.revoked",
            actor=actor,
            target=user,
            area_path=user.home_path or assignment.area.path,
            data={"role": assignment.role, "area": assignment.area.code},
        )


def set_active(user: User, *, actor, active: bool) -> User:
    """Switch an account off (it is signed out at its next request) or back on."""
    _require_user(actor, user)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active == active:
            return user
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit.log(
            "accounts.user.activated" if active else "accounts.user.deactivated",
            actor=actor,
            target=user,
        )
    return user


# --- API tokens ------------------------------------------------------------------


@transaction.atomic
def issue_token(*, actor: User, name: str, days: int = 90) -> tuple[ApiToken, str]:
    """Create an API token for the actor; the clear key is returned once, never stored."""
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=actor,
        name=name,
        prefix=key[3:11],
        key_hash=hash_token(key),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit.log("accounts.token.issued", actor=actor, target=token, data={"name": name, "days": days})
    return token, key


@transaction.atomic
def revoke_token(token: ApiToken, *, actor: User) -> None:
    if token.user_id != actor.pk:
        raise NotFoundOrForbidden()
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    audit.log("accounts.token.revoked", actor=actor, target=token)


def authenticate_token(key: str) -> User | None:
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(key)).first()
    if token is None or not token.is_valid or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
