"""Module manifests: each app declares itself once, in ``<app>/manifest.py``.

A manifest names what the rest of the platform needs to know about a module — where
its pages are mounted, its API routers, its menu entries with their permissions, its
demo loader, its periodic jobs, the warnings its rules raise, what waits for each user
on the workbench (its to-dos and figures) and the labels of its audit actions — so that
adding a
module touches nothing outside it: the root URLconf, the API, the menu, ``gongzhi demo``
and the periodic loop all read the manifests of the installed apps (``INSTALLED_APPS``
lists each app once). ``core`` imports no app: it finds the manifests by app label.
"""

import datetime
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.urls import get_script_prefix, reverse
from django.utils.functional import Promise
from django.utils.module_loading import import_string

from .types import Visitor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    permission: str  # "" = any signed-in user
    icon: str
    group: str | Promise
    order: int  # the menu's order: groups in hundreds (概览 100 … 系统 900)
    # "module.function": shown only to a user for whom it answers true (a party member's
    # own pages, which no role grants: core.modules.items_for).
    when: str = ""

    @property
    def url(self) -> str:
        return _reverse(self.url_name, get_script_prefix())


@functools.cache
def _reverse(url_name: str, script_prefix: str) -> str:
    """Every page shows the menu: reverse each entry once per script prefix (reverse()
    prepends the current one), not twice per entry on every page."""
    return reverse(url_name)


@dataclass(frozen=True)
class Periodic:
    """A periodic job (run by ``gongzhi worker``, or once by ``gongzhi sweep``): ``run``
    is a dotted path to a function without arguments that decides itself what is due
    and is idempotent. A job
    with a ``report`` prints it, formatted with the dict it returns (``skipped`` when it
    returns None: another process was running it)."""

    name: str
    run: str
    report: str | Promise = ""
    skipped: str | Promise = ""
    minutes: int = 5  # how often the worker runs it (a divisor of 60)


@dataclass(frozen=True)
class WarningKind:
    """A rule whose breaches someone must act on (a letter past its validity, dues unpaid
    for months, a step of member development overdue): declared by its module, counted
    on the workbench of everyone with ``permission``, listed on the module's own page.

    ``selector`` is a dotted path to ``f(user, today)`` returning the breaches in the
    user's scope (a queryset or a list); ``url`` a URL name with an optional query
    string (``"party:member_list?warning=pocket"``) of the page that lists them."""

    key: str
    label: str | Promise
    permission: str
    owner: str | Promise  # who must act: "支部书记"
    rule: str | Promise  # the due date or threshold in words, as RULES.md says it
    selector: str
    url: str
    severity: str = "warning"  # or "danger": a breach with consequences already due

    @property
    def link(self) -> str:
        name, _, query = self.url.partition("?")
        return _reverse(name, get_script_prefix()) + (f"?{query}" if query else "")

    def breaches(self, user: Visitor, today: datetime.date) -> Any:
        return import_string(self.selector)(user, today)


@dataclass(frozen=True)
class Todo:
    """Work waiting for the user, shown on their workbench as a group with its count
    (demands to accept, extensions to decide, transfers to receive…): declared by its
    module, shown to everyone who holds ``permission`` somewhere.

    ``selector`` is a dotted path to ``f(user, today)`` returning the rows waiting for
    the user in their scope: a queryset (counted in one query) or a short list; each row
    has ``get_absolute_url``. ``url`` is a URL name with an optional query string of the
    list that shows them; ``due`` names the rows' deadline (a date or datetime field, or
    attribute of a list's rows): the overdue are counted and come first."""

    key: str
    label: str | Promise
    permission: str
    selector: str
    url: str
    due: str = ""
    order: int = 0  # the groups' order on the workbench when none is overdue

    @property
    def link(self) -> str:
        name, _, query = self.url.partition("?")
        return _reverse(name, get_script_prefix()) + (f"?{query}" if query else "")

    def rows(self, user: Visitor, today: datetime.date) -> Any:
        return import_string(self.selector)(user, today)


