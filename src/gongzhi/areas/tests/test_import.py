"""The area-tree import: rules, scope, modes, audit, query count and the pages."""

import io
import json

import openpyxl
import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongzhi.areas import services
from gongzhi.areas.choices import Level
from gongzhi.areas.imports import AreaImporter
from gongzhi.areas.models import Area, Household, code_to_path
from gongzhi.core.models import AuditLog

HEADERS = ["层级", "编码", "名称/门牌号", "上级编码", "居住状态", "面积(㎡)"]
OURS = "510107001001"  # 和顺社区 of the test world
SIBLING = "510107001002"  # 邻里社区, out of the secretary's scope
GRID = OURS + "002"
ESTATE = GRID + "001"
BUILDING = ESTATE + "003"
UNIT = BUILDING + "01"


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def workbook(rows, headers=HEADERS) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "constant_memory": True})
    sheet = book.add_worksheet("区域")
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write_string(r, c, str(value))
    book.close()
    return buffer.getvalue()


def run(user, rows, *, partial=False, name="区域.xlsx"):
    upload = SimpleUploadedFile(name, workbook(rows))
    return AreaImporter(actor=user).run(upload, partial=partial)


def subtree_rows():
    """A new grid with an estate, a building, a unit and households — children first."""
    return [
        ["户", UNIT + "0102", "102", UNIT, "出租", "76.5"],
        ["户", UNIT + "0101", "101", UNIT],
        ["户", ESTATE + "0001", "平房1号", ESTATE, "空置"],
        ["单元", UNIT, "1单元", BUILDING],
        ["楼栋", BUILDING, "3栋", ESTATE],
        ["小区", ESTATE, "幸福园", GRID],
        ["网格", GRID, "和顺第2网格", OURS],
    ]


def errors_of(result):
    return [(e.row, e.column, e.reason) for e in result.errors]


# --- Writes -------------------------------------------------------------------------


def test_subtree_in_any_order_gets_the_paths_names_and_addresses_of_the_services(world):
    secretary = world.users["secretary"]
    result = run(secretary, subtree_rows())
    assert result.ok, result.errors
    assert result.written == 7 and result.detail == {"areas": 4, "households": 3}

    grid = Area.objects.get(code=GRID)
    assert grid.parent == world.ours.community and grid.level == Level.GRID
    assert grid.path == code_to_path(GRID) == "/510107/001/001/002/"
    assert grid.full_name == "武侯区锦华街道和顺社区和顺第2网格"
    unit = Area.objects.get(code=UNIT)
    assert unit.parent.code == BUILDING and unit.parent.parent.code == ESTATE
    assert unit.full_name == "武侯区锦华街道和顺社区和顺第2网格幸福园3栋1单元"

    # The same unit gets one more household through the one-by-one service: alike.
    by_hand = services.create_household(
        actor=secretary, area=unit, code=UNIT + "0103", door_number="103"
    )
    h101 = Household.objects.get(code=UNIT + "0101")
    assert h101.area == unit and h101.door_number == "101" and h101.status == "occupied"
    assert h101.address == by_hand.address.replace("103", "101") == "幸福园3栋1单元101"
    assert h101.path == by_hand.path.replace("0103", "0101") == unit.path + "0101/"
    h102 = Household.objects.get(code=UNIT + "0102")
    assert h102.status == "rented" and str(h102.area_m2) == "76.50"
    courtyard = Household.objects.get(code=ESTATE + "0001")
    assert courtyard.address == "幸福园平房1号" and courtyard.status == "vacant"
    assert courtyard.path == Area.objects.get(code=ESTATE).path + "0001/"


def test_street_admin_may_import_under_any_community_of_the_street(world):
    rows = [["网格", SIBLING + "005", "邻里第5网格", SIBLING]]
    result = run(world.users["street_admin"], rows)
    assert result.ok and Area.objects.filter(code=SIBLING + "005").exists()


