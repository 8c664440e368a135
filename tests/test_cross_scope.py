"""Data scope, proven route by route: a user of one community reaches nothing of its
neighbour, through any page or API operation, by detail, edit, delete, list, search,
export or aggregate.

Nothing here lists routes by hand. The pages come from the URL resolver and the API
operations from the OpenAPI schema, so a new route is walked the day it is added. What
the walk needs to know about a route is derived by convention, and the test fails with
an instruction when a route does not follow one:

* An object in a page URL is ``pk`` (the view class's ``model``) or a kwarg named after
  a model (``household_id``, ``member_pk``); an API path parameter is ``<model>_id``.
  Names that are not a model name go in ``ID_ALIASES``; objects that do not belong to
  an area (tokens, holidays) in ``FOREIGN_OBJECTS``; other kwargs in ``KWARG_VALUES``.
* Each model reachable by a route needs a row in the sibling community: each module's
  ``testing.cross_scope_rows(fx)`` builds its rows (and ``testing.cross_scope_change(fx)``
  changes them for the differential check, with ``fx.mark`` in every new or renamed
  text), so a new module joins the walk without an edit here.

Four walks per user (the community secretary, a community worker, a grid worker, a
branch secretary holding the role on a party organization):

1. every route with an object, given the sibling's object: 404 for GET and for the
   writes, and no row of the sibling community (nor any row count) changes;
2. every list, search, export and aggregate (routes without an object): fetched, then
   the sibling community is changed (renamed nodes, new households, members, files,
   demands, users, all carrying a marker), fetched again: the answers must be identical,
   and no sibling marker may appear in any answer (Excel exports are read cell by cell);
3. every create without an object in its URL (API POSTs, page forms), given the
   sibling's objects as parent or reference: refused, nothing written.
"""

import importlib
import json
import os
import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from io import BytesIO
from itertools import product
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from gongzhi.accounts.models import RoleAssignment
from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import issue_token
from gongzhi.api import api
from gongzhi.core import modules
from gongzhi.core.exports import export_dir
from gongzhi.core.models import (
    AuditLog,
    ExportJob,
    Holiday,
    Notification,
    ParameterValue,
    RefusedLookups,
)
from gongzhi.core.scoping import Scope
from gongzhi.core.testing import api_key, build_world, make_household, make_user, sign_in

pytestmark = pytest.mark.slow

# branch_secretary_org: a branch secretary assigned on our first branch by organization
# (ADR 0008), added to the world by party.testing.cross_scope_rows.
USERS = ["secretary", "staff", "grid_worker", "branch_secretary_org"]
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()
MARK = "越界标记"  # carried by everything the differential check adds or renames
# Text that only the sibling community's rows carry. The search term "邻里" itself is
# echoed back in search forms, so only longer strings count.
SIBLING_TEXT = (
    "邻里社区",
    "邻里第1网格",
    "邻里花园",
    "邻里物业",
    "邻里党员",
    "邻里书记",
    "邻里申请人",
    "邻里诉求",
    "邻里居民",
    "邻里孩子",
    "邻里房东",
    "邻里楼栋长",
    MARK,
)
SEARCH = "邻里"

# --- Routes the walk leaves out, and why ------------------------------------------------

SKIPPED_PREFIXES = (
    # Static files are served by whitenoise, outside the URL patterns; listed for safety.
    "static/",
    # The language switch stores a preference in the session and reads no data.
    "i18n/",
    # Public figures (demands' 公开数据): published to everyone without sign-in, the whole
    # district by design, counts and rates of places, units and categories only; no person
    # (demands/tests/test_views.py::test_public_page_without_sign_in_shows_no_personal_data).
    "public/",
    # The API's URL patterns: walked below from the OpenAPI schema, operation by
    # operation, with their declared methods and bodies.
    "api/v1/",
)
SKIPPED_NAMES = {
    # Signing in and out: no data, and signing out would end the walk's session.
    "accounts:login",
    "accounts:logout",
    # A volunteer certificate's verification by the code printed on it (民政部令第67号):
    # whoever holds the paper checks it, signed in, in any community; it shows only the
    # masked name, the hours, the period, the issuer and the date (and an unknown code
    # says so): service/tests/test_certificates.py::test_verify_page.
    "service:certificate_verify",
}

# One module's routes only (``GONGZHI_CROSS_SCOPE_MODULE=<app label>``): how the test of
# ``gongzhi startmodule`` walks the module it generates (tests/test_startmodule.py); the
# suite itself walks every route. Every module's rows are built either way.
ONLY = os.environ.get("GONGZHI_CROSS_SCOPE_MODULE", "")


def only_manifest():
    found = [m for m in modules.manifests() if m.label == ONLY]
    assert found, f"GONGZHI_CROSS_SCOPE_MODULE={ONLY}: no installed module has this label"
    return found[0]


def least(n: int) -> int:
    """How many checks a walk must make: ``n`` over the project, one over a module."""
    return 1 if ONLY else n


# --- Conventions: from a URL kwarg or an id field to the model it names -----------------

