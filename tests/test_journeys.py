"""A working day for every role, in Debian's chromium against the live server and the demo.

One test per role walks that role's daily tasks end to end the way a user does: from the
workbench and the sidebar menu, by link and button text (only the first page is typed).
Each asserts no console error, no request off the machine, no server error, no
horizontal scroll on a phone, and every page loaded in under a second on the demo.

With ``GONGZHI_GUIDE_SHOTS=1`` the key steps are saved as ``docs/guide/img/<role>-<step>.png``
for the user guide (``docs/guide/``), which ``test_guide_images`` keeps in step with them.
"""

import os
import re
import shutil
from datetime import timedelta
from importlib import import_module
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django_otp.oath import TOTP
from PIL import Image
from playwright.sync_api import expect

from gongzhi.core.management.commands.demo import DEMO_PASSWORD, DEMO_TOTP
from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.test_browser_platform import PHONE, Walk

# The module's demo and live server are committed and shared by its tests: `make test`
# and .ci/run run it in a process of its own, after the rest.
pytestmark = [pytest.mark.browser, pytest.mark.slow]

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "guide"
PAGE_BUDGET_MS = 1000
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as the root conftest's
# Every screenshot a journey takes, by role: the guide must show each of them.
SHOTS = {
    "community-worker": ["workbench", "intake", "dispatch", "resident", "household"],
    "grid-worker": ["households", "household", "register", "demands"],
    "unit-handler": ["inbox", "accept", "extension", "answer"],
    "branch-secretary": [
        "members",
        "ledger",
        "payment",
        "development-step",
        "orglife-calendar",
        "meeting-new",
        "meeting-notified",
    ],
    "street-admin": ["supervision", "report", "extension"],
    "auditor": ["audit-log", "exports"],
    "resident": ["demands", "rate", "notifications"],
    # The residents' portal (taken by tests/test_browser_portal_shell.py and the rest by
    # tests/test_browser_portal_walk.py).
    "portal": [
        "home",
        "notifications",
        "me",
        "elder-home",
        "offline",
        "signin",
        "bind",
        "bind-confirm",
        "demand-new",
        "place-map",
        "receipt",
        "progress",
        "answered",
        "reopen",
        "mine",
        "elder-demand-new",
        "elder-answered",
        "assisted",  # tests/test_browser_assisted.py
        "assisted-resident",
    ],
}
NAVIGATION_MS = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  return n.loadEventEnd > 0 ? n.loadEventEnd - n.startTime : n.duration;
}"""


def id_number(first17: str) -> str:
    """A resident identity number with its GB 11643 check digit."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


class Journey(Walk):
    """A walk of one role that times every page it loads and shoots the guide's steps."""

    def __init__(self, role: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role
        self.phone = kwargs.get("is_mobile", False)
        self.loads: list[tuple[str, float]] = []

    def loaded(self) -> None:
        """Record the page just navigated to: its load time, and on a phone its width."""
        self.page.wait_for_load_state("load")
        self.loads.append((self.page.url, self.page.evaluate(NAVIGATION_MS)))
        if self.phone:
            assert self.fits(), f"wider than the phone: {self.page.url}"

    def demo_sign_in(self, username: str, password: str = DEMO_PASSWORD) -> None:
        """Sign in as a demo account (with its demo authenticator when it has one)."""
        self.sign_in(username, password)
        if username in DEMO_TOTP:
            self.page.wait_for_url(lambda url: urlsplit(url).path == "/accounts/two-factor/")
            token = TOTP(bytes.fromhex(DEMO_TOTP[username])).token()
            self.page.fill("#token", f"{token:06d}")
            self.page.get_by_role("button", name="验证").click()
        self.page.wait_for_url(self.origin + "/")
        self.workbench()

    def workbench(self) -> None:
        """Open the workbench from the menu: signing in hashes the password, slowly on
        purpose, so the page it lands on is timed again on its own."""
        self.menu("工作台")
        expect(self.page.get_by_role("heading", name="工作台")).to_be_visible()

    def menu(self, label: str) -> None:
        """Open a page from the sidebar menu (on a phone, the menu bar above the page)."""
        self.page.locator("aside").get_by_role("link", name=label, exact=True).click()
        self.loaded()

    def follow(self, name: str, *, within: str = "main", exact: bool = True) -> None:
        """Follow the first link of that text on the page."""
        self.page.locator(within).get_by_role("link", name=name, exact=exact).first.click()
        self.loaded()

    def press(self, name: str, *, within: str = "main") -> None:
        """Press a button that submits a form, and wait for the next page."""
        self.page.locator(within).get_by_role("button", name=name, exact=True).last.click()
        self.loaded()

    def action(self, label: str) -> None:
        """Open one of a demand's action panels (an accordion) by its label."""
        panel = self.page.locator(
            ".accordion-item", has=self.page.get_by_role("button", name=label)
        )
        header = panel.locator(".accordion-button").first
        if header.get_attribute("aria-expanded") != "true":
            header.click()
        # Opened, not still opening (a screenshot mid-transition shows half a panel).
        expect(panel.locator(".accordion-collapse")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))

    def snap(self, step: str) -> None:
        """Save the viewport as the guide's screenshot of this step, when asked to."""
        assert step in SHOTS[self.role], f"{self.role}-{step} is not listed in SHOTS"
        if os.environ.get("GONGZHI_GUIDE_SHOTS") == "1":
            (GUIDE / "img").mkdir(parents=True, exist_ok=True)
            path = GUIDE / "img" / f"{self.role}-{step}.png"
            self.page.screenshot(path=str(path))
            # A palette of 256 colours: a screen of flat colours and text stays sharp, and
            # the file a third of the size.
            Image.open(path).convert("RGB").quantize(256).save(path, optimize=True)

    def done(self) -> None:
        """The journey's checks: clean, and every page under the budget."""
        self.clean()
        slow = [(url, round(ms)) for url, ms in self.loads if ms > PAGE_BUDGET_MS]
        assert slow == [], slow
        assert self.loads, "no page was timed"


