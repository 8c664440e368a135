import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from gongzhi.core.pii import mask_phone
from gongzhi.core.scoping import Scope, ScopedQuerySet, TreePathField

from .roles import TWO_FACTOR_ROLES, Role, grants, org_scoped_apps


class UserQuerySet(ScopedQuerySet):
    def with_roles(self):
        """Load every row's role assignments in one extra query (no N+1 in lists)."""
        return self.prefetch_related(
            models.Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.select_related("area", "organization").order_by(
                    "pk"
                ),
            )
        )


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person who signs in. What they may see and do comes from their role assignments."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True, db_index=True)
    # The account's UserID in the WeChat Work directory, when it differs from nothing we
    # hold: where core.senders.WeComSender sends (ADR 0010). Empty: no WeCom messages.
    wecom_userid = models.CharField(_("企业微信账号"), max_length=64, blank=True)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # The area under which the account is administered (scope of user management).
    home_path = TreePathField(_("所属区域"), blank=True)

    scope = Scope(paths=("home_path",))
    objects = ScopedUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.full_name or self.username

    def get_absolute_url(self) -> str:
        return reverse("accounts:user_detail", args=[self.pk])

    @property
    def scope_path(self) -> str:
        """Account management is scoped by the area the account belongs to."""
        return self.home_path

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @cached_property
    def assignment_grants(self) -> list[tuple[str, str, str | None]]:
        """[(role, area path, organization tree path or None)] of the user's assignments
        (None: held on the area), loaded in one query per request (or taken from
        ``UserQuerySet.with_roles()`` when a list prefetched them)."""
        if not self.pk:
            return []
        if "role_assignments" in getattr(self, "_prefetched_objects_cache", {}):
            return [
                (a.role, a.area.path, a.organization.tree_path if a.organization_id else None)
                for a in self.role_assignments.all()
            ]
        return [
            (role, path, (tree_path or "") if org_id is not None else None)
            for role, path, org_id, tree_path in self.role_assignments.values_list(
                "role", "area__path", "organization_id", "organization__tree_path"
            )
        ]

    @property
    def role_grants(self) -> list[tuple[str, str]]:
        """[(role, area path)] of the assignments held on an area (not on an organization):
        what reaches area-side rows and what administers accounts."""
        return [(role, path) for role, path, org in self.assignment_grants if org is None]

    @property
    def org_grants(self) -> list[tuple[str, str]]:
        """[(role, organization tree path)] of the assignments held on a party
        organization: they reach only party-side rows of its subtree (ADR 0008). An
        organization without its tree path yet reaches nothing."""
        return [(role, org) for role, _path, org in self.assignment_grants if org]

    def scope_paths(self, perm: str) -> list[str]:
        table = grants()
        return [path for role, path in self.role_grants if perm in table.get(role, ())]

    def org_scope_paths(self, perm: str) -> list[str]:
        """The organization tree paths where ``perm`` is granted: only for a permission of
        an app with party-side rows (``org_scoped_apps``)."""
        if not self.org_grants or perm.partition(".")[0] not in org_scoped_apps():
            return []
        table = grants()
        return [tree for role, tree in self.org_grants if perm in table.get(role, ())]

    @property
    def roles(self) -> set[str]:
        return {role for role, _path, _org in self.assignment_grants}

    @property
    def role_summary(self) -> str:
        labels = dict(Role.choices)
        return "、".join(str(labels.get(r, r)) for r in sorted(self.roles)) or (
            "系统管理员" if self.is_superuser else ""
        )

    @property
    def may_use_api(self) -> bool:
        """Some role of the user grants the API (accounts.permissions.USE_API), wherever
        it is held: a branch secretary's role on an organization counts too."""
        table = grants()
        return self.is_superuser or any("accounts.use_api" in table.get(r, ()) for r in self.roles)

    @property
    def requires_two_factor(self) -> bool:
        return self.is_superuser or bool(self.roles & TWO_FACTOR_ROLES)

    def password_expired(self, max_age_days: int) -> bool:
        """Older than ``max_age_days`` (day 90 still valid, day 91 expired); an account
        never stamped (e.g. ``createsuperuser``) counts from the day it was created. An
        account without a usable password (a resident who signs in by phone) never is."""
        if not self.has_usable_password():
            return False
        changed = self.password_changed_at or self.date_joined
        return timezone.now() - changed > timedelta(days=max_age_days)


class RoleAssignment(models.Model):
    """A role held on an area, or on a party organization (then ``area`` is the area the
    organization serves, so that administrators see and manage the assignment in their
    subtree like any other); administrators see the assignments in their subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("管辖区域"), on_delete=models.PROTECT, related_name="+"
    )
    # A role held on a party organization reaches its subtree's party-side rows only.
    organization = models.ForeignKey(
        "party.Organization",
        verbose_name=_("党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("授权时间"), auto_now_add=True)

    scope = Scope(paths=("area__path",))
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "area"],
                condition=models.Q(organization=None),
                name="unique_role_assignment",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "organization"],
                condition=models.Q(organization__isnull=False),
                name="unique_org_role_assignment",
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} @ {self.organization or self.area}"

    @property
    def scope_path(self) -> str:
        return self.area.path


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def roles_fingerprint(user: User) -> str:
    """What the user may do, as one hash: the roles with their areas or organizations
    and the superuser flag. A token remembers it from the day it was issued and stops working once it
    changes (a role given or taken away), so that a token never carries powers its
    owner received later without the checks (second factor) those powers require."""
    grants = sorted(
        f"{role}@{path}" + (f"#org{org}" if org is not None else "")
        for role, path, org in user.assignment_grants
    )
    text = "|".join([*grants, f"superuser={user.is_superuser}"])
    return hashlib.sha256(text.encode()).hexdigest()


class TokenScope(models.TextChoices):
    READ = "read", _("只读")
    WRITE = "write", _("读写")


class ApiToken(models.Model):
    """A bearer token for the API. Only its hash is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=50)
    prefix = models.CharField(_("前缀"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(
        _("权限"), max_length=5, choices=TokenScope.choices, default=TokenScope.READ
    )
    roles_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("最近使用地址"), null=True, blank=True)
    revoked = models.BooleanField(_("已吊销"), default=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> str:
        return "gz_" + secrets.token_urlsafe(32)

    @property
    def is_valid(self) -> bool:
        return not self.revoked and (self.expires_at is None or self.expires_at > timezone.now())
