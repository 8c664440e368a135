"""Conformance: the rules of ARCHITECTURE.md and STYLE.md, checked on the code itself.

* Every permission the code asks for is granted by some role (a misspelt permission
  would silently deny everyone).
* Every public service function that writes runs inside ``core.services.atomic``, which
  keeps the audit record of a refusal (a plain ``transaction.atomic`` rolls it back).
* Views and API handlers read through selectors: a ``Model.objects`` query in a view or
  an API module is allowed only where the list below says why.

Each test reads the source with ``ast`` (or the live registries) and fails with the place
to fix; ``test_the_checks_catch_what_they_look_for`` proves that each one can fail.
"""

import ast
import importlib
import re
from pathlib import Path

from django.apps import apps

from gongzhi.accounts.checks import asked_permissions, check_permissions_granted, ungranted
from gongzhi.core import modules, workflow

SRC = Path(__file__).resolve().parent.parent / "src" / "gongzhi"
APPS = sorted(p.parent.name for p in SRC.glob("*/apps.py"))

# --- Permissions -------------------------------------------------------------------------


def test_every_permission_asked_for_is_granted_by_some_role():
    """Also a system check (gongzhi.E003), so `gongzhi check` fails on it too."""
    assert not check_permissions_granted(None)
    missing = ungranted(asked_permissions())
    assert "demands.view_demand" in asked_permissions()
    assert not missing, "granted by no role (add it to a GRANTS table or fix the name):\n" + (
        "\n".join(missing)
    )


# --- Services ------------------------------------------------------------------------------

# Model writes (an audit record alone is an audited read: a full view of an ID number).
WRITES = {"save", "create", "update", "delete", "bulk_create", "bulk_update", "get_or_create"}
WRITES |= {"update_or_create", "insert_rows"}
# Public service functions that write without core.services.atomic, and why.
NOT_ATOMIC = {
    # Large imports commit batch by batch and take the earlier batches back on failure
    # (core.bulk.Written); one transaction would hold the write lock for the whole file.
    "gongzhi.areas.services.import_areas",
    "gongzhi.residents.services.register_residents",
    # Runs ahead of every API request: its writes (the token's last use, and at most every
    # few minutes an audit record of it) are single statements that stand alone; a refusal
    # it records is committed as it is written (no transaction to roll it back).
    "gongzhi.accounts.services.authenticate_token",
}


def _decorators(node: ast.FunctionDef) -> set[str]:
    """The decorators as written: ``atomic`` is core.services.atomic, imported by name."""
    return {ast.unparse(d) for d in node.decorator_list}


def _writes(node: ast.FunctionDef) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            func = child.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in WRITES:
                return True
    return False


def services_without_atomic(source: str, module: str) -> list[str]:
    found = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            continue
        qualified = f"{module}.{node.name}"
        if _writes(node) and "atomic" not in _decorators(node) and qualified not in NOT_ATOMIC:
            found.append(qualified)
    return found


ATOMIC_IMPORT = re.compile(r"from gongzhi\.core\.services import [^\n]*\batomic\b")


def service_modules() -> list[Path]:
    """Each app's services.py, and the modules beside it that write through the kernel's
    ``atomic`` too (a large module's services split by subject: orglife's evaluation.py)."""
    found = []
    for path in sorted(SRC.glob("*/*.py")):
        if path.parent.name == "core":
            continue  # the kernel itself: atomic, deny and the audit
        if path.name == "services.py" or ATOMIC_IMPORT.search(path.read_text()):
            found.append(path)
    return found


def test_every_public_service_that_writes_is_atomic():
    found = []
    for path in service_modules():
        module = f"gongzhi.{path.parent.name}.{path.stem}"
        found += services_without_atomic(path.read_text(), module)
    assert not found, "writes outside core.services.atomic (its refusals' audit is lost):\n" + (
        "\n".join(found)
    )


