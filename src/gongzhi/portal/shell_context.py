"""What every page of the residents' portal knows about where and how it is shown: elder
mode (长辈版, a switch remembered in a cookie), WeChat's in-app browser, the links of the
bottom tabs, how many rows a list shows per screen, and the layout a page of another
module takes for a resident (the ways of taking part the modules serve, ``base_template``)."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from .signin import is_resident_account

ELDER_COOKIE = "gz_elder"
# Remembered as long as a browser keeps a cookie at all (Chromium caps it at 400 days).
ELDER_COOKIE_DAYS = 400
# Rows per screen of a portal list: fewer, larger ones in elder mode (MIIT 2021 适老化).
PAGE_SIZE = 20
ELDER_PAGE_SIZE = 8
# The layouts a page of another module extends (``{% extends base_template %}``).
PORTAL_BASE = "portal/base.html"
STAFF_BASE = "base.html"


def elder_mode(request: HttpRequest) -> bool:
    return request.COOKIES.get(ELDER_COOKIE) == "1"


def in_wechat(request: HttpRequest) -> bool:
    """WeChat's in-app browser (its user agent says ``MicroMessenger``): no service
    worker, push or download there."""
    return "MicroMessenger" in request.headers.get("User-Agent", "")


def page_size(request: HttpRequest) -> int:
    """Rows per page of a portal list for this visitor (``paginate_by``)."""
    return ELDER_PAGE_SIZE if elder_mode(request) else PAGE_SIZE


def _tab(request: HttpRequest) -> str:
    match = request.resolver_match
    if match is None or match.app_name != "portal":
        return ""
    name = match.url_name or ""
    if name.startswith("demand"):
        return "demands"
    return name if name in ("home", "notifications", "me") else ""


def base_template(request: HttpRequest) -> str:
    """The layout of a page that residents and staff share (service's activities, check-in,
    wish wall, own hours): the portal's, with its tabs, for a resident's account (the only
    accounts the portal signs in), the staff layout for everyone else."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and is_resident_account(user):
        return PORTAL_BASE
    return STAFF_BASE


def portal(request: HttpRequest) -> dict[str, Any]:
    """The context processor (settings.TEMPLATES): on every page, since the sign-in
    pages of the portal are shown before any portal view runs."""
    match = request.resolver_match
    return {
        "base_template": base_template(request),
        # A page of another module in the portal's layout brings the platform's page
        # behaviours (app.js: data-confirm, data-autosubmit, data-back).
        "portal_guest_page": match is not None and match.app_name != "portal",
        "elder_mode": elder_mode(request),
        "in_wechat": in_wechat(request),
        "portal_tab": _tab(request),
        "portal_demands_url": reverse("portal:demand_list"),
    }
