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