def test_no_service_uses_a_plain_transaction_atomic_as_its_wrapper():
    found = []
    # Every app's services and every core module (core's own writes: parameters, holidays).
    for path in sorted([*service_modules(), *SRC.glob("core/*.py")]):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    if ast.unparse(decorator) == "transaction.atomic":
                        found.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}")
    assert not found, "use core.services.atomic:\n" + "\n".join(found)


# --- Views and API read through selectors ----------------------------------------------------

# Functions of views and API modules that query a model directly, and why (the list only
# shrinks: a new direct query fails the test). Everything else reads through the app's
# selectors, which apply the scope, or through the generic scoped views.
OBJECTS_ALLOWED = {
    "core/views.py": {
        "ScopedMixin.get_queryset": "the generic view: the declared model's visible_to",
        "HolidayListView.get_context_data": "the holiday table: no place, one permission",
        "HolidayDeleteView.post": "the holiday table",
    },
    "accounts/views.py": {
        "TwoFactorView._device": "the signed-in user's own authenticator",
        "TokenListView.get_context_data": "the signed-in user's own tokens",
        "TokenRevokeView.post": "the service decides who may revoke (404 otherwise)",
    },
    "demands/views.py": {
        "CategoryEditView.get_object": "categories are district-wide setup (manage_setup)",
        "DemandDetailView.get_queryset": "prefetch of the row's own extensions",
        "HouseholdFragment.get_context_data": "households through visible_to",
        "IntakeFragment.household": "households through visible_to",
        "_scope_name": "the names of the user's own grant nodes",
    },
    "dues/views.py": {
        "MemberDuesView.get_context_data": "the account of a member fetched through scope",
        "_branches": "organizations through visible_to",
    },
    "residents/views.py": {
        "CareTagListView.get_context_data": "care tags are district-wide setup",
        "CareTagListView.post": "care tags are district-wide setup",
        "ResidentTagView.perform": "the tag list (setup), the resident through scope",
        "ResidentDetailView.get_context_data": "care tags (setup)",
        "CoverageView.get_context_data": "areas through visible_to",
        "GridMapView.get_context_data": "areas through visible_to",
        "ResponsibilityMapView.get_context_data": "areas and members through visible_to",
        "ResponsibilityMapView.make_form": "areas and members through visible_to",
        "ResponsibilityRemoveView.get_success_url": "the community of a row in hand",
        "_default_area": "areas through visible_to",
    },
    "demands/api.py": {
        "classify": "active categories (district-wide setup)",
        "create_demand": "the area is checked by the service; households through visible_to",
        "record_meeting": "the area is checked by the service",
        "duplicates": "areas and households through visible_to",
    },
    "development/api.py": {
        "_members": "members through visible_to",
        "record_step": "organizations through visible_to",
        "quotas": "organizations through visible_to",
    },
    "dues/api.py": {"member_dues": "the account of a member fetched through scope"},
}


def objects_queries(source: str) -> list[tuple[str, int]]:
    """(enclosing function, line) of every ``<Name>.objects`` in ``source``."""
    tree = ast.parse(source)
    found = []

    def visit(node, scope):
        for child in ast.iter_child_nodes(node):
            name = scope
            if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{scope}.{child.name}" if scope else child.name
            if (
                isinstance(child, ast.Attribute)
                and child.attr == "objects"
                and isinstance(child.value, ast.Name)
            ):
                found.append((scope or "<module>", child.lineno))
            visit(child, name)

    visit(tree, "")
    return found


def test_views_and_api_query_through_selectors():
    found = []
    # Every pages or API module: views.py, api.py and their siblings (study_views.py …).
    for pattern in ("*/*views.py", "*/*api.py"):
        for path in sorted(SRC.glob(pattern)):
            relative = str(path.relative_to(SRC))
            allowed = OBJECTS_ALLOWED.get(relative, {})
            for function, line in objects_queries(path.read_text()):
                if function not in allowed:
                    found.append(f"{relative}:{line} in {function}")
    assert not found, "query through a selector:\n" + "\n".join(found)


