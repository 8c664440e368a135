"""Residents' accounts by phone (ADR 0016): a correct code signs in the resident whose
account has the number, or creates one (no usable password) on the first sign-in. Staff
accounts keep their password and second factor: the portal refuses them, with the same
message whether the number is a staff member's or belongs to a disabled account."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.accounts.models import ApiToken, TokenScope, User, hash_token, roles_fingerprint
from gongzhi.accounts.roles import Role
from gongzhi.core import audit, params
from gongzhi.core.errors import RuleViolation
from gongzhi.core.services import atomic
from gongzhi.demands import services as demand_services

from . import codes


def is_resident_account(user: User) -> bool:
    """An account that holds no role but the resident's: the only ones the portal signs in
    by phone (and the only ones that may ask for a household binding)."""
    return not (user.is_superuser or user.is_staff) and user.roles <= {Role.RESIDENT}


def lands_on_portal(user: User) -> bool:
    """A resident and nothing else — the resident's role, or an account signed in by
    phone — lands on the portal's home instead of the staff workbench (core.modules
    .Landing). An account with a password and no role yet is staff waiting for theirs:
    the workbench tells them so."""
    return is_resident_account(user) and (bool(user.roles) or not user.has_usable_password())


@dataclass(frozen=True)
class SignedIn:
    user: User
    created: bool  # a new account: it is asked to bind a household


def _refused() -> RuleViolation:
    return RuleViolation(_("该手机号不能登录居民端。工作人员请使用账号密码登录。"), field="phone")


@atomic
def _account(phone: str) -> SignedIn | None:
    users = list(User.objects.filter(phone=phone).order_by("pk"))
    if any(not u.is_active or not is_resident_account(u) for u in users):
        return None
    if users:
        user, created = users[0], False
    else:
        user = User(username="jm-" + secrets.token_hex(6), phone=phone)
        user.set_unusable_password()
        user.save()
        created = True
        audit.log("portal.account.created", actor=user, target=user)
        demand_services.claim_by_phone(user)
    return SignedIn(user, created)


def sign_in(raw_phone: str, raw_code: str) -> SignedIn:
    """Check the code (its wrong tries are kept even when the sign-in is refused), then
    find or create the resident's account."""
    phone = codes.check_code(raw_phone, raw_code)
    signed_in = _account(phone)
    if signed_in is None:
        audit.log("portal.signin.refused", result=audit.DENIED, data={"reason": "not_resident"})
        raise _refused()
    return signed_in


@atomic
def issue_portal_token(user: User) -> tuple[ApiToken, str]:
    """A token for the resident's own client (the mini-program to come): read and write,
    which reaches only the resident's own rows; ``portal.token_days`` long. It stops
    working once a binding gives the account its role (accounts.roles_fingerprint): the
    client signs in again."""
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user,
        name=_("居民端"),
        prefix=key[3:11],
        key_hash=hash_token(key),
        scope=TokenScope.WRITE,
        roles_fingerprint=roles_fingerprint(user),
        expires_at=timezone.now() + timedelta(days=params.value("portal.token_days")),
    )
    audit.log(
        "accounts.token.issued",
        actor=user,
        target=token,
        data={"name": "portal", "scope": token.scope, "prefix": token.prefix},
    )
    return token, key
