"""The portal's shell: home, 我的, the notifications tab, elder mode's cookie, WeChat's
browser, and the installable web app (manifest, service worker, offline page)."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.core.modules import PortalEntry, portal_entries_for
from gongzhi.core.notifications import notify
from gongzhi.core.testing import make_user
from gongzhi.portal import shell_context
from gongzhi.residents.models import Resident
from gongzhi.residents.testing import add_person

pytestmark = pytest.mark.django_db

WECHAT = (
    "Mozilla/5.0 (Linux; Android 12; M2012K11AC) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/86.0.4240.99 XWEB/4317 MMWEBSDK/20220903 Mobile Safari/537.36 "
    "MMWEBID/1234 MicroMessenger/8.0.28.2240(0x28001C35) WeChat/arm64 Weixin NetType/WIFI"
)
CHROME = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"


@pytest.fixture
def resident(world, client_as):
    user = world.users["resident"]
    client_as(user)
    return user


def test_home_greets_and_shows_the_binding_state_and_the_ways_to_take_part(world, client, resident):
    resident.full_name = "陈阿姨"
    resident.save(update_fields=["full_name"])
    page = client.get("/portal/").content.decode()
    assert "您好，陈阿姨" in page
    assert "还未绑定住户" in page
    # The landed participation modules, through their manifests (service: activities,
    # check-in, the wish wall, volunteering).
    for label, url in [
        ("志愿服务活动", "/service/mine/activities/"),
        ("活动签到", "/service/checkin/"),
        ("心愿墙", "/service/wishes/wall/"),
        ("我的志愿服务", "/service/mine/"),
    ]:
        assert label in page and f'href="{url}"' in page
    # The demands tab and quick action: the resident's own demands page until the
    # portal's own list lands.
    assert f'href="{reverse("portal:demand_list")}"' in page


def test_home_shows_the_bound_household(world, client, resident):
    household = world.ours.households[0]
    person = add_person(world, household, "陈阿姨", timezone.localdate().replace(year=1956), 71)
    Resident.objects.filter(pk=person.pk).update(user=resident)
    page = client.get("/portal/").content.decode()
    assert f"已绑定：{household.address}" in page
    assert "还未绑定住户" not in page


def test_home_shows_the_unread_notifications_only_the_newest_three(world, client, resident):
    for n in range(4):
        notify(user=resident, title=f"诉求第{n}条已答复")
    notify(user=world.users["grid_worker"], title="别人的通知")
    page = client.get("/portal/").content.decode()
    assert '<span class="gz-count">4</span>' in page
    assert "诉求第3条已答复" in page and "诉求第1条已答复" in page
    assert "诉求第0条已答复" not in page  # the fourth: on the notifications tab
    assert "别人的通知" not in page


def test_entries_follow_permission_and_when(world, monkeypatch):
    from gongzhi.core import modules

    staff = world.users["street_admin"]  # holds no take-part permission
    resident = world.users["resident"]
    assert [e.label for e in portal_entries_for(resident)][:2] == ["志愿服务活动", "活动签到"]
    assert portal_entries_for(staff) == []
    never = PortalEntry("从不", "portal:home", "不", when="gongzhi.portal.tests.test_shell.never")
    always = PortalEntry("总是", "portal:home", "总")
    fake = modules.Manifest(label="fake", order=1, portal=(never, always))
    monkeypatch.setattr(modules, "manifests", lambda: (fake,))
    assert portal_entries_for(resident) == [always]


def never(user) -> bool:
    return False


def test_anonymous_visitors_are_asked_to_sign_in(client):
    for name in ("home", "me", "notifications"):
        answer = client.get(reverse(f"portal:{name}"))
        assert answer.status_code == 302 and answer["Location"].startswith("/portal/login/")


def test_me_shows_the_account_with_the_phone_masked(world, client):
    user = make_user(
        "lw", Role.RESIDENT, world.ours.community, full_name="李伟", phone="13812345678"
    )
    from gongzhi.core.testing import sign_in

    sign_in(client, user)
    page = client.get("/portal/me/").content.decode()
    assert "李伟" in page and "138****5678" in page
    assert "13812345678" not in page
    assert reverse("portal:logout") in page


def test_notifications_tab_lists_only_ones_own_and_pages_smaller_in_elder_mode(
    world, client, resident
):
    for n in range(shell_context.PAGE_SIZE + 1):
        notify(user=resident, title=f"通知{n:02d}", link="/portal/")
    notify(user=world.users["grid_worker"], title="别人的通知")
    page = client.get("/portal/notifications/").content.decode()
    assert page.count('class="gz-card gz-unread"') == shell_context.PAGE_SIZE
    assert "第 1 / 2 页" in page and "别人的通知" not in page
    client.cookies[shell_context.ELDER_COOKIE] = "1"
    page = client.get("/portal/notifications/").content.decode()
    assert page.count('class="gz-card gz-unread"') == shell_context.ELDER_PAGE_SIZE
    assert "第 1 / 3 页" in page


def test_the_elder_switch_sets_a_long_lived_cookie_and_every_portal_page_follows_it(
    client, resident
):
    answer = client.post("/portal/elder-mode/", {"on": "1", "next": "/portal/me/"})
    assert answer.status_code == 302 and answer["Location"] == "/portal/me/"
    cookie = answer.cookies[shell_context.ELDER_COOKIE]
    assert cookie.value == "1"
    assert cookie["max-age"] == 400 * 24 * 3600
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    for url in ("/portal/", "/portal/me/", "/portal/notifications/", "/portal/offline/"):
        assert b'class="gz-portal gz-elder"' in client.get(url).content
    assert "切换到标准版" in client.get("/portal/me/").content.decode()

    answer = client.post("/portal/elder-mode/", {"on": "0", "next": "/portal/"})
    assert answer.cookies[shell_context.ELDER_COOKIE]["max-age"] == 0
    assert b'class="gz-portal"' in client.get("/portal/").content


def test_the_elder_switch_works_before_signing_in_and_never_redirects_elsewhere(client):
    answer = client.post("/portal/elder-mode/", {"on": "1", "next": "https://example.com/"})
    assert answer["Location"] == "/portal/"
    assert answer.cookies[shell_context.ELDER_COOKIE].value == "1"
    assert client.get("/portal/elder-mode/").status_code == 405


def test_wechat_gets_no_service_worker_nor_manifest_and_is_told_to_open_the_browser(
    client, resident
):
    from django.template import engines

    page = client.get("/portal/", HTTP_USER_AGENT=WECHAT).content.decode()
    assert "pwa.js" not in page and "manifest.webmanifest" not in page
    page = client.get("/portal/", HTTP_USER_AGENT=CHROME).content.decode()
    assert "pwa.js" in page and 'rel="manifest"' in page
    include = engines["django"].from_string('{% include "portal/_open_in_browser.html" %}')
    assert "在浏览器打开" in include.render({"in_wechat": True})
    assert include.render({"in_wechat": False}).strip() == ""


def test_the_web_app_manifest(client):
    answer = client.get("/portal/manifest.webmanifest")
    assert answer["Content-Type"] == "application/manifest+json"
    manifest = json.loads(answer.content)
    assert manifest["start_url"] == manifest["scope"] == "/portal/"
    assert manifest["display"] == "standalone" and manifest["name"] == "共治居民端"
    sizes = {(i["sizes"], i["purpose"]) for i in manifest["icons"]}
    assert sizes == {(s, p) for s in ("192x192", "512x512") for p in ("any", "maskable")}
    for icon in manifest["icons"]:
        assert icon["type"] == "image/png" and icon["src"].startswith("/static/portal/icon-")


def test_the_icons_are_the_sizes_they_claim():
    from django.contrib.staticfiles import finders
    from PIL import Image

    for size in (192, 512):
        with Image.open(finders.find(f"portal/icon-{size}.png")) as icon:
            assert icon.size == (size, size) and icon.format == "PNG"


def test_the_service_worker_keeps_only_the_offline_page_and_css_within_the_portal(client):
    answer = client.get("/portal/sw.js")
    assert answer["Content-Type"].startswith("text/javascript")
    assert answer["Service-Worker-Allowed"] == "/portal/"
    body = answer.content.decode()
    kept = json.loads(body.split("const KEPT = ", 1)[1].split(";", 1)[0])
    assert kept[0] == "/portal/offline/"
    assert all(url.endswith(".css") for url in kept[1:]) and len(kept) == 3
    assert "{%" not in body and "&quot;" not in body


def test_the_offline_page_is_public_and_personal_free(client):
    answer = client.get("/portal/offline/")
    assert answer.status_code == 200
    assert "网络未连接" in answer.content.decode()


def test_the_csp_lets_the_worker_and_manifest_come_from_this_server_only(client):
    policy = client.get("/portal/offline/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    # worker-src falls back to script-src, manifest-src to default-src: 'self' both.
    assert "worker-src" not in directives and directives["script-src"] == "'self'"
    assert "manifest-src" not in directives and directives["default-src"] == "'self'"


def test_wechat_detection():
    from django.test import RequestFactory

    factory = RequestFactory()
    assert shell_context.in_wechat(factory.get("/", HTTP_USER_AGENT=WECHAT))
    assert not shell_context.in_wechat(factory.get("/", HTTP_USER_AGENT=CHROME))
    assert not shell_context.in_wechat(factory.get("/"))


def test_every_declared_entry_opens_for_a_resident_and_its_tab_is_marked(world, client, resident):
    from gongzhi.core import modules

    entries = [e for m in modules.manifests() for e in m.portal]
    assert entries
    for entry in entries:
        assert client.get(entry.url).status_code == 200, entry.url_name
    assert 'href="/portal/" aria-current="page"' in client.get("/portal/").content.decode()
    me = client.get("/portal/me/").content.decode()
    assert 'href="/portal/me/" aria-current="page"' in me
    assert 'href="/portal/" aria-current="page"' not in me