ID_ALIASES = {
    # name: model label, or None for "the model of the route's own resource"
    # A rule parameter (page <parameter>, API {key}): global, only for holders of
    # core.change_parameter; the walk gives a row's id, refused before any lookup.
    "parameter": "core.ParameterValue",
    "key": "core.ParameterValue",
    "parent": None,
    "parent_id": None,
    "rid": "accounts.RoleAssignment",
    "to_org": "party.Organization",
    "to_org_id": "party.Organization",
    "branch": "party.Organization",
    "branch_id": "party.Organization",
    "root_id": "party.Organization",
    "party_group": "party.Organization",
    "party_group_id": "party.Organization",
    "seat_id": "party.CommitteeSeat",
    "file_id": "development.DevelopmentFile",
    "contacts": "party.Member",
    "contact_ids": "party.Member",
    "introducers": "party.Member",
    "introducer_ids": "party.Member",
    # The two members of a talk (谈心谈话: orglife study pages and API).
    "first": "party.Member",
    "first_id": "party.Member",
    "second": "party.Member",
    "second_id": "party.Member",
    "community": "areas.Area",
    "community_id": "areas.Area",
    "within": "areas.Area",
    "tag": "residents.CareTag",
    "tag_id": "residents.CareTag",
    # The attachments API's parameter for a model whose name another app's model shares.
    "orglife_meeting_id": "orglife.Meeting",
    "tenants": "residents.Resident",
    "tenant_ids": "residents.Resident",
    "into_id": "demands.Demand",
    # A meeting of organizational life (demands.Meeting has no route of its own by id).
    "meeting_id": "orglife.Meeting",
    "lecturer_id": "party.Member",
    "lecturer": "party.Member",
    # A volunteer team's leader (service teams' pages).
    "leader": "service.Volunteer",
    "leader_id": "service.Volunteer",
    # The building a resident picks when asking for a household binding (portal API).
    "building_id": "areas.Area",
}
# Choices with number values that are not objects (a filter form's <select>).
NOT_OBJECT_FIELDS = {
    "is_active": "yes or no",
    "level": "an area level",
    "month": "a month",
    "year": "a year",
    "stage": "a development stage",
    "step": "a development step",
    "term_years": "a number of years",
}
# Names of number fields that are plainly not objects.
PLAIN_NUMBER = re.compile(r"(year|month|day|days|hours|amount|count|limit|min|max|age)$")
# Objects that belong to no area: whose they are and what a stranger gets.
FOREIGN_OBJECTS = {
    "accounts.ApiToken": ("token", {404}),
    "accounts.RoleAssignment": ("assignment", {404}),
    # A notification is its user's alone, whatever anyone else's role.
    "core.Notification": ("notification", {404}),
    # An export job is its requester's alone, whatever anyone else's role.
    "core.ExportJob": ("export_job", {404}),
    # Rule parameters are global; only holders of core.change_parameter see or set them.
    "core.ParameterValue": ("parameter_value", {403, 404}),
    # Holidays are global; only holders of core.change_holiday may change them.
    "core.Holiday": ("holiday", {403, 404}),
    # Demand categories are one tree for the district; only demands.manage_setup edits it.
    "demands.Category": ("category", {403, 404}),
}
# Views without a ``model`` whose <pk> names one anyway, by URL name.
URL_MODELS = {
    "accounts:token_revoke": "accounts.ApiToken",
    "core:holiday_delete": "core.Holiday",
}
# URL kwargs that are not objects: the value owned by someone else.
KWARG_VALUES = {
    # An import result is found by a random key kept in the importer's session.
    "key": "import_key",
}
# Request values the body generator cannot guess from the schema alone.
VALUE_HINTS = {
    "id_number": "51010719900101003X",
    "month": f"{TODAY:%Y-%m}",
    "effective_month": f"{TODAY:%Y-%m}",
    "start_month": f"{TODAY:%Y-%m}",
    "end_month": f"{TODAY:%Y-%m}",
}


# Values that name nothing, to learn how a route answers for a missing object.
MISSING_PK = 987654321
MISSING = {"key": "AAAAAAAAAAAAAAAAAAAAAAAA"}


class RouteNotMapped(Exception):
    pass


def model_for(name: str, resource=None):
    """The model an id field or URL kwarg names, by ``ID_ALIASES`` or by model name."""
    if name in ID_ALIASES:
        label = ID_ALIASES[name]
        if label is None:
            if resource is None:
                raise RouteNotMapped(f"{name!r} needs the route's own model")
            return resource
        return apps.get_model(label)
    base = re.sub(r"_(id|ids|pk)$", "", name).replace("_", "")
    found = [m for m in apps.get_models() if m._meta.model_name == base]
    if len(found) != 1:
        raise RouteNotMapped(
            f"cannot tell which model {name!r} names ({[m._meta.label for m in found]}); "
            "add it to ID_ALIASES in tests/test_cross_scope.py"
        )
    return found[0]


def is_scoped(model) -> bool:
    return isinstance(getattr(model, "scope", None), Scope)


def place_field(model) -> str:
    """The path field a row's community is read from (its scope's first: a transfer's
    sending side)."""
    return model.scope.paths[0]


# --- The world: both communities, populated in every module -------------------------------


class Fixture:
    """The shared world plus a row of every reachable model in each community."""

    def __init__(self, world):
        self.world = world
        self.ours = world.ours
        self.sibling = world.sibling
        self.extra = {}
        self.today, self.mark = TODAY, MARK  # for the modules' hooks

    def sibling_rows(self, model) -> list:
        label = model._meta.label
        if label in FOREIGN_OBJECTS:
            return [self.extra[FOREIGN_OBJECTS[label][0]]]
        if not is_scoped(model):
            raise RouteNotMapped(
                f"{label} declares no scope: add it to FOREIGN_OBJECTS in "
                "tests/test_cross_scope.py with whose it is and the answer a stranger gets"
            )
        path = self.sibling.community.path
        rows = list(
            model._base_manager.filter(**{f"{place_field(model)}__under": path}).order_by("pk")
        )
        if not rows:
            raise RouteNotMapped(
                f"no {label} row lies in the sibling community: create one in the "
                "cross_scope_rows(fx) hook of its app's testing.py"
            )
        if len(rows) > 2:  # the first and the last one (top and bottom of the tree)
            rows = [rows[0], rows[-1]]
        return rows

    def own_row(self, model):
        label = model._meta.label
        if label in FOREIGN_OBJECTS or not is_scoped(model):
            return None
        qs = model._base_manager.filter(
            **{f"{place_field(model)}__under": self.ours.grid.path}
        ).order_by("pk")
        return qs.first() or (
            model._base_manager.filter(**{f"{place_field(model)}__under": self.ours.community.path})
            .order_by("pk")
            .first()
        )

    def expected(self, model) -> set[int]:
        return FOREIGN_OBJECTS.get(model._meta.label, (None, {404}))[1]


