"""Page flows of the area tree through the test client: forms, errors, redirects, lists."""

from html import unescape
from io import BytesIO

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.areas.models import Area, Household
from gongzhi.core.testing import make_household


def _text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def secretary(world, client_as):
    return client_as(world.users["secretary"])


# --- area pages -------------------------------------------------------------------


def test_tree_of_a_single_root_goes_straight_to_it(world, secretary):
    response = secretary.get(reverse("areas:tree"))
    assert response.status_code == 302
    assert response.url == world.ours.community.get_absolute_url()


def test_area_detail_lists_children_households_and_actions(world, secretary):
    unit = world.ours.unit
    body = _text(secretary.get(unit.get_absolute_url()))
    for h in world.ours.households:
        assert h.door_number in body and h.get_absolute_url() in body
    assert reverse("areas:household_create", args=[unit.pk]) in body
    assert reverse("areas:area_edit", args=[unit.pk]) in body
    community_page = _text(secretary.get(world.ours.community.get_absolute_url()))
    assert world.ours.grid.name in community_page
    assert reverse("areas:area_create", args=[world.ours.community.pk]) in community_page


def test_area_detail_hides_change_actions_from_a_grid_worker(world, client_as):
    client = client_as(world.users["grid_worker"])
    body = _text(client.get(world.ours.unit.get_absolute_url()))
    assert reverse("areas:area_edit", args=[world.ours.unit.pk]) not in body
    # ...but they may add households.
    assert reverse("areas:household_create", args=[world.ours.unit.pk]) in body
    assert client.get(reverse("areas:area_edit", args=[world.ours.unit.pk])).status_code == 404


def test_create_child_area(world, secretary):
    community = world.ours.community
    url = reverse("areas:area_create", args=[community.pk])
    form_page = _text(secretary.get(url))
    assert 'value="4"' in form_page  # the only level offered is the grid
    assert f'value="{community.code}"' in form_page  # the code starts as the parent's
    response = secretary.post(url, {"level": 4, "code": community.code + "002", "name": "第2网格"})
    grid = Area.objects.get(code=community.code + "002")
    assert response.status_code == 302 and response.url == grid.get_absolute_url()
    assert grid.parent == community and grid.full_name.endswith("和顺社区第2网格")
    assert "已保存" in _text(secretary.get(response.url))


def test_create_child_area_shows_the_rule_next_to_the_field_and_keeps_the_input(world, secretary):
    community = world.ours.community
    before = Area.objects.count()
    response = secretary.post(
        reverse("areas:area_create", args=[community.pk]),
        {"level": 4, "code": community.code + "02", "name": "第二网格"},
    )
    assert response.status_code == 400
    body = _text(response)
    assert f"编码：编码应为上级编码“{community.code}”后加3位数字。" in body
    assert f'value="{community.code}02"' in body and 'value="第二网格"' in body
    assert "is-invalid" in body
    assert Area.objects.count() == before


def test_create_child_area_refuses_a_duplicate_code_in_chinese(world, secretary):
    community = world.ours.community
    response = secretary.post(
        reverse("areas:area_create", args=[community.pk]),
        {"level": 4, "code": world.ours.grid.code, "name": "重复"},
    )
    assert response.status_code == 400
    assert f"编码“{world.ours.grid.code}”已被使用。" in _text(response)


def test_create_child_area_requires_a_name(world, secretary):
    community = world.ours.community
    response = secretary.post(
        reverse("areas:area_create", args=[community.pk]),
        {"level": 4, "code": community.code + "002", "name": ""},
    )
    assert response.status_code == 400
    assert "名称：这个字段是必填项。" in _text(response)


def test_edit_area(world, secretary):
    unit = world.ours.unit
    url = reverse("areas:area_edit", args=[unit.pk])
    page = _text(secretary.get(url))
    assert 'value="1单元"' in page and 'name="version" value="1"' in page
    response = secretary.post(url, {"name": "一单元", "version": 1})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "一单元" and unit.version == 2
    addresses = set(Household.objects.filter(area=unit).values_list("address", flat=True))
    assert addresses == {"和顺花园1栋一单元101", "和顺花园1栋一单元201", "和顺花园1栋一单元301"}


def test_edit_area_with_a_stale_form_shows_the_conflict(world, secretary):
    unit = world.ours.unit
    url = reverse("areas:area_edit", args=[unit.pk])
    secretary.post(url, {"name": "一单元", "version": 1})
    response = secretary.post(url, {"name": "壹单元", "version": 1})
    assert response.status_code == 400
    body = _text(response)
    assert "数据已被他人修改，请刷新后重试。" in body
    assert 'value="壹单元"' in body
    unit.refresh_from_db()
    assert unit.name == "一单元"


def test_delete_area_with_children_is_refused_with_a_message(world, secretary):
    building = world.ours.building
    response = secretary.post(reverse("areas:area_delete", args=[building.pk]), follow=True)
    assert response.redirect_chain[-1][0] == building.get_absolute_url()
    assert "该区域下还有下级区域或住户，不能删除。" in _text(response)
    assert Area.objects.filter(pk=building.pk).exists()


def test_delete_empty_area_goes_to_the_parent(world, secretary):
    building = world.ours.building
    secretary.post(
        reverse("areas:area_create", args=[building.pk]),
        {"level": 7, "code": building.code + "02", "name": "2单元"},
    )
    leaf = Area.objects.get(code=building.code + "02")
    opened = secretary.get(reverse("areas:area_delete", args=[leaf.pk]))  # a GET deletes nothing
    assert opened.status_code == 302 and opened.url == leaf.get_absolute_url()
    response = secretary.post(reverse("areas:area_delete", args=[leaf.pk]))
    assert response.status_code == 302 and response.url == building.get_absolute_url()
    assert not Area.objects.filter(pk=leaf.pk).exists()


