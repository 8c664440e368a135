"""The roles of SPEC.md "Who uses it", declared once.

A role is granted on an area node by a ``RoleAssignment``; what each role may do is
the union of the ``GRANTS`` tables in every app's ``permissions.py`` (collected here),
so a new module declares its permissions beside its code.
"""

from functools import lru_cache
from importlib import import_module

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("区级管理员")
    STREET_ADMIN = "street_admin", _("街道管理员")
    COMMUNITY_SECRETARY = "community_secretary", _("社区书记")
    COMMUNITY_STAFF = "community_staff", _("社区工作者")
    GRID_WORKER = "grid_worker", _("网格员")
    BRANCH_SECRETARY = "branch_secretary", _("支部书记")
    UNIT_HANDLER = "unit_handler", _("职能部门处理人")
    INSERVICE_MEMBER = "inservice_member", _("在职党员")
    RESIDENT = "resident", _("居民")
    AUDITOR = "auditor", _("安全审计员")


# Roles that must pass a TOTP second factor (RULES.md level-3 protection: two factors
# for administrators). The security auditor is one of the three administrators of
# GB/T 22239 (system, security, audit), so it is asked too; superusers always are.
TWO_FACTOR_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.STREET_ADMIN, Role.AUDITOR})

# Roles that may be held on a party organization (``RoleAssignment.organization``) rather
# than on an area: the party-only roles, which reach the organization's subtree of
# party-side rows (members, dues, development). SPEC.md: a branch secretary has "their
# branch". Every other role works on a place and is refused on an organization.
ORGANIZATION_ROLES = frozenset({Role.BRANCH_SECRETARY})

# Roles that administer accounts, and the roles each may hand out within its subtree.
ASSIGNABLE = {
    Role.DISTRICT_ADMIN: frozenset(Role) - {Role.AUDITOR},
    Role.STREET_ADMIN: frozenset(Role) - {Role.DISTRICT_ADMIN, Role.AUDITOR},
    Role.COMMUNITY_SECRETARY: frozenset(
        {
            Role.COMMUNITY_STAFF,
            Role.GRID_WORKER,
            Role.BRANCH_SECRETARY,
            Role.INSERVICE_MEMBER,
            Role.RESIDENT,
        }
    ),
}


@lru_cache(maxsize=1)
def grants() -> dict[str, frozenset[str]]:
    """{role: permissions}, merged from every installed app's ``permissions.GRANTS``."""
    merged: dict[str, set[str]] = {role: set() for role in Role}
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.permissions")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.permissions":
                raise
            continue
        for role, perms in getattr(module, "GRANTS", {}).items():
            merged[role].update(perms)
    return {role: frozenset(perms) for role, perms in merged.items()}


@lru_cache(maxsize=1)
def org_scoped_apps() -> frozenset[str]:
    """The apps some of whose rows a role held on an organization reaches (a model that
    declares ``Scope.org_paths``): only their permissions count for such a role, so that
    a page asking for an area-side permission without a row (the areas menu) is not
    offered to a branch secretary who can reach none of its rows (ADR 0008)."""
    from gongzhi.core.scoping import Scope

    return frozenset(
        model._meta.app_label
        for model in apps.get_models()
        if isinstance(policy := getattr(model, "scope", None), Scope) and policy.org_paths
    )


def roles_with(perm: str) -> frozenset[str]:
    return frozenset(role for role, perms in grants().items() if perm in perms)