@dataclass(frozen=True)
class Figure:
    """A figure with its sparkline on the workbench of the street and district staff
    (demands received per day…): ``selector`` is a dotted path to ``f(user, today)``
    returning a :class:`Series` of the user's scope."""

    key: str
    label: str | Promise
    permission: str
    selector: str
    url: str = ""

    @property
    def link(self) -> str:
        if not self.url:
            return ""
        name, _, query = self.url.partition("?")
        return _reverse(name, get_script_prefix()) + (f"?{query}" if query else "")


@dataclass(frozen=True)
class Series:
    """One value per day, oldest first (None: no value that day, e.g. a rate of nothing),
    and the figure shown beside the line (a total, a rate)."""

    values: tuple[float | None, ...]
    figure: str
    note: str | Promise = ""


@dataclass(frozen=True)
class NotificationKind:
    """A kind of message a module sends (``notify(kind=...)``): each person chooses, per
    kind, the channels that carry it besides the inbox (text, WeChat Work, e-mail…). A
    ``mandatory`` kind (a security alarm) reaches every configured channel whatever the
    choice."""

    key: str
    label: str | Promise
    description: str | Promise = ""
    mandatory: bool = False


@dataclass(frozen=True)
class SearchKind:
    """A kind of record the header's search box finds (residents, demands…), declared by
    its module: ``selector`` is a dotted path to ``f(user, query, limit)`` returning at
    most ``limit`` :class:`gongzhi.core.finder.Hit` of the user's scope, personal data
    masked; it runs only for users holding ``permission`` somewhere. ``order`` places
    its group among the others."""

    key: str
    label: str | Promise
    permission: str
    selector: str
    order: int

    def find(self, user: Visitor, query: str, limit: int) -> Any:
        return import_string(self.selector)(user, query, limit)


@dataclass(frozen=True)
class PortalEntry:
    """A way a resident takes part, shown on the residents' portal home (居民端 首页)
    to whoever holds ``permission`` somewhere ("" = any signed-in user) and, with
    ``when`` (a dotted path to ``f(user)``), for whom it answers true. ``icon`` is the
    one-character badge drawn beside the label (no icon font on the phone)."""

    label: str | Promise
    url_name: str
    icon: str | Promise
    permission: str = ""
    when: str = ""
    order: int = 0

    @property
    def url(self) -> str:
        return _reverse(self.url_name, get_script_prefix())


@dataclass(frozen=True)
class Landing:
    """Where a user lands instead of the staff workbench (after signing in, or opening
    it): the page ``url_name``, for whom ``when`` (a dotted path to ``f(user)``) answers
    true — a resident, the portal's home."""

    url_name: str
    when: str

    @property
    def url(self) -> str:
        return _reverse(self.url_name, get_script_prefix())


@dataclass(frozen=True)
class Manifest:
    label: str  # the app label
    order: int  # menus, demo data and URLs follow it (dependencies first)
    urls: str = ""  # the app's URLconf module, mounted at ``prefix``
    prefix: str = ""
    extra_urls: tuple[tuple[str, str], ...] = ()  # (prefix, "module.attribute") pairs
    api: tuple[tuple[str, str], ...] = ()  # (API prefix, "module.router") pairs
    nav: tuple[NavItem, ...] = ()
    demo: str = ""  # "module" with a load() the demo command calls once
    periodic: tuple[Periodic, ...] = ()
    audit_labels: dict[str, str | Promise] = field(default_factory=dict)
    warnings: tuple[WarningKind, ...] = ()
    notifications: tuple[NotificationKind, ...] = ()
    searches: tuple[SearchKind, ...] = ()
    todos: tuple[Todo, ...] = ()
    figures: tuple[Figure, ...] = ()
    portal: tuple[PortalEntry, ...] = ()  # what residents do here, on the portal's home
    landing: Landing | None = None


