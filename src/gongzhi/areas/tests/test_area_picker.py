"""The area picker (issue 13, defect 12): one widget wherever an area is chosen, a
type-ahead by name over a scoped endpoint, a select of the user's areas without script."""

import re
from html import unescape

import pytest
from django.urls import reverse

from gongzhi.demands.permissions import INTAKE

pytestmark = pytest.mark.django_db

PICK = "/areas/pick/"


def labels(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return [r["label"] for r in response.json()["results"]]


def test_the_endpoint_finds_areas_by_name_within_the_scope_only(world, client_as):
    """Issue 13, defect 12: a user cannot find areas out of scope."""
    client = client_as(world.users["secretary"])
    found = labels(client.get(PICK, {"q": "第1网格"}))
    # The grid first, then the nodes under it (their full names carry its name).
    assert found[0] == "武侯区 / 锦华街道 / 和顺社区 / 和顺第1网格"
    assert len(found) == 4 and all("和顺第1网格" in label for label in found)
    assert labels(client.get(PICK, {"q": "邻里"})) == []
    assert labels(client.get(PICK, {"q": world.sibling.grid.code})) == []
    everything = labels(client.get(PICK))
    assert everything[0] == "武侯区 / 锦华街道 / 和顺社区"
    assert not [label for label in everything if "邻里" in label]
    # Several words: each must match (the community, then the building's name).
    assert labels(client.get(PICK, {"q": "和顺 1栋"})) == [
        "武侯区 / 锦华街道 / 和顺社区 / 和顺第1网格 / 和顺花园 / 1栋",
        "武侯区 / 锦华街道 / 和顺社区 / 和顺第1网格 / 和顺花园 / 1栋 / 1单元",
    ]
    # A label as the picker shows it finds its area first.
    assert labels(client.get(PICK, {"q": "武侯区 / 锦华街道 / 和顺社区"}))[0] == everything[0]
    # The street's administrator finds both communities' grids.
    street = client_as(world.users["street_admin"])
    assert len(labels(street.get(PICK, {"q": "第1网格", "max_level": "4"}))) == 2


def test_the_endpoint_keeps_to_the_permission_and_depth_asked(world, client_as):
    client = client_as(world.users["grid_worker"])
    found = labels(client.get(PICK, {"q": "和顺", "max_level": "5"}))
    assert found == [
        "武侯区 / 锦华街道 / 和顺社区 / 和顺第1网格",
        "武侯区 / 锦华街道 / 和顺社区 / 和顺第1网格 / 和顺花园",
    ]
    # A permission the grid worker does not hold finds nothing; a made-up one neither.
    assert labels(client.get(PICK, {"q": "和顺", "perm": "areas.change_area"})) == []
    assert labels(client.get(PICK, {"q": "和顺", "perm": "nothing.at_all"})) == []
    street = client_as(world.users["street_admin"])
    assert labels(street.get(PICK, {"min_level": "3", "max_level": "3"})) == [
        "武侯区 / 锦华街道 / 和顺社区",
        "武侯区 / 锦华街道 / 邻里社区",
    ]
    bad = client.get(PICK, {"perm": "<script>"})
    assert bad.status_code == 400 and bad.json()["error"]["message"] == "查找条件不正确。"
    assert client.get(PICK, {"max_level": "x"}).status_code == 400


def test_the_endpoint_needs_a_sign_in(world, client):
    response = client.get(PICK, {"q": "和顺"})
    assert response.status_code == 302 and "/accounts/login/" in response.url


def area_select(html: str, name: str) -> str:
    match = re.search(rf'<select name="{name}"[^>]*>.*?</select>', html, re.S)
    assert match, f"no select {name}"
    return match.group(0)


@pytest.mark.parametrize(
    ("role", "url"),
    [
        ("secretary", "areas:household_list"),
        ("secretary", "demands:list"),
        ("staff", "demands:inbox"),
        ("street_admin", "demands:supervision"),
        ("secretary", "residents:list"),
    ],
)
def test_area_filters_render_the_picker_not_a_number_box(world, client_as, role, url):
    """Issue 13, defect 12: the area filter was a number box for an internal id."""
    html = unescape(client_as(world.users[role]).get(reverse(url)).content.decode())
    assert not re.search(r'<input type="number" name="within"', html)
    select = area_select(html, "within")
    assert 'data-area-picker="/areas/pick/?' in select
    assert ">武侯区 / 锦华街道 / 和顺社区 / 和顺第1网格</option>" in select
    assert ("邻里" in select) == (role == "street_admin")


def test_a_chosen_area_below_the_grids_stays_chosen_in_the_filter(world, client_as):
    client = client_as(world.users["secretary"])
    response = client.get(reverse("areas:household_list"), {"within": world.ours.unit.pk})
    select = area_select(unescape(response.content.decode()), "within")
    assert f'<option value="{world.ours.unit.pk}" selected>' in select
    assert len(response.context["table"].rows) == 3


def test_forms_choose_an_area_with_the_picker(world, demands, client_as):
    """Issue 13, defect 12: forms use the same widget (the intake desk's 发生地点)."""
    html = unescape(client_as(world.users["staff"]).get(reverse("demands:intake")).content.decode())
    select = area_select(html, "area")
    assert f"perm={INTAKE}" in select and "max_level=6" in select
    assert ">武侯区 / 锦华街道 / 和顺社区 / 和顺第1网格 / 和顺花园 / 1栋</option>" in select
    assert "1单元" not in select and "邻里" not in select


def test_beyond_the_limit_the_select_offers_only_the_chosen_area(world, client_as, monkeypatch):
    """A district user's filter and form carried every area of the district as options
    (the list pages slowed by half): beyond FALLBACK_LIMIT the select keeps only the
    chosen area, and the type-ahead finds the others."""
    from gongzhi.areas import filters, widgets

    monkeypatch.setattr(filters, "FALLBACK_LIMIT", 2)
    monkeypatch.setattr(widgets, "FALLBACK_LIMIT", 2)
    client = client_as(world.users["street_admin"])
    response = client.get(reverse("demands:supervision"), {"within": world.ours.grid.pk})
    select = area_select(unescape(response.content.decode()), "within")
    assert select.count("<option") == 2  # 全部 and the chosen grid
    assert f'<option value="{world.ours.grid.pk}" selected>' in select
    assert "武侯区 / 锦华街道 / 和顺社区 / 和顺第1网格</option>" in select
    assert "邻里" not in select
    staff = client_as(world.users["staff"])
    html = unescape(staff.get(reverse("demands:intake")).content.decode())
    form_select = area_select(html, "area")
    assert form_select.count("<option") == 1 and "data-area-picker" in form_select
    # At the limit, every area is still offered.
    monkeypatch.setattr(widgets, "FALLBACK_LIMIT", 10_000)
    html = unescape(staff.get(reverse("demands:intake")).content.decode())
    assert "和顺花园 / 1栋</option>" in area_select(html, "area")


def test_a_permission_in_the_query_never_widens_what_the_user_sees(world, client_as):
    """Review of issue 13: the endpoint took the permission from the query string, so a
    resident (no area rights) listed the areas of their community by naming one of their
    own permissions; an auditor likewise with the audit log's."""
    for role, perm in (("resident", "demands.view_own"), ("auditor", "core.view_auditlog")):
        client = client_as(world.users[role])
        assert labels(client.get(PICK, {"perm": perm})) == [], role
        assert labels(client.get(PICK, {"perm": perm, "q": "和顺"})) == [], role
    # A permission the user holds with their area rights still narrows as declared.
    staff = client_as(world.users["staff"])
    assert labels(client_as(world.users["staff"]).get(PICK, {"perm": INTAKE}))
    assert labels(staff.get(PICK, {"perm": INTAKE, "q": "邻里"})) == []


@pytest.mark.parametrize("value", ["፩", "١", "𝟙"])
def test_digits_of_other_scripts_are_refused_not_a_server_error(world, client_as, value):
    """Review of issue 13: ``str.isdigit`` accepts digits ``int`` and the ORM refuse."""
    client = client_as(world.users["secretary"])
    assert client.get(PICK, {"min_level": value}).status_code == 400
    assert client.get("/areas/households/", {"within": value}).status_code in (200, 400)
    assert client.get("/demands/", {"area": value}).status_code in (200, 400)
    assert client.get("/search/", {"q": f"a-{value}"}).status_code == 200
    assert client.get("/api/v1/search", {"q": f"2026-{value}"}).status_code in (200, 422)


@pytest.mark.parametrize("month", ["0001-01", "9999-12"])
def test_the_public_figures_refuse_a_month_out_of_range(client, world, month):
    """Review of issue 13: the public page (no sign-in) overflowed its trend's dates."""
    assert client.get("/public/demands/", {"month": month}).status_code in (200, 400)
