"""Account rules that hold on every page: forced password change and the second factor."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

EXEMPT_PREFIXES = ("/static/", "/i18n/", "/favicon", "/api/v1/openapi.json", "/public/")


class AccountSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        target = self._required_step(request, user)
        if target and request.path != target and request.path != reverse("accounts:logout"):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "error": {
                            "code": "account_step_required",
                            "message": "请先在网页完成账号安全设置。",
                        }
                    },
                    status=403,
                )
            return redirect(target)
        return self.get_response(request)

    def _required_step(self, request, user) -> str | None:
        if user.requires_two_factor and not user.is_verified():
            return reverse("accounts:two_factor")
        if user.must_change_password or user.password_expired(
            settings.GONGZHI_PASSWORD_MAX_AGE_DAYS
        ):
            return reverse("accounts:password_change")
        return None
