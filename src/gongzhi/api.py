"""The REST API at /api/v1/ (django-ninja): session or bearer-token auth, scoped routers.

Errors are machine-readable: ``{"error": {"code", "message", "field"}}`` with a 4xx
status, never a 500 for bad input.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer, django_auth

from gongzhi.accounts.services import authenticate_token
from gongzhi.core.errors import DomainError


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Gongzhi 共治 API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), django_auth],
    docs_url="/docs",
)


def error(request, status: int, code: str, message: str, field=None, details=None):
    body = {"error": {"code": code, "message": message, "field": field}}
    if details is not None:
        body["error"]["details"] = details
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return error(request, exc.status, exc.code, str(exc.message), exc.field)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return error(request, 404, "not_found", _("对象不存在或无权访问。"))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return error(request, 401, "unauthenticated", _("请先登录或提供有效的访问令牌。"))


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    details = [
        {
            "field": ".".join(str(p) for p in e.get("loc", [])[1:]) or None,
            "message": e.get("msg", ""),
        }
        for e in exc.errors
    ]
    first = details[0] if details else {"field": None, "message": ""}
    return error(
        request,
        422,
        "validation_error",
        _("请求数据格式不正确：%(field)s %(msg)s")
        % {"field": first["field"] or "", "msg": first["message"]},
        first["field"],
        details,
    )


api.add_router("/areas", "gongzhi.areas.api.router")
api.add_router("/households", "gongzhi.areas.api.household_router")