# --- Refusals: nothing written ---------------------------------------------------------


def test_duplicate_code_within_the_file(world):
    rows = [
        ["网格", GRID, "甲网格", OURS],
        ["网格", GRID, "乙网格", OURS],
    ]
    result = run(world.users["secretary"], rows)
    assert errors_of(result) == [(3, "编码", f"编码“{GRID}”与第2行重复。")]
    assert not Area.objects.filter(code=GRID).exists()


def test_duplicate_with_an_existing_code(world):
    existing_grid = world.ours.grid.code
    existing_household = world.ours.households[0].code
    rows = [
        ["网格", existing_grid, "重名网格", OURS],
        ["户", existing_household, "901", world.ours.unit.code],
        ["户", world.ours.unit.code + "0909", "101", world.ours.unit.code],  # door 101 is taken
        ["户", world.ours.unit.code + "0910", "909", world.ours.unit.code],
        ["户", world.ours.unit.code + "0911", "909", world.ours.unit.code],  # door again
    ]
    result = run(world.users["secretary"], rows)
    assert errors_of(result) == [
        (2, "编码", f"编码“{existing_grid}”已被使用。"),
        (3, "编码", f"编码“{existing_household}”已被使用。"),
        (4, "名称/门牌号", "该楼栋/单元已有门牌号“101”。"),
        (6, "名称/门牌号", "该楼栋/单元已有门牌号“909”。"),
    ]
    assert result.written == 0
    assert not Household.objects.filter(code=world.ours.unit.code + "0910").exists()


def test_cyclic_parent_references_are_named(world):
    a, b, c = GRID + "001", GRID + "002", GRID + "003"
    rows = [
        ["小区", a, "甲", b],
        ["小区", b, "乙", a],
        ["小区", c, "丙", c],  # its own parent
        ["楼栋", a + "001", "1栋", a],  # hangs under the cycle
        ["网格", GRID, "网格", OURS],  # fine on its own
    ]
    result = run(world.users["secretary"], rows)
    assert errors_of(result) == [
        (2, "上级编码", "上级编码形成循环。"),
        (3, "上级编码", "上级编码形成循环。"),
        (4, "上级编码", "上级编码形成循环。"),
        (5, "上级编码", f"上级编码“{a}”所在的第2行有误。"),
    ]
    assert result.written == 0 and not Area.objects.filter(code=GRID).exists()


def test_parent_in_sibling_community_answers_like_an_unknown_one(world):
    rows = [
        ["网格", SIBLING + "005", "越界网格", SIBLING],
        ["网格", "510107001009005", "无主网格", "510107001009"],
    ]
    result = run(world.users["secretary"], rows)
    assert errors_of(result) == [
        (2, "上级编码", f"上级编码“{SIBLING}”不存在或不在您的管理范围内。"),
        (3, "上级编码", "上级编码“510107001009”不存在或不在您的管理范围内。"),
    ]
    assert not Area.objects.filter(code=SIBLING + "005").exists()


def test_existing_code_out_of_scope_is_not_revealed(world):
    """A node of the sibling community, re-declared under it: only "unknown parent"."""
    rows = [["小区", world.sibling.estate.code, "探测", world.sibling.grid.code]]
    result = run(world.users["secretary"], rows)
    assert [e.reason for e in result.errors] == [
        f"上级编码“{world.sibling.grid.code}”不存在或不在您的管理范围内。"
    ]


