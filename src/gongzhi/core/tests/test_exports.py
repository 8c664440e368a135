"""One export path (core.exports): a page's list as Excel or CSV, audited once, its
formula-like cells harmless in both formats."""

import csv
import io

import openpyxl
from django.urls import reverse

from gongzhi.areas.models import Household
from gongzhi.core.models import AuditLog


def test_a_list_exports_as_excel_and_as_csv_and_each_export_is_audited_once(world, client_as):
    Household.objects.filter(pk=world.ours.households[0].pk).update(note="=HYPERLINK(1)")
    client = client_as(world.users["secretary"])
    url = reverse("areas:household_list")

    workbook = client.get(url, {"export": "xlsx"})
    assert workbook["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "编码" and len(rows) == 1 + len(world.ours.households)

    response = client.get(url, {"export": "csv", "q": ""})
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # Excel opens it as UTF-8
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0] == rows[0] and len(table) == len(rows)
    assert any("'=HYPERLINK(1)" in cell for row in table for cell in row)  # CSV: neutralised

    records = AuditLog.objects.filter(action="core.list.exported").order_by("id")
    assert [(r.data["list"], r.data["format"]) for r in records] == [
        ("households", "xlsx"),
        ("households", "csv"),
    ]


def test_a_column_declares_who_sees_it_on_the_page_and_in_the_export(world, client_as, monkeypatch):
    """Table columns say who sees them (Column.permission) instead of a table class built
    per user: the page and its export show the same columns."""
    from gongzhi.areas.tables import HouseholdTable
    from gongzhi.core.tables import Column

    guarded = Column("note", "内部备注", permission="residents.view_sensitive")
    monkeypatch.setattr(HouseholdTable, "columns", (*HouseholdTable.columns, guarded))
    url = reverse("areas:household_list")
    for role, sees in (("secretary", True), ("grid_worker", False)):
        user = world.users[role]
        assert user.has_perm("areas.view_household")
        assert user.has_perm("residents.view_sensitive") is sees
        client = client_as(user)
        page = client.get(url).content.decode()
        assert ("内部备注" in page) is sees, role
        export = client.get(url, {"export": "csv"})
        header = next(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
        assert ("内部备注" in header) is sees, role
        assert len(header) == len(HouseholdTable.columns) - (0 if sees else 1)
