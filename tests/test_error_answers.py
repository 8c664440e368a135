"""Refusals are answers, never crashes: the database's refusals become clear 4xx messages,
and every error of the API is JSON in its error format (outside security test, finding 8).
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.areas.models import Household
from gongzhi.core.testing import api_key
from gongzhi.residents.testing import add_person

API = "/api/v1"


@pytest.fixture
def occupied(world):
    """A household of our community with a resident in it."""
    household = world.ours.households[0]
    add_person(world, household, "王住户", __import__("datetime").date(1980, 1, 1), 7)
    return household


@pytest.fixture
def bearer(world):
    key = api_key(world.users["secretary"], name="测试")
    return {"Authorization": f"Bearer {key}"}


def error_of(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    return response.json()["error"]


def test_deleting_a_household_with_residents_is_refused_by_the_api_with_the_reason(
    client, occupied, bearer
):
    response = client.delete(f"{API}/households/{occupied.pk}", headers=bearer)
    error = error_of(response, 422)
    assert error["code"] == "still_referenced"
    assert "居民" in error["message"] and "不能删除" in error["message"]
    assert Household.objects.filter(pk=occupied.pk).exists()


def test_deleting_a_household_with_residents_is_refused_on_the_page(world, occupied, client_as):
    client = client_as(world.users["secretary"])
    response = client.post(reverse("areas:household_delete", args=[occupied.pk]), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "不能删除" in page and "居民" in page
    assert Household.objects.filter(pk=occupied.pk).exists()


def test_unknown_route_and_wrong_method_answer_json(client, world, bearer):
    error = error_of(client.get(f"{API}/no-such-thing", headers=bearer), 404)
    assert error["code"] == "not_found"
    error = error_of(client.get(f"{API}/", headers=bearer), 404)
    response = client.put(f"{API}/areas", headers=bearer)
    error = error_of(response, 405)
    assert error["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_a_body_over_the_limit_answers_413_json_before_it_is_read(client, world, bearer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"name": "x" * 2000})
    error = error_of(
        client.post(f"{API}/areas", body, content_type="application/json", headers=bearer), 413
    )
    assert error["code"] == "too_large"


def test_a_server_error_in_the_api_answers_json_and_is_logged(world, bearer, monkeypatch, caplog):
    from gongzhi.areas import selectors

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "top_areas", broken)
    monkeypatch.setattr(selectors, "areas_for", broken, raising=False)
    client = Client(raise_request_exception=False)
    response = client.get(f"{API}/areas", headers=bearer)
    error = error_of(response, 500)
    assert error["code"] == "server_error"
    assert "服务器内部错误" in error["message"]
    assert any("API server error" in r.getMessage() for r in caplog.records)


def test_a_server_error_on_a_page_is_a_chinese_page(world, client_as, monkeypatch):
    from gongzhi.core import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.WorkbenchView, "get_context_data", broken)
    client = client_as(world.users["secretary"])
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert "服务器内部错误" in response.content.decode()


# --- Smaller findings (outside security test, finding 10) -------------------------------


def test_pages_api_answers_and_exports_are_never_cached(world, client_as, bearer):
    client = client_as(world.users["secretary"])
    for url in (
        "/",
        reverse("areas:household_list"),
        reverse("areas:household_list") + "?export=xlsx",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    response = Client().get(f"{API}/areas", headers=bearer)
    assert "no-store" in response["Cache-Control"]
    # The public figures (no sign-in, no person) may be cached.
    assert "no-store" not in Client().get("/public/demands/").get("Cache-Control", "")


def test_the_loser_of_a_delete_race_gets_a_conflict(world):
    from gongzhi.areas import services
    from gongzhi.core.errors import Conflict

    household = world.ours.households[2]
    stale = Household.objects.get(pk=household.pk)  # loaded by the second user's page
    services.delete_household(household, actor=world.users["secretary"])
    with pytest.raises(Conflict):
        services.delete_household(stale, actor=world.users["staff"])


def test_a_boolean_is_not_an_id(client, world, bearer):
    body = {"parent_id": True, "level": 5, "code": "99", "name": "新小区"}
    response = client.post(
        f"{API}/areas", json.dumps(body), content_type="application/json", headers=bearer
    )
    error = error_of(response, 422)
    assert error["field"] == "parent_id"


def test_password_rules_speak_chinese(world):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        validate_password("Ab1!", world.users["staff"])
    assert caught.value.messages[0] == "密码太短，至少需要10个字符。"


def test_a_form_with_a_stale_security_token_gets_a_chinese_page(world):
    client = Client(enforce_csrf_checks=True)
    from gongzhi.core.testing import sign_in

    sign_in(client, world.users["secretary"])
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "页面已过期" in page and "Forbidden" not in page
    api = client.post(f"{API}/areas", "{}", content_type="application/json")
    assert api.status_code == 403 and api["Content-Type"].startswith("application/json")


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(world, settings):
    from django.test import RequestFactory

    from gongzhi.core.middleware import client_ip

    settings.GONGZHI_TRUSTED_PROXIES = frozenset({"10.0.0.2"})
    factory = RequestFactory()
    forged = "1.2.3.4, 203.0.113.9"  # the client wrote 1.2.3.4 itself; nginx appended the rest
    request = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forged)
    assert client_ip(request) == "203.0.113.9"
    request = factory.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="9.9.9.9")
    assert client_ip(request) == "198.51.100.7"  # not through the proxy: the header is ignored
    request = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_ip(request) == "10.0.0.2"


def test_https_settings_come_from_the_environment():
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='gongzhi.settings';"
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)"
    )
    env = {
        **__import__("os").environ,
        "GONGZHI_SSL_REDIRECT": "true",
        "GONGZHI_HSTS_SECONDS": "31536000",
        "GONGZHI_PROXY_SSL_HEADER": "true",
    }
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https')"


def test_a_write_that_cannot_get_the_lock_is_busy_not_a_server_error(world, bearer, monkeypatch):
    from django.db import OperationalError

    from gongzhi.areas import selectors

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(selectors, "areas_for", locked)
    client = Client(raise_request_exception=False)
    response = client.get(f"{API}/areas", headers=bearer)
    error = error_of(response, 503)
    assert error["code"] == "busy" and response["Retry-After"] == "2"
    from gongzhi.core import views

    monkeypatch.setattr(views.WorkbenchView, "get_context_data", locked)
    from gongzhi.core.testing import sign_in

    sign_in(client, world.users["secretary"])
    page = client.get("/")
    assert page.status_code == 503 and "系统繁忙" in page.content.decode()


# --- Error pages and refused actions (issue 13, defect 9) ----------------------------------


def error_page(response, status) -> str:
    """A styled Chinese page with a way back: the previous page and the workbench."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "返回上一页" in page and "data-back" in page and "返回工作台" in page
    return page


