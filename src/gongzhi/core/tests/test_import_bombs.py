"""Crafted spreadsheets (outside security test, finding 2): a file may crash the reader,
the archive may unpack to gigabytes, the XML may nest deep or repeat one string a million
times. None of them may take the server process down; each is refused with a clear
message and nothing written.

The files are built here, byte by byte, as an attacker would build them.
"""

import io
import os
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.core import sheetcheck
from gongzhi.core.models import AuditLog

from .test_imports import ToyImporter, run, xlsx

pytestmark = pytest.mark.django_db

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEADER_ROW = (
    '<row r="1">'
    + "".join(
        f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>'
        for c, h in zip("ABCDE", ["姓名", "编号", "类别", "日期", "数量"], strict=True)
    )
    + "</row>"
)


def workbook_bytes(sheet_xml: str, *, shared: str | None = None, extra=()) -> bytes:
    """A minimal but valid xlsx package around one worksheet's XML."""
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        + (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            if shared
            else ""
        )
        + "</Types>"
    )
    package_rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    book = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS} xmlns:r="{rel}">'
        '<sheets><sheet name="名册" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    book_rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
        + (
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            if shared
            else ""
        )
        + "</Relationships>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", package_rels)
        archive.writestr("xl/workbook.xml", book)
        archive.writestr("xl/_rels/workbook.xml.rels", book_rels)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if shared:
            archive.writestr("xl/sharedStrings.xml", shared)
        for name, data in extra:
            archive.writestr(name, data)
    return buffer.getvalue()


def sheet(rows_xml: str, dimension: str = "A1:E2") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>'
        f'<dimension ref="{dimension}"/><sheetData>{HEADER_ROW}{rows_xml}</sheetData></worksheet>'
    )


def refused(data: bytes, name="攻击.xlsx"):
    importer, result = run(SimpleUploadedFile(name, data))
    assert not importer.saved and result.written == 0
    assert result.refused, result
    assert AuditLog.objects.filter(action="core.toy_import.rejected").exists()
    return result


def test_a_crafted_far_cell_is_refused_and_the_server_survives():
    """The tester's 2 KB file: 512 GB for the reader. Before the fix this test process
    itself aborted (SIGABRT); now only the checking child does."""
    data = workbook_bytes(
        sheet('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "A1:XFD1048576")
    )
    assert len(data) < 3000
    result = refused(data)
    assert result.refused_code == "range_too_large"
    assert "范围过大" in result.refused and "攻击.xlsx" in result.refused
    assert os.getpid()  # still here


def test_a_sheet_wider_than_any_template_is_refused_before_reading():
    far = '<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c><c r="KZ2"><v>1</v></c></row>'
    result = refused(workbook_bytes(sheet(far, "A1:KZ2")))
    assert result.refused_code == "range_too_large" and "最多200列" in result.refused


def test_a_zip_bomb_is_refused_from_the_archive_directory_alone():
    # 200 MB of zeros compress to about 200 KB: a ratio of 1,000.
    bomb = workbook_bytes(sheet(""), extra=[("xl/media/zeros.bin", b"\0" * (200 * 1024 * 1024))])
    assert len(bomb) < 1024 * 1024
    assert refused(bomb).refused_code == "zip_bomb"


def test_too_many_parts_are_refused():
    parts = [(f"xl/junk/{i}.xml", b"") for i in range(sheetcheck.MAX_ENTRIES + 1)]
    assert refused(workbook_bytes(sheet(""), extra=parts)).refused_code == "zip_bomb"


def test_deeply_nested_xml_neither_crashes_nor_hangs():
    deep = "<x>" * 200_000 + "</x>" * 200_000
    data = workbook_bytes(sheet("").replace("<sheetData>", f"<extLst>{deep}</extLst><sheetData>"))
    importer, result = run(SimpleUploadedFile("深.xlsx", data))
    assert not importer.saved and result.written == 0  # refused, or read as an empty sheet


def test_a_huge_shared_string_table_is_bounded_by_the_child_s_memory(settings):
    """A million copies of a long string: within the 1 GB unpacked limit, but far more
    than the checking child may hold."""
    settings.GONGZHI_IMPORT_CHECK_MB = 256
    item = "<si><t>" + "长" * 300 + "</t></si>"
    shared = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="600000" uniqueCount="600000">'
        + item * 600_000
        + "</sst>"
    )
    row = '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2"><v>1</v></c></row>'
    result = refused(workbook_bytes(sheet(row), shared=shared))
    assert result.refused_code in ("range_too_large", "zip_bomb")


def test_not_a_spreadsheet_inside_a_zip_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refused(buffer.getvalue()).refused_code == "not_spreadsheet"


def test_truncated_and_random_bytes_are_refused():
    good = xlsx([["张三", "001"]]).read()
    for data in (good[: len(good) // 2], os.urandom(4096), b"PK\x03\x04" + os.urandom(2000)):
        assert refused(data).refused_code == "not_spreadsheet"


def test_a_normal_file_still_imports_through_the_check():
    importer, result = run(xlsx([["张三", "001"], ["李四", "002"]]))
    assert result.ok and result.written == 2


def test_a_file_read_from_a_path_is_checked_too(tmp_path):
    path = tmp_path / "远.xlsx"
    path.write_bytes(
        workbook_bytes(
            sheet('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "A1:XFD1048576")
        )
    )
    result = ToyImporter().run(path)
    assert result.refused_code == "range_too_large"