def module_hooks(name: str):
    """Each module's cross-scope hook (``<app>.testing.<name>(fx)``), in manifest order:
    a new module joins the walk by defining them, with no edit here."""
    for manifest in modules.manifests():
        try:
            testing = importlib.import_module(f"gongzhi.{manifest.label}.testing")
        except ModuleNotFoundError:
            continue
        hook = getattr(testing, name, None)
        if hook is not None:
            yield hook


def _populate(fx: Fixture) -> None:
    """Rows of every module in both communities, made through the modules' services: the
    platform's here, each module's by its ``testing.cross_scope_rows(fx)``."""
    world = fx.world
    # accounts: a user of the sibling community, their role, their token; a holiday
    neighbour = make_user(
        "lj_sj", Role.COMMUNITY_SECRETARY, world.sibling.community, full_name="邻里书记"
    )
    fx.extra["sibling_user"] = neighbour
    fx.extra["assignment"] = RoleAssignment.objects.get(user=neighbour)
    fx.extra["token"], _key = issue_token(
        actor=neighbour, name="邻里书记的令牌", scope="write", verified=True
    )
    fx.extra["holiday"] = Holiday.objects.create(
        date=date(2026, 7, 1), is_working_day=False, name="测试假日"
    )
    fx.extra["import_key"] = _foreign_import_key(neighbour)
    fx.extra["parameter_value"] = ParameterValue.objects.create(
        key="dues.redeclare_month", value=3, effective_from=date(2027, 1, 1), note="本地"
    )
    fx.extra["notification"] = Notification.objects.create(
        user=neighbour, title="邻里的通知", body="", link="/demands/"
    )
    # A finished export of the neighbour's, its file on disk: only theirs to fetch.
    (export_dir() / "neighbour.xlsx").write_bytes(b"PK")
    fx.extra["export_job"] = ExportJob.objects.create(
        user=neighbour,
        name="households",
        title="邻里住户",
        fmt="xlsx",
        path="/areas/households/",
        status=ExportJob.DONE,
        file="neighbour.xlsx",
    )
    for hook in module_hooks("cross_scope_rows"):
        hook(fx)


def _foreign_import_key(user) -> str:
    """An import result that lives in another user's session."""
    client = Client()
    sign_in(client, user)
    upload = BytesIO(b"not a spreadsheet")
    upload.name = "x.xlsx"
    response = client.post(reverse("areas:import"), {"file": upload})
    assert response.status_code == 302, response.status_code
    return response.url.rstrip("/").split("/")[-1]


def _change_sibling(fx: Fixture) -> None:
    """Change the sibling community everywhere a list could show it: every new or
    renamed thing carries MARK. Each module changes its own rows
    (``testing.cross_scope_change(fx)``)."""
    make_user("lj_new", Role.COMMUNITY_STAFF, fx.world.sibling.community, full_name=f"{MARK}社工")
    for hook in module_hooks("cross_scope_change"):
        hook(fx)


