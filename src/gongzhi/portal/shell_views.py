"""The portal's shell: its home, 我的, the notifications tab, the elder-mode switch and
what makes it an installable web app (manifest, service worker, offline page)."""

import hashlib
import json
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import ListView, TemplateView

from gongzhi.core import notifications
from gongzhi.core.modules import portal_entries_for

from . import shell_context as ctx
from .binding import bound_household

# How many unread notifications the home shows (the 通知 tab lists them all).
HOME_NOTIFICATIONS = 3
THEME_COLOR = "#b3261e"
# Where a visitor is sent: residents sign in by phone (staff keep accounts:login).
PHONE_SIGN_IN = reverse_lazy("portal:login")


class HomeView(LoginRequiredMixin, TemplateView):
    """首页: greeting, binding state, quick actions, unread notifications and every way
    of taking part the landed modules declare (``Manifest.portal``)."""

    template_name = "portal/home.html"
    login_url = PHONE_SIGN_IN

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        user = self.request.user
        unread = notifications.inbox(user).filter(read_at__isnull=True)
        return super().get_context_data(
            title=_("首页"),
            household=bound_household(user),
            bind_url=reverse("portal:bind"),
            create_url=reverse("portal:demand_new"),
            unread=list(unread[:HOME_NOTIFICATIONS]),
            unread_count=unread.count(),
            entries=portal_entries_for(user),
            **kwargs,
        )


class MeView(LoginRequiredMixin, TemplateView):
    """我的: the account (phone masked), the binding, elder mode and signing out."""

    template_name = "portal/shell_me.html"
    login_url = PHONE_SIGN_IN

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            title=_("我的"),
            household=bound_household(self.request.user),
            bind_url=reverse("portal:bind"),
            **kwargs,
        )


class NotificationsView(LoginRequiredMixin, ListView):
    """通知: the resident's own notifications, newest first, fewer per page in elder
    mode; opening one marks it read (core's ``notification_open``)."""

    template_name = "portal/shell_notifications.html"
    login_url = PHONE_SIGN_IN
    extra_context = {"title": _("通知")}

    def get_paginate_by(self, queryset: Any) -> int:
        return ctx.page_size(self.request)

    def get_queryset(self) -> Any:
        return notifications.inbox(self.request.user)


class ElderModeView(View):
    """POST ``on`` = 1 or 0: switch elder mode on or off for this browser (also before
    signing in: the sign-in page offers it), then back to the page it was asked from."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("portal:home")
        response = HttpResponseRedirect(back)
        if request.POST.get("on") == "1":
            response.set_cookie(
                ctx.ELDER_COOKIE,
                "1",
                max_age=ctx.ELDER_COOKIE_DAYS * 24 * 3600,
                secure=request.is_secure(),
                httponly=True,
                samesite="Lax",
            )
        else:
            response.delete_cookie(ctx.ELDER_COOKIE, samesite="Lax")
        return response


class OfflineView(TemplateView):
    """Shown by the service worker when the network is gone: nothing personal in it."""

    template_name = "portal/shell_offline.html"
    extra_context = {"title": _("网络未连接")}


def _icons() -> list[dict[str, str]]:
    return [
        {
            "src": static(f"portal/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": purpose,
        }
        for purpose in ("any", "maskable")
        for size in (192, 512)
    ]


class ManifestView(View):
    """The web app manifest (installable on ordinary mobile browsers)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        home = reverse("portal:home")
        manifest = {
            "name": _g("共治居民端"),
            "short_name": _g("共治"),
            "lang": "zh-CN",
            "start_url": home,
            "scope": home,
            "display": "standalone",
            "background_color": "#f6f7f9",
            "theme_color": THEME_COLOR,
            "icons": _icons(),
        }
        return HttpResponse(
            json.dumps(manifest, ensure_ascii=False), content_type="application/manifest+json"
        )


def precached() -> list[str]:
    """What the service worker keeps: the offline page and the portal's CSS, never a
    personal page."""
    return [
        reverse("portal:offline"),
        static("vendor/bootstrap/bootstrap.min.css"),
        static("portal/portal.css"),
    ]


class ServiceWorkerView(View):
    """``sw.js``, served from the portal's path so that its scope is the portal."""

    def get(self, request: HttpRequest) -> HttpResponse:
        urls = precached()
        version = hashlib.sha256("\n".join(urls).encode()).hexdigest()[:12]
        body = render_to_string(
            "portal/shell_sw.js", {"urls": json.dumps(urls), "version": version}
        )
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
        response["Service-Worker-Allowed"] = reverse("portal:home")
        response["Cache-Control"] = "no-cache"
        return response
