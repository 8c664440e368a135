import ipaddress
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from . import context
from .api import error_body, status_error_body

API_PREFIX = "/api/"
GetResponse = Callable[[HttpRequest], HttpResponseBase]
logger = logging.getLogger("gongzhi.api")


class ApiErrorMiddleware:
    """Every error answer of the API is JSON in its error format, never an HTML page.

    The routes' own errors already are (gongzhi/api.py); this catches what happens
    around them: a path that matches no route (404), a method a route does not take
    (405), a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413, refused before it is read),
    a failure Django answers with a page (400, 403) and an unexpected exception (500,
    logged with the path but never the query string, which may hold search terms).
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self._error(400)
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return self._error(413)
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            converted = self._error(response.status_code)
            if response.has_header("Allow"):
                converted["Allow"] = response["Allow"]
            return converted
        return response

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, RequestDataTooBig):
            return self._error(413)
        if isinstance(exception, Http404 | PermissionDenied | BadRequest | SuspiciousOperation):
            return None  # Django answers these with their 4xx page; __call__ makes it JSON
        logger.error("API server error: %s %s", request.method, request.path, exc_info=exception)
        return self._error(500)

    @staticmethod
    def _error(status: int) -> JsonResponse:
        return JsonResponse(
            status_error_body(status), status=status, json_dumps_params={"ensure_ascii": False}
        )


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind proxies listed in
    GONGZHI_TRUSTED_PROXIES the nearest address of X-Forwarded-For that is not one of
    them (a client can prepend anything to the header, never append)."""
    address = request.META.get("REMOTE_ADDR", "")
    trusted = settings.GONGZHI_TRUSTED_PROXIES
    if address not in trusted:
        return address
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed(forwarded):
        if hop in trusted:
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            break  # not an address: the header was forged or garbled before this hop
    return address


class RequestContextMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = context.bind(
            context.RequestContext(
                ip=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
                channel="api" if request.path.startswith("/api/") else "web",
            )
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


BUSY_MARKERS = ("database is locked", "deadlock detected", "could not serialize access")


class DatabaseBusyMiddleware:
    """A write that could not get its lock in time (SQLite's busy timeout, a PostgreSQL
    deadlock victim) is answered "busy, try again" (503 with Retry-After), never as a
    server error: nothing was written, and the same request succeeds a moment later."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        if not isinstance(exception, OperationalError) or not any(
            marker in str(exception) for marker in BUSY_MARKERS
        ):
            return None
        logger.warning("database busy: %s %s", request.method, request.path)
        response: HttpResponse
        if request.path.startswith(API_PREFIX):
            response = JsonResponse(
                error_body("busy", _("系统繁忙，请稍后重试（未保存任何内容）。")),
                status=503,
                json_dumps_params={"ensure_ascii": False},
            )
        else:
            response = render(request, "503.html", status=503)
        response["Retry-After"] = "2"
        return response


class NoStoreMiddleware:
    """Nothing a signed-in user receives, and no API answer, is kept in a browser's or a
    proxy's cache: pages, answers and exports carry personal information
    (``Cache-Control: no-store, private``). Static files never get here (whitenoise)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith(API_PREFIX) or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True, private=True)
        return response


class RefusedLookupMiddleware:
    """Counts the 404 and 403 answers a signed-in user receives (core/probes.py)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code in (403, 404):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                from . import probes

                probes.record(user, path=request.path, status=response.status_code)
        return response


class MethodNotAllowedPageMiddleware:
    """A page's 405 (Django's method check answers with an empty body: a GET of a POST-only
    address) becomes the product's page with the way back; the API's stays JSON
    (ApiErrorMiddleware)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and not request.path.startswith(API_PREFIX)
            and isinstance(response, HttpResponse)
            and not response.content
        ):
            from .views import method_not_allowed

            return method_not_allowed(request, response.get("Allow", ""))
        return response


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Simplified Chinese unless the user picked another language with the switcher (its
    cookie). The browser's Accept-Language is not followed: staff whose browser happens
    to be set to English still get the Chinese pages until they choose otherwise."""

    def process_request(self, request: HttpRequest) -> None:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