def test_wrong_level_and_wrong_code_shape(world):
    rows = [
        ["楼栋", OURS + "003", "楼", OURS],  # a building under a community
        ["网格", OURS + "03", "短", OURS],  # two digits where three are due
        ["网格", "510107001003004", "他处", OURS],  # does not start with the parent code
        ["户", world.ours.grid.code + "0001", "1", world.ours.grid.code],  # household under a grid
        ["户", world.ours.unit.code + "01", "1", world.ours.unit.code],  # 2 digits, not 4
        ["单元", world.ours.building.code + "02", "2单元", world.ours.households[0].code],
        ["区", "510108", "另一个区", "510107"],
    ]
    result = run(world.users["secretary"], rows)
    assert errors_of(result) == [
        (2, "层级", "“楼栋”不能建在“社区”之下。"),
        (3, "编码", f"编码应为上级编码“{OURS}”后加3位数字。"),
        (4, "编码", f"编码应为上级编码“{OURS}”后加3位数字。"),
        (5, "上级编码", "住户只能建在小区/院落、楼栋或单元之下。"),
        (6, "编码", f"编码应为上级编码“{world.ours.unit.code}”后加4位数字。"),
        (7, "上级编码", f"上级编码“{world.ours.households[0].code}”不存在或不在您的管理范围内。"),
        (8, "层级", "应为以下之一：街道、社区、网格、小区/院落、楼栋、单元、户。"),
        (8, "编码", "应为9至27位数字。"),
    ]


def test_household_under_a_household_row_and_fields_only_households_have(world):
    unit = world.ours.unit.code
    rows = [
        ["户", unit + "0901", "901", unit],
        ["户", unit + "0902", "902", unit + "0901"],
        ["网格", GRID, "网格", OURS, "出租"],
        ["户", unit + "0903", "903", unit, "搬走了"],
    ]
    result = run(world.users["secretary"], rows)
    assert errors_of(result) == [
        (3, "上级编码", f"上级编码“{unit}0901”是住户，不能作为上级。"),
        (4, "居住状态", "只有“户”可以填写居住状态和面积。"),
        (5, "居住状态", "应为以下之一：自住、出租、空置。"),
    ]


def test_all_or_nothing_writes_nothing_when_one_of_n_rows_is_bad(world):
    rows = [*subtree_rows(), ["户", UNIT + "0199", "", UNIT]]  # no door number
    before = (Area.objects.count(), Household.objects.count())
    result = run(world.users["secretary"], rows)
    assert errors_of(result) == [(9, "名称/门牌号", "必填，不能为空。")]
    assert result.written == 0 and result.total == 8
    assert (Area.objects.count(), Household.objects.count()) == before