@pytest.fixture(scope="module")
def demo_server(django_db_setup, django_db_blocker):
    """A live server over the demo, loaded once for the module and committed.

    pytest-django's ``live_server`` makes each test transactional, which empties the
    database after it (and the demo takes minutes to load); the demo held in an open
    transaction instead is not seen by the server's own connection. So the demo is
    committed here, the server is Django's live server thread, the journeys each work
    on rows of their own, and the database is emptied when the module ends.
    """
    from django.core.management import call_command
    from django.db import connection
    from django.test.testcases import LiveServerThread, _StaticFilesHandler
    from django.test.utils import override_settings

    # Hashed as the tests' settings check them (a module fixture runs before those).
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        call_command("demo", stdout=StringIO())
        server = LiveServerThread("localhost", _StaticFilesHandler)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        yield SimpleNamespace(url=f"http://localhost:{server.port}")
        server.terminate()
        migration = import_module("gongzhi.core.migrations.0002_auditlog_append_only")
        drop, create = (
            (migration.POSTGRES_DROP, migration.POSTGRES)
            if connection.vendor == "postgresql"
            else (migration.SQLITE_DROP, migration.SQLITE)
        )
        with connection.cursor() as cursor:
            for statement in drop:
                cursor.execute(statement)
        call_command("flush", interactive=False, verbosity=0)
        with connection.cursor() as cursor:
            for statement in create:
                cursor.execute(statement)