def duplicate_schema_names(classes) -> list[str]:
    by_name: dict[str, list[str]] = {}
    for cls in classes:
        by_name.setdefault(cls.__name__, []).append(f"{cls.__module__}.{cls.__qualname__}")
    return sorted(
        f"{name}: {', '.join(where)}" for name, where in by_name.items() if len(where) > 1
    )


def _schemas():
    from ninja import Schema

    seen, todo = [], [Schema]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("gongzhi."):
                seen.append(sub)
    return seen


def test_api_schema_names_are_unique():
    """The OpenAPI document names its components by class name: two ``ItemIn`` in two
    modules would describe one route with the other's fields."""
    importlib.import_module("gongzhi.api")
    found = duplicate_schema_names(_schemas())
    assert not found, "rename (prefix with the module's name):\n" + "\n".join(found)


# --- Audit labels ------------------------------------------------------------------------


def audit_actions(source: str) -> set[str]:
    """The actions ``audit.log("…")`` writes, and those named ``action="…"`` for a helper
    that logs them (``partial(reveal, …, action="party.member.pii_viewed")``)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and (
                (func.attr == "log" and getattr(func.value, "id", "") == "audit")
                or func.attr == "finish"  # core.bulk.Written.finish(action, …)
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(node.args[0].value)
        for keyword in node.keywords:
            if keyword.arg == "action" and isinstance(keyword.value, ast.Constant):
                if str(keyword.value.value).count(".") == 2:
                    found.add(keyword.value.value)
    return found


def test_every_audit_action_has_a_label():
    """The audit log page shows each action by its module's label (manifest audit_labels),
    never a raw code."""
    labels = {key for manifest in modules.manifests() for key in manifest.audit_labels}
    written = set()
    for path in SRC.rglob("*.py"):
        if "tests" not in path.parts and "module_template" not in path.parts:
            written |= audit_actions(path.read_text())
    for flow in workflow.WORKFLOWS.values():
        if flow.audited:  # a sub-record's workflow is recorded by its parent's transition
            written |= {f"{flow.audit_prefix}.{t.audit or a}" for a, t in flow.transitions.items()}
    missing = sorted(written - labels)
    assert not missing, "label these in their module's manifest:\n" + "\n".join(missing)


# --- The checks fail when a rule is broken ---------------------------------------------------


def test_the_checks_catch_what_they_look_for():
    assert ungranted({"demands.dispach": "a typo"}) == ["demands.dispach (a typo)"]
    assert audit_actions('audit.log("a.b.c", actor=x)\npartial(f, action="d.e.f")') == {
        "a.b.c",
        "d.e.f",
    }
    one, two = type("ItemIn", (), {"__module__": "a"}), type("ItemIn", (), {"__module__": "b"})
    assert duplicate_schema_names([one, two]) == ["ItemIn: a.ItemIn, b.ItemIn"]
    source = (
        "from django.db import transaction\n"
        "@transaction.atomic\n"
        "def close(demand, *, actor):\n"
        "    demand.save()\n"
        "def _helper(x):\n"
        "    x.save()\n"
    )
    assert services_without_atomic(source, "m") == ["m.close"]
    assert objects_queries(
        "class V:\n    def get(self):\n        return Demand.objects.all()\n"
    ) == [("V.get", 3)]


def test_every_app_is_known_to_these_checks():
    installed = {
        c.name.split(".")[-1] for c in apps.get_app_configs() if c.name.startswith("gongzhi.")
    }
    assert installed <= set(APPS)


def test_every_menu_entry_opens_a_page_and_names_a_predicate_that_exists():
    from django.utils.module_loading import import_string

    for item in modules.nav_items():
        assert item.url.startswith("/"), item
        if item.when:
            assert callable(import_string(item.when)), item
