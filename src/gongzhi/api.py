"""The REST API at /api/v1/ (django-ninja): session or bearer-token auth, scoped routers.

Errors are machine-readable: ``{"error": {"code", "message", "field"}}`` with a 4xx
status, never a 500 for bad input.
"""

import dataclasses
import json

from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, django_auth

from gongzhi.accounts.services import authenticate_token
from gongzhi.core import context, modules
from gongzhi.core.api import error_body, status_error_body
from gongzhi.core.errors import DomainError, RuleViolations
from gongzhi.core.services import constraint_refusal


class TokenAuth(HttpBearer):
    """A bearer token (accounts.services.authenticate_token). Every audit record written
    during the request names the token in its channel (``token:<prefix>``)."""

    def authenticate(self, request, token):
        ctx = context.current()
        context.bind(dataclasses.replace(ctx, channel=f"token:{token[3:11]}"))
        user = authenticate_token(token, method=request.method, ip=ctx.ip)
        if user is not None:
            request.user = user
        else:
            context.bind(ctx)
        return user


def _refuse_constant(name):
    raise ValueError(f"{name} is not a JSON number")


class StrictJSONParser(Parser):
    """Standard JSON only: ``NaN`` and ``Infinity`` (which Python accepts) are refused."""

    def parse_body(self, request):
        return json.loads(request.body, parse_constant=_refuse_constant)


api = NinjaAPI(
    title="Gongzhi 共治 API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), django_auth],
    docs_url="/docs",
    parser=StrictJSONParser(),
)


def error(request, status: int, code: str, message: str, field=None, details=None):
    return api.create_response(request, error_body(code, message, field, details), status=status)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    details = None
    if isinstance(exc, RuleViolations):  # every reason at once
        details = [{"field": e.field, "message": str(e.message)} for e in exc.errors]
    return error(request, exc.status, exc.code, str(exc.message), exc.field, details)


@api.exception_handler(IntegrityError)
def _constraint(request, exc: IntegrityError):
    return _domain_error(request, constraint_refusal(exc))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error(request, 404, "not_found", _("对象不存在或无权访问。"))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return error(request, 401, "unauthenticated", _("请先登录或提供有效的访问令牌。"))


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return error(request, 400, "malformed_json", _("请求体不是有效的 JSON。"))
    return api.create_response(request, status_error_body(exc.status_code), status=exc.status_code)


# Chinese for the pydantic error types a client can provoke; the rest get a generic text.
VALIDATION_MESSAGES = {
    "missing": gettext_lazy("必须填写。"),
    "string_type": gettext_lazy("应为字符串。"),
    "string_too_short": gettext_lazy("长度不能少于%(min_length)s个字符。"),
    "string_too_long": gettext_lazy("长度不能超过%(max_length)s个字符。"),
    "string_pattern_mismatch": gettext_lazy("格式不正确。"),
    "string_unicode": gettext_lazy("不是有效的文字。"),
    "int_type": gettext_lazy("应为整数。"),
    "int_parsing": gettext_lazy("应为整数。"),
    "int_from_float": gettext_lazy("应为整数。"),
    "float_type": gettext_lazy("应为数字。"),
    "float_parsing": gettext_lazy("应为数字。"),
    "finite_number": gettext_lazy("应为有限的数字。"),
    "decimal_type": gettext_lazy("应为数字。"),
    "decimal_parsing": gettext_lazy("应为数字。"),
    "decimal_max_digits": gettext_lazy("数字位数不能超过%(max_digits)s位。"),
    "decimal_max_places": gettext_lazy("小数不能超过%(decimal_places)s位。"),
    "decimal_whole_digits": gettext_lazy("整数部分位数过多。"),
    "greater_than": gettext_lazy("应大于%(gt)s。"),
    "greater_than_equal": gettext_lazy("不能小于%(ge)s。"),
    "less_than": gettext_lazy("应小于%(lt)s。"),
    "less_than_equal": gettext_lazy("不能大于%(le)s。"),
    "enum": gettext_lazy("取值应为：%(expected)s。"),
    "literal_error": gettext_lazy("取值应为：%(expected)s。"),
    "bool_type": gettext_lazy("应为是/否。"),
    "bool_parsing": gettext_lazy("应为是/否。"),
    "dict_type": gettext_lazy("应为对象。"),
    "model_type": gettext_lazy("应为对象。"),
    "model_attributes_type": gettext_lazy("应为对象。"),
    "list_type": gettext_lazy("应为数组。"),
    "too_short": gettext_lazy("元素个数过少。"),
    "too_long": gettext_lazy("元素个数过多。"),
    "extra_forbidden": gettext_lazy("不是可接受的字段。"),
}


def _error_field(loc) -> str | None:
    """``("body", "payload", "area_id")`` → ``area_id``; ``("query", "limit")`` → ``limit``."""
    parts = [str(p) for p in loc]
    if parts[:1] == ["body"]:
        parts = parts[2:] or parts[1:]
    else:
        parts = parts[1:]
    return ".".join(parts) or None


def _error_message(e) -> str:
    template = VALIDATION_MESSAGES.get(e.get("type"))
    if template is None:
        return _("取值不正确。")
    try:
        return str(template) % dict(e.get("ctx") or {})
    except (KeyError, TypeError, ValueError):
        return _("取值不正确。")


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    details = [
        {"field": _error_field(e.get("loc", ())), "message": _error_message(e)} for e in exc.errors
    ]
    first = details[0] if details else {"field": None, "message": _("取值不正确。")}
    label = first["field"] or _("请求")
    return error(
        request,
        422,
        "validation_error",
        _("“%(field)s”%(msg)s") % {"field": label, "msg": first["message"]},
        first["field"],
        details,
    )


# Every module's routers, as its manifest declares them (core.modules).
for prefix, router in modules.api_routers():
    api.add_router(prefix, router)