def test_partial_mode_writes_good_rows_and_returns_exactly_the_bad_ones(world):
    rows = [
        *subtree_rows(),  # rows 2–8, all fine
        ["楼栋", ESTATE + "004", '=HYPERLINK("http://evil")', "5101070010010020019"],
        ["单元", ESTATE + "00401", "1单元", ESTATE + "004"],  # its parent row is bad
        ["户", UNIT + "0101", "@101", UNIT],  # code repeats row 3
    ]
    result = run(world.users["secretary"], rows, partial=True)
    assert result.written == 7
    assert result.failed_rows == [9, 10, 11]
    assert Household.objects.filter(code=UNIT + "0101", door_number="101").exists()
    assert not Area.objects.filter(code=ESTATE + "004").exists()

    sheet = openpyxl.load_workbook(io.BytesIO(result.error_workbook_bytes())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == [*HEADERS, "错误原因"]
    assert [v[:4] for v in values[1:]] == [
        ["楼栋", ESTATE + "004", '=HYPERLINK("http://evil")', "5101070010010020019"],
        ["单元", ESTATE + "00401", "1单元", ESTATE + "004"],
        ["户", UNIT + "0101", "@101", UNIT],
    ]
    assert (
        values[1][6] == "第9行：上级编码：上级编码“5101070010010020019”不存在或不在您的管理范围内。"
    )
    assert values[2][6] == f"第10行：上级编码：上级编码“{ESTATE}004”所在的第9行有误。"
    assert values[3][6] == f"第11行：编码：编码“{UNIT}0101”与第3行重复。"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


# --- Audit -----------------------------------------------------------------------------


def test_import_is_audited_once_with_counts_and_no_personal_data(world):
    result = run(world.users["secretary"], subtree_rows(), name="和顺网格.xlsx")
    assert result.ok
    records = AuditLog.objects.filter(action__startswith="areas.")
    assert [r.action for r in records] == ["areas.import.completed"]
    record = records.get()
    assert record.username == "sj" and record.result == "success"
    assert record.data == {
        "file": "和顺网格.xlsx",
        "mode": "all",
        "rows_total": 7,
        "rows_written": 7,
        "rows_failed": 0,
        "areas": 4,
        "households": 3,
    }
    text = json.dumps(record.data, ensure_ascii=False)
    assert "幸福园" not in text and "平房1号" not in text and UNIT not in text


def test_refused_import_is_audited_as_a_failure(world):
    run(world.users["secretary"], [["网格", GRID, "网格", SIBLING]], partial=True)
    record = AuditLog.objects.get(action="areas.import.rejected")
    assert record.result == "failure"
    assert record.data["rows_failed"] == 1 and record.data["rows_written"] == 0
    assert record.data["mode"] == "partial"
    assert not AuditLog.objects.filter(action="areas.import.completed").exists()


# --- Queries -----------------------------------------------------------------------------


def test_five_thousand_households_take_a_bounded_number_of_queries(
    world, django_assert_max_num_queries
):
    unit = world.ours.unit
    rows = [["户", f"{unit.code}{i:04d}", f"{i}号", unit.code] for i in range(1000, 6000)]
    upload = SimpleUploadedFile("big.xlsx", workbook(rows))
    importer = AreaImporter(actor=world.users["secretary"])
    # SQLite inserts ~90 households a statement (999 variables): ~56 inserts for 5,000
    # rows, plus a handful of bulk lookups; one query per row would be 5,000+.
    with django_assert_max_num_queries(90):
        result = importer.run(upload)
    assert result.ok and result.written == 5000
    assert Household.objects.filter(area=unit).count() == 5003


# --- Pages -------------------------------------------------------------------------------


def test_page_flow_template_upload_result_and_error_file(world, client_as, client):
    secretary = world.users["secretary"]
    client_as(secretary)
    page = client.get(reverse("areas:import"))
    assert page.status_code == 200
    body = page.content.decode()
    assert reverse("areas:import_template") in body and "只写入无误的行" in body
    assert "区域导入" in body  # the navigation item

    template = client.get(reverse("areas:import_template"))
    assert template.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(template.streaming_content)))
    assert book.sheetnames == ["区域", "填写说明"]
    sheet = book["区域"]
    assert [c.value for c in sheet[1]] == HEADERS
    for row in subtree_rows():
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("模板已填.xlsx", buffer.getvalue())
    response = client.post(reverse("areas:import"), {"file": upload})
    assert response.status_code == 302
    result_page = client.get(response["Location"])
    assert "全部导入成功，共写入 7 行" in result_page.content.decode()
    assert Household.objects.filter(code=UNIT + "0101").exists()

    bad = SimpleUploadedFile(
        "bad.xlsx", workbook([["网格", OURS + "009", "好", OURS], ["网格", "1", "坏", OURS]])
    )
    response = client.post(reverse("areas:import"), {"file": bad, "partial": "on"})
    key = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    result_page = client.get(response["Location"]).content.decode()
    assert "已写入无误的 1 行" in result_page
    assert "应为9至27位数字。" in result_page
    errors = client.get(reverse("areas:import_errors", args=[key]))
    assert errors.status_code == 200
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(errors.streaming_content))).active.values
    )
    assert rows[1][:4] == ("网格", "1", "坏", OURS)

    # Another user's session knows nothing of this result.
    client.logout()
    client_as(world.users["street_admin"])
    assert client.get(response["Location"]).status_code == 404
    assert client.get(reverse("areas:import_errors", args=[key])).status_code == 404