@functools.cache
def manifests() -> tuple[Manifest, ...]:
    """The manifests of the installed apps that have one, in their declared order."""
    found = []
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.manifest")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.manifest":
                raise
            continue
        found.append(module.MANIFEST)
    return tuple(sorted(found, key=lambda m: m.order))


def nav_items() -> list[NavItem]:
    items = [item for manifest in manifests() for item in manifest.nav]
    return sorted(items, key=lambda item: item.order)  # stable: a module's own order kept


def items_for(user: "Visitor") -> list[NavItem]:
    """The menu of ``user``: every entry whose permission they hold somewhere."""
    if not user.is_authenticated:
        return []
    # The permissions held somewhere, read once: a has_perm per entry asks every
    # authentication backend again, a hundred times a page.
    everything = user.is_active and user.is_superuser
    held = user.get_all_permissions()
    return [
        i
        for i in nav_items()
        if (not i.permission or everything or i.permission in held)
        and (not i.when or import_string(i.when)(user))
    ]


def portal_entries_for(user: "Visitor") -> list[PortalEntry]:
    """The portal home's "taking part" entries of ``user``, in their declared order."""
    if not user.is_authenticated:
        return []
    entries = [entry for manifest in manifests() for entry in manifest.portal]
    return [
        e
        for e in sorted(entries, key=lambda entry: entry.order)
        if (not e.permission or user.has_perm(e.permission))
        and (not e.when or import_string(e.when)(user))
    ]


def landing_for(user: "Visitor") -> str:
    """The page ``user`` lands on instead of the workbench ("": the workbench)."""
    for manifest in manifests():
        if manifest.landing and import_string(manifest.landing.when)(user):
            return manifest.landing.url
    return ""


def url_patterns() -> list:
    from django.urls import include, path

    patterns = []
    for manifest in manifests():
        if manifest.urls:
            patterns.append(path(manifest.prefix, include(manifest.urls)))
        for prefix, target in manifest.extra_urls:
            patterns.append(path(prefix, include(import_string(target))))
    return patterns


def api_routers() -> list[tuple[str, str]]:
    return [router for manifest in manifests() for router in manifest.api]


def demo_loaders() -> list[str]:
    return [m.demo for m in manifests() if m.demo]


def periodic_jobs() -> list[Periodic]:
    return [job for manifest in manifests() for job in manifest.periodic]


def audit_label(action: str) -> str:
    """The Chinese label of an audit action, as its module declares it (else the code)."""
    for manifest in manifests():
        if action in manifest.audit_labels:
            return str(manifest.audit_labels[action])
    return action


