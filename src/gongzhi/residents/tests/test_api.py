from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from gongzhi.residents.choices import Duty
from gongzhi.residents.models import Resident, Responsibility
from gongzhi.residents.testing import build_residents

pytestmark = [pytest.mark.django_db]
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
API = "/api/v1"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people(world):
    return build_residents(world)


def test_list_is_scoped_and_masked(world, people, client_as):
    body = client_as(world.users["grid_worker"]).get(f"{API}/residents").json()
    names = {item["name"] for item in body["items"]}
    assert names == {"张小明", "张*宝", "李四"} and body["count"] == 3
    head = next(i for i in body["items"] if i["name"] == "张小明")
    assert head["phone_masked"] == "138****5678" and head["tags"] == ["空巢老人"]
    text = str(body)
    assert people["head"].id_number_full() not in text and "13812345678" not in text


def test_search_and_detail(world, people, client_as):
    client = client_as(world.users["staff"])
    found = client.get(f"{API}/residents", {"q": "zhxm"}).json()["items"]
    assert [i["name"] for i in found] == ["张小明"]
    assert client.get(f"{API}/residents/{people['other'].pk}").status_code == 404
    detail = client.get(f"{API}/residents/{people['child'].pk}").json()
    assert detail["name"] == "张小宝" and "残疾人" not in detail["tags"]


def test_create_and_patch(world, people, client_as):
    client = client_as(world.users["staff"])
    household = world.ours.households[2]
    response = client.post(
        f"{API}/residents",
        {
            "household_id": household.pk,
            "name": "王五",
            "id_number": "11010519491231002X",
            "relation": "head",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id_number_masked"] == "1101**********002X"
    bad = client.post(
        f"{API}/residents",
        {
            "household_id": household.pk,
            "name": "重复",
            "id_number": "11010519491231002X",
            "relation": "spouse",
        },
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "id_number"
    sibling = client.post(
        f"{API}/residents",
        {
            "household_id": world.sibling.households[2].pk,
            "name": "越界",
            "id_number": "110105194912310037",
            "relation": "head",
        },
        content_type="application/json",
    )
    assert sibling.status_code == 404
    patched = client.patch(
        f"{API}/residents/{body['id']}",
        {"version": body["version"], "phone": "13911112222"},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["phone_masked"] == "139****2222"
    stale = client.patch(
        f"{API}/residents/{body['id']}",
        {"version": body["version"], "phone": "13911113333"},
        content_type="application/json",
    )
    assert stale.status_code == 409
    assert Resident.objects.get(pk=body["id"]).phone == "13911112222"


def test_rentals_responsibilities_coverage_and_map(world, people, client_as):
    client = client_as(world.users["secretary"])
    rental = client.post(
        f"{API}/rentals",
        {
            "household_id": world.ours.households[1].pk,
            "landlord_name": "房东",
            "starts_on": "2026-01-01",
            "tenant_ids": [people["tenant"].pk],
        },
        content_type="application/json",
    )
    assert rental.status_code == 201 and rental.json()["tenant_ids"] == [people["tenant"].pk]
    foreign = client.post(
        f"{API}/rentals",
        {
            "household_id": world.ours.households[1].pk,
            "landlord_name": "房东",
            "starts_on": "2026-01-01",
            "tenant_ids": [people["other"].pk],
        },
        content_type="application/json",
    )
    assert foreign.status_code == 404
    link = client.post(
        f"{API}/responsibilities",
        {"area_id": world.ours.grid.pk, "duty": Duty.GRID_WORKER, "name": "陈网格员"},
        content_type="application/json",
    )
    assert link.status_code == 201
    listed = client.get(f"{API}/responsibilities").json()
    assert [i["name"] for i in listed["items"]] == ["陈网格员"]
    coverage = client.get(f"{API}/coverage/{world.ours.community.pk}").json()
    assert coverage[0]["community_name"] == "和顺社区" and coverage[0]["gaps"] >= 1
    assert client.get(f"{API}/coverage/{world.sibling.community.pk}").status_code == 404
    geo = client.get(f"{API}/grid-map/{world.ours.community.pk}").json()
    assert geo["features"][0]["properties"]["households"] == 3
    assert client.get(f"{API}/grid-map/{world.sibling.community.pk}").status_code == 404
    assert client.delete(f"{API}/responsibilities/{link.json()['id']}").status_code == 204
    assert not Responsibility.objects.exists()


def test_list_queries_constant(world, people, client_as, django_assert_num_queries):
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongzhi.residents.testing import add_person

    client = client_as(world.users["staff"])
    client.get(f"{API}/residents")
    with CaptureQueriesContext(connection) as few:
        client.get(f"{API}/residents")
    for i in range(8):
        add_person(world, world.ours.households[2], f"王{i}", date(1970, 1, 1 + i), 30 + i)
    with CaptureQueriesContext(connection) as many:
        client.get(f"{API}/residents")
    assert len(many) == len(few)