# --- household pages ------------------------------------------------------------


def test_create_household(world, secretary):
    unit = world.ours.unit
    url = reverse("areas:household_create", args=[unit.pk])
    assert f'value="{unit.code}"' in _text(secretary.get(url))
    response = secretary.post(
        url,
        {"code": unit.code + "0401", "door_number": "401", "status": "rented", "area_m2": "88.5"},
    )
    h = Household.objects.get(code=unit.code + "0401")
    assert response.status_code == 302 and response.url == h.get_absolute_url()
    assert h.address == "和顺花园1栋1单元401" and h.status == "rented"
    assert "和顺花园1栋1单元401" in _text(secretary.get(response.url))


def test_create_household_with_a_taken_door_keeps_the_input(world, secretary):
    unit = world.ours.unit
    response = secretary.post(
        reverse("areas:household_create", args=[unit.pk]),
        {"code": unit.code + "0401", "door_number": "101", "status": "occupied", "note": "新住户"},
    )
    assert response.status_code == 400
    body = _text(response)
    assert "门牌号：该楼栋/单元已有门牌号“101”。" in body
    assert 'value="新住户"' in body and f'value="{unit.code}0401"' in body
    assert Household.objects.count() == 6


def test_create_household_rejects_a_negative_area(world, secretary):
    unit = world.ours.unit
    response = secretary.post(
        reverse("areas:household_create", args=[unit.pk]),
        {"code": unit.code + "0401", "door_number": "401", "status": "occupied", "area_m2": "-3"},
    )
    assert response.status_code == 400
    assert "面积(㎡)：" in _text(response)


def test_edit_household(world, secretary):
    h = world.ours.households[0]
    url = reverse("areas:household_edit", args=[h.pk])
    page = _text(secretary.get(url))
    assert 'name="code"' not in page  # the code is fixed once created
    response = secretary.post(
        url, {"door_number": "102", "status": "vacant", "area_m2": "", "note": "", "version": 1}
    )
    assert response.status_code == 302
    h.refresh_from_db()
    assert (h.door_number, h.status, h.address, h.version) == (
        "102",
        "vacant",
        "和顺花园1栋1单元102",
        2,
    )


def test_edit_household_stale_form(world, secretary):
    h = world.ours.households[0]
    url = reverse("areas:household_edit", args=[h.pk])
    data = {"door_number": "102", "status": "vacant", "area_m2": "", "note": "", "version": 1}
    secretary.post(url, data)
    response = secretary.post(url, {**data, "door_number": "103"})
    assert response.status_code == 400
    assert "数据已被他人修改，请刷新后重试。" in _text(response)
    h.refresh_from_db()
    assert h.door_number == "102"


def test_delete_household(world, secretary):
    h = world.ours.households[0]
    response = secretary.post(reverse("areas:household_delete", args=[h.pk]))
    assert response.status_code == 302 and response.url == world.ours.unit.get_absolute_url()
    assert not Household.objects.filter(pk=h.pk).exists()


# --- lists ------------------------------------------------------------------------


def test_household_list_filters_by_search_status_and_area(world, secretary):
    url = reverse("areas:household_list")
    first = world.ours.households[0]
    body = _text(secretary.get(url, {"q": "201"}))
    assert "和顺花园1栋1单元201" in body and first.address not in body
    assert "没有符合条件的记录" in _text(secretary.get(url, {"status": "vacant"}))
    body = _text(secretary.get(url, {"within": world.ours.unit.pk}))
    assert all(h.address in body for h in world.ours.households)
    # An area outside the scope selects nothing, rather than its households.
    body = _text(secretary.get(url, {"within": world.sibling.unit.pk}))
    assert "没有符合条件的记录" in body and "邻里花园" not in body


def test_household_export_holds_exactly_the_visible_rows(world, secretary):
    response = secretary.get(reverse("areas:household_list"), {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("编码", "地址")
    assert sorted(r[0] for r in rows[1:]) == sorted(h.code for h in world.ours.households)


def test_area_list_searches_by_name(world, client_as):
    client = client_as(world.users["street_admin"])
    body = _text(client.get(reverse("areas:tree"), {"q": "和顺"}))
    assert world.ours.community.code in body and world.sibling.community.code not in body


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_household_list_query_count_does_not_grow_with_rows(
    world, secretary, django_assert_num_queries
):
    url = reverse("areas:household_list")
    few = _count_queries(secretary, url)
    unit = world.ours.unit
    for i in range(4, 31):
        make_household(unit, f"{i:02d}01", f"{i}01")
    assert (
        Household.objects.visible_to(world.users["secretary"], "areas.view_household").count() == 30
    )
    with django_assert_num_queries(few):
        response = secretary.get(url)
    assert _text(response).count("和顺花园1栋1单元") >= 30


def test_area_detail_query_count_does_not_grow_with_children(
    world, secretary, django_assert_num_queries
):
    unit = world.ours.unit
    few = _count_queries(secretary, unit.get_absolute_url())
    for i in range(4, 31):
        make_household(unit, f"{i:02d}01", f"{i}01")
    with django_assert_num_queries(few):
        secretary.get(unit.get_absolute_url())
