"""What every page of the residents' portal knows about where and how it is shown: elder
mode (长辈版, a switch remembered in a cookie), WeChat's in-app browser, the links of the
bottom tabs and how many rows a list shows per screen."""

import functools
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, reverse

ELDER_COOKIE = "gz_elder"
# Remembered as long as a browser keeps a cookie at all (Chromium caps it at 400 days).
ELDER_COOKIE_DAYS = 400
# Rows per screen of a portal list: fewer, larger ones in elder mode (MIIT 2021 适老化).
PAGE_SIZE = 20
ELDER_PAGE_SIZE = 8


def elder_mode(request: HttpRequest) -> bool:
    return request.COOKIES.get(ELDER_COOKIE) == "1"


def in_wechat(request: HttpRequest) -> bool:
    """WeChat's in-app browser (its user agent says ``MicroMessenger``): no service
    worker, push or download there."""
    return "MicroMessenger" in request.headers.get("User-Agent", "")


def page_size(request: HttpRequest) -> int:
    """Rows per page of a portal list for this visitor (``paginate_by``)."""
    return ELDER_PAGE_SIZE if elder_mode(request) else PAGE_SIZE


def link(*url_names: str) -> str:
    """The URL of the first of ``url_names`` that exists ("" if none): the portal links
    to the pages of its parts only once they are there."""
    return _link(url_names, get_script_prefix())


@functools.cache
def _link(url_names: tuple[str, ...], script_prefix: str) -> str:
    for name in url_names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


# The bottom tabs: (key, label's msgid, URL names tried in turn). The demands tab shows
# the portal's own list once it exists, else a resident's own-demands page.
DEMAND_LIST = ("portal:demand_list", "demands:mine")
DEMAND_CREATE = ("portal:demand_new",)
BIND = ("portal:bind",)


def _tab(request: HttpRequest) -> str:
    match = request.resolver_match
    if match is None or match.app_name != "portal":
        return ""
    name = match.url_name or ""
    if name.startswith("demand"):
        return "demands"
    return name if name in ("home", "notifications", "me") else ""


def portal(request: HttpRequest) -> dict[str, Any]:
    """The context processor (settings.TEMPLATES): on every page, since the sign-in
    pages of the portal are shown before any portal view runs."""
    return {
        "elder_mode": elder_mode(request),
        "in_wechat": in_wechat(request),
        "portal_tab": _tab(request),
        "portal_demands_url": link(*DEMAND_LIST),
    }
