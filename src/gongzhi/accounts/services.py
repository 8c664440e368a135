"""Writes to accounts: users, role assignments, passwords and API tokens; all audited.

Account management is scoped twice: the account must belong (``home_path``) under an
area where the actor holds ``accounts.manage_user``, and a role can be granted or
taken away only where one of the actor's own roles may hand it out (``roles.ASSIGNABLE``).
An account that holds a role the actor could not grant is beyond the actor's reach
(a community secretary cannot switch off their street administrator). A role held on a
party organization counts by the area the organization serves (``RoleAssignment.area``).

Scope checks run before the transaction opens, so that the audit record of a refusal
is not rolled back with the refused write.
"""

from datetime import timedelta
from typing import cast

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area
from gongzhi.core import audit
from gongzhi.core.errors import DomainError, NotFoundOrForbidden, RuleViolation
from gongzhi.core.pii import normalize_phone
from gongzhi.core.services import atomic, deny
from gongzhi.party.choices import BRANCH_TYPES, OrgType
from gongzhi.party.models import Organization

from .models import ApiToken, RoleAssignment, TokenScope, User, hash_token, roles_fingerprint
from .permissions import MANAGE_USER, USE_API
from .roles import ASSIGNABLE, ORGANIZATION_ROLES, Role, grants

# --- Rules: who may grant what, and whom an administrator may manage --------------

# ``ASSIGNABLE`` looked up by role names as assignments and ``User.roles`` hold them: a
# ``Role`` hashes and compares as its value, so a plain name finds its entry.
_ASSIGNABLE = cast("dict[str, frozenset[str]]", ASSIGNABLE)


def grantable_roles(actor: User) -> frozenset[str]:
    """Every role the actor may hand out somewhere in their subtree."""
    if actor.is_superuser:
        return frozenset(Role)
    return frozenset().union(*(_ASSIGNABLE.get(role, ()) for role in actor.roles))


def may_grant(actor: User, role: str, area: Area | None) -> bool:
    """One of the actor's assignments covers ``area`` and may hand out ``role`` there."""
    if actor.is_superuser:
        return True
    if not actor.is_active or area is None:
        return False
    table = grants()
    return any(
        area.path.startswith(path)
        and MANAGE_USER in table.get(own_role, ())
        and role in _ASSIGNABLE.get(own_role, ())
        for own_role, path in actor.role_grants
    )


def may_manage(actor: User, user: User) -> bool:
    """The account lies in the actor's subtree and holds no role the actor could not grant."""
    if actor.is_superuser:
        return True
    if user.is_superuser or not user.home_path or not actor.has_perm(MANAGE_USER, user):
        return False
    return all(
        may_grant(actor, a.role, a.area) for a in user.role_assignments.select_related("area")
    )


def _require_area(actor: User, area: Area | None) -> None:
    if area is None or not (actor.is_superuser or actor.has_perm(MANAGE_USER, area)):
        deny(actor, MANAGE_USER, area, refusal=NotFoundOrForbidden(field="area"))


def _require_grant(actor: User, role: str, area: Area) -> None:
    if role not in Role.values:
        raise RuleViolation(_("角色“%(r)s”不存在。") % {"r": role}, field="role")
    _require_area(actor, area)
    if not may_grant(actor, role, area):
        refusal = RuleViolation(
            _("您无权在“%(a)s”授予“%(r)s”角色。") % {"a": area.name, "r": Role(role).label},
            field="role",
        )
        deny(actor, MANAGE_USER, area, refusal=refusal, role=role)


def _require_organization(
    actor: User, role: str, organization: Organization, area: Area | None
) -> Area:
    """A role held on an organization: one the actor may see as an administrator (else
    refused like an area outside their subtree), a party-only role, not a party group,
    and the area the organization serves (the one the assignment records)."""
    if not (actor.is_superuser or actor.has_perm(MANAGE_USER, organization)):
        deny(actor, MANAGE_USER, organization, refusal=NotFoundOrForbidden(field="organization"))
    if role not in ORGANIZATION_ROLES:
        labels = "、".join(str(Role(r).label) for r in sorted(ORGANIZATION_ROLES))
        raise RuleViolation(
            _("“%(r)s”角色不能授予在党组织上，只有%(ok)s可以按党组织授权；请改选管辖区域。")
            % {"r": Role(role).label if role in Role.values else role, "ok": labels},
            field="organization",
        )
    if organization.org_type == OrgType.GROUP:
        # Members belong to branches (a group only lists some of them): a party-group
        # leader is given their branch, as SPEC.md gives them ("their branch").
        raise RuleViolation(_("党小组不能单独授权，请选择其所在的党支部。"), field="organization")
    if organization.org_type not in (*BRANCH_TYPES, OrgType.GENERAL_BRANCH):
        # A committee's secretary holds the area's role: a branch role there would reach
        # every branch of the committee through the party side only.
        raise RuleViolation(
            _("只能按党支部或党总支授权；党委、党工委请按管辖区域授权。"), field="organization"
        )
    if not organization.is_active:
        raise RuleViolation(_("该党组织已撤销，不能授权。"), field="organization")
    if area is not None and area.pk != organization.area_id:
        raise RuleViolation(
            _("按党组织授权时，管辖区域须为该党组织的服务区域“%(a)s”。")
            % {"a": organization.area.name},
            field="area",
        )
    return organization.area