@pytest.fixture
def fx(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    with time_machine.travel(NOW, tick=False):
        cache.clear()
        world = build_world()
        fixture = Fixture(world)
        _populate(fixture)
        yield fixture


# --- Recording what must not change -------------------------------------------------------


# The records of refusals themselves: the audit log and the count of refused lookups
# (core/probes.py), which every 404 of the walk rightly grows.
REFUSAL_RECORDS = (AuditLog, RefusedLookups)


def _tracked_models():
    return [
        m
        for m in apps.get_models()
        if m.__module__.startswith("gongzhi.")
        and m not in REFUSAL_RECORDS
        and not m._meta.proxy
        and m._meta.managed
    ]


@pytest.fixture(autouse=True)
def _no_probing_alert(settings):
    """The walk probes on purpose, hundreds of times a minute: no alert to the auditors
    (whose notifications would count as rows the walk wrote; tested in core)."""
    settings.GONGZHI_PROBE_BURST = 10**9


class State:
    """Every row of the sibling community, the foreign objects, and every table's size,
    read in one statement (the walk reads it around each of its requests; a query a
    table cost a PostgreSQL run a round trip each, 60,000 a role). Each table's rows
    come back as one text, compared whole."""

    def __init__(self, fx: Fixture):
        quote = connection.ops.quote_name
        models = _tracked_models()
        # Table and column names come from the models' own metadata, quoted by the
        # backend; every value is a bound parameter.
        parts = [f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in models]  # noqa: S608
        self.labels = [f"count {m._meta.label}" for m in models]
        self.params: list = []
        path = fx.sibling.community.path
        reads = []
        for model in models:
            if is_scoped(model):
                qs = model._base_manager.filter(**{f"{place_field(model)}__under": path})
                reads.append((model._meta.label, qs))
        for key, _expected in FOREIGN_OBJECTS.values():
            obj = fx.extra[key]
            reads.append((key, type(obj)._base_manager.filter(pk=obj.pk)))
        for label, qs in reads:
            sql, params = qs.order_by("pk").values_list().query.sql_with_params()
            parts.append(self._rows_as_text(qs.model, sql))
            self.labels.append(label)
            self.params.extend(params)
        self.sql = "SELECT " + ", ".join(parts)

    @staticmethod
    def _rows_as_text(model, sql: str) -> str:
        quote = connection.ops.quote_name
        if connection.vendor == "postgresql":
            pk = quote(model._meta.pk.column)
            return f"(SELECT string_agg(r::text, '|' ORDER BY r.{pk}) FROM ({sql}) r)"  # noqa: S608
        row = " || ',' || ".join(f"quote({quote(f.column)})" for f in model._meta.concrete_fields)
        return f"(SELECT group_concat({row}, '|') FROM ({sql}))"  # noqa: S608

    def __call__(self):
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            values = cursor.fetchone()
        return dict(zip(self.labels, values, strict=True))


def state(fx: Fixture):
    if "state" not in fx.extra:
        fx.extra["state"] = State(fx)
    return fx.extra["state"]()


def assert_unchanged(before, after, what: str):
    counts = {k: (v, after[k]) for k, v in before.items() if k.startswith("count ")}
    grown = {k[6:]: (v, n) for k, (v, n) in counts.items() if v != n}
    if grown:
        pytest.fail(f"{what} changed row counts {grown}")
    for label, rows in before.items():
        assert after[label] == rows, f"{what} changed {label} rows of the sibling community"


class Unchanged:
    """A walk's record of the state around each of its requests. The state read after
    one request is the next request's state before it, unless the walk sent another
    request in between (``forget``) or did not check the last one (its answer failed
    first): a walk reads it once per request, not twice. A write between two requests
    is then laid at the second, never missed."""

    def __init__(self, fx: Fixture):
        self.fx = fx
        self.last = None

    def before(self):
        if self.last is None:
            self.last = state(self.fx)
        before, self.last = self.last, None  # until check() reads the state after
        return before

    def forget(self) -> None:
        self.last = None

    def check(self, before, what: str) -> None:
        self.last = state(self.fx)
        assert_unchanged(before, self.last, what)


def test_the_walks_see_every_write_to_the_sibling(fx):
    """The walks' check itself: a changed row of the sibling, a new row anywhere, a
    deleted foreign object each fail it; reading changes nothing."""
    from gongzhi.areas.models import Household

    unchanged = Unchanged(fx)
    before = unchanged.before()
    unchanged.check(before, "reading")
    household = fx.sibling_rows(Household)[0]
    Household.objects.filter(pk=household.pk).update(door_number="9999")
    with pytest.raises(AssertionError, match="changed areas.Household rows"):
        unchanged.check(unchanged.before(), "an update")
    make_household(fx.world.ours.unit, "998", "998")
    with pytest.raises(pytest.fail.Exception, match="changed row counts .*areas.Household"):
        unchanged.check(unchanged.before(), "an insert")
    token = fx.extra[FOREIGN_OBJECTS["accounts.ApiToken"][0]]
    before = unchanged.before()
    type(token).objects.filter(pk=token.pk).update(name="改名")
    with pytest.raises(AssertionError, match="changed token rows"):
        unchanged.check(before, "a foreign object's update")


# --- Reading answers ---------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSRF = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]*"')


def content(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def readable(response) -> str:
    """The answer as text a person would read: HTML, JSON unescaped, Excel cells."""
    body = content(response)
    kind = response.get("Content-Type", "")
    if kind.startswith(XLSX) or body[:2] == b"PK":
        book = openpyxl.load_workbook(BytesIO(body), read_only=True)
        return "\n".join(
            "\t".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    text = body.decode("utf-8", errors="replace")
    if kind.startswith("application/json"):
        try:
            return json.dumps(json.loads(text), ensure_ascii=False, sort_keys=True)
        except ValueError:
            return text
    return CSRF.sub(r"\1…\"", text)


def leaks(text: str) -> list[str]:
    return [s for s in SIBLING_TEXT if s in text]


# --- Pages ---------------------------------------------------------------------------------


def page_routes():
    """(route text, name, URLPattern) for every page the walk covers."""

    def walk(patterns, prefix="", namespace=None):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                ns = (
                    f"{namespace}:{p.namespace}"
                    if namespace and p.namespace
                    else (p.namespace or namespace)
                )
                yield from walk(p.url_patterns, route, ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace else p.name
                yield route, name, p

    for route, name, pattern in walk(get_resolver().url_patterns):
        if route.startswith(SKIPPED_PREFIXES) or name in SKIPPED_NAMES:
            continue
        if ONLY and not (name or "").startswith(f"{ONLY}:"):
            continue
        yield route, name, pattern


def object_choices(selects: dict, resource, where: str) -> dict:
    """The <select>s of a form that choose an object, as {field: model}."""
    found = {}
    for field, options in selects.items():
        if not (options and all(o.isdigit() for o in options)) or field in NOT_OBJECT_FIELDS:
            continue
        try:
            found[field] = model_for(field, resource)
        except RouteNotMapped:
            raise RouteNotMapped(
                f"{where}: the field {field!r} chooses among numbers; add it to ID_ALIASES "
                "(an object) or NOT_OBJECT_FIELDS (a plain number) in tests/test_cross_scope.py"
            ) from None
    return found


def view_class(pattern):
    return getattr(pattern.callback, "view_class", None)


def kwarg_model(name: str, pattern, kwarg: str):
    cls = view_class(pattern)
    if kwarg != "pk":
        return model_for(kwarg, getattr(cls, "model", None))
    if name in URL_MODELS:
        return apps.get_model(URL_MODELS[name])
    model = getattr(cls, "model", None)
    if model is None:
        raise RouteNotMapped(
            "the view has no model for <pk>: give the view a `model`, name the kwarg "
            "after the model, or add the URL name to URL_MODELS in tests/test_cross_scope.py"
        )
    return model


def kwarg_candidates(fx: Fixture, name: str, pattern, kwarg: str):
    """[(value, expected statuses)] for one URL kwarg: the foreign values."""
    if kwarg in KWARG_VALUES:
        return [(fx.extra[KWARG_VALUES[kwarg]], {404})]
    model = kwarg_model(name, pattern, kwarg)
    return [(row.pk, fx.expected(model)) for row in fx.sibling_rows(model)]


def kwarg_own(fx: Fixture, name: str, pattern, kwarg: str):
    if kwarg in KWARG_VALUES:
        return None
    row = fx.own_row(kwarg_model(name, pattern, kwarg))
    return row.pk if row is not None else None


class Forms(HTMLParser):
    """The forms of a page: method, action and the values a browser would submit."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._select, self._textarea = [], None, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action") or "",
                "fields": [],
                "selects": {},
                "inputs": {},
            }
            self.forms.append(self._form)
        elif self._form is None or not a.get("name") and tag != "option":
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            self._form["inputs"][a["name"]] = kind
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form["fields"].append([a["name"], a.get("value") or ""])
        elif tag == "select":
            self._select = {"name": a["name"], "options": [], "selected": None}
        elif tag == "option" and self._select is not None:
            value = a.get("value") or ""
            self._select["options"].append(value)
            if "selected" in a:
                self._select["selected"] = value
        elif tag == "textarea":
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            s = self._select
            options = [o for o in s["options"] if o]
            value = s["selected"] if s["selected"] is not None else (options[0] if options else "")
            self._form["fields"].append([s["name"], value])
            self._form["selects"][s["name"]] = options
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form["fields"].append(self._textarea)
            self._textarea = None

    def main(self, path: str, method: str):
        for form in self.forms:
            if form["method"] == method and form["action"] in ("", path, "?"):
                return form
        return None


def harvest(client, url: str, method: str = "post"):
    """The main form of ``url`` as the user would submit it, or None."""
    response = client.get(url)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return None
    return Forms(content(response).decode()).main(url, method)


def form_data(form) -> dict:
    data = {}
    for name, value in form["fields"]:
        data.setdefault(name, []).append(value)
    data.pop("csrfmiddlewaretoken", None)
    return data


# --- API -------------------------------------------------------------------------------------


SCHEMA = None


def openapi():
    global SCHEMA
    if SCHEMA is None:
        SCHEMA = api.get_openapi_schema()
    return SCHEMA


def resolve(schema):
    while "$ref" in schema:
        schema = openapi()["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def operations():
    mounted = [f"/api/v1{prefix}" for prefix, _router in only_manifest().api] if ONLY else []
    for path, ops in openapi()["paths"].items():
        if ONLY and not any(path == m or path.startswith(m + "/") for m in mounted):
            continue
        for method, op in ops.items():
            yield path, method, op


def op_resource(op):
    """The model of an operation's own resource, from its response schema (``AreaOut``)."""
    for status, answer in op["responses"].items():
        if str(status).startswith("2"):
            schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
            ref = schema.get("$ref") or schema.get("items", {}).get("$ref") or ""
            name = re.sub(r"^Paged|(Detail)?Out$", "", ref.split("/")[-1])
            found = [m for m in apps.get_models() if m.__name__ == name]
            if len(found) == 1:
                return found[0]
    return None


def sample(schema, name: str, ids: dict, target=None):
    """A value that satisfies ``schema``; ids from ``ids``; ``version`` from ``target``."""
    schema = resolve(schema)
    if name in ids:
        variants = [resolve(s) for s in schema.get("anyOf", [schema])]
        is_list = any(v.get("type") == "array" for v in variants)
        return [ids[name]] if is_list else ids[name]
    if name == "version" and target is not None:
        return getattr(target, "version", 1)
    if name in VALUE_HINTS:
        return VALUE_HINTS[name]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if resolve(s).get("type") != "null"]
            return sample(options[0], name, ids, target) if options else None
    if "allOf" in schema:
        return sample(schema["allOf"][0], name, ids, target)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", []))
        return {
            prop: sample(sub, prop, ids, target)
            for prop, sub in schema.get("properties", {}).items()
            if prop in required or prop in ids or prop == "version"
        }
    if kind == "array":
        minimum = schema.get("minItems", 0)
        return [sample(schema.get("items", {}), name, ids, target) for _ in range(minimum)]
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
        return max(1, low) if "maximum" not in schema else min(max(1, low), schema["maximum"])
    fmt = schema.get("format")
    if fmt == "date":
        return (TODAY - timedelta(days=1)).isoformat()
    if fmt == "date-time":
        return (NOW - timedelta(hours=1)).isoformat()
    if schema.get("pattern") in (r"^[0-9]+$", r"^\d+$"):
        return "1" * max(1, schema.get("minLength", 1))
    text = "测试内容"
    text = (text * 20)[: max(schema.get("minLength", 1), 4)]
    return text[: schema.get("maxLength", len(text))]


def body_schema(op) -> tuple[dict, bool]:
    """The request body's schema, and whether it is a form (multipart: fields and files,
    e.g. a resident's demand with its photos) rather than JSON."""
    content = op["requestBody"]["content"]
    if "application/json" in content:
        return content["application/json"]["schema"], False
    return content["multipart/form-data"]["schema"], True


def body_id_fields(op, resource):
    """Request body properties that reference objects: {name: model}."""
    body = op.get("requestBody")
    if not body:
        return {}
    schema = resolve(body_schema(op)[0])
    fields = {}
    for prop in schema.get("properties", {}):
        if re.search(r"_ids?$", prop):
            fields[prop] = model_for(prop, resource)
    return fields


class Api:
    def __init__(self, client, key):
        self.client, self.headers = client, {"Authorization": f"Bearer {key}"}

    def __call__(self, method, path, body=None, query=None, form=False):
        kwargs = {"headers": self.headers}
        if body is not None and form:
            kwargs.update(data=encode_multipart(BOUNDARY, body), content_type=MULTIPART_CONTENT)
        elif body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        if query:
            kwargs["QUERY_STRING"] = urlencode(query, doseq=True)
        return self.client.generic(method.upper(), path, **_generic(kwargs))


def _generic(kwargs):
    """Client.generic takes data and content_type positionally named; the rest as extra."""
    out = {"data": kwargs.pop("data", ""), "content_type": kwargs.pop("content_type", "")}
    out.update(kwargs)
    return out


def _fill(path: str, values: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


# --- The walks -----------------------------------------------------------------------------


@pytest.fixture(params=USERS)
def actor(request, fx, client):
    user = fx.world.users[request.param]
    sign_in(client, user)
    key = api_key(user, name="跨域测试")
    return user, client, Api(client, key)


def _check(response, expected, what):
    assert response.status_code in expected, (
        f"{what}: expected {sorted(expected)}, got {response.status_code}"
    )
    found = leaks(readable(response))
    assert not found, f"{what}: the answer shows the sibling's {found}"


def test_objects_of_the_sibling_community_are_out_of_reach(fx, actor):
    """Walk 1, pages: every route with an object, given the sibling's object."""
    user, client, _api = actor
    problems, walked, missing_status = [], 0, {}
    unchanged = Unchanged(fx)
    with time_machine.travel(NOW, tick=False):
        for route, name, pattern in page_routes():
            kwargs = sorted(pattern.pattern.converters)
            if not kwargs:
                continue
            try:
                foreign = {k: kwarg_candidates(fx, name, pattern, k) for k in kwargs}
                own = {k: kwarg_own(fx, name, pattern, k) for k in kwargs}
            except RouteNotMapped as exc:
                problems.append(f"{route} ({name}): {exc}")
                continue
            # Every combination of the sibling's values, and for routes of several objects
            # also one own object with a foreign one.
            choices = [
                [*foreign[k], *([(own[k], None)] if len(kwargs) > 1 and own[k] else [])]
                for k in kwargs
            ]
            for combo in product(*choices):
                if all(expected is None for _v, expected in combo):
                    continue
                values = {k: v for k, (v, _e) in zip(kwargs, combo, strict=True)}
                expected = set().union(*(e for _v, e in combo if e is not None))
                url = reverse(name, kwargs=values)
                own_url = (
                    reverse(name, kwargs=own) if all(own[k] is not None for k in kwargs) else None
                )
                missing_url = reverse(name, kwargs={k: MISSING.get(k, MISSING_PK) for k in kwargs})
                for method in ("get", "post"):
                    data = {}
                    if method == "post" and own_url:
                        form = harvest(client, own_url)
                        unchanged.forget()
                        data = form_data(form) if form else {}
                    send = getattr(client, method)
                    # A route that refuses every object alike (the user lacks the permission
                    # altogether: 403; the route takes no such method: 405) answers the same
                    # for an object that does not exist. Asked once a route and method.
                    if (name, method) not in missing_status:
                        missing_status[name, method] = send(missing_url, data).status_code
                        unchanged.forget()
                    allowed = set(expected) | ({missing_status[name, method]} & {403, 405})
                    before = unchanged.before()
                    response = send(url, data)
                    walked += 1
                    try:
                        _check(response, allowed, f"{method.upper()} {url} ({name})")
                        unchanged.check(before, f"{method.upper()} {url} ({name})")
                    except AssertionError as exc:
                        problems.append(str(exc).splitlines()[0])
                    except pytest.fail.Exception as exc:
                        problems.append(str(exc))
    assert not problems, f"{user.username}: " + "\n".join(problems)
    assert walked > least(50)


def test_api_objects_of_the_sibling_community_are_out_of_reach(fx, actor):
    """Walk 1, API: every operation with a path id, given the sibling's object."""
    user, _client, api_client = actor
    problems, walked = [], 0
    unchanged = Unchanged(fx)
    with time_machine.travel(NOW, tick=False):
        for path, method, op in operations():
            params = re.findall(r"\{(\w+)\}", path)
            if not params:
                continue
            resource = op_resource(op)
            try:
                models = {p: model_for(p, resource) for p in params}
                foreign = {p: fx.sibling_rows(m) for p, m in models.items()}
                own = {p: fx.own_row(m) for p, m in models.items()}
                body_ids = body_id_fields(op, resource)
            except RouteNotMapped as exc:
                problems.append(f"{method.upper()} {path}: {exc}")
                continue
            choices = [
                [(row, True) for row in foreign[p]]
                + ([(own[p], False)] if len(params) > 1 and own[p] else [])
                for p in params
            ]
            for combo in product(*choices):
                if not any(is_foreign for _row, is_foreign in combo):
                    continue
                rows = dict(zip(params, (row for row, _f in combo), strict=True))
                url = _fill(path, {p: row.pk for p, row in rows.items()})
                target = rows[params[-1]]
                try:
                    ids = {}
                    for prop, model in body_ids.items():
                        mine = fx.own_row(model)
                        ids[prop] = mine.pk if mine else fx.sibling_rows(model)[0].pk
                except RouteNotMapped as exc:
                    problems.append(f"{method.upper()} {path}: {exc}")
                    break
                body, form = None, False
                if op.get("requestBody"):
                    schema, form = body_schema(op)
                    body = sample(schema, "", ids, target)
                query = {
                    q["name"]: getattr(target, "version", 1)
                    for q in op.get("parameters", [])
                    if q["in"] == "query" and q["name"] == "version"
                }
                before = unchanged.before()
                response = api_client(method, path=url, body=body, query=query, form=form)
                walked += 1
                what = f"{method.upper()} {url}"
                try:
                    if (
                        response.status_code == 422
                        and "validation_error" in response.content.decode()
                    ):
                        raise AssertionError(
                            f"{what}: the walk's body {body} is not valid "
                            f"({response.json()['error']['message']}); add a value to VALUE_HINTS"
                        )
                    _check(response, {404}, what)
                    unchanged.check(before, what)
                except AssertionError as exc:
                    problems.append(str(exc).splitlines()[0])
                except pytest.fail.Exception as exc:
                    problems.append(str(exc))
    assert not problems, f"{user.username}: " + "\n".join(problems)
    assert walked > least(30)


# --- Walk 2: lists, searches, exports, aggregates --------------------------------------------


def page_variants(fx: Fixture, client, url: str, pattern):
    """The page as it opens, and its search form filled in against the sibling: each
    text field with the sibling's name, each object field with the sibling's objects."""
    variants = [{}]
    resource = getattr(view_class(pattern), "model", None)
    # "?page=1" so that a page which redirects when opened bare shows its list.
    form = harvest(client, f"{url}?page=1", "get")
    if form is not None:
        objects = object_choices(form["selects"], resource, url)
        for name, kind in form["inputs"].items():
            if kind in ("text", "search"):
                variants.append({name: SEARCH})
            elif kind == "number":
                try:
                    objects[name] = model_for(name, resource)
                except RouteNotMapped:
                    if name not in NOT_OBJECT_FIELDS and not PLAIN_NUMBER.search(name):
                        raise RouteNotMapped(
                            f"{url}: the filter {name!r} takes a number; add it to ID_ALIASES "
                            "(an object) or NOT_OBJECT_FIELDS (a plain number) in "
                            "tests/test_cross_scope.py"
                        ) from None
        for name, model in objects.items():
            if is_scoped(model):
                variants += [{name: row.pk} for row in fx.sibling_rows(model)]
        if len(variants) > 2:
            variants.append({k: v for variant in variants[1:] for k, v in variant.items()})
    if getattr(view_class(pattern), "export_name", ""):
        variants += [{**v, "export": "xlsx"} for v in variants]
    return variants


def api_variants(fx: Fixture, op, resource):
    params = {q["name"]: resolve(q.get("schema", {})) for q in op.get("parameters", [])}
    base = {"limit": 1000} if "limit" in params else {}
    variants = [base]
    for name, schema in params.items():
        kinds = {resolve(s).get("type") for s in schema.get("anyOf", [schema])}
        if name in ("limit", "offset", "version"):
            continue
        try:
            model = model_for(name, resource)
        except RouteNotMapped:
            model = None
        if model is not None and ("integer" in kinds) and is_scoped(model):
            variants += [{**base, name: row.pk} for row in fx.sibling_rows(model)]
        elif model is not None and "string" in kinds and is_scoped(model):
            variants += [{**base, name: str(row.pk)} for row in fx.sibling_rows(model)[:1]]
            variants.append({**base, name: SEARCH})
        elif "string" in kinds and "enum" not in schema and "format" not in schema:
            variants.append({**base, name: SEARCH})
    return variants


def fetch_everything(fx: Fixture, client, api_client, requests):
    """Answer every request, then roll the database back (audit records, sessions)."""
    answers = {}
    with transaction.atomic():
        cache.clear()
        for key, call in requests:
            response = call()
            answers[key] = (response.status_code, readable(response))
        transaction.set_rollback(True)
    return answers


def _differential_requests(fx: Fixture, client, api_client):
    requests, problems = [], []
    for _route, name, pattern in page_routes():
        if pattern.pattern.converters:
            continue
        url = reverse(name)
        try:
            variants = page_variants(fx, client, url, pattern)
        except RouteNotMapped as exc:
            problems.append(str(exc))
            continue
        for query in variants:
            full = f"{url}?{urlencode(query)}" if query else url
            requests.append((full, lambda full=full: client.get(full, follow=True)))
    for path, method, op in operations():
        if method != "get" or "{" in path:
            continue
        for query in api_variants(fx, op, op_resource(op)):
            key = f"{path}?{urlencode(query)}"
            requests.append(
                (key, lambda path=path, query=query: api_client("get", path, query=query))
            )
    return requests, problems


def test_lists_searches_exports_and_aggregates_ignore_the_sibling(fx, actor):
    """Walk 2: the answers without an object stay the same when the sibling changes."""
    user, client, api_client = actor
    with time_machine.travel(NOW, tick=False):
        requests, problems = _differential_requests(fx, client, api_client)
        assert not problems, "\n".join(problems)
        before = fetch_everything(fx, client, api_client, requests)
        with transaction.atomic():
            _change_sibling(fx)
            after = fetch_everything(fx, client, api_client, requests)
            transaction.set_rollback(True)
    assert len(requests) > least(60)
    changed = [k for k in before if before[k] != after[k]]
    leaked = {k: leaks(before[k][1] + after[k][1]) for k in before}
    leaked = {k: v for k, v in leaked.items() if v}
    assert not (leaked or changed), (
        f"{user.username}: answers changed with the sibling community: {changed}\n"
        f"sibling text in {leaked}"
    )
    assert any(status == 200 for status, _b in before.values())


def test_the_differential_check_sees_a_change_in_scope(fx, actor):
    """The walk 2 comparison is not blind: the same change made in the user's own
    community does change the household list (for a role held on a party organization,
    which reaches no household, the member list of its branch)."""
    user, client, _api_client = actor
    org_held = bool(user.org_grants)
    url = reverse("party:member_list" if org_held else "areas:household_list")
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        before = readable(client.get(url))
        if org_held:
            from gongzhi.party.testing import add_member

            branch = fx.extra["party"].ours_branch
            add_member(fx.world.users["superuser"], branch, f"{MARK}9", serial=90)
        else:
            make_household(fx.ours.unit, "0909", f"{MARK}9")
        after = readable(client.get(url))
        transaction.set_rollback(True)
    assert before != after and MARK in after


# --- Walk 3: creating with the sibling's objects as parent or reference ------------------


def test_api_creates_refuse_the_siblings_objects(fx, actor):
    """Every API POST without a path id, each object reference set to the sibling's."""
    user, _client, api_client = actor
    problems, walked = [], 0
    unchanged = Unchanged(fx)
    with time_machine.travel(NOW, tick=False):
        for path, method, op in operations():
            if method != "post" or "{" in path or not op.get("requestBody"):
                continue
            resource = op_resource(op)
            try:
                refs = body_id_fields(op, resource)
            except RouteNotMapped as exc:
                problems.append(f"POST {path}: {exc}")
                continue
            if not refs:
                continue  # nothing in the body points at an object
            schema, form = body_schema(op)
            for prop, model in refs.items():
                for row in fx.sibling_rows(model):
                    ids = {}
                    for other, other_model in refs.items():
                        mine = fx.own_row(other_model)
                        if mine is not None:
                            ids[other] = mine.pk
                    ids[prop] = row.pk
                    body = sample(schema, "", ids)
                    before = unchanged.before()
                    response = api_client("post", path, body=body, form=form)
                    walked += 1
                    what = f"POST {path} with the sibling's {prop}={row.pk}"
                    try:
                        if (
                            response.status_code == 422
                            and "validation_error" in response.content.decode()
                        ):
                            raise AssertionError(
                                f"{what}: the walk's body {body} is not valid "
                                f"({response.json()['error']['message']}); "
                                "add a value to VALUE_HINTS"
                            )
                        assert response.status_code >= 400, f"{what}: accepted"
                        _check(response, {response.status_code}, what)
                        unchanged.check(before, what)
                    except AssertionError as exc:
                        problems.append(str(exc).splitlines()[0])
                    except pytest.fail.Exception as exc:
                        problems.append(str(exc))
    assert not problems, f"{user.username}: " + "\n".join(problems)
    assert walked >= least(4)


def test_page_creates_refuse_the_siblings_objects(fx, actor):
    """Every page form without an object in its URL, each object choice set to the
    sibling's: not saved, nothing written. (Routes with an object in the URL, such as
    /areas/<pk>/new/, are walk 1's.)"""
    user, client, _api = actor
    problems, walked = [], 0
    unchanged = Unchanged(fx)
    with time_machine.travel(NOW, tick=False):
        for _route, name, pattern in page_routes():
            if pattern.pattern.converters:
                continue
            url = reverse(name)
            form = harvest(client, url)
            unchanged.forget()
            if form is None:
                continue
            resource = getattr(view_class(pattern), "model", None)
            try:
                refs = object_choices(form["selects"], resource, url)
            except RouteNotMapped as exc:
                problems.append(str(exc))
                continue
            for field, model in refs.items():
                if not is_scoped(model):
                    continue
                for row in fx.sibling_rows(model):
                    data = form_data(form)
                    data[field] = [str(row.pk)]
                    before = unchanged.before()
                    response = client.post(url, data)
                    walked += 1
                    what = f"POST {url} with the sibling's {field}={row.pk}"
                    try:
                        assert response.status_code != 302, f"{what}: saved"
                        _check(response, {response.status_code}, what)
                        unchanged.check(before, what)
                    except AssertionError as exc:
                        problems.append(str(exc).splitlines()[0])
                    except pytest.fail.Exception as exc:
                        problems.append(str(exc))
    assert not problems, f"{user.username}: " + "\n".join(problems)
    if user.has_perm("areas.change_area"):
        assert walked >= 1


def test_every_api_url_pattern_is_in_the_schema():
    """The API walk reads the OpenAPI schema: a route hidden from it would escape."""
    schema_paths = {re.sub(r"\{\w+\}", "{}", p) for p in openapi()["paths"]}
    for route, _name, _pattern in _api_patterns():
        if route in ("api/v1/openapi.json", "api/v1/docs", "api/v1/"):
            continue
        shape = "/" + re.sub(r"<(\w+:)?\w+>", "{}", route)
        assert shape in schema_paths, f"{route} is not in the OpenAPI schema"


def _api_patterns():
    def walk(patterns, prefix=""):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, route)
            else:
                yield route, p.name, p

    for route, name, pattern in walk(get_resolver().url_patterns):
        if route.startswith("api/v1/"):
            yield route, name, pattern
