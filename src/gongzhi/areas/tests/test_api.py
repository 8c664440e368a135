"""The areas API: auth, scope, CRUD, optimistic locking, machine-readable errors."""

import json
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.accounts.models import ApiToken
from gongzhi.accounts.services import issue_token, revoke_token
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.core.models import AuditLog
from gongzhi.core.testing import api_key, make_household

API = "/api/v1"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


class Api:
    """The test client speaking JSON with a bearer token (or the session, if no token)."""

    def __init__(self, client, key=None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def __call__(self, method, path, body=None, raw=None, **params):
        kwargs = {"headers": self.headers}
        if raw is not None:
            kwargs.update(data=raw, content_type="application/json")
        elif body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        url = API + path
        if params:
            kwargs["QUERY_STRING"] = urlencode(params)
        return getattr(self.client, method)(url, **kwargs)

    def get(self, path, **params):
        return self("get", path, **params)


@pytest.fixture
def token(world):
    key = api_key(world.users["secretary"], name="测试")
    return key


@pytest.fixture
def api(client, token):
    return Api(client, token)


def _error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert {"code", "message", "field"} <= set(err)
    assert CHINESE.search(err["message"]), err
    if code:
        assert err["code"] == code, err
    return err


# --- authentication -----------------------------------------------------------------


def test_bearer_token_authenticates(api, world):
    response = api.get("/areas")
    assert response.status_code == 200
    assert response.json()["count"] == 5  # community, grid, estate, building, unit


def test_no_credentials_is_401(client, world):
    _error(Api(client).get("/areas"), 401, "unauthenticated")


@pytest.mark.parametrize("key", ["gz_not-a-token", "", "x" * 500])
def test_unknown_token_is_401(client, world, key):
    response = client.get(f"{API}/areas", headers={"Authorization": f"Bearer {key}"})
    _error(response, 401, "unauthenticated")


def test_revoked_token_is_401(client, world):
    user = world.users["secretary"]
    token, key = issue_token(actor=user, name="t", scope="write", verified=True)
    assert Api(client, key).get("/areas").status_code == 200
    revoke_token(token, actor=user)
    _error(Api(client, key).get("/areas"), 401, "unauthenticated")


def test_expired_token_is_401(client, world):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        key = api_key(world.users["secretary"], name="t", days=1)
        assert Api(client, key).get("/areas").status_code == 200
        traveller.shift(timedelta(days=1, seconds=1))
        _error(Api(client, key).get("/areas"), 401, "unauthenticated")


def test_token_of_a_deactivated_user_is_401(client, world, token):
    user = world.users["secretary"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    _error(Api(client, token).get("/areas"), 401, "unauthenticated")


def test_only_the_hash_of_a_token_is_stored(world, token):
    stored = ApiToken.objects.get()
    assert token not in (stored.key_hash, stored.prefix, stored.name)
    assert token[3:11] == stored.prefix


def test_session_authenticates(client_as, world):
    client = client_as(world.users["secretary"])
    response = Api(client).get("/areas")
    assert response.status_code == 200 and response.json()["count"] == 5


def test_openapi_schema_is_public_and_lists_the_routes(client, world):
    schema = client.get(f"{API}/openapi.json").json()
    assert {"/api/v1/areas", "/api/v1/areas/{area_id}", "/api/v1/households"} <= set(
        schema["paths"]
    )


# --- areas ----------------------------------------------------------------------------


def test_list_areas_is_scoped_and_filtered(api, world):
    codes = [a["code"] for a in api.get("/areas").json()["items"]]
    assert codes == sorted(codes) and all(c.startswith(world.ours.community.code) for c in codes)
    grids = api.get("/areas", level=int(Level.GRID)).json()
    assert [a["id"] for a in grids["items"]] == [world.ours.grid.pk]
    children = api.get("/areas", parent_id=world.ours.grid.pk).json()
    assert [a["id"] for a in children["items"]] == [world.ours.estate.pk]
    assert api.get("/areas", parent_id=world.sibling.grid.pk).json() == {"items": [], "count": 0}
    assert api.get("/areas", q="花园").json()["count"] == 1


def test_list_areas_paginates(api, world):
    page = api.get("/areas", limit=2, offset=1).json()
    assert page["count"] == 5
    assert [a["id"] for a in page["items"]] == [world.ours.grid.pk, world.ours.estate.pk]
    assert api.get("/areas", limit=2, offset=10).json()["items"] == []


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"offset": -1}])
def test_pagination_bounds(api, world, params):
    err = _error(api.get("/areas", **params), 422, "validation_error")
    assert err["field"] == next(iter(params))


