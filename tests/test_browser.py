"""Real-browser journeys through the pages, against a live server and Debian's chromium.

Every request the browser makes is recorded; a request to any host other than the live
server fails the test (government intranets have no internet). Screenshots of the main
pages land in ``$GONGZHI_SCREENSHOTS`` (default /tmp/shots) for a human to look at.
"""

import base64
import os
from pathlib import Path
from urllib.parse import urlsplit

import openpyxl
import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from gongzhi.core.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(os.environ.get("GONGZHI_SCREENSHOTS", "/tmp/shots"))  # noqa: S108


class Session:
    """A browser page on the live server that remembers every request it made."""

    def __init__(self, browser, live_server, **context_options):
        self.origin = live_server.url
        self.context = browser.new_context(
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            accept_downloads=True,
            **{"viewport": {"width": 1366, "height": 800}, **context_options},
        )
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.server_errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on(
            "response",
            lambda r: self.server_errors.append(f"{r.status} {r.url}") if r.status >= 500 else None,
        )

    def goto(self, path: str):
        return self.page.goto(self.origin + path)

    def awaited(self, promise: str, seconds: int = 15):
        """The value of a JavaScript promise, refused after ``seconds``: Playwright's
        ``evaluate`` waits for a promise without a limit, and one that never settles
        (a service worker that is never ready, a paint never observed) would hang the
        run. Not ``wait_for_function``: its polls evaluate a string again, which a
        page's strict CSP refuses from the second poll on."""
        return self.page.evaluate(
            f"Promise.race([({promise}), new Promise((_, refuse) => setTimeout(() =>"
            f" refuse(new Error('not settled in {seconds} s')), {seconds * 1000}))])"
        )

    def foreign_requests(self) -> list[str]:
        ours = urlsplit(self.origin).netloc
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in {"data", "blob", "about"}
            and urlsplit(url).netloc != ours
        ]

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        self.goto("/")
        assert "/accounts/login/" in self.page.url
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_load_state()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="退出").click()
        self.page.wait_for_url("**/accounts/login/")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session(browser, live_server):
    sessions = []

    def _open(**options):
        sessions.append(Session(browser, live_server, **options))
        return sessions[-1]

    yield _open
    for s in sessions:
        s.close()


