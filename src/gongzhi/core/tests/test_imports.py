"""The Excel import framework, exercised with a small importer and real .xlsx files."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.core import audit
from gongzhi.core.imports import (
    Choice,
    Column,
    DateValue,
    DecimalNumber,
    Digits,
    Importer,
    Integer,
    Invalid,
    RowError,
    Text,
    YesNo,
    cell_text,
)
from gongzhi.core.models import AuditLog


class ToyImporter(Importer):
    """Collects rows in memory; refuses the name "坏" as a stand-in for a database check."""

    sheet_title = "名册"
    template_filename = "名册模板"
    audit_name = "core.toy_import"
    columns = [
        Column("姓名", "name", Text(30), required=True),
        Column("编号", "number", Digits(3, 6), required=True, unique=True),
        Column("类别", "kind", Choice([("a", "甲"), ("b", "乙")]), default="a"),
        Column("日期", "day", DateValue()),
        Column("数量", "count", Integer(min_value=0)),
    ]
    examples = [{"name": "示例", "number": "000", "kind": "甲", "day": "2024-03-01", "count": "1"}]

    def __init__(self, *, actor=None):
        super().__init__(actor=actor)
        self.saved = []
        self.calls = []

    def write(self, rows, *, partial, dry_run, audit_data):
        self.calls.append({"partial": partial, "dry_run": dry_run, "rows": len(rows)})
        errors = [RowError(r.number, "姓名", "不允许") for r in rows if r["name"] == "坏"]
        failed = {e.row for e in errors} | {r.number for r in rows if r.failed}
        if dry_run or (failed and not partial):
            return 0, errors, {}
        good = [r.values for r in rows if r.number not in failed]
        self.saved.extend(good)
        if good:
            audit.log("core.toy_import.completed", data={**audit_data, "rows_written": len(good)})
        return len(good), errors, {}


HEADERS = ["姓名", "编号", "类别", "日期", "数量"]


def xlsx(rows, *, headers=HEADERS, name="名单.xlsx", sheet="名册", start_row=0):
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False})
    worksheet = workbook.add_worksheet(sheet)
    worksheet.write_row(start_row, 0, headers)
    for r, row in enumerate(rows, start=start_row + 1):
        for c, value in enumerate(row):
            if value is not None:
                worksheet.write(r, c, value)
    workbook.close()
    return SimpleUploadedFile(name, buffer.getvalue())


def run(upload, **kwargs):
    importer = ToyImporter()
    return importer, importer.run(upload, **kwargs)


# --- Template -------------------------------------------------------------------


def test_template_has_headers_example_and_instructions():
    book = openpyxl.load_workbook(io.BytesIO(ToyImporter().template()))
    assert book.sheetnames == ["名册", "填写说明"]
    sheet = book["名册"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert [c.value for c in sheet[2]] == ["示例", "000", "甲", "2024-03-01", "1"]
    assert sheet["B2"].number_format == "@"  # codes are text: leading zeros survive
    notes = [[c.value for c in row] for row in book["填写说明"].iter_rows()]
    by_header = {row[0]: row for row in notes if row[0] in HEADERS}
    assert by_header["姓名"][1] == "必填"
    assert by_header["类别"][1] == "选填"
    assert "甲、乙" in by_header["类别"][2]
    assert "同一文件内不能重复" in by_header["编号"][2]


@pytest.mark.django_db
def test_template_round_trip_skips_the_example():
    book = openpyxl.load_workbook(io.BytesIO(ToyImporter().template()))
    sheet = book["名册"]
    sheet.append(["张三", "001", "乙", "2024/5/6", "3"])
    sheet.append(["李四", "002", None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    importer, result = run(SimpleUploadedFile("filled.xlsx", buffer.getvalue()))
    assert result.ok and result.written == 2 and result.total == 2
    assert importer.saved == [
        {"name": "张三", "number": "001", "kind": "b", "day": date(2024, 5, 6), "count": 3},
        {"name": "李四", "number": "002", "kind": "a", "day": None, "count": None},
    ]


# --- Refusals: nothing is written --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "code", "words"),
    [
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "not_spreadsheet", "不是有效的 Excel"),
        ("notes.xlsx", "姓名,编号\n张三,001\n".encode(), "not_spreadsheet", "不是有效的 Excel"),
        ("名单.csv", b"a,b\n1,2\n", "not_spreadsheet", "不是 Excel 文件"),
        ("empty.xlsx", b"", "empty_file", "文件是空的"),
    ],
)
def test_not_a_spreadsheet_is_refused(name, content, code, words):
    importer, result = run(SimpleUploadedFile(name, content))
    assert result.refused_code == code
    assert words in result.refused
    assert importer.calls == [] and result.written == 0
    record = AuditLog.objects.get(action="core.toy_import.rejected")
    assert record.result == audit.FAILURE
    assert record.data["refused"] == code and record.data["file"] == name


@pytest.mark.django_db
def test_missing_and_unknown_headers_are_named():
    _i, result = run(xlsx([["张三", "甲"]], headers=["姓名", "类别", "身高", "体重"]))
    assert result.refused_code == "headers"
    assert "缺少必填列：编号" in result.refused
    assert "无法识别的列：身高、体重" in result.refused
    assert _i.calls == []


@pytest.mark.django_db
def test_repeated_header_is_refused():
    _i, result = run(xlsx([], headers=["姓名", "编号", "姓名"]))
    assert "重复的列：姓名" in result.refused


@pytest.mark.django_db
def test_header_only_file_has_no_rows():
    _i, result = run(xlsx([[None, None], ["", " "]]))
    assert result.refused_code == "no_rows"
    assert "没有数据行" in result.refused


@pytest.mark.django_db
def test_blank_workbook_has_no_rows():
    _i, result = run(xlsx([], headers=[]))
    assert result.refused_code == "no_rows"


@pytest.mark.django_db
def test_too_many_rows(settings):
    settings.GONGZHI_IMPORT_MAX_ROWS = 3
    rows = [[f"人{i}", f"00{i}"] for i in range(1, 4)]
    importer, result = run(xlsx(rows))
    assert result.ok and result.written == 3
    importer, result = run(xlsx([*rows, ["人4", "004"]]))
    assert result.refused_code == "too_many_rows"
    assert "超过3行" in result.refused
    assert importer.calls == []


# --- Row validation ------------------------------------------------------------------


@pytest.mark.django_db
def test_every_row_error_names_excel_row_column_and_reason():
    rows = [
        ["张三", "001", "甲", "2024-01-02", 5],
        None,  # a blank line keeps the numbering of the rows after it
        [None, "12", "丙", "明天", -1],
        ["李四", "001", None, "2024年2月30日", 1.5],
        ["坏", "003"],
    ]
    importer, result = run(xlsx([r or [] for r in rows], start_row=1))  # header on row 2
    assert result.written == 0 and result.total == 4
    assert importer.calls == [{"partial": False, "dry_run": True, "rows": 4}]
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (5, "姓名", "必填，不能为空。"),
        (5, "编号", "应为3至6位数字。"),
        (5, "类别", "应为以下之一：甲、乙。"),
        (5, "日期", "应为日期，例如 2024-03-01。"),
        (5, "数量", "不能小于0。"),
        (6, "编号", "与第3行重复。"),
        (6, "日期", "应为日期，例如 2024-03-01。"),
        (6, "数量", "应为整数。"),
        (7, "姓名", "不允许"),
    ]
    assert result.failed_rows == [5, 6, 7]


@pytest.mark.django_db
def test_all_or_nothing_writes_nothing_when_one_row_is_bad():
    rows = [[f"人{i}", f"10{i}"] for i in range(5)] + [["坏", "200"]]
    importer, result = run(xlsx(rows))
    assert result.written == 0 and importer.saved == []
    assert result.failed == 1
    assert AuditLog.objects.filter(action="core.toy_import.rejected").count() == 1
    assert not AuditLog.objects.filter(action="core.toy_import.completed").exists()


@pytest.mark.django_db
def test_valid_file_is_written_in_one_call():
    rows = [[f"人{i}", f"10{i}"] for i in range(5)]
    importer, result = run(xlsx(rows))
    assert result.ok and result.written == 5 and len(importer.saved) == 5
    assert importer.calls == [{"partial": False, "dry_run": False, "rows": 5}]
    record = AuditLog.objects.get(action="core.toy_import.completed")
    assert record.data == {"file": "名单.xlsx", "rows_total": 5, "mode": "all", "rows_written": 5}
    assert not AuditLog.objects.filter(action="core.toy_import.rejected").exists()


@pytest.mark.django_db
def test_equal_texts_of_many_rows_are_one_object():
    """100,000 parsed rows stay in memory together: a repeated text is kept once."""
    importer, result = run(xlsx([["同名", f"10{i}"] for i in range(3)]))
    assert result.ok
    first, *others = importer.saved
    assert all(row["name"] is first["name"] and row["name"] == "同名" for row in others)


@pytest.mark.django_db
def test_partial_mode_writes_good_rows_and_reports_exactly_the_bad_ones():
    rows = [
        ["张三", "001"],
        ['=HYPERLINK("http://x")', "1"],  # too short a number, and a formula-looking name
        ["李四", "002", "乙"],
        ["坏", "003", None, None, "@SUM(A1)"],
        ["王五", "004"],
    ]
    importer, result = run(xlsx(rows), partial=True)
    assert result.written == 3
    assert [s["name"] for s in importer.saved] == ["张三", "李四", "王五"]
    assert result.failed_rows == [3, 5]
    book = openpyxl.load_workbook(io.BytesIO(result.error_workbook_bytes()))
    sheet = book.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == [*HEADERS, "错误原因"]
    assert len(values) == 3  # the header and exactly the two bad rows
    # As typed, but a text cell with Excel's quote prefix: never run as a formula, not
    # even when the cell is edited.
    assert values[1][:2] == ['=HYPERLINK("http://x")', "1"]
    formula_like = sheet.cell(row=2, column=1)
    assert formula_like.data_type == "s" and formula_like.quotePrefix
    assert values[1][5] == "第3行：编号：应为3至6位数字。"
    assert values[2][0] == "坏" and values[2][4] == "@SUM(A1)"
    assert values[2][5] == "第5行：姓名：不允许；数量：应为整数。"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.django_db
def test_error_workbook_can_be_fixed_and_imported_again():
    _i, result = run(xlsx([["张三", "01"]]))
    book = openpyxl.load_workbook(io.BytesIO(result.error_workbook_bytes()))
    book.active["B2"] = "011"
    buffer = io.BytesIO()
    book.save(buffer)
    importer, again = run(SimpleUploadedFile("fixed.xlsx", buffer.getvalue()))
    assert again.ok and importer.saved[0]["number"] == "011"


@pytest.mark.django_db
def test_sheet_is_found_by_title_and_headers_tolerate_required_marks():
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    workbook.add_worksheet("说明").write_string(0, 0, "随便写点什么")
    workbook.add_worksheet("名册").write_row(0, 0, ["姓名*", " 编号 "])
    workbook.get_worksheet_by_name("名册").write_row(1, 0, ["张三", "123"])
    workbook.close()
    importer, result = run(SimpleUploadedFile("x.xlsx", buffer.getvalue()))
    assert result.ok and importer.saved[0]["number"] == "123"


def test_summary_lists_the_first_200_errors_and_counts_the_rest():
    from gongzhi.core.imports import ImportResult

    result = ImportResult(filename="x.xlsx", partial=False)
    result.errors = [RowError(i, "姓名", "必填") for i in range(2, 302)]
    summary = result.summary()
    assert len(summary["errors"]) == 200 and summary["error_count"] == 300
    assert summary["failed"] == 300


# --- Parsers ---------------------------------------------------------------------


def test_cell_text_shows_numbers_as_typed():
    assert cell_text(510107.0) == "510107"
    assert cell_text(2.5) == "2.5"
    assert cell_text(True) == "是"
    assert cell_text("  a ") == "a"


def test_digits_refuse_a_number_excel_already_rounded():
    with pytest.raises(Invalid, match="文本"):
        Digits(1, 30)(5.10107001001001e17)
    assert Digits(1, 30)(510107001.0) == "510107001"
    with pytest.raises(Invalid):
        Digits(1, 30)("１２３")  # full-width digits are not ASCII digits


def test_decimal_integer_date_yes_no():
    assert DecimalNumber(8, 2)(89.5) == Decimal("89.50")
    assert DecimalNumber(8, 2)("12") == Decimal("12.00")
    with pytest.raises(Invalid):
        DecimalNumber(4, 2)("123.4")
    with pytest.raises(Invalid):
        DecimalNumber(8, 2, Decimal(0))("-1")
    with pytest.raises(Invalid):
        DecimalNumber(8, 2)("abc")
    with pytest.raises(Invalid, match="数值过大"):
        DecimalNumber(8, 2)("1e40")
    assert Integer()("7") == 7
    assert DateValue()("2024.3.1") == date(2024, 3, 1)
    assert DateValue()("2024年3月1日") == date(2024, 3, 1)
    assert YesNo()("是") is True and YesNo()("否") is False
    assert Choice([(1, "甲")], aliases={"A": 1})("A") == 1