def test_refused_file_shows_its_reason_on_the_result_page(world, client_as, client):
    client_as(world.users["secretary"])
    png = SimpleUploadedFile("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    response = client.post(reverse("areas:import"), {"file": png})
    page = client.get(response["Location"]).content.decode()
    assert "文件未导入" in page and "不是有效的 Excel 文件" in page
    assert "下载错误文件" not in page


def test_upload_without_a_file_keeps_the_form(world, client_as, client):
    client_as(world.users["secretary"])
    response = client.post(reverse("areas:import"), {})
    assert response.status_code == 400
    assert "这个字段是必填项" in response.content.decode()


def test_users_without_area_change_rights_cannot_import(world, client_as, client):
    client_as(world.users["grid_worker"])
    assert client.get(reverse("areas:import")).status_code == 403
    assert client.get(reverse("areas:import_template")).status_code == 403
    upload = SimpleUploadedFile("x.xlsx", workbook([["网格", GRID, "网格", OURS]]))
    assert client.post(reverse("areas:import"), {"file": upload}).status_code == 403
    assert not Area.objects.filter(code=GRID).exists()
    assert "区域导入" not in client.get(reverse("core:workbench")).content.decode()


def test_import_result_key_must_look_like_one(world, client_as, client):
    client_as(world.users["secretary"])
    assert client.get(reverse("areas:import_result", args=["etc"])).status_code == 404
    unknown = "A" * 24  # well formed, but not a result of this session
    assert client.get(reverse("areas:import_result", args=[unknown])).status_code == 404
    assert client.get(reverse("areas:import_errors", args=[unknown])).status_code == 404


def test_a_large_file_is_imported_by_the_worker_while_the_page_waits(
    world, client_as, client, settings, django_capture_on_commit_callbacks
):
    settings.GONGZHI_IMPORT_BACKGROUND_BYTES = 1  # every file is "large"
    client_as(world.users["secretary"])
    upload = SimpleUploadedFile("大文件.xlsx", workbook([["网格", GRID, "第2网格", OURS]]))
    response = client.post(reverse("areas:import"), {"file": upload})  # not yet committed
    assert response.status_code == 302
    key = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    kept = list((settings.VAR_DIR / "imports").glob(f"{key}.upload"))
    assert kept and b"\xe7\xac\xac2" not in kept[0].read_bytes()  # kept encrypted
    waiting = client.get(response["Location"]).content.decode()
    assert "正在后台导入" in waiting and 'hx-trigger="every 1s"' in waiting
    assert not Area.objects.filter(code=GRID).exists()
    # The worker's turn (the task runs when the request's transaction commits).
    from gongzhi.core import tasks

    importer = "gongzhi.areas.imports.AreaImporter"
    with django_capture_on_commit_callbacks(execute=True):
        tasks.run_import(key, importer, world.users["secretary"].pk, False, "大文件.xlsx")
    assert Area.objects.filter(code=GRID).exists()
    assert not list((settings.VAR_DIR / "imports").glob(f"{key}.upload"))  # dropped
    fragment = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "导入已完成" in fragment and "hx-trigger" not in fragment
    assert "全部导入成功，共写入 1 行" in client.get(response["Location"]).content.decode()
    # Run again (a retry, a second worker): nothing more happens.
    tasks.run_import(key, importer, world.users["secretary"].pk, False, "大文件.xlsx")
    assert Area.objects.filter(code=GRID).count() == 1
    # Nobody else's session knows the key, waiting or done.
    client.logout()
    client_as(world.users["street_admin"])
    assert client.get(response["Location"]).status_code == 404


def test_a_large_import_enqueued_on_commit_runs_in_the_worker(
    world, client_as, client, settings, django_capture_on_commit_callbacks
):
    settings.GONGZHI_IMPORT_BACKGROUND_BYTES = 1
    client_as(world.users["secretary"])
    upload = SimpleUploadedFile("大文件.xlsx", workbook([["网格", GRID, "第2网格", OURS]]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("areas:import"), {"file": upload})
    assert Area.objects.filter(code=GRID).exists()
    assert "全部导入成功" in client.get(response["Location"]).content.decode()