def audit_action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every labelled audit action, grouped under its module's name, in the manifests'
    order (the audit log's filter)."""
    return [
        (
            str(apps.get_app_config(manifest.label).verbose_name),
            [(action, str(label)) for action, label in manifest.audit_labels.items()],
        )
        for manifest in manifests()
        if manifest.audit_labels
    ]


def run(job: Periodic) -> Callable:
    return import_string(job.run)


def notification_kinds() -> list[NotificationKind]:
    return [kind for manifest in manifests() for kind in manifest.notifications]


def search_kinds() -> list[SearchKind]:
    kinds = [kind for manifest in manifests() for kind in manifest.searches]
    return sorted(kinds, key=lambda kind: kind.order)


def warning_kinds() -> list[WarningKind]:
    return [kind for manifest in manifests() for kind in manifest.warnings]


@dataclass
class Pending:
    kind: WarningKind
    count: int


def pending_warnings(user: Visitor, today: datetime.date) -> list[Pending]:
    """The declared warnings the user sees with breaches in their scope, the graver first:
    one count each."""
    found = []
    for kind in warning_kinds():
        if not user.has_perm(kind.permission):
            continue
        try:
            rows = kind.breaches(user, today)
            count = (
                rows.count() if hasattr(rows, "count") and not isinstance(rows, list) else len(rows)
            )
        except Exception:  # one module's broken selector must not take the workbench down
            logger.exception("warning %s could not be counted", kind.key)
            continue
        if count:
            found.append(Pending(kind, count))
    return sorted(found, key=lambda p: p.kind.severity != "danger")


def todos() -> list[Todo]:
    return [todo for manifest in manifests() for todo in manifest.todos]


def figures() -> list[Figure]:
    return [figure for manifest in manifests() for figure in manifest.figures]


@dataclass
class TodoGroup:
    todo: Todo
    count: int
    overdue: int
    items: list[Any]  # the first rows, soonest deadline first


ROWS_PER_GROUP = 3  # rows shown per group; the group's link lists them all


def pending_todos(user: Visitor, today: datetime.date) -> list[TodoGroup]:
    """The to-dos declared by the modules that wait for ``user``: per group its count and
    how many are overdue (one query), and its first rows (one more); groups with overdue
    rows first. A broken selector hides its group, never the workbench."""
    found = []
    for todo in todos():
        if not user.has_perm(todo.permission):
            continue
        try:
            group = _group(todo, user, today)
        except Exception:  # one module's broken selector must not take the workbench down
            logger.exception("to-do %s could not be counted", todo.key)
            continue
        if group.count:
            found.append(group)
    return sorted(found, key=lambda g: (not g.overdue, g.todo.order))


def _group(todo: Todo, user: Visitor, today: datetime.date) -> TodoGroup:
    from django.db.models import Count, DateTimeField, F, Q, QuerySet
    from django.utils import timezone

    rows = todo.rows(user, today)
    if not isinstance(rows, QuerySet):  # a short list computed by its module
        rows = list(rows)
        late = [r for r in rows if todo.due and _before(getattr(r, todo.due, None), today)]
        return TodoGroup(todo, len(rows), len(late), rows[:ROWS_PER_GROUP])
    if not todo.due:
        count = rows.count()
        return TodoGroup(todo, count, 0, list(rows[:ROWS_PER_GROUP]) if count else [])
    field = rows.model._meta.get_field(todo.due)
    now = timezone.now() if isinstance(field, DateTimeField) else today
    totals = rows.aggregate(n=Count("pk"), late=Count("pk", filter=Q(**{f"{todo.due}__lt": now})))
    items = (
        list(rows.order_by(F(todo.due).asc(nulls_last=True), "pk")[:ROWS_PER_GROUP])
        if totals["n"]
        else []
    )
    return TodoGroup(todo, totals["n"], totals["late"], items)


def _before(due: Any, today: datetime.date) -> bool:
    if due is None:
        return False
    if isinstance(due, datetime.datetime):
        return due.date() < today
    return bool(due < today)


@dataclass
class FigureLine:
    figure: Figure
    series: Series
    points: str  # the sparkline's SVG polyline points, 0..100 × 0..24


def figure_lines(user: Visitor, today: datetime.date) -> list[FigureLine]:
    """The declared figures of ``user``'s scope with their sparklines, drawn here (an SVG
    polyline in the page: no script, no data for one)."""
    lines = []
    for figure in figures():
        if not user.has_perm(figure.permission):
            continue
        try:
            series = import_string(figure.selector)(user, today)
        except Exception:
            logger.exception("figure %s could not be computed", figure.key)
            continue
        lines.append(FigureLine(figure, series, sparkline_points(series.values)))
    return lines


def sparkline_points(values: tuple[float | None, ...], width: int = 100, height: int = 24) -> str:
    """``x,y`` pairs of a polyline through ``values`` scaled to the box (the top is the
    highest value; a missing value is drawn at the bottom)."""
    if not values:
        return ""
    top = max((v for v in values if v is not None), default=0) or 1
    step = width / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{height - (v or 0) / top * (height - 2) - 1:.1f}"
        for i, v in enumerate(values)
    )
