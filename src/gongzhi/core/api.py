"""Building blocks for every app's API router (the API analogue of core/views.py)."""

from datetime import date
from typing import Annotated

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import StringConstraints

# Text of the API refuses control characters: PostgreSQL cannot store NUL at all, and
# no name, door number or note needs a tab or a newline.
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"


# A row id: beyond a 64-bit integer the database driver overflows instead of finding nothing.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
# A date a person can mean, whose deadlines (letter validity, terms) do not overflow.
Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2100, 12, 31))]
# The optimistic-locking version a client read with the row.
Version = Annotated[
    int, Field(ge=1, le=2**31 - 1, description="乐观锁版本号：取自读取时的 version")
]


def filtered(filterset):
    """A page's filterset applied to API query parameters (one filter for page, API and
    export); its first error becomes a 422 naming the field."""
    from .errors import RuleViolation

    if not filterset.is_valid():
        field, messages = next(iter(filterset.form.errors.items()))
        raise RuleViolation(f"{filterset.form.fields[field].label}：{messages[0]}", field=field)
    return filterset.qs


def Text(min_length: int = 0, max_length: int | None = None):  # noqa: N802 (a type factory)
    """A ``str`` type without control characters, within the given length."""
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length, pattern=TEXT_PATTERN),
    ]


class Pagination(LimitOffsetPagination):
    """Limit/offset with upper bounds: a number past the database's integer range is a
    422 for the client, not a database error."""

    MAX_LIMIT = 1000

    class Input(Schema):
        limit: int = Field(50, ge=1, le=1000, description="每页条数")
        offset: int = Field(0, ge=0, le=2**31 - 1, description="起始位置")

    def __init__(self, **kwargs):
        super().__init__(max_limit=self.MAX_LIMIT, **kwargs)


class ErrorDetail(Schema):
    field: str | None
    message: str


class ErrorBody(Schema):
    code: str = Field(
        ..., description="机器可读的错误代码，如 not_found、conflict、validation_error"
    )
    message: str = Field(..., description="中文说明")
    field: str | None = Field(None, description="出错的字段")
    details: list[ErrorDetail] | None = None


class ErrorOut(Schema):
    """Every 4xx answer of the API: ``{"error": {"code", "message", "field"}}``."""

    error: ErrorBody


# The 4xx answers a route may give; declare them as ``response={200: X, ERRORS: ErrorOut}``.
ERRORS = frozenset({400, 401, 403, 404, 409, 422})
