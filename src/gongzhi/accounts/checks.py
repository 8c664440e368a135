"""System check: every permission the code asks for is granted by some role.

A misspelt permission (``demands.dispach``) would silently deny everyone, since
permissions no ``GRANTS`` table names are granted to nobody (deny by default). The
permissions asked for are read from the menu entries of the manifests, the workflows'
transitions, the page classes behind the URL patterns (``permission``,
``create_permission``) and each app's ``permissions`` module.
"""

import importlib
from collections.abc import Iterator, Sequence
from typing import Any

from django.apps import AppConfig, apps
from django.core.checks import CheckMessage, Error, Tags, register
from django.urls import URLPattern, URLResolver, get_resolver

from .roles import grants


def _url_permissions(patterns: list[Any]) -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_permissions(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "view_class", None)
            for attr in ("permission", "create_permission"):
                perm = getattr(view, attr, "") if view else ""
                if isinstance(perm, str) and perm and view is not None:
                    yield perm, f"page {pattern.name} ({view.__name__}.{attr})"


def asked_permissions() -> dict[str, str]:
    """{permission: where it is first asked for}."""
    from gongzhi.core import modules, workflow

    asked: dict[str, str] = {}
    for item in modules.nav_items():
        if item.permission:
            asked.setdefault(item.permission, f"menu entry {item.url_name}")
    for name, flow in workflow.WORKFLOWS.items():
        for action, transition in flow.transitions.items():
            if transition.perm:
                asked.setdefault(transition.perm, f"workflow {name}.{action}")
    for perm, where in _url_permissions(get_resolver().url_patterns):
        asked.setdefault(perm, where)
    for config in apps.get_app_configs():
        if not config.name.startswith("gongzhi."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.permissions")
        except ModuleNotFoundError:
            continue
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and value.count(".") == 1:
                asked.setdefault(value, f"{config.name}.permissions.{name}")
    return asked


def ungranted(asked: dict[str, str]) -> list[str]:
    granted: set[str] = set().union(*grants().values())
    return sorted(f"{perm} ({where})" for perm, where in asked.items() if perm not in granted)


@register(Tags.security)
def check_permissions_granted(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    return [
        Error(
            f"Permission {missing} is granted by no role.",
            hint="Add it to an app's GRANTS table (permissions.py) or fix its spelling.",
            id="gongzhi.E003",
        )
        for missing in ungranted(asked_permissions())
    ]
