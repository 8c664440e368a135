"""Rule parameters that administrators manage: every number of RULES.md on one page, a
new value from a date with its reason, never before the open month, all at once on
refusal; the set exported and imported; the same over the API."""

import json
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse

from gongzhi.core import params
from gongzhi.core.models import AuditLog, ParameterValue
from gongzhi.core.testing import api_key
from gongzhi.dues import services as dues
from gongzhi.dues.choices import DuesKind

TODAY = date(2026, 12, 6)  # a Sunday in December: the open period starts on 1 December
BRACKETS = "dues.brackets.employed"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(date(2026, 12, 6), tick=False):
        yield


@pytest.fixture
def admin(world, client_as):
    return client_as(world.users["district_admin"])


def _post(client, key, **data):
    return client.post(reverse("core:parameter_detail", args=[key]), data)


def test_every_parameter_is_listed_by_module_with_its_source(world, admin):
    page = admin.get(reverse("core:parameter_list")).content.decode()
    for key, parameter in params.registry().items():
        assert reverse("core:parameter_detail", args=[key]) in page, key
        assert str(parameter.label) in page
    assert "关于中国共产党党费收缴、使用和管理的规定" in page  # the dues brackets' source


def test_a_dues_bracket_changed_from_next_month_leaves_this_month_alone(
    world, admin, django_capture_on_commit_callbacks
):
    new = [["4000", "0.005"], [None, "0.01"]]
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            admin,
            BRACKETS,
            value=json.dumps(new),
            effective_from="2027-01-01",
            note="区委组织部2026年第9号通知",
        )
    assert response.status_code == 302
    december, january = date(2026, 12, 1), date(2027, 1, 1)
    base = Decimal("3500")
    # 3,500 yuan: 1% under the national brackets in December, 0.5% under ours from January.
    assert dues.monthly_dues(DuesKind.EMPLOYED, month=december, base=base)[0] == Decimal("35.00")
    assert dues.monthly_dues(DuesKind.EMPLOYED, month=january, base=base)[0] == Decimal("17.50")
    detail = admin.get(reverse("core:parameter_detail", args=[BRACKETS])).content.decode()
    assert "区委组织部2026年第9号通知" in detail and "待生效" in detail
    assert world.users["district_admin"].username in detail  # who set it, from the audit log
    record = AuditLog.objects.get(action="core.parameter.set")
    assert record.data["note"] == "区委组织部2026年第9号通知"


@pytest.mark.parametrize(
    ("day", "accepted"),
    [("2026-11-30", False), ("2026-12-01", True), ("2026-12-02", True)],
)
def test_the_effective_date_is_not_before_the_open_month(world, admin, day, accepted):
    response = _post(admin, "dues.arrears_warning_months", value="4", effective_from=day, note="x")
    assert (response.status_code == 302) is accepted
    assert ParameterValue.objects.exists() is accepted
    if not accepted:
        assert "不能早于2026-12-01" in response.content.decode()


def test_every_reason_is_given_at_once_and_the_input_kept(world, admin):
    response = _post(
        admin, "dues.arrears_warning_months", value="9", effective_from="2026-01-01", note=" "
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "不能大于6" in page  # the parameter's own range (1–6)
    assert "不能早于2026-12-01" in page
    assert "请填写修改依据或原因" in page
    assert 'value="9"' in page and 'value="2026-01-01"' in page
    assert not ParameterValue.objects.exists()


@pytest.mark.parametrize(("value", "ok"), [("0", False), ("1", True), ("6", True), ("7", False)])
def test_a_range_is_pinned_at_both_ends(world, value, ok):
    def call():
        params.set_parameter(
            actor=world.users["district_admin"],
            key="dues.arrears_warning_months",
            new_value=value,
            effective_from=date(2027, 1, 1),
            note="本地实践",
        )

    if ok:
        call()
    else:
        with pytest.raises(params.RuleViolation):
            call()


def test_only_parameter_administrators_reach_the_pages(world, client_as):
    secretary = client_as(world.users["secretary"])
    assert secretary.get(reverse("core:parameter_list")).status_code == 403
    assert _post(secretary, BRACKETS, value="[]", effective_from="2027-01-01").status_code == 403
    assert not ParameterValue.objects.exists()


def test_the_set_goes_out_as_a_file_and_comes_back(
    world, admin, django_capture_on_commit_callbacks
):
    actor = world.users["district_admin"]
    params.set_parameter(
        actor=actor, key=BRACKETS, new_value=[[None, "0.01"]], effective_from=date(2027, 1, 1),
        note="甲",
    )  # fmt: skip
    params.set_parameter(
        actor=actor, key="dues.redeclare_month", new_value=3, effective_from=date(2027, 1, 1),
        note="乙",
    )  # fmt: skip
    exported = admin.get(reverse("core:parameter_export"))
    assert exported["Content-Disposition"].startswith("attachment")
    data = json.loads(exported.content)
    assert {v["key"] for v in data["values"]} == {BRACKETS, "dues.redeclare_month"}
    ParameterValue.objects.all().delete()
    upload = BytesIO(json.dumps(data).encode())
    upload.name = "parameters.json"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("core:parameter_import"), {"file": upload})
    assert response.status_code == 302
    assert params.value("dues.redeclare_month", date(2027, 2, 1)) == 3
    assert ParameterValue.objects.count() == 2


