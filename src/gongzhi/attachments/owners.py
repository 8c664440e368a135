"""Which rows may carry files, and under which of their owner's permissions.

A scoped model whose rows take attachments declares it on the class, beside its
``scope``::

    class Demand(ScopedModel):
        attachable = Attachable(view=VIEW, change=HANDLE, kinds=(Kind.PHOTO, Kind.DOCUMENT))

An attachment has no permission of its own: it is seen by whoever may see its owner with
``view`` and added or removed by whoever may act on the owner with ``change``, decided by
the owner's own scope (``visible_rows``), so a list and a download can never disagree
with the owner's page. A model that declares nothing takes no attachments (deny by
default). This module imports no model: owners import it from their ``models.py``.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from gongzhi.core.scoping import Scope

from .choices import Kind

if TYPE_CHECKING:
    from gongzhi.core.types import StrOrPromise


@dataclass(frozen=True)
class Attachable:
    """``view``: the owner's permission to see its files; ``change``: to add and remove
    them; ``kinds``: the kinds it takes (the first is the default); ``label``: what the
    panel is titled on the owner's page."""

    view: str
    change: str
    kinds: tuple[str, ...] = (Kind.PHOTO, Kind.DOCUMENT)
    label: "StrOrPromise" = field(default=Kind.DOCUMENT.label)

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(Kind.values)
        if not self.kinds or unknown:
            raise ImproperlyConfigured(f"Attachable: unknown or no kinds {sorted(unknown)}")


def policy_of(model: type[models.Model]) -> Attachable:
    """The declaration of an owner model; a model without one takes no attachments."""
    declared = getattr(model, "attachable", None)
    if not isinstance(declared, Attachable):
        raise ImproperlyConfigured(f"{model._meta.label} does not declare `attachable`")
    if not isinstance(getattr(model, "scope", None), Scope):
        raise ImproperlyConfigured(f"{model._meta.label} takes attachments but has no scope")
    return declared


def is_attachable(model: type[models.Model]) -> bool:
    return isinstance(getattr(model, "attachable", None), Attachable)


def owner_models() -> list[type[models.Model]]:
    """Every installed model that takes attachments, in a stable order."""
    return sorted(
        (m for m in apps.get_models() if is_attachable(m)), key=lambda m: m._meta.label_lower
    )


def route_name(model: type[models.Model]) -> str:
    """The owner's part of URL names and paths: ``demands_demand``."""
    return f"{model._meta.app_label}_{model._meta.model_name}"