def _require_user(actor: User, user: User) -> None:
    if actor.pk == user.pk:
        refusal = RuleViolation(_("不能修改自己的账号状态或角色，请联系上级管理员。"), field="user")
        deny(actor, MANAGE_USER, user, refusal=refusal, reason="self")
    if not may_manage(actor, user):
        if actor.has_perm(MANAGE_USER, user) and not user.is_superuser:
            # The account is in the actor's area (and listed for them): say why.
            refusal = RuleViolation(
                _("该用户拥有您无权授予的角色，请联系上级管理员办理。"), field="user"
            )
            deny(actor, MANAGE_USER, user, refusal=refusal)
        deny(actor, MANAGE_USER, user)


def _checked_password(password: str, user: User, *, field: str = "password") -> str:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise RuleViolation(" ".join(exc.messages), field=field) from None
    return password


# --- Passwords -----------------------------------------------------------------


@atomic
def change_password(user: User, *, new_password: str) -> None:
    """Set a password the user chose: clears the forced change and restarts its age.

    The new password must differ from the current one, or a forced or periodic change
    would change nothing."""
    if user.check_password(new_password):
        raise RuleViolation(_("新密码不能与原密码相同。"), field="new_password1")
    _checked_password(new_password, user, field="new_password1")
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit.log("accounts.password.changed", actor=user, target=user)


