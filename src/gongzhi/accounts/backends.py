from django.contrib.auth.backends import ModelBackend

from gongzhi.core.scoping import Scope, paths_q

from .roles import grants, org_scoped_apps


class ScopedModelBackend(ModelBackend):
    """Permissions come from role assignments, limited to the assigned subtree.

    ``user.has_perm(perm)``: some assignment's role grants ``perm``.
    ``user.has_perm(perm, obj)``: and ``obj`` lies under that assignment's node (an area;
    or a party organization, for the party-side rows of its subtree: ADR 0008).
    Superusers (system administrators) pass everything. Deny by default.
    """

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        table = grants()
        perms = set().union(*(table.get(role, ()) for role, _p in user_obj.role_grants))
        party_side = org_scoped_apps()
        for role, _tree in user_obj.org_grants:
            perms.update(p for p in table.get(role, ()) if p.partition(".")[0] in party_side)
        return perms

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return False
        if user_obj.is_superuser:
            return True
        paths = user_obj.scope_paths(perm)
        if obj is None:
            return bool(paths) or bool(user_obj.org_scope_paths(perm))
        policy = getattr(type(obj), "scope", None)
        if isinstance(policy, Scope):
            return policy.covers(obj, user_obj, perm, paths)
        obj_path = getattr(obj, "scope_path", None)  # a row of no model (a report row)
        return bool(obj_path) and any(obj_path.startswith(p) for p in paths)

    def has_module_perms(self, user_obj, app_label):
        return user_obj.is_active and user_obj.is_superuser


__all__ = ["ScopedModelBackend", "paths_q"]
