"""Account rules that hold on every page: the second factor and a forced password change.

Until the step is done, every page redirects to it (coming back afterwards) and the API
answers 403 with a machine-readable error; only sign-out and static files stay open.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

RENEWED = "_gongzhi_renewed"  # when the session's idle timeout was last renewed (epoch s)
EXEMPT_PREFIXES = ("/static/", "/i18n/", "/favicon", "/api/v1/openapi.json", "/public/")


class AccountSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        step = self._required_step(user)
        if step is None:
            return self.get_response(request)
        target, code, message = step
        if request.path in (target, reverse("accounts:logout")):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            # The same body as every other 4xx of the API (core/api.py ErrorOut).
            return JsonResponse(
                {"error": {"code": code, "message": message, "field": None}}, status=403
            )
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)

    def _required_step(self, user) -> tuple[str, str, str] | None:
        if user.requires_two_factor and not user.is_verified():
            return (
                reverse("accounts:two_factor"),
                "two_factor_required",
                _("请先在网页完成动态验证码验证。"),
            )
        if user.must_change_password or user.password_expired(
            settings.GONGZHI_PASSWORD_MAX_AGE_DAYS
        ):
            return (
                reverse("accounts:password_change"),
                "password_change_required",
                _("请先在网页修改密码（首次登录或密码已过期）。"),
            )
        return None


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, renewing a signed-in session's idle timeout (SESSION_COOKIE_AGE) at most
    once every GONGZHI_SESSION_RENEW_SECONDS instead of saving it on every request (a
    database write each). The session then ends at most that long before the full idle
    time after the last activity, never after it."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None and session.accessed and SESSION_KEY in session:
            now = int(timezone.now().timestamp())
            # A session saved anyway (a sign-in, a message) is renewed by that write.
            every = settings.GONGZHI_SESSION_RENEW_SECONDS
            if session.modified or now - session.get(RENEWED, 0) >= every:
                mark_renewed(session)
        return super().process_response(request, response)


def mark_renewed(session) -> None:
    session[RENEWED] = int(timezone.now().timestamp())
