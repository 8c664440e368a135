"""The member import: the rules of registering one member applied to every row, scope,
all-or-nothing and only-valid-rows modes, audit, query count and the pages."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.core.models import AuditLog
from gongzhi.core.pii import EXAMPLE_ID_NUMBER as EXAMPLE_ID
from gongzhi.party import services
from gongzhi.party.choices import Category, EventKind, MemberStatus, OrgType
from gongzhi.party.imports import MemberImporter
from gongzhi.party.models import Member
from gongzhi.party.testing import add_member, id_number

HEADERS = ["姓名", "身份证号", "手机号", "党员状态", "党员类别", "所在党支部"]
HEADERS += ["申请入党日期", "入党日期", "转正日期", "学历", "特长技能"]
BRANCH = "和顺社区第一党支部"


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    moment = datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=False):
        yield


def workbook(rows, headers=HEADERS) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False})
    sheet = book.add_worksheet("党员")
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write_string(r, c, str(value))
    book.close()
    return buffer.getvalue()


def run(user, rows, *, partial=False):
    upload = SimpleUploadedFile("党员.xlsx", workbook(rows))
    return MemberImporter(actor=user).run(upload, partial=partial)


def row(name, serial, *, birth=date(1980, 5, 6), branch=BRANCH, **kw):
    values = {
        "phone": "13800001111",
        "status": "正式党员",
        "category": "自管党员",
        "applied_on": "2005-03-01",
        "admitted_on": "2006-07-01",
        "converted_on": "2007-07-01",
        "education": "本科",
        "skills": "法律咨询",
    }
    values.update(kw)
    return [
        name,
        values.get("id_number") or id_number(birth, serial),
        values["phone"],
        values["status"],
        values["category"],
        branch,
        values["applied_on"],
        values["admitted_on"],
        values["converted_on"],
        values["education"],
        values["skills"],
    ]


def errors_of(result):
    return [(e.row, e.column, e.reason) for e in result.errors]


def test_valid_file_registers_every_member(world, party):
    secretary = world.users["secretary"]
    result = run(
        secretary,
        [
            row("甲", 1),
            row("乙", 2, category="流动", status="预备", converted_on=""),
            row("丙", 3, branch=str(party.ours_grid_branch.pk)),
        ],
    )
    assert result.ok, result.errors
    assert result.written == 3
    members = {m.name: m for m in Member.objects.all()}
    assert members["乙"].category == Category.FLOATING
    assert members["乙"].status == MemberStatus.PROBATIONARY
    assert members["丙"].organization == party.ours_grid_branch
    assert members["甲"].id_number_full() == id_number(date(1980, 5, 6), 1)
    assert members["甲"].id_number_hash and members["甲"].id_tail
    assert members["甲"].last_contact_on == date(2026, 6, 1)
    assert all(m.events.get().kind == EventKind.REGISTERED for m in members.values())
    record = AuditLog.objects.get(action="party.member.imported")
    assert record.data["rows_written"] == 3 and record.data["file"] == "党员.xlsx"


def test_each_rule_of_registration_applies_to_rows_and_nothing_is_written(world, party):
    secretary = world.users["secretary"]
    add_member(secretary, party.ours_branch, "在册者", serial=9)
    good = id_number(date(1980, 5, 6), 2)
    bad_check = good[:-1] + ("1" if good.endswith("0") else "0")
    result = run(
        secretary,
        [
            row("甲", 1),  # row 2: valid
            row("乙", 2, id_number=bad_check),  # 3
            row("丙", 3, birth=date(1988, 3, 2), applied_on="2006-03-01"),  # 4: 17 on applying
            row("丁", 4, admitted_on="2005-01-01"),  # 5: admitted before applying
            row("戊", 5, branch="邻里社区党支部"),  # 6: the sibling's branch
            row("己", 9),  # 7: already on the rolls
            row("庚", 6, id_number=id_number(date(1980, 5, 6), 1)),  # 8: same as row 2
            row("辛", 7, converted_on=""),  # 9: full without conversion
            row("壬", 8, category="荣誉党员"),  # 10: a cell the parser refuses
        ],
    )
    assert result.written == 0 and Member.objects.count() == 1
    errors = errors_of(result)
    assert (3, "身份证号", "身份证号校验位不正确，请核对。") in errors
    assert any(e[:2] == (4, "申请入党日期") and "年满18周岁" in e[2] for e in errors)
    assert (5, "入党日期", "入党日期不能早于申请入党日期。") in errors
    assert any(e[:2] == (6, "所在党支部") and "不在您的管理范围内" in e[2] for e in errors)
    assert any(e[:2] == (7, "身份证号") and "已有在册党员档案" in e[2] for e in errors)
    assert any(e[:2] == (8, "身份证号") and "第2行" in e[2] for e in errors)
    assert (9, "转正日期", "正式党员须填写转正日期。") in errors
    assert any(e[:2] == (10, "党员类别") for e in errors)
    assert 2 not in {e[0] for e in errors}
    assert AuditLog.objects.filter(action="party.member.import.rejected").exists()


def test_only_valid_rows_mode_writes_them_and_returns_the_rest(world, party):
    secretary = world.users["secretary"]
    result = run(
        secretary,
        [row("甲", 1), row("乙", 2, admitted_on="2005-01-01"), row("丙", 3)],
        partial=True,
    )
    assert result.written == 2 and result.failed_rows == [3]
    assert set(Member.objects.values_list("name", flat=True)) == {"甲", "丙"}
    book = openpyxl.load_workbook(io.BytesIO(result.error_workbook_bytes()))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][0] == "乙" and "入党日期不能早于申请入党日期" in rows[1][-1]


def test_a_branch_name_used_twice_in_scope_must_be_given_by_id(world, party):
    services.create_organization(
        actor=world.users["district_admin"],
        parent=party.sibling_committee,
        name=BRANCH,  # the sibling community also has a "和顺社区第一党支部"
        org_type=OrgType.BRANCH,
        area=world.sibling.community,
    )
    street = run(world.users["street_admin"], [row("甲", 1)])
    assert "请填写党支部编号" in errors_of(street)[0][2]
    # The secretary sees only one of them: the name is enough.
    assert run(world.users["secretary"], [row("甲", 1)]).written == 1
    assert Member.objects.get().organization == party.ours_branch


def test_a_role_without_member_rights_imports_nothing(world, party):
    result = run(world.users["grid_worker"], [row("甲", 1)])
    assert result.written == 0 and result.refused
    assert not Member.objects.exists()


def test_no_query_per_row(world, party):
    secretary = world.users["secretary"]

    def queries(first, count):
        rows = [row(f"人{i}", i) for i in range(first, first + count)]
        with CaptureQueriesContext(connection) as ctx:
            result = run(secretary, rows)
        assert result.written == count, result.errors
        return len(ctx.captured_queries)

    # The first import loads the user's role grants (cached on the user for later calls);
    # 20 rows still fit in one SQLite insert batch (999 parameters).
    queries(1, 1)
    assert queries(10, 5) == queries(20, 20)


def test_template_has_the_columns_and_a_skipped_example(world, party):
    template = MemberImporter(actor=world.users["secretary"]).template()
    sheet = openpyxl.load_workbook(io.BytesIO(template))["党员"]
    headers = [c.value for c in sheet[1]]
    assert headers[:6] == HEADERS[:6] and "特长技能" in headers
    assert sheet.cell(2, 2).value == EXAMPLE_ID
    # The template itself imports as "no data rows": its example is skipped.
    result = MemberImporter(actor=world.users["secretary"]).run(
        SimpleUploadedFile("模板.xlsx", template)
    )
    assert result.refused_code == "no_rows" and not Member.objects.exists()


def test_import_pages(world, party, client_as):
    client = client_as(world.users["secretary"])
    page = client.get(reverse("party:member_import"))
    assert page.status_code == 200 and "所在党支部" in page.content.decode()
    template = client.get(reverse("party:member_import_template"))
    assert template.status_code == 200
    upload = SimpleUploadedFile("党员.xlsx", workbook([row("甲", 1), row("乙", 1)]))
    response = client.post(reverse("party:member_import"), {"file": upload})
    assert response.status_code == 302
    result = client.get(response.url).content.decode()
    assert "未写入任何数据" in result and "与第2行重复" in result
    errors = client.get(response.url + "errors/")
    assert errors.status_code == 200
    upload = SimpleUploadedFile("党员.xlsx", workbook([row("甲", 1)]))
    response = client.post(reverse("party:member_import"), {"file": upload})
    assert "全部导入成功" in client.get(response.url).content.decode()
    assert Member.objects.get().name == "甲"
    listing = client.get(reverse("party:member_list")).content.decode()
    assert reverse("party:member_import") in listing
    assert (
        client_as(world.users["grid_worker"]).get(reverse("party:member_import")).status_code == 403
    )


def test_a_row_lists_every_bad_value_at_once(world, party):
    """Issue 13 defect 11: the import reported one error per row (the phone hid the ID
    number's error)."""
    result = run(
        world.users["secretary"], [row("甲", 1, id_number="110105194912310021", phone="12345")]
    )
    assert {e.column for e in result.errors if e.row == 2} == {"身份证号", "手机号"}
    assert not Member.objects.filter(name="甲").exists()
