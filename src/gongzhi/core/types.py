"""Types the layers share. ``core`` imports no app, so the person acting is described by
what the platform asks of them (``Actor``), which the accounts app's ``User`` provides."""

from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from django.db import models
from django.utils.functional import Promise

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class Actor(Protocol):
    """A signed-in person (``accounts.User``) as services, selectors and the scope use
    them: their grants (area paths, and organization tree paths for roles held on a party
    organization), and the permission checks of the scoped backend."""

    pk: Any
    is_superuser: bool
    is_active: bool
    home_path: str

    # Read-only, as on Django's users (``User.is_authenticated`` is a property).
    @property
    def is_authenticated(self) -> bool: ...

    def has_perm(self, perm: str, obj: Any = None) -> bool: ...

    def get_all_permissions(self, obj: Any = None) -> set[str]: ...

    def scope_paths(self, perm: str) -> list[str]: ...

    def org_scope_paths(self, perm: str) -> list[str]: ...

    def get_username(self) -> str: ...

    @property
    def roles(self) -> set[str]: ...


# Whoever a request comes from (``request.user``): a signed-in person or an anonymous
# visitor, whom the scope refuses and the audit log records without an account.
Visitor: TypeAlias = "Actor | AnonymousUser"

# A text shown to users: a str, or a lazy translation. For the type checker, the lazy
# string type of Django's type declarations (it exists only there); at run time, Promise.
if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    StrOrPromise: TypeAlias = str | _StrPromise
else:
    StrOrPromise = str | Promise

# Any model row (the target of an audit record, a scoped row).
Row = models.Model