@pytest.fixture
def demo_db(demo_server, django_db_blocker, monkeypatch):
    """The test's own ORM calls, committed at once (the server must see them)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop, see conftest
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def journey(demo_db, demo_server):
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        journeys = []

        def _open(role, **options):
            journeys.append(Journey(role, chromium, demo_server, **options))
            return journeys[-1]

        yield _open
        for j in journeys:
            j.close()
        chromium.close()


# --- Each role's day, in small steps ------------------------------------------------------


def community_worker(j: Journey) -> None:
    page = j.page
    j.demo_sign_in("gongzuozhe")
    j.snap("workbench")
    # A resident comes to the desk: the demand is taken down and gets its number.
    j.menu("诉求受理")
    page.get_by_label("标题").fill("楼道声控灯不亮")
    page.get_by_label("诉求内容").fill("南苑1栋1单元楼道的声控灯坏了一周，晚上上下楼看不见。")
    choose_area(page, "id_area", "南苑", "1栋")
    page.get_by_label("诉求人", exact=True).fill("林芳德")
    page.get_by_label("联系电话").fill("13000006697")
    j.snap("intake")
    j.press("受理")
    expect(page.get_by_text("已受理，编号")).to_be_visible()
    # Classify it and dispatch it to the unit responsible.
    j.action("分类")
    page.locator("#act-classify").get_by_label("类别").select_option(label="市政设施/路灯照明")
    page.locator("#act-classify").get_by_role("button", name="分类").click()
    j.loaded()
    j.action("派单")
    j.snap("dispatch")
    page.locator("#act-dispatch").get_by_role("button", name="派单").click()
    j.loaded()
    expect(page.get_by_text("已派单。")).to_be_visible()
    # Look up a resident (one the list shows, by name), then their household.
    j.menu("居民")
    first = page.locator("main table tbody tr").first
    name = first.locator("td").nth(0).inner_text().strip()
    address = first.locator("td").nth(5).inner_text().strip()
    page.locator("main").get_by_role("textbox", name="搜索").fill(name)
    j.press("查询")
    j.follow(name)
    expect(page.get_by_role("heading", name=re.compile(name))).to_be_visible()
    j.snap("resident")
    j.follow(address)
    expect(page.get_by_role("heading", name="本户居民", exact=False)).to_be_visible()
    j.snap("household")
    j.done()


def test_a_community_worker_takes_a_demand_and_looks_up_a_resident(journey):
    community_worker(journey("community-worker"))


def grid_worker(j: Journey) -> None:
    page = j.page
    j.demo_sign_in("wanggeyuan")
    # Find a household of the grid by its door, open it and register a new resident.
    j.menu("住户")
    page.get_by_label("地址或门牌").fill("南苑1栋1单元602")
    j.press("查询")
    j.snap("households")
    j.follow("南苑1栋1单元602")
    j.snap("household")
    j.follow("登记居民", exact=False)
    page.get_by_label("姓名").fill("王小燕")
    page.get_by_label("身份证号").fill(id_number("51010719900101128"))
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_label("与户主关系").select_option(label="子女")
    j.snap("register")
    j.press("保存")
    expect(page.get_by_role("heading", name=re.compile("王小燕"))).to_be_visible()
    # Then update the new resident's phone.
    j.follow("修改信息", exact=False)
    page.get_by_label("联系电话").fill("13912345679")
    j.press("保存")
    expect(page.get_by_role("heading", name=re.compile("王小燕"))).to_be_visible()
    # The demands of the grid.
    j.menu("诉求列表")
    expect(page.locator("main table tbody tr").first).to_be_visible()
    j.snap("demands")
    j.done()


def unit_handler(j: Journey, title: str) -> None:
    page = j.page
    j.demo_sign_in("chuli")
    j.menu("待办诉求")
    j.snap("inbox")
    j.follow(title)
    j.action("接单")
    j.snap("accept")
    page.locator("#act-accept").get_by_role("button", name="接单").click()
    j.loaded()
    expect(page.get_by_text("已接单。")).to_be_visible()
    j.action("申请延期")
    panel = page.locator("#act-request_extension")
    panel.get_by_label("延期（工作日）").fill("3")
    panel.get_by_label("理由").fill("需等待业主委员会表决维修资金。")
    j.snap("extension")
    panel.get_by_role("button", name="申请延期").click()
    j.loaded()
    expect(page.get_by_text("已申请延期。")).to_be_visible()
    j.action("答复")
    panel = page.locator("#act-answer")
    panel.get_by_label("答复内容").fill("已安排维修师傅于明日上门修复，并已电话告知诉求人。")
    panel.get_by_label("已解决").check()
    j.snap("answer")
    panel.get_by_role("button", name="答复").click()
    j.loaded()
    expect(page.get_by_text("已答复。")).to_be_visible()
    j.done()


def branch_secretary(
    j: Journey, username: str, password: str, today: str, in_five_days: str
) -> None:
    page = j.page
    j.sign_in(username, password)
    page.wait_for_url(j.origin + "/")
    j.workbench()
    j.menu("党员")
    expect(page.locator("main table tbody tr").first).to_be_visible()
    j.snap("members")
    # The month's dues ledger of the branch: record a payment of a member who owes.
    j.menu("党费")
    j.press("查看")
    expect(page.locator("main table tbody tr").first).to_be_visible()
    j.snap("ledger")
    row = page.locator("main table tbody tr", has=page.get_by_role("link", name="登记缴纳")).first
    row.get_by_role("link", name="登记缴纳").click()
    j.loaded()
    # The form comes filled with the ledger's month and what the member still owes.
    expect(page.get_by_label("金额（元）")).not_to_have_value("")
    page.get_by_label("缴纳日期").fill(today)
    page.get_by_label("收款人").fill("支部组织委员")
    j.snap("payment")
    j.press("保存")
    expect(page.locator(".alert-success")).to_be_visible()
    # A development file whose next step is due: record it.
    j.menu("发展党员")
    page.locator("main table tbody tr").first.get_by_role("link").first.click()
    j.loaded()
    j.follow("办理下一步")
    fill_required(page.locator("main form").last, "支部委员会研究同意。")
    j.snap("development-step")
    j.press("保存")
    expect(page.locator(".alert-success")).to_be_visible()
    # Organizational life: the branch's calendar, then a theme party day planned and notified.
    j.menu("组织生活日历")
    expect(page.locator("main table tbody tr").first).to_be_visible()
    j.snap("orglife-calendar")
    j.menu("会议")
    j.follow("新建")
    page.select_option("#id_organization", label="和顺社区离退休第2党支部（党支部）")
    page.select_option("#id_kind", "theme_day")
    page.fill("#id_planned_on", in_five_days)
    page.fill("#id_place", "党群服务中心")
    page.fill("#id_topic", "重温入党誓词")
    page.fill("#id_agenda", "一、重温入党誓词\n二、志愿服务")
    j.snap("meeting-new")
    j.press("保存")
    expect(page.get_by_role("heading", name="重温入党誓词")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    j.press("发出通知")
    expect(page.get_by_text("会议通知已发出。")).to_be_visible()
    j.snap("meeting-notified")
    j.done()


def street_admin(j: Journey, number: str) -> None:
    page = j.page
    j.demo_sign_in("jiedao")
    j.menu("督办")
    j.snap("supervision")
    j.menu("月度通报")
    j.snap("report")
    # A unit asked for more time on a demand: find it and decide.
    j.menu("诉求列表")
    page.get_by_label("关键词或编号").fill(number)
    j.press("查询")
    j.follow(number)
    j.action("审批延期")
    panel = page.locator("#act-decide_extension")
    panel.get_by_label("同意延期").check()
    panel.get_by_label("说明").fill("同意，请按期办结。")
    j.snap("extension")
    panel.get_by_role("button", name="审批延期").click()
    j.loaded()
    expect(page.get_by_text("已审批延期。")).to_be_visible()
    j.done()


def auditor(j: Journey) -> None:
    page = j.page
    j.demo_sign_in("shenji")
    j.menu("审计日志")
    expect(page.locator("main table tbody tr").first).to_be_visible()
    j.snap("audit-log")
    j.menu("我的导出")
    expect(page.get_by_role("heading", name="我的导出")).to_be_visible()
    j.snap("exports")
    j.done()


def resident(j: Journey) -> None:
    """Signed in with a password, a resident lands on the portal (issue 16) and goes on
    by its bottom tabs."""
    page = j.page
    j.sign_in("jumin", DEMO_PASSWORD)
    page.wait_for_url(j.origin + "/portal/")  # the sign-in is not timed: it hashes
    expect(page.get_by_role("heading", name=re.compile("^您好，"))).to_be_visible()
    tabs = ".gz-portal-tabs"
    j.follow("诉求", within=tabs)
    j.snap("demands")
    j.follow("已答复，请您评价", exact=False)
    form = page.locator("form", has=page.get_by_role("heading", name="评价办理结果"))
    form.get_by_label("满意", exact=True).check()
    form.get_by_label("评价意见").fill("处理及时，谢谢社区。")
    j.snap("rate")
    j.press("提交评价")
    expect(page.get_by_text("感谢您的评价。")).to_be_visible()
    j.follow("通知", within=tabs)
    expect(page.get_by_role("heading", name="通知", exact=True)).to_be_visible()
    j.snap("notifications")
    j.done()


# --- What the day finds waiting (made through the services, as the desk would) ----------


def choose_area(page, field_id: str, typed: str, last: str) -> None:
    """Choose an area: by typing in the area picker where there is one (the full name
    ends in ``last``), else from the plain list of full names."""
    search = page.locator(f"#{field_id}_search")
    if search.count():
        search.fill(typed)
        page.locator(f"#{field_id}_search_results").get_by_text(last, exact=False).first.click()
    else:
        options = page.locator(f"#{field_id} option").all_inner_texts()
        page.select_option(f"#{field_id}", label=next(o for o in options if typed + last in o))


def fill_required(form, text: str) -> None:
    """Fill what a form requires and is empty: a text, the first choice of a list."""
    for field in form.locator("[required]").all():
        tag = field.evaluate("e => e.tagName")
        if tag == "SELECT":
            if not field.evaluate("e => e.selectedOptions.length && e.value !== ''"):
                field.select_option(index=0 if field.get_attribute("multiple") is not None else 1)
        elif field.get_attribute("type") not in {"hidden", "date", "checkbox", "radio"}:
            if not field.input_value():
                field.fill(text)


def dispatched_to_the_property_company(title: str):
    """A leaking-roof demand taken at 和顺社区's desk and dispatched to its property company."""
    from gongzhi.accounts.models import User
    from gongzhi.areas.models import Area
    from gongzhi.demands import services
    from gongzhi.demands.models import Category, Unit

    staff = User.objects.get(username="gongzuozhe")
    demand = services.create_demand(
        actor=staff,
        area=Area.objects.get(full_name="武侯区锦华街道和顺社区第1网格南苑1栋"),
        title=title,
        content="顶楼住户反映雨天屋顶渗水，墙面发霉。",
        channel="desk",
        requester_kind="anonymous",
    )
    demand = services.classify(
        demand, actor=staff, version=None, category=Category.objects.get(name="房屋漏水")
    )
    unit = Unit.objects.get(name="和顺物业服务有限公司")
    return services.dispatch(demand, actor=staff, version=None, unit=unit)


