"""Issue 13, defects 3, 4 and 11 in the resident registry: the relation has no default,
a household has one 户主, dates that have happened are not in the future, lists say
是/否, and a form or an import row reports every error at once."""

import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
import xlsxwriter
from django.urls import reverse

from gongzhi.core.errors import RuleViolation
from gongzhi.party.testing import id_number
from gongzhi.residents import services
from gongzhi.residents.imports import ResidentImporter
from gongzhi.residents.models import Resident
from gongzhi.residents.testing import build_residents

pytestmark = [pytest.mark.django_db]
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
API = "/api/v1"
HEADERS = [str(c.header) for c in ResidentImporter.columns]
VALID_ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people(world):
    return build_residents(world)


def _form(**values):
    return {
        "name": "王五",
        "id_number": VALID_ID,
        "ethnicity": "汉族",
        "political_status": "masses",
        "permit": "none",
        **values,
    }


def _errors_of(response, field: str) -> str:
    """The errors shown at ``field`` (each one is on the page too)."""
    errors = response.context["form"].errors.get(field, [])
    page = response.content.decode()
    assert all(str(e) in page for e in errors)
    return " ".join(str(e) for e in errors)


def _workbook(rows) -> io.BytesIO:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADERS)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, [row.get(h, "") for h in HEADERS])
    book.close()
    buffer.seek(0)
    buffer.name = "census.xlsx"
    return buffer


def _row(door="101", **extra):
    return {
        "社区": "和顺社区",
        "网格": "和顺第1网格",
        "小区/院落": "和顺花园",
        "楼栋": "1栋",
        "单元": "1单元",
        "门牌号": door,
        "姓名": "新居民",
        "身份证号": id_number(date(1980, 1, 1), 7),
        "联系电话": "13812345678",
        "与户主关系": "子女",
        **extra,
    }


def _import(world, rows):
    return ResidentImporter(actor=world.users["staff"]).run(_workbook(rows), partial=False)


# --- Defect 3: the relation ------------------------------------------------------------


def test_register_form_preselects_no_relation(world, client_as):
    """Issue 13 defect 3: the register form defaulted the relation to 户主."""
    household = world.ours.households[2]
    page = (
        client_as(world.users["staff"])
        .get(reverse("residents:register", args=[household.pk]))
        .content.decode()
    )
    select = re.search(r'<select name="relation".*?</select>', page, re.S).group(0)
    assert "selected" not in select.split('value="head"')[1].split(">")[0]
    assert re.search(r'<option value=""[^>]*selected', select)
    # The date pickers of what has happened stop at today.
    assert (
        len(re.findall(r'type="date"[^>]*max="2026-06-15"|max="2026-06-15"[^>]*type="date"', page))
        == 2
    )
    response = client_as(world.users["staff"]).post(
        reverse("residents:register", args=[household.pk]), _form()
    )
    assert response.status_code == 400
    assert not Resident.objects.filter(name="王五").exists()


def test_a_second_head_is_refused_by_page_api_and_import(world, people, client_as):
    """Issue 13 defect 3: a household silently got several heads of household."""
    household = people["head"].household  # 张小明 is its 户主
    client = client_as(world.users["staff"])
    page = client.post(reverse("residents:register", args=[household.pk]), _form(relation="head"))
    assert page.status_code == 400
    assert "一户只能有一名户主" in _errors_of(page, "relation")
    api = client.post(
        f"{API}/residents",
        {"household_id": household.pk, "name": "王五", "id_number": VALID_ID, "relation": "head"},
        content_type="application/json",
    )
    assert api.status_code == 422 and api.json()["error"]["field"] == "relation"
    result = _import(world, [_row(**{"与户主关系": "户主"})])
    assert [(e.column, "一户只能有一名户主" in e.reason) for e in result.errors] == [
        ("与户主关系", True)
    ]
    # Two heads of one household in one file: the second row is refused.
    result = _import(
        world,
        [
            _row("201", **{"与户主关系": "户主", "姓名": "甲"}),
            _row(
                "201",
                **{"与户主关系": "户主", "姓名": "乙", "身份证号": id_number(date(1981, 1, 1), 9)},
            ),
        ],
    )
    assert [e.row for e in result.errors] == [3] and result.written == 0
    assert Resident.objects.filter(household=household, relation="head").count() == 1


def test_an_edit_or_move_cannot_make_a_second_head(world, people):
    """Issue 13 defect 3: the rule holds for every write, not only registration."""
    child, staff = people["child"], world.users["staff"]
    with pytest.raises(RuleViolation) as exc:
        services.update_resident(child, actor=staff, version=child.version, relation="head")
    assert exc.value.field == "relation"
    tenant = people["tenant"]
    with pytest.raises(RuleViolation) as exc:
        services.move_to(
            tenant,
            actor=staff,
            version=tenant.version,
            household=child.household,
            on=date(2026, 6, 1),
            relation="head",
        )
    assert exc.value.field == "relation"
    # Moving the head out frees the place.
    head = people["head"]
    services.move_out(head, actor=staff, version=head.version, on=date(2026, 6, 1))
    child.refresh_from_db()
    services.update_resident(child, actor=staff, version=child.version, relation="head")


# --- Defect 3: dates that have happened ------------------------------------------------