def test_a_bad_file_is_refused_whole_with_every_reason(world, admin):
    data = {
        "format": params.EXPORT_FORMAT,
        "values": [
            {"key": "dues.redeclare_month", "value": 3, "effective_from": "2027-01-01"},
            {"key": "no.such.parameter", "value": 1, "effective_from": "2027-01-01"},
            {"key": "dues.redeclare_month", "value": 13, "effective_from": "2027-02-01"},
            {"key": "dues.redeclare_month", "value": 4, "effective_from": "2025-01-01"},
            {"key": "dues.redeclare_month", "value": 5, "effective_from": "2027-01-01"},
        ],
    }
    upload = BytesIO(json.dumps(data).encode())
    upload.name = "parameters.json"
    response = admin.post(reverse("core:parameter_import"), {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    for reason in (
        "第2条",
        "未知的参数",
        "第3条",
        "不能大于12",
        "第4条",
        "不能早于",
        "第5条",
        "重复",
    ):
        assert reason in page, reason
    assert "第1条" not in page
    assert not ParameterValue.objects.exists()  # not even the good first entry


@pytest.mark.parametrize("content", [b"\xff\xfe not json", b"[1, 2]", b'{"format": "x"}'])
def test_a_file_that_is_not_a_parameter_file(world, admin, content):
    upload = BytesIO(content)
    upload.name = "parameters.json"
    response = admin.post(reverse("core:parameter_import"), {"file": upload})
    assert response.status_code == 400 and not ParameterValue.objects.exists()


def test_the_api_lists_sets_and_refuses_with_every_reason(
    world, client, django_capture_on_commit_callbacks
):
    headers = {"Authorization": f"Bearer {api_key(world.users['district_admin'], name='t')}"}
    listed = client.get("/api/v1/parameters/", headers=headers).json()
    assert {p["key"] for p in listed} == set(params.registry())
    url = f"/api/v1/parameters/{BRACKETS}/values"
    body = {"value": [[None, "0.01"]], "effective_from": "2027-01-01", "note": "本地文件"}
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            url, json.dumps(body), content_type="application/json", headers=headers
        )
    assert created.status_code == 201
    assert created.json()["history"][0]["note"] == "本地文件"
    detail = client.get(f"/api/v1/parameters/{BRACKETS}", headers=headers).json()
    assert detail["next_value"] == [[None, "0.01"]]
    assert detail["next_effective_from"] == "2027-01-01"
    bad = {"value": 5, "effective_from": "2026-01-01", "note": "x"}
    refused = client.post(url, json.dumps(bad), content_type="application/json", headers=headers)
    assert refused.status_code == 422
    fields = {d["field"] for d in refused.json()["error"]["details"]}
    assert fields == {"value", "effective_from"}
    secretary = {"Authorization": f"Bearer {api_key(world.users['secretary'], name='t')}"}
    assert client.get("/api/v1/parameters/", headers=secretary).status_code == 404
    assert client.get("/api/v1/parameters/nope", headers=headers).status_code == 404