def waiting_for_an_extension(title: str) -> str:
    """A demand whose unit has asked for more working days; returns its number."""
    from gongzhi.accounts.models import User
    from gongzhi.demands import services

    handler = User.objects.get(username="chuli")
    demand = services.accept(dispatched_to_the_property_company(title), actor=handler, version=None)
    services.request_extension(
        demand, actor=handler, version=None, days=5, reason="需采购防水材料，工期较长。"
    )
    return demand.number


def branch_secretary_account(password: str) -> str:
    """A branch secretary of 和顺社区离退休第2党支部 (the demo's own, ``zhibu``, holds
    第1网格党支部, whose dues and development files this journey does not count on)."""
    from gongzhi.accounts import services
    from gongzhi.accounts.models import User
    from gongzhi.accounts.roles import Role
    from gongzhi.areas.models import Area
    from gongzhi.core.testing import make_user
    from gongzhi.party.models import Organization

    community = Area.objects.get(full_name="武侯区锦华街道和顺社区")
    user = make_user("zhibu2", area=community, full_name="离退休第2党支部 王书记")
    user.set_password(password)
    user.save()
    services.assign_role(
        actor=User.objects.get(username="shuji"),
        user=user,
        role=Role.BRANCH_SECRETARY,
        organization=Organization.objects.get(name="和顺社区离退休第2党支部"),
    )
    return user.username