@atomic
def reset_password(user: User, *, actor: User, password: str) -> User:
    """An administrator sets a temporary password; the account must change it at sign-in.

    Its sessions end (the session hash changes) and its API tokens are revoked, since a
    reset usually means the old credentials can no longer be trusted."""
    _require_user(actor, user)
    _checked_password(password, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    revoked = _revoke_all(user, actor=actor, reason="password_reset")
    audit.log("accounts.password.reset", actor=actor, target=user, data={"tokens": revoked})
    return user


# --- Accounts and roles ----------------------------------------------------------


@atomic
def create_user(
    *,
    actor: User,
    username: str,
    full_name: str,
    password: str,
    area: Area,
    role: str,
    phone: str = "",
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


@atomic
def assign_role(
    *,
    actor: User,
    user: User,
    role: str,
    area: Area | None = None,
    organization: Organization | None = None,
) -> RoleAssignment:
    """Grant ``role`` on ``area``, or on a party ``organization`` (a party-only role,
    held on the area the organization serves; ADR 0008)."""
    _require_user(actor, user)
    if organization is not None:
        if role not in Role.values:
            raise RuleViolation(_("角色“%(r)s”不存在。") % {"r": role}, field="role")
        area = _require_organization(actor, role, organization, area)
    if area is None:
        raise RuleViolation(_("请选择管辖区域或党组织。"), field="area")
    _require_grant(actor, role, area)
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, area=area, organization=organization
    )
    if not created:
        raise RuleViolation(
            _("该用户已在“%(a)s”拥有“%(r)s”角色。")
            % {"a": (organization or area).name, "r": Role(role).label},
            field="organization" if organization is not None else "role",
        )
    _revoke_all(user, actor=actor, reason="roles_changed")
    data: dict[str, object] = {"role": role, "area": area.code}
    if organization is not None:
        data["organization"] = organization.pk
    audit.log(
        "accounts.role.assigned",
        actor=actor,
        target=user,
        area_path=user.home_path or area.path,
        data=data,
    )
    return assignment


@atomic
def revoke_role(assignment: RoleAssignment, *, actor: User) -> None:
    user = assignment.user
    _require_user(actor, user)
    _require_grant(actor, assignment.role, assignment.area)
    deleted, _rows = RoleAssignment.objects.filter(pk=assignment.pk).delete()
    if not deleted:
        raise NotFoundOrForbidden()
    _revoke_all(user, actor=actor, reason="roles_changed")
    audit.log(
        "accounts.role.revoked",
        actor=actor,
        target=user,
        area_path=user.home_path or assignment.area.path,
        data={
            "role": assignment.role,
            "area": assignment.area.code,
            **({"organization": assignment.organization_id} if assignment.organization_id else {}),
        },
    )


@atomic
def set_active(user: User, *, actor: User, active: bool) -> User:
    """Switch an account off (it is signed out at its next request) or back on."""
    _require_user(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        _revoke_all(user, actor=actor, reason="deactivated")
    audit.log(
        "accounts.user.activated" if active else "accounts.user.deactivated",
        actor=actor,
        target=user,
    )
    return user


# --- API tokens ------------------------------------------------------------------
#
# A token is a credential like a session and carries the same requirements: its owner's
# roles that need a second factor need it at issue time (and an enrolled device at each
# use); an expired or forced password change stops it; it stops for good when its
# owner's roles change, when an administrator resets the password or switches the
# account off, and when it expires. It is read-only unless issued for writing. Owners
# and the administrators who manage the account list and revoke it; every record the
# audit log writes during a token's request names the token (``channel``), and each
# token's use is recorded with its address at most every few minutes.

TOKEN_MAX_DAYS = 365
TOKEN_USE_RECORD_SECONDS = 300


class TokenRefused(DomainError):
    """The token is valid but its owner must first do something on the web pages."""

    code = "forbidden"
    status = 403


@atomic
def issue_token(
    *, actor: User, name: str, days: int = 90, scope: str = TokenScope.READ, verified: bool = False
) -> tuple[ApiToken, str]:
    """Create an API token for the actor; the clear key is returned once, never stored.

    ``verified``: the actor passed the second factor in this session (the page passes
    ``request.user.is_verified()``)."""
    if not actor.may_use_api:
        deny(actor, USE_API)
    name = (name or "").strip()
    if not name:
        raise RuleViolation(_("名称不能为空。"), field="name")
    if not 1 <= days <= TOKEN_MAX_DAYS:
        raise RuleViolation(_("有效天数应为1至%(n)d天。") % {"n": TOKEN_MAX_DAYS}, field="days")
    if scope not in TokenScope.values:
        raise RuleViolation(_("权限应为只读或读写。"), field="scope")
    if actor.requires_two_factor and not (verified and _has_authenticator(actor)):
        raise RuleViolation(
            _("您的角色须使用动态验证码：请先在网页完成动态验证码验证，再创建令牌。"),
            field="name",
        )
    if actor.must_change_password or actor.password_expired(settings.GONGZHI_PASSWORD_MAX_AGE_DAYS):
        raise RuleViolation(_("请先修改密码，再创建令牌。"), field="name")
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=actor,
        name=name[:50],
        prefix=key[3:11],
        key_hash=hash_token(key),
        scope=scope,
        roles_fingerprint=roles_fingerprint(actor),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit.log(
        "accounts.token.issued",
        actor=actor,
        target=token,
        data={"name": name, "days": days, "scope": scope, "prefix": token.prefix},
    )
    return token, key


def may_revoke_token(actor: User, token: ApiToken) -> bool:
    return token.user_id == actor.pk or may_manage(actor, token.user)


@atomic
def revoke_token(token: ApiToken, *, actor: User) -> None:
    """The owner, or an administrator who manages the owner's account, revokes a token."""
    if not may_revoke_token(actor, token):
        deny(actor, MANAGE_USER, token.user, token=token.prefix)
    ApiToken.objects.filter(pk=token.pk, revoked=False).update(
        revoked=True, revoked_at=timezone.now()
    )
    audit.log(
        "accounts.token.revoked",
        actor=actor,
        target=token,
        area_path=token.user.home_path,
        data={"prefix": token.prefix, "owner": token.user.username},
    )


def _revoke_all(user: User, *, actor: User, reason: str) -> int:
    """Revoke every live token of ``user`` (inside the caller's transaction)."""
    revoked = ApiToken.objects.filter(user=user, revoked=False).update(
        revoked=True, revoked_at=timezone.now()
    )
    if revoked:
        audit.log(
            "accounts.token.revoked",
            actor=actor,
            target=user,
            data={"tokens": revoked, "reason": reason},
        )
    return revoked


def _has_authenticator(user: User) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def authenticate_token(key: str, *, method: str = "GET", ip: str = "") -> User | None:
    """The owner of a usable token, or None (the API answers 401).

    A token whose owner must act on the web pages first (change an expired password,
    enrol the second factor) is refused with a 403 that says so; a read-only token is
    refused for writes."""
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(key)).first()
    if token is None or not token.is_valid or not token.user.is_active:
        return None
    user = token.user
    if token.roles_fingerprint != roles_fingerprint(user):
        # The roles changed since the token was issued (a path that did not revoke it).
        ApiToken.objects.filter(pk=token.pk).update(revoked=True, revoked_at=timezone.now())
        audit.log(
            "accounts.token.revoked",
            target=token,
            area_path=user.home_path,
            data={"prefix": token.prefix, "owner": user.username, "reason": "roles_changed"},
        )
        return None
    if user.must_change_password or user.password_expired(settings.GONGZHI_PASSWORD_MAX_AGE_DAYS):
        raise TokenRefused(
            _("令牌所属账号须先在网页修改密码（首次登录或密码已过期）。"),
            code="password_change_required",
        )
    if user.requires_two_factor and not _has_authenticator(user):
        raise TokenRefused(
            _("令牌所属账号须先在网页完成动态验证码设置。"), code="two_factor_required"
        )
    if token.scope != TokenScope.WRITE and method not in ("GET", "HEAD", "OPTIONS"):
        raise TokenRefused(_("此令牌为只读令牌，不能用于修改数据。"), code="token_read_only")
    now = timezone.now()
    if (
        token.last_used_at is None
        or (now - token.last_used_at).total_seconds() > (TOKEN_USE_RECORD_SECONDS)
        or token.last_used_ip != (ip or None)
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip or None)
        audit.log(
            "accounts.token.used",
            actor=user,
            target=token,
            data={"prefix": token.prefix, "scope": token.scope},
        )
    # The request's token, beside the user (an attribute ``User`` does not declare).
    setattr(user, "api_token", token)  # noqa: B010
    return user
