"""Domain errors: what a service raises when a rule refuses an action.

Each carries a machine-readable ``code`` and a translated message naming the field and
the reason; views show the message next to the field, the API answers 4xx with both.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils.translation import gettext_lazy as _

from .types import StrOrPromise


class DomainError(Exception):
    code = "invalid"
    status = 400

    def __init__(
        self,
        message: StrOrPromise | None = None,
        *,
        field: str | None = None,
        code: str | None = None,
        **params: Any,
    ) -> None:
        self.message: StrOrPromise = message if message is not None else self.default_message
        self.field = field
        if code:
            self.code = code
        self.params = params
        super().__init__(str(self.message))

    default_message = _("操作未通过校验。")
    # The audit record of a refusal (actor, target, data) that raised this error, written
    # again by core.services.atomic after the rollback that discards the first copy.
    denial: dict | None = None


class RuleViolation(DomainError):
    code = "rule_violation"
    status = 422


class RuleViolations(RuleViolation):
    """Several refusals of one input at once (a form, a file): the first is the message,
    ``errors`` holds them all, each with its field."""

    def __init__(self, errors: list[RuleViolation]) -> None:
        self.errors = errors
        super().__init__(errors[0].message, field=errors[0].field)


class Problems:
    """The refusals of one input, gathered so that all are reported together: run each
    check under ``with problems.check():`` (a refusal is kept, the next check runs), then
    ``problems.raise_any()``. ``RuleViolations`` raised inside are flattened."""

    def __init__(self) -> None:
        self.errors: list[RuleViolation] = []

    def __bool__(self) -> bool:
        return bool(self.errors)

    def add(self, error: RuleViolation) -> None:
        self.errors += error.errors if isinstance(error, RuleViolations) else [error]

    @contextmanager
    def check(self) -> Iterator[None]:
        try:
            yield
        except RuleViolation as exc:
            self.add(exc)

    def fields(self) -> set[str | None]:
        return {e.field for e in self.errors}

    def raise_any(self) -> None:
        if self.errors:
            raise self.errors[0] if len(self.errors) == 1 else RuleViolations(self.errors)


class NotFoundOrForbidden(DomainError):
    """Missing and forbidden answer alike, so scope never leaks whether a row exists."""

    code = "not_found"
    status = 404
    default_message = _("对象不存在或无权访问。")


class Conflict(DomainError):
    """A stale form: the row changed since the user loaded it (optimistic locking)."""

    code = "conflict"
    status = 409
    default_message = _("数据已被他人修改，请刷新后重试。")