@pytest.mark.parametrize("field", ["arrived_on", "moved_in_on"])
def test_future_arrival_and_move_in_are_refused_everywhere(world, client_as, field):
    """Issue 13 defect 3: future arrival and move-in dates were accepted."""
    household = world.ours.households[2]
    client = client_as(world.users["staff"])
    page = client.post(
        reverse("residents:register", args=[household.pk]),
        _form(relation="head", **{field: "2026-06-16"}),
    )
    assert page.status_code == 400
    assert "晚于今天" in _errors_of(page, field)
    api = client.post(
        f"{API}/residents",
        {
            "household_id": household.pk,
            "name": "王五",
            "id_number": VALID_ID,
            "relation": "head",
            field: "2026-06-16",
        },
        content_type="application/json",
    )
    assert api.status_code == 422 and api.json()["error"]["field"] == field
    header = {"arrived_on": "来本地日期", "moved_in_on": "迁入日期"}[field]
    result = _import(world, [_row(**{header: "2026-06-16"})])
    assert [(e.column, "晚于今天" in e.reason) for e in result.errors] == [(header, True)]
    assert not Resident.objects.exists()


def test_future_move_dates_are_refused(world, people, client_as):
    """Issue 13 defect 3: the move-out and household-change forms took future dates."""
    child, client = people["child"], client_as(world.users["staff"])
    for name, data in (
        ("move_out", {"version": child.version, "on": "2026-07-01"}),
        (
            "move_to",
            {
                "version": child.version,
                "household": world.ours.households[2].code,
                "relation": "other",
                "on": "2026-07-01",
            },
        ),
    ):
        page = client.post(reverse(f"residents:{name}", args=[child.pk]), data)
        assert page.status_code == 400
        assert "晚于今天" in _errors_of(page, "on")
    child.refresh_from_db()
    assert child.present and child.household_id == world.ours.households[0].pk


# --- Defect 4: booleans ----------------------------------------------------------------


@pytest.mark.parametrize("url", ["residents:list", "residents:floating"])
def test_lists_and_exports_say_yes_or_no(world, people, client_as, url):
    """Issue 13 defect 4: the resident lists showed True/False."""
    client = client_as(world.users["staff"])
    page = client.get(reverse(url)).content.decode()
    cells = re.findall(r"<td>(.*?)</td>", page)
    assert "True" not in cells and "False" not in cells
    assert "是" in cells
    book = openpyxl.load_workbook(
        io.BytesIO(b"".join(client.get(reverse(url) + "?export=xlsx").streaming_content))
    )
    values = {c for row in book.active.iter_rows(values_only=True) for c in row}
    assert "是" in values and not values & {True, False, "True", "False"}


# --- Defect 11: every error at once ----------------------------------------------------


def test_register_shows_the_id_and_the_phone_errors_together(world, client_as):
    """Issue 13 defect 11: the ID-number error was hidden behind the phone error."""
    household = world.ours.households[2]
    page = client_as(world.users["staff"]).post(
        reverse("residents:register", args=[household.pk]),
        _form(relation="head", id_number="110105194912310021", phone="12345", origin=""),
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "校验位" in _errors_of(page, "id_number")
    assert "电话号码格式不正确" in _errors_of(page, "phone")
    assert 'value="12345"' in html and 'value="110105194912310021"' in html  # input kept
    assert not Resident.objects.exists()


def test_an_import_row_lists_every_bad_cell(world):
    """Issue 13 defect 11: the import reported one error per row."""
    result = _import(
        world,
        [
            _row(**{"身份证号": "110105194912310021", "联系电话": "12345"}),
            _row(
                **{"身份证号": "110105194912310021", "迁入日期": "不是日期", "是否流动人口": "是"}
            ),
        ],
    )
    by_row = {}
    for error in result.errors:
        by_row.setdefault(error.row, set()).add(error.column)
    assert by_row == {2: {"身份证号", "联系电话"}, 3: {"身份证号", "迁入日期", "来源地"}}
    assert not Resident.objects.exists()


def test_rental_and_household_services_report_every_refusal(world):
    """Issue 13 defect 11: services stopped at their first refusal."""
    from gongzhi.areas import services as area_services
    from gongzhi.core.errors import RuleViolations

    staff = world.users["district_admin"]
    with pytest.raises(RuleViolations) as exc:
        services.save_rental(
            actor=staff,
            household=world.ours.households[0],
            landlord_name=" ",
            landlord_phone="12345",
            starts_on=date(2026, 6, 1),
            ends_on=date(2026, 5, 1),
        )
    assert {e.field for e in exc.value.errors} == {"landlord_name", "landlord_phone", "ends_on"}
    with pytest.raises(RuleViolations) as exc:
        area_services.create_household(
            actor=staff, area=world.ours.unit, code="123", door_number="101"
        )
    assert {e.field for e in exc.value.errors} == {"code", "door_number"}


def test_register_shows_form_and_rule_errors_in_one_submit(world, client_as):
    """Issue 13 defect 11: a form error (no relation chosen) hid the rules' errors (ID
    number, phone, a future date) until the next submit."""
    household = world.ours.households[2]
    page = client_as(world.users["staff"]).post(
        reverse("residents:register", args=[household.pk]),
        _form(id_number="110105194912310021", phone="12345", arrived_on="2026-07-01"),
    )
    assert page.status_code == 400
    assert set(page.context["form"].errors) == {"relation", "id_number", "phone", "arrived_on"}
    assert "校验位" in _errors_of(page, "id_number")
    assert "晚于今天" in _errors_of(page, "arrived_on")