def test_get_area(api, world):
    unit = world.ours.unit
    body = api.get(f"/areas/{unit.pk}").json()
    assert body["code"] == unit.code and body["path"] == unit.path and body["version"] == 1
    assert body["grid_code"] == world.ours.grid.code
    _error(api.get(f"/areas/{world.sibling.unit.pk}"), 404, "not_found")
    _error(api.get("/areas/999999"), 404, "not_found")


def test_create_area(api, world):
    parent = world.ours.community
    response = api(
        "post",
        "/areas",
        {"parent_id": parent.pk, "level": 4, "code": parent.code + "002", "name": "二网格"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    area = Area.objects.get(pk=body["id"])
    assert area.parent == parent and area.full_name == parent.full_name + "二网格"
    assert AuditLog.objects.filter(action="areas.area.created", target_id=str(area.pk)).exists()
    audit = AuditLog.objects.get(action="areas.area.created")
    assert audit.channel.startswith("token:")  # the API, through a token


def test_create_area_rule_violation_names_the_field(api, world):
    parent = world.ours.community
    before = Area.objects.count()
    err = _error(
        api(
            "post",
            "/areas",
            {"parent_id": parent.pk, "level": 5, "code": parent.code + "002", "name": "x"},
        ),
        422,
        "rule_violation",
    )
    assert err["field"] == "level"
    err = _error(
        api(
            "post",
            "/areas",
            {"parent_id": parent.pk, "level": 4, "code": world.ours.grid.code, "name": "x"},
        ),
        422,
        "rule_violation",
    )
    assert err["field"] == "code" and "已被使用" in err["message"]
    assert Area.objects.count() == before


def test_create_area_under_a_sibling_is_404(api, world):
    parent = world.sibling.community
    before = Area.objects.count()
    _error(
        api(
            "post",
            "/areas",
            {"parent_id": parent.pk, "level": 4, "code": parent.code + "002", "name": "x"},
        ),
        404,
        "not_found",
    )
    assert Area.objects.count() == before


def test_patch_area_and_optimistic_locking(api, world):
    unit = world.ours.unit
    response = api("patch", f"/areas/{unit.pk}", {"version": 1, "name": "一单元"})
    assert response.status_code == 200 and response.json()["version"] == 2
    assert response.json()["full_name"].endswith("一单元")
    err = _error(
        api("patch", f"/areas/{unit.pk}", {"version": 1, "name": "壹单元"}), 409, "conflict"
    )
    assert "已被他人修改" in err["message"]
    unit.refresh_from_db()
    assert (unit.name, unit.version) == ("一单元", 2)


def test_patch_area_geometry_set_and_clear(api, world):
    unit = world.ours.unit
    shape = {
        "type": "Polygon",
        "coordinates": [[[104.0, 30.6], [104.1, 30.6], [104.1, 30.7], [104.0, 30.6]]],
    }
    assert api("patch", f"/areas/{unit.pk}", {"version": 1, "geometry": shape}).status_code == 200
    unit.refresh_from_db()
    assert unit.geometry == shape
    assert api("patch", f"/areas/{unit.pk}", {"version": 2, "name": "1单元"}).status_code == 200
    unit.refresh_from_db()
    assert unit.geometry == shape  # omitted: unchanged
    assert api("patch", f"/areas/{unit.pk}", {"version": 2, "geometry": None}).status_code == 200
    unit.refresh_from_db()
    assert unit.geometry is None and unit.version == 3


def test_delete_area(api, world):
    building = world.ours.building
    leaf = api(
        "post",
        "/areas",
        {"parent_id": building.pk, "level": 7, "code": building.code + "02", "name": "2单元"},
    ).json()
    _error(api("delete", f"/areas/{building.pk}"), 422, "rule_violation")
    _error(api("delete", f"/areas/{leaf['id']}", version=5), 409, "conflict")
    response = api("delete", f"/areas/{leaf['id']}", version=1)
    assert response.status_code == 204
    assert not Area.objects.filter(pk=leaf["id"]).exists()


def test_a_grid_worker_may_not_change_areas(client, world):
    key = api_key(world.users["grid_worker"], name="t")
    api = Api(client, key)
    assert api.get(f"/areas/{world.ours.unit.pk}").status_code == 200
    _error(api("patch", f"/areas/{world.ours.unit.pk}", {"version": 1, "name": "x"}), 404)
    world.ours.unit.refresh_from_db()
    assert world.ours.unit.name == "1单元"


# --- households -------------------------------------------------------------------------


def test_list_households_is_scoped_and_filtered(api, world):
    body = api.get("/households").json()
    assert body["count"] == 3
    assert {h["id"] for h in body["items"]} == {h.pk for h in world.ours.households}
    assert api.get("/households", area_id=world.ours.estate.pk).json()["count"] == 3
    assert api.get("/households", status="vacant").json()["count"] == 0
    assert api.get("/households", q="201").json()["count"] == 1
    _error(api.get("/households", area_id=world.sibling.unit.pk), 404, "not_found")
    _error(api.get("/households", status="sold"), 422, "validation_error")


def test_household_crud(api, world):
    unit = world.ours.unit
    response = api(
        "post",
        "/households",
        {"area_id": unit.pk, "code": unit.code + "0401", "door_number": "401", "area_m2": "76.50"},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["address"] == "和顺花园1栋1单元401" and created["area_m2"] == "76.50"
    hid = created["id"]
    assert api.get(f"/households/{hid}").json()["code"] == unit.code + "0401"
    patched = api(
        "patch", f"/households/{hid}", {"version": 1, "status": "rented", "area_m2": None}
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["status"], patched.json()["area_m2"], patched.json()["version"]) == (
        "rented",
        None,
        2,
    )
    _error(
        api("patch", f"/households/{hid}", {"version": 1, "note": "迟到的修改"}), 409, "conflict"
    )
    assert api("delete", f"/households/{hid}", version=2).status_code == 204
    assert not Household.objects.filter(pk=hid).exists()


def test_household_create_refusals(api, world):
    unit = world.ours.unit
    err = _error(
        api(
            "post",
            "/households",
            {"area_id": unit.pk, "code": unit.code + "0401", "door_number": "101"},
        ),
        422,
        "rule_violation",
    )
    assert err["field"] == "door_number"
    sib = world.sibling.unit
    _error(
        api(
            "post",
            "/households",
            {"area_id": sib.pk, "code": sib.code + "0401", "door_number": "401"},
        ),
        404,
        "not_found",
    )
    assert Household.objects.count() == 6


@pytest.mark.parametrize("field", ["door_number", "status", "note"])
def test_household_patch_refuses_null_for_required_fields(api, world, field):
    h = world.ours.households[0]
    err = _error(api("patch", f"/households/{h.pk}", {"version": 1, field: None}), 422)
    assert err["field"] == field
    h.refresh_from_db()
    assert h.version == 1


# --- bad input: always a 4xx with a machine-readable Chinese error -------------------


BAD_AREA_BODIES = [
    pytest.param("{not json", 400, "malformed_json", None, id="malformed-json"),
    pytest.param(b'{"name": "\xff"}', 400, "malformed_json", None, id="not-utf8"),
    pytest.param("NaN", 400, "malformed_json", None, id="nan"),
    pytest.param('{"parent_id": Infinity}', 400, "malformed_json", None, id="infinity"),
    pytest.param("[]", 422, "validation_error", "parent_id", id="array"),
    pytest.param('"text"', 422, "validation_error", "parent_id", id="string"),
    pytest.param("{}", 422, "validation_error", "parent_id", id="empty-object"),
    pytest.param(
        {"parent_id": "abc", "level": 4, "code": "1", "name": "x"},
        422,
        "validation_error",
        "parent_id",
        id="id-not-int",
    ),
    pytest.param(
        {"parent_id": 10**30, "level": 4, "code": "1", "name": "x"},
        422,
        "validation_error",
        "parent_id",
        id="huge-id",
    ),
    pytest.param(
        {"parent_id": 1, "level": 99, "code": "1", "name": "x"},
        422,
        "validation_error",
        "level",
        id="unknown-level",
    ),
    pytest.param(
        {"parent_id": 1, "level": 4, "code": "12a", "name": "x"},
        422,
        "validation_error",
        "code",
        id="code-letters",
    ),
    pytest.param(
        {"parent_id": 1, "level": 4, "code": "１２", "name": "x"},
        422,
        "validation_error",
        "code",
        id="code-fullwidth",
    ),
    pytest.param(
        {"parent_id": 1, "level": 4, "code": "1", "name": "x" * 101},
        422,
        "validation_error",
        "name",
        id="name-too-long",
    ),
    pytest.param(
        {"parent_id": 1, "level": 4, "code": "1", "name": "a\u0000b"},
        422,
        "validation_error",
        "name",
        id="nul-byte",
    ),
    pytest.param(
        {"parent_id": 1, "level": 4, "code": "1", "name": ""},
        422,
        "validation_error",
        "name",
        id="empty-name",
    ),
    pytest.param(
        {"parent_id": 1, "level": 4, "code": "1", "name": {"zh": "x"}},
        422,
        "validation_error",
        "name",
        id="name-object",
    ),
]


@pytest.mark.parametrize(("body", "status", "code", "field"), BAD_AREA_BODIES)
def test_wrong_shape_bodies(api, world, body, status, code, field):
    before = Area.objects.count()
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    err = _error(api("post", "/areas", raw=raw), status, code)
    assert err["field"] == field
    if code == "validation_error":
        assert err["details"] and all(CHINESE.search(d["message"]) for d in err["details"])
    assert Area.objects.count() == before


@pytest.mark.parametrize(
    "patch",
    [
        {"version": 1, "geometry": {"type": "Circle", "coordinates": [1, 2]}},
        {"version": 1, "geometry": {"type": "Point", "coordinates": ["a\u0000", 2]}},
        {"version": 1, "geometry": "POINT(1 2)"},
        {"version": 0, "name": "x"},
        {"name": "x"},
        {"version": "one"},
    ],
)
def test_wrong_shape_patches(api, world, patch):
    unit = world.ours.unit
    _error(api("patch", f"/areas/{unit.pk}", patch), 422, "validation_error")
    unit.refresh_from_db()
    assert unit.version == 1


@pytest.mark.parametrize(
    "query",
    [
        {"q": "\x00"},
        {"q": "a\nb"},
        {"parent_id": "9" * 30},
        {"level": "x"},
        {"limit": "9" * 30},
        {"offset": "1e3"},
    ],
)
def test_wrong_query_parameters(api, world, query):
    _error(api.get("/areas", **query), 422, "validation_error")


def test_validation_message_names_the_field_in_chinese(api, world):
    err = _error(api("post", "/areas", {"level": 4, "code": "1", "name": "x"}), 422)
    assert err["field"] == "parent_id"
    assert err["message"] == "“parent_id”必须填写。"


# --- cost ----------------------------------------------------------------------------


def _queries(api, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_household_list_query_count_does_not_grow_with_rows(api, world, django_assert_num_queries):
    api.get("/households")  # the first call of a token records when it was last used
    few = _queries(api, "/households")
    for i in range(4, 31):
        make_household(world.ours.unit, f"{i:02d}01", f"{i}01")
    with django_assert_num_queries(few):
        response = api.get("/households")
    assert response.json()["count"] == 30 and len(response.json()["items"]) == 30
