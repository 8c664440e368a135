"""Building blocks for every app's API router (the API analogue of core/views.py)."""

from datetime import date
from typing import Annotated, Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import BeforeValidator, StringConstraints

from .types import StrOrPromise

# Text of the API refuses control characters: PostgreSQL cannot store NUL at all, and
# no name, door number or note needs a tab or a newline.
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"
# Contents (a record, minutes, an agenda) may hold line breaks and tabs, no other control
# characters.
LONG_TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def _not_a_boolean(value: Any) -> Any:
    """JSON ``true`` is not the number 1 (pydantic's lax mode would take it as an id)."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    return value


# A row id: beyond a 64-bit integer the database driver overflows instead of finding nothing.
Id = Annotated[int, BeforeValidator(_not_a_boolean), Field(ge=1, le=2**63 - 1)]
# A date a person can mean, whose deadlines (letter validity, terms) do not overflow.
Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2100, 12, 31))]
# The optimistic-locking version a client read with the row.
Version = Annotated[
    int,
    BeforeValidator(_not_a_boolean),
    Field(ge=1, le=2**31 - 1, description="乐观锁版本号：取自读取时的 version"),
]


def query_data(filters: Schema, *, rename: dict[str, str] | None = None) -> dict[str, Any]:
    """The query parameters given (None: not given), under the page filterset's names."""
    data = {k: v for k, v in filters.dict().items() if v is not None}
    for api_name, page_name in (rename or {}).items():
        if api_name in data:
            data[page_name] = data.pop(api_name)
    return data


def filtered(
    filterset_class: type[django_filters.FilterSet],
    data: dict[str, Any],
    queryset: QuerySet,
    request: HttpRequest,
) -> QuerySet:
    """A page's filterset applied to API query parameters (one filter for page, API and
    export); its first error becomes a 422 naming the field."""
    from .errors import RuleViolation

    filterset = filterset_class(data, queryset=queryset, request=request)
    if not filterset.is_valid():
        field, messages = next(iter(filterset.form.errors.items()))
        raise RuleViolation(f"{filterset.form.fields[field].label}：{messages[0]}", field=field)
    return filterset.qs


def Text(min_length: int = 0, max_length: int | None = None) -> object:  # noqa: N802 (a type factory)
    """A ``str`` type without control characters, within the given length (an ``Annotated``
    type, for the annotations of a schema)."""
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length, pattern=TEXT_PATTERN),
    ]


def LongText(max_length: int) -> object:  # noqa: N802 (a type factory)
    """Like ``Text``, but line breaks and tabs allowed (contents of several lines)."""
    return Annotated[str, StringConstraints(max_length=max_length, pattern=LONG_TEXT_PATTERN)]


class Pagination(LimitOffsetPagination):
    """Limit/offset with upper bounds: a number past the database's integer range is a
    422 for the client, not a database error."""

    MAX_LIMIT = 1000

    class Input(Schema):
        limit: int = Field(50, ge=1, le=1000, description="每页条数")
        offset: int = Field(0, ge=0, le=2**31 - 1, description="起始位置")

    def __init__(self, **kwargs: Any) -> None:
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

# The code and message of an error answer that carries no domain error of its own: a
# route or method that does not exist, a body too large, a server error.
HTTP_ERRORS = {
    400: ("bad_request", gettext_lazy("请求无法解析。")),
    401: ("unauthenticated", gettext_lazy("请先登录或提供有效的访问令牌。")),
    403: ("forbidden", gettext_lazy("无权执行此操作。")),
    404: ("not_found", gettext_lazy("对象不存在或无权访问。")),
    405: ("method_not_allowed", gettext_lazy("不支持该请求方法。")),
    409: ("conflict", gettext_lazy("数据已被他人修改，请刷新后重试。")),
    413: ("too_large", gettext_lazy("请求体过大。")),
    429: ("throttled", gettext_lazy("请求过于频繁，请稍后再试。")),
    500: ("server_error", gettext_lazy("服务器内部错误，已记录，请稍后再试。")),
}


def error_body(
    code: str,
    message: StrOrPromise,
    field: str | None = None,
    details: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The body of every error answer of the API (:class:`ErrorOut`)."""
    body: dict[str, Any] = {"error": {"code": code, "message": str(message), "field": field}}
    if details is not None:
        body["error"]["details"] = details
    return body


def status_error_body(status: int) -> dict[str, Any]:
    code, message = HTTP_ERRORS.get(status, ("http_error", gettext_lazy("请求未被接受。")))
    return error_body(code, message)