def test_secretary_works_through_the_pages_without_leaving_the_server(world, session, tmp_path):
    s = session()
    page = s.page

    # The first screen is the Chinese sign-in page.
    s.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("heading", name="共治 · 党建引领基层治理平台").is_visible()
    s.shot("signin")

    # A wrong password first: a Chinese message that does not say whether the account exists.
    s.sign_in("sj", "wrong-password")
    expect(page.locator(".alert-danger")).to_contain_text("账号或密码错误")
    s.sign_in("sj")

    # The workbench with the navigation of every built module the role may use.
    page.wait_for_url(s.origin + "/")
    assert page.get_by_role("heading", name="工作台").is_visible()
    s.shot("workbench")
    sidebar = page.locator("aside")
    for label in ("工作台", "区域与网格", "住户"):
        assert sidebar.get_by_role("link", name=label, exact=True).is_visible()
    assert sidebar.get_by_role("link", name="审计日志").count() == 0  # not the secretary's
    assert page.locator(".gz-todos").count() == 1  # what waits for the secretary
    s.shot("workbench")

    # The area tree: the secretary's single community opens at once; drill down to a unit.
    sidebar.get_by_role("link", name="区域与网格").click()
    page.wait_for_url(f"**/areas/{world.ours.community.pk}/")
    assert page.get_by_role("heading", name="和顺社区").is_visible()
    assert page.get_by_text("邻里社区").count() == 0
    s.shot("area")
    for area in (world.ours.grid, world.ours.estate, world.ours.building, world.ours.unit):
        page.locator("main table").get_by_role("link", name=area.name, exact=True).click()
        page.wait_for_url(f"**/areas/{area.pk}/")
    assert page.locator(".breadcrumb").inner_text().count("和顺") >= 2
    assert page.locator("main table tbody tr").count() == 3  # the unit's households

    # A new household: first without a door number, which the form refuses on that field.
    page.get_by_role("link", name="新建住户").click()
    page.wait_for_url(f"**/areas/{world.ours.unit.pk}/households/new/")
    code = world.ours.unit.code + "0401"
    page.fill("#id_code", code)
    page.fill("#id_door_number", "")
    page.select_option("#id_status", label="出租")
    page.fill("#id_area_m2", "86.5")
    page.fill("#id_note", "浏览器测试")
    page.get_by_role("button", name="保存").click()
    field = page.locator(".mb-3", has=page.locator("#id_door_number"))
    expect(field.locator(".invalid-feedback")).to_have_text("门牌号：这个字段是必填项。")
    assert "is-invalid" in page.locator("#id_door_number").get_attribute("class")
    assert page.input_value("#id_code") == code
    assert page.input_value("#id_note") == "浏览器测试"
    assert page.input_value("#id_area_m2") == "86.5"
    assert page.locator("#id_status option:checked").inner_text() == "出租"
    s.shot("household-form-error")
    page.fill("#id_door_number", "401")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/areas/households/*/")
    expect(page.get_by_text("已保存。")).to_be_visible()
    assert page.locator("dl").get_by_text("出租").is_visible()

    # The households list, filtered, then exported to Excel.
    sidebar.get_by_role("link", name="住户", exact=True).click()
    page.wait_for_url("**/areas/households/")
    assert page.locator("main table tbody tr").count() == 4
    page.fill("#id_q", "401")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**/areas/households/?*q=401*")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1
    assert code in rows.first.inner_text()
    s.shot("households")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    download.save_as(tmp_path / download.suggested_filename)
    sheet = openpyxl.load_workbook(tmp_path / download.suggested_filename, read_only=True).active
    exported = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert exported[0][:3] == ("编码", "地址", "门牌号")
    assert len(exported) == 2
    assert exported[1][0] == code
    assert exported[1][2] == "401"
    assert exported[1][3] == "出租"

    # The API documentation renders from local files too.
    with page.expect_response(lambda r: r.url.endswith("/api/v1/openapi.json")) as schema:
        s.goto("/api/v1/docs")
    assert schema.value.status == 200
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Gongzhi")
    expect(page.locator(".swagger-ui .opblock-summary-path").first).to_contain_text("/api/v1/")

    s.goto("/")
    s.sign_out()
    assert page.get_by_role("button", name="登录").is_visible()
    assert s.requests, "no request was recorded"
    assert s.foreign_requests() == []
    assert s.server_errors == []


def test_street_admin_enrols_and_then_verifies_a_totp_authenticator(world, session):
    s = session()
    page = s.page

    s.sign_in("jd")
    page.wait_for_url(lambda url: urlsplit(url).path == "/accounts/two-factor/")
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    assert page.locator(".gz-qr svg").is_visible()
    s.shot("two-factor-enrol")
    totp = TOTP(base64.b32decode(secret))

    page.fill("#token", "12345x")
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_text("动态验证码不正确或已过期。")).to_be_visible()
    assert page.get_by_test_id("totp-secret").inner_text().strip() == secret  # same device

    page.fill("#token", f"{totp.token():06d}")
    page.get_by_role("button", name="验证").click()
    page.wait_for_url(s.origin + "/")
    assert page.get_by_role("heading", name="工作台").is_visible()
    s.sign_out()

    # The next sign-in asks for a code from the now confirmed device, without the secret.
    # A code is accepted once only, so use the next time step's (within the tolerance).
    s.sign_in("jd")
    page.wait_for_url(lambda url: urlsplit(url).path == "/accounts/two-factor/")
    assert page.get_by_test_id("totp-secret").count() == 0
    totp.drift = 1
    page.fill("#token", f"{totp.token():06d}")
    page.get_by_role("button", name="验证").click()
    page.wait_for_url(s.origin + "/")
    assert page.locator("aside").get_by_role("link", name="区域与网格").is_visible()
    assert s.foreign_requests() == []


def test_a_request_to_another_host_is_caught(world, session):
    """The recorder really sees sub-resources: a page pulling a CDN file is reported."""
    s = session()
    s.page.route("https://cdn.example.invalid/**", lambda route: route.abort())
    s.goto("/accounts/login/")
    with s.page.expect_request("https://cdn.example.invalid/**"):
        s.page.evaluate(
            "() => { const l = document.createElement('link'); l.rel = 'stylesheet';"
            " l.href = 'https://cdn.example.invalid/bootstrap.css'; document.head.append(l); }"
        )
    assert s.foreign_requests() == ["https://cdn.example.invalid/bootstrap.css"]