# --- The tests: one per role -----------------------------------------------------------


def test_a_grid_worker_registers_a_resident_on_the_phone(journey):
    grid_worker(journey("grid-worker", **PHONE))


def test_a_unit_handler_accepts_asks_for_time_and_answers(journey):
    title = "楼顶水箱漏水"
    dispatched_to_the_property_company(title)
    unit_handler(journey("unit-handler"), title)


def test_a_branch_secretary_records_dues_and_a_development_step(journey):
    from django.utils import timezone

    username = branch_secretary_account(DEMO_PASSWORD)
    today = timezone.localdate()
    branch_secretary(
        journey("branch-secretary"),
        username,
        DEMO_PASSWORD,
        today.isoformat(),
        (today + timedelta(days=5)).isoformat(),
    )


def test_a_street_administrator_supervises_and_decides_an_extension(journey):
    street_admin(journey("street-admin"), waiting_for_an_extension("单元门禁损坏"))


def test_an_auditor_reads_the_audit_log(journey):
    auditor(journey("auditor"))


def test_a_resident_rates_an_answer_on_the_phone(journey):
    resident(journey("resident", **PHONE))


def test_the_demo_has_the_accounts_the_journeys_and_the_guide_name(demo_server, db):
    """Also puts ``db`` in this module, so pytest-django sets up the test database."""
    from gongzhi.accounts.models import User
    from gongzhi.accounts.roles import Role

    roles = {
        "gongzuozhe": Role.COMMUNITY_STAFF,
        "wanggeyuan": Role.GRID_WORKER,
        "chuli": Role.UNIT_HANDLER,
        "jiedao": Role.STREET_ADMIN,
        "shenji": Role.AUDITOR,
        "jumin": Role.RESIDENT,
    }
    for username, role in roles.items():
        assert role in User.objects.get(username=username).roles, username
