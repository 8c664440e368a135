"""The platform's new pages in a real browser, as their roles use them: the district
administrator's rule parameters (bad input first) and holiday calendar, everyone's
notifications and their settings, a long export's job page, a demand's photos; on a
desk and on a phone. No request leaves the server, no console error (a CSP violation is
one), no server error, and no page wider than the phone."""

import base64
import io
from urllib.parse import urlsplit

import pytest
from django_otp.oath import TOTP
from PIL import Image
from playwright.sync_api import expect

from gongzhi.core.notifications import notify
from gongzhi.demands import services
from gongzhi.demands.testing import build_demands
from tests.test_browser import Session

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


class Walk(Session):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.console: list[str] = []
        self.refused: list[str] = []
        self.page.on(
            "console", lambda m: self.console.append(m.text) if m.type == "error" else None
        )
        self.page.on(
            "response",
            lambda r: self.refused.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )

    def verified_sign_in(self, username: str) -> None:
        """Sign in with the second factor (enrolling on the first sign-in)."""
        self.sign_in(username)
        self.page.wait_for_url(lambda url: urlsplit(url).path == "/accounts/two-factor/")
        secret = self.page.get_by_test_id("totp-secret").inner_text().strip()
        self.page.fill("#token", f"{TOTP(base64.b32decode(secret)).token():06d}")
        self.page.get_by_role("button", name="验证").click()
        self.page.wait_for_url(self.origin + "/")

    def fits(self) -> bool:
        return self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    def clean(self, refused: int = 0) -> None:
        """``refused``: how many answers were refusals the walk asked for (a form with
        bad input answers 400, which the console reports as a failed load)."""
        assert self.foreign_requests() == []
        assert self.server_errors == []
        assert len(self.refused) == refused, self.refused
        assert len(self.console) == refused, self.console


@pytest.mark.parametrize("device", ["desk", "phone"])
def test_the_district_administrator_sets_a_parameter_and_reads_the_calendar(world, walk, device):
    w = walk(**(PHONE if device == "phone" else {}))
    page = w.page
    w.verified_sign_in("qu")
    w.goto("/parameters/")
    expect(page.get_by_role("heading", name="规则参数")).to_be_visible()
    page.get_by_role("link", name="连续未交党费提醒（月）").click()
    page.fill("#id_value", "9")
    page.fill("#id_effective_from", "2020-01-01")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("不能大于6")).to_be_visible()  # every reason at once
    expect(page.get_by_text("不能早于")).to_be_visible()
    expect(page.get_by_text("请填写修改依据或原因")).to_be_visible()
    assert page.input_value("#id_value") == "9"  # the input kept
    page.fill("#id_value", "4")
    page.fill("#id_effective_from", "2099-01-01")
    page.fill("#id_note", "区委组织部通知")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存：新取值将自生效日期起使用。")).to_be_visible()
    expect(page.get_by_text("区委组织部通知")).to_be_visible()
    w.shot(f"platform-parameter-{device}")
    w.goto("/holidays/")
    expect(page.get_by_role("heading", name="节假日与调休")).to_be_visible()
    w.shot(f"platform-holidays-{device}")
    if device == "phone":
        assert w.fits()
    w.clean(refused=1)


@pytest.mark.parametrize("device", ["desk", "phone"])
def test_a_secretary_reads_notifications_chooses_channels_and_adds_a_photo(
    world, walk, device, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    build_demands(world)  # categories and units
    secretary = world.users["secretary"]
    notify(user=secretary, kind="demands.task", title="新派单：楼道灯不亮", link="/demands/")
    w = walk(**(PHONE if device == "phone" else {}))
    page = w.page
    w.sign_in("sj")  # no second factor for a community secretary
    page.locator(".gz-bell").click()
    expect(page.get_by_text("新派单：楼道灯不亮")).to_be_visible()
    page.get_by_role("button", name="查看").click()
    page.wait_for_url(w.origin + "/demands/")
    w.goto("/notifications/preferences/")
    box = page.get_by_label("诉求办理进展 · 日志")
    box.uncheck()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("通知设置已保存。")).to_be_visible()
    expect(page.get_by_label("诉求办理进展 · 日志")).not_to_be_checked()
    expect(page.get_by_label("安全告警 · 日志")).to_be_disabled()
    if device == "phone":
        assert w.fits()
    # A demand's photo: uploaded from the page, shown as a thumbnail.
    demand = services.create_demand(
        actor=secretary,
        area=world.ours.grid,
        title="楼道灯不亮",
        content="三单元楼道灯坏了。",
        channel="desk",
        requester_kind="anonymous",
    )
    w.goto(demand.get_absolute_url())
    photo = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(photo, "JPEG")
    page.locator("input[type=file]").first.set_input_files(
        {"name": "照片.jpg", "mimeType": "image/jpeg", "buffer": photo.getvalue()}
    )
    page.locator("form:has(input[type=file]) button[type=submit]").first.click()
    expect(page.get_by_text("照片.jpg").first).to_be_visible()
    w.shot(f"platform-demand-photo-{device}")
    w.clean()


def test_a_long_export_goes_to_its_job_page(world, walk, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.GONGZHI_EXPORT_BACKGROUND_ROWS = 1
    w = walk()
    page = w.page
    w.sign_in("sj")  # no second factor for a community secretary
    w.goto("/areas/households/")
    page.get_by_role("link", name="导出 Excel").click()
    page.wait_for_url(lambda url: urlsplit(url).path.startswith("/exports/"))
    with page.expect_download() as download:
        page.get_by_role("link", name="下载文件").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    w.goto("/exports/")
    expect(page.get_by_role("heading", name="我的导出")).to_be_visible()
    w.clean()
