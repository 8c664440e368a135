"""Owners keep their files: deleting a row that still has attachments is refused, as a
foreign key with ``on_delete=PROTECT`` would (a generic relation has none)."""

from typing import Any

from django.db import models
from django.db.models import ProtectedError

from .selectors import attachments_of


def protect_owner(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    files = list(attachments_of(instance)[:10])
    if files:
        raise ProtectedError(
            f"{instance._meta.label} {instance.pk} still has attachments", set(files)
        )
