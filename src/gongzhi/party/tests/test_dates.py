"""Issue 13 defect 17: dates written one way on the party's pages and exports."""

from datetime import date, datetime
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse

from gongzhi.party.testing import add_member

pytestmark = pytest.mark.django_db


def test_member_list_and_export_write_dates_one_way(world, party, client_as):
    """The list wrote 入党日期 as 2006年7月1日 (Django's Chinese default) while detail
    pages wrote 2006-07-01; the export wrote the text "2006-07-01", not a date."""
    add_member(world.users["secretary"], party.ours_branch, "张小明", serial=1)
    client = client_as(world.users["secretary"])
    body = client.get(reverse("party:member_list")).content.decode()
    assert "2006-07-01" in body and "2006年7月1日" not in body
    response = client.get(reverse("party:member_list") + "?export=xlsx")
    sheet = openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content))).active
    headers = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=headers.index("入党日期") + 1)
    assert cell.value == datetime(2006, 7, 1) and cell.number_format == "yyyy-mm-dd"


def test_organization_page_writes_dates_one_way(world, party, client_as):
    """Django's default date format (2026年12月6日) is gone from the party's pages."""
    from django.template import Context, Template

    assert Template("{{ d }} {{ d|date }}").render(Context({"d": date(2026, 12, 6)})) == (
        "2026-12-06 2026-12-06"
    )
    body = client_as(world.users["secretary"]).get(reverse("party:organization_tree"))
    assert "年" not in "".join(
        line for line in body.content.decode().splitlines() if "2026" in line and "日" in line
    )
