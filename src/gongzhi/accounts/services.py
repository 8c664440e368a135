"""Writes to accounts: users, role assignments, passwords and API tokens; all audited."""

from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation

from .models import ApiToken, RoleAssignment, User, hash_token
from .permissions import MANAGE_USER
from .roles import ASSIGNABLE, Role


@transaction.atomic
def change_password(user: User, *, new_password: str) -> None:
    """Set a password the user chose: clears the forced change and restarts its age."""
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit.log("accounts.password.changed", actor=user, target=user)


def _may_manage(actor: User, area) -> bool:
    return actor.has_perm(MANAGE_USER, area)


@transaction.atomic
def create_user(
    *, actor, username: str, full_name: str, password: str, area, role: str, phone: str = ""
) -> User:
    """An administrator creates an account in their subtree; it must change its password."""
    if not _may_manage(actor, area):
        raise NotFoundOrForbidden()
    _check_assignable(actor, role)
    if User.objects.filter(username=username).exists():
        raise RuleViolation(_("账号“%(u)s”已存在。") % {"u": username}, field="username")
    user = User(
        username=username,
        full_name=full_name,
        phone=phone,
        home_path=area.path,
        must_change_password=True,
        password_changed_at=timezone.now(),
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise RuleViolation(" ".join(exc.messages), field="password") from None
    user.set_password(password)
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


def _check_assignable(actor, role: str) -> None:
    if actor.is_superuser:
        return
    allowed = set().union(*(ASSIGNABLE.get(r, set()) for r in actor.roles))
    if role not in allowed:
        raise RuleViolation(_("您无权授予“%(r)s”角色。") % {"r": Role(role).label}, field="role")


@transaction.atomic
def assign_role(*, actor, user: User, role: str, area) -> RoleAssignment:
    if not _may_manage(actor, area):
        raise NotFoundOrForbidden()
    _check_assignable(actor, role)
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, area=area)
    if created:
        audit.log(
            "accounts.role.assigned",
            actor=actor,
            target=user,
            area_path=area.path,
            data={"role": role, "area": area.code},
        )
    return assignment


@transaction.atomic
def revoke_role(assignment: RoleAssignment, *, actor) -> None:
    if not _may_manage(actor, assignment.area):
        raise NotFoundOrForbidden()
    audit.log(
        "accounts.role.revoked",
        actor=actor,
        target=assignment.user,
        area_path=assignment.area.path,
        data={"role": assignment.role, "area": assignment.area.code},
    )
    assignment.delete()


@transaction.atomic
def set_active(user: User, *, actor, active: bool) -> None:
    if not actor.is_superuser and not (user.home_path and actor.has_perm(MANAGE_USER, user)):
        raise NotFoundOrForbidden()
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.log(
        "accounts.user.activated" if active else "accounts.user.deactivated",
        actor=actor,
        target=user,
    )


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
