"""Types the layers share. ``core`` imports no app, so the person acting is described by
what the platform asks of them (``Actor``), which the accounts app's ``User`` provides."""

from typing import Any, Protocol

from django.db import models


class Actor(Protocol):
    """A signed-in person (``accounts.User``) as services, selectors and the scope use
    them: their grants, and the permission checks of the scoped backend."""

    pk: Any
    is_superuser: bool
    is_active: bool
    is_authenticated: bool
    home_path: str

    def has_perm(self, perm: str, obj: Any = None) -> bool: ...

    def scope_paths(self, perm: str) -> list[str]: ...

    def get_username(self) -> str: ...

    @property
    def roles(self) -> set[str]: ...


# Any model row (the target of an audit record, a scoped row).
Row = models.Model
