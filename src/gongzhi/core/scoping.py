"""Data scope: one place turns (user, permission, queryset) into what the user may see.

Every row that belongs to a place stores the materialized path of its area node
(``/510107/001/002/``). A role assignment names a role and a node; the user sees and
acts on rows whose path lies under one of the nodes whose role grants the permission.
A role held on a party organization reaches the party-side rows whose organization
tree path (``/12/15/``) lies under that organization's (``Scope.org_paths``, ADR 0008).
Selectors, views, exports and the API all go through :func:`scope` (ADR 0002).
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Lookup, Q
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.where import AND, OR
from django.utils.tree import Node

from .types import Actor, Visitor

if TYPE_CHECKING:
    from django.db.models.sql.compiler import _AsSqlType

PATH_RE = re.compile(r"^(/[0-9]+)+/$")  # ASCII digits only (\d takes "１" too)


def is_valid_path(path: str) -> bool:
    return bool(PATH_RE.match(path or ""))


class TreePathField(models.CharField):
    """A materialized area path made of digit segments, e.g. ``/510107/001/``."""

    db_index: bool  # set by Field.__init__ (Django's type declarations omit it)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, Any, dict[str, Any]]:
        name, path, args, kwargs = super().deconstruct()
        if not self.db_index:  # indexed by default, so "not indexed" must be recorded
            kwargs["db_index"] = False
        return name, path, args, kwargs

    def db_parameters(self, connection: BaseDatabaseWrapper) -> dict[str, str | None]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql" and not self.db_collation:
            # Byte order ("C") on PostgreSQL: paths are digits and slashes, so the order is
            # the same, but the column's own index then serves both ``path__under``'s prefix
            # match and ``ORDER BY path``. Under a locale collation the planner could walk
            # the whole index in path order to find one community's page (bench/README.md).
            params["collation"] = "C"
        return params


@TreePathField.register_lookup
class Under(Lookup):
    """``path__under=p``: the node at ``p`` and everything below it.

    Compiled so that both databases use the path index: a prefix ``GLOB`` on SQLite
    (its ``LIKE`` is case-insensitive and skips the index) and a prefix ``LIKE`` on
    PostgreSQL (the column's ``C`` collation lets its own index serve the prefix).
    Paths hold only digits and slashes, so neither pattern needs escaping.
    """

    lookup_name = "under"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: BaseDatabaseWrapper) -> "_AsSqlType":
        if not is_valid_path(value):
            raise ValueError(f"not an area path: {value!r}")
        wildcard = "*" if connection.vendor == "sqlite" else "%"
        # Parameters as a list, like Django 5.2's own lookups (Django's type declarations follow 6.0's tuples).
        return ("%s", [value + wildcard])  # type: ignore[return-value]

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> "_AsSqlType":
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        operator = "GLOB" if connection.vendor == "sqlite" else "LIKE"
        return f"{lhs} {operator} {rhs}", [*lhs_params, *rhs_params]  # type: ignore[return-value]


@TreePathField.register_lookup
class UnderWide(Under):
    """``path__under_wide=p``: the same rows as ``under``, for a page ordered by another
    indexed column (newest first). SQLite's planner cannot weigh ``LIMIT``: it takes the
    path range for selective and sorts the whole subtree (a street's 80,000 demands) to
    keep 50. ``likely()`` tells it the scope is wide, so it walks the ordering index and
    stops at the page. PostgreSQL keeps its own statistics and gets the plain ``LIKE``.
    Counts keep ``under``: for them the path range of a covering index is the best plan.
    """

    lookup_name = "under_wide"

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> "_AsSqlType":
        sql, params = super().as_sql(compiler, connection)
        return (f"likely({sql})" if connection.vendor == "sqlite" else sql), params


def widened(queryset: models.QuerySet, *, depth: int | None = None) -> models.QuerySet:
    """``queryset`` with its ``under`` path terms as ``under_wide`` (same rows), for
    fetching a page; see :class:`UnderWide`. With ``depth``, only the terms of nodes at
    most that deep (``depth=1``: a whole district, which no count should take for
    selective)."""
    queryset = queryset.all()
    _widen(queryset.query.where, depth)
    return queryset


def narrowed(queryset: models.QuerySet, path: str, *, field: str = "path") -> models.QuerySet:
    """``queryset.filter(<field>__under=path)`` without the terms it makes redundant: a
    scope's ``under`` term of a node above ``path``, or an OR of terms one of which is
    (every row under ``path`` meets it). Same rows. PostgreSQL estimates overlapping
    prefix ranges as independent and multiplies them: a street's scope and one of its
    communities came out a twelfth of the community, and the planner sorted the path
    range instead of walking the newest-first index (bench/README.md)."""
    queryset = queryset.filter(**{f"{field}__under": path})
    where = queryset.query.where
    if where.connector != AND or where.negated:
        return queryset
    new = children_of(where)[-1]
    if type(new) is not Under or new.rhs != path:
        return queryset
    # The clone's where-nodes are its own (see _widen); only its top level changes.
    where.children[:-1] = [c for c in where.children[:-1] if not _implied_by(c, new)]
    return queryset


def children_of(node: Node) -> list[object]:
    """The terms of a where-node: lookups and nodes (Django's type declarations say nodes only)."""
    return cast("list[object]", node.children)


def _implied_by(term: object, new: Under) -> bool:
    if type(term) is Under or type(term) is UnderWide:
        return term.lhs == new.lhs and new.rhs.startswith(term.rhs)
    if isinstance(term, Node) and term.connector == OR and not term.negated:
        return any(_implied_by(child, new) for child in children_of(term))
    return False


def wide_terms(queryset: models.QuerySet, *, depth: int) -> int:
    """How many ``under`` terms of ``queryset`` name nodes at most ``depth`` deep."""

    def walk(node: Node) -> int:
        return sum(
            walk(c) if isinstance(c, Node) else int(type(c) is Under and _depth(c) <= depth)
            for c in children_of(node)
        )

    return walk(queryset.query.where)


def _depth(term: Under) -> int:
    return term.rhs.count("/") - 1


def _widen(node: Node, depth: int | None) -> None:
    # The clone's where-nodes are its own (WhereNode.clone copies them); lookups are
    # replaced, never changed.
    children = children_of(node)
    for i, child in enumerate(children):
        if type(child) is Under:
            if depth is None or _depth(child) <= depth:
                children[i] = UnderWide(child.lhs, child.rhs)
        elif isinstance(child, Node):
            _widen(child, depth)


def paths_q(field: str, paths: Iterable[str]) -> Q:
    """Rows whose ``field`` lies under any of ``paths`` (an empty list matches nothing)."""
    paths = minimal_paths(paths)
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__under": p}) for p in paths))


def minimal_paths(paths: Iterable[str]) -> list[str]:
    """Drop paths that lie under another path of the list (their rows are already in)."""
    result: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(p.startswith(q) for q in result):
            result.append(p)
    return result


# --- The scope policy a model declares ------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """Rows a user reaches by a relation to them rather than by place: a requester their
    own demands, a unit's handlers the demands routed to their unit. ``q(user)`` gives the
    rows (None: none), ``test(obj, user)`` the same answer on a row in hand; ``perms``
    are the permissions the relation widens."""

    name: str
    perms: frozenset[str]
    q: Callable[[Actor], Q | None]
    test: Callable[[Any, Actor], bool]  # (the row, the user)


def owned(
    field: str,
    perms: Iterable[str],
    *,
    name: str = "own",
    also: dict[str, Any] | None = None,
    when: Callable[[Actor], bool] | None = None,
) -> Reach:
    """ "My own rows": those whose ``field`` leads to the user — ``user`` (a member's own
    record), ``member__user`` (their dues), ``residents__user`` across a to-many relation
    (a resident's own household), with ``also`` conditions on the same join (the resident
    still living there). ``when(user)`` says whether the relation applies at all; by
    default only to a user who reaches none of these rows by place or organization, so
    that staff lists keep their path-only queries (an OR on another column would keep the
    path index from serving them)."""
    perms = frozenset(perms)

    def applies(user: Actor) -> bool:
        if when is not None:
            return when(user)
        return not any(user.scope_paths(p) or user.org_scope_paths(p) for p in perms)

    def q(user: Actor) -> Q | None:
        return Q(**{field: user.pk}, **(also or {})) if applies(user) else None

    def test(obj: Any, user: Actor) -> bool:
        if not applies(user):
            return False
        *hops, last = field.split("__")
        target: Any = obj
        for hop in hops:
            target = getattr(target, hop, None)
            if target is None:
                return False
        if also or not isinstance(target, models.Model):  # across a to-many relation
            rows = type(obj)._base_manager.filter(pk=obj.pk)
            return rows.filter(**{field: user.pk}, **(also or {})).exists()
        return getattr(target, f"{last}_id", None) == user.pk

    return Reach(name, perms, q, test)


@dataclass(frozen=True)
class Scope:
    """How a model's rows are scoped: the path field(s) their place is read from (a
    transfer has two: both sides see it; a path may follow a relation, ``member__path``),
    the field(s) holding the organization tree path of a party-side row (``org_paths``:
    reached by a role held on an organization, ADR 0008; none: not reached that way),
    and the relations that reach rows besides the place."""

    paths: tuple[str, ...] = ("path",)
    reaches: tuple[Reach, ...] = ()
    org_paths: tuple[str, ...] = ()

    def q(self, user: Actor, perm: str) -> Q:
        """The rows ``user`` may act on with ``perm`` (an authenticated, active user)."""
        granted = user.scope_paths(perm)
        q = reduce(or_, (paths_q(field, granted) for field in self.paths))
        # The organization term only when the user holds a role on an organization that
        # grants ``perm``: area users' queries stay as they were.
        if self.org_paths and (org_granted := user.org_scope_paths(perm)):
            q |= reduce(or_, (paths_q(field, org_granted) for field in self.org_paths))
        for reach in self.reaches:
            if perm in reach.perms and (extra := reach.q(user)) is not None:
                q |= extra
        return q

    def reach_q(self, name: str, user: Actor) -> Q:
        """The rows ``user`` reaches by the relation ``name`` alone (a handler's inbox)."""
        reach = next(r for r in self.reaches if r.name == name)
        return reach.q(user) or Q(pk__in=[])

    def covers(self, obj: models.Model, user: Actor, perm: str, granted: list[str]) -> bool:
        """The same decision on a row in hand (``user.has_perm(perm, obj)``); ``granted``
        are the user's area paths for ``perm``."""
        if _under_any(obj, self.paths, granted):
            return True
        if self.org_paths and _under_any(obj, self.org_paths, user.org_scope_paths(perm)):
            return True
        return any(perm in r.perms and r.test(obj, user) for r in self.reaches)


def _under_any(obj: models.Model, fields: tuple[str, ...], granted: list[str]) -> bool:
    if not granted:
        return False
    for field in fields:
        path = _follow(obj, field)
        if path and any(path.startswith(p) for p in granted):
            return True
    return False


def _follow(obj: models.Model, field: str) -> Any:
    value: Any = obj
    for part in field.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def scope_of(model: type[models.Model]) -> Scope:
    """A model's declared scope (models that are not ScopedModel declare ``scope`` too)."""
    declared = getattr(model, "scope", None)
    if not isinstance(declared, Scope):
        raise ImproperlyConfigured(f"{model._meta.label} declares no scope")
    return declared


def scope(user: "Visitor | None", perm: str, queryset: models.QuerySet) -> models.QuerySet:
    """The part of ``queryset`` that ``user`` may act on with ``perm``; deny by default."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(scope_of(queryset.model).q(user, perm))


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user: "Visitor | None", perm: str) -> models.QuerySet:
        return scope(user, perm, self)


def visible_rows(manager: models.Manager, user: "Visitor | None", perm: str) -> models.QuerySet:
    """``manager.visible_to(user, perm)`` for code given any scoped model (the generic
    views, the scoped choice fields), whose manager the type checker cannot know."""
    rows = manager.all()
    if not isinstance(rows, ScopedQuerySet):
        raise ImproperlyConfigured(f"{manager.model._meta.label} has no scoped queryset")
    return rows.visible_to(user, perm)


class ScopedModel(models.Model):
    """A row that belongs to a place: its ``scope`` says where it is read from."""

    scope = Scope()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def scope_path(self) -> str:
        """The row's place, for the audit log: its first path that is set."""
        return next((p for f in self.scope.paths if (p := _follow(self, f))), "")