def test_refusal_pages_are_chinese_pages_of_the_layout_with_a_way_back(world, client_as):
    """Issue 13, defect 9: 403, 404 and 405 answers are pages of the product (a
    resident's in the portal's layout: portal/tests/test_take_part.py)."""
    client = client_as(world.users["grid_worker"])
    page = error_page(client.get(reverse("core:audit_list")), 403)
    assert "无权访问" in page and "gz-topbar" in page  # the base layout, with its menu
    page = error_page(client.get("/no-such-page/"), 404)
    assert "对象不存在或无权访问" in page and "gz-topbar" in page
    response = client.get(reverse("core:notification_read_all"))
    page = error_page(response, 405)
    assert "gz-topbar" in page and "不能直接打开" in page
    assert response["Allow"] == "POST"


def test_a_bad_request_is_a_chinese_page(world, client_as):
    client = client_as(world.users["secretary"])
    client.raise_request_exception = False
    page = error_page(client.get("/", HTTP_HOST="evil.example"), 400)
    assert "请求无效" in page


def test_a_stale_security_token_page_has_a_way_back(world):
    from gongzhi.core.testing import sign_in

    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.users["secretary"])
    page = error_page(client.post(reverse("accounts:logout")), 403)
    assert "页面已过期" in page


def test_a_server_error_page_stands_alone_with_a_way_back(world, client_as, monkeypatch, settings):
    """Issue 13, defect 9: the 500 page needs no database and no menu, and still offers
    the way back."""
    from gongzhi.core import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    settings.DEBUG = False
    monkeypatch.setattr(views.WorkbenchView, "get_context_data", broken)
    client = client_as(world.users["secretary"])
    client.raise_request_exception = False
    page = error_page(client.get("/"), 500)
    assert "服务器内部错误" in page and "gz-topbar" not in page and "boom" not in page
    assert "gongzhi/app.js" in page  # the way back works under the script policy


def test_the_api_keeps_its_json_errors(client, world, bearer):
    """The pages' error pages are not the API's: its 404 and 405 stay JSON."""
    assert error_of(client.get(f"{API}/households/999999", headers=bearer), 404)
    assert error_of(client.put(f"{API}/areas", headers=bearer), 405)


def test_a_refused_delete_goes_back_to_the_page_it_came_from(world, occupied, client_as):
    """Issue 13, defect 9: a refused action goes back where the form was (a page of this
    site only), with the refusal as a message; otherwise to the object's page."""
    client = client_as(world.users["secretary"])
    url = reverse("areas:household_delete", args=[occupied.pk])
    listing = "http://testserver" + reverse("areas:household_list") + "?q=1"
    response = client.post(url, HTTP_REFERER=listing)
    assert response.status_code == 302 and response.url == listing
    assert "不能删除" in client.get(response.url).content.decode()
    response = client.post(url, HTTP_REFERER="https://evil.example/phish")
    assert response.status_code == 302 and response.url == occupied.get_absolute_url()
    assert client.get(url).status_code == 302  # a GET of the address: the household's page
