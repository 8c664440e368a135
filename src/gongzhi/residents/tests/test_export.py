"""The export. The masked ID number comes from its clear ends (``id_head``, ``id_tail``):
the same as masking the decrypted number, on the page and in the export, for every role;
the export never decrypts. Its queries do not grow with its rows."""

import io
import re
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.urls import reverse

from gongzhi.core import pii
from gongzhi.core.models import fill_id_heads
from gongzhi.party.testing import id_number
from gongzhi.residents.models import Resident
from gongzhi.residents.testing import build_residents

pytestmark = [pytest.mark.django_db]
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MASKED = re.compile(r"\d{4}\*{10}\d{3}[\dX]")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people(world):
    from gongzhi.residents import services

    people = build_residents(world)
    # A 15-digit legacy number is stored converted to 18 characters.
    number = id_number(date(1965, 7, 8), 6)
    people["legacy"] = services.register_resident(
        actor=world.users["district_admin"],
        household=world.ours.households[1],
        name="王老五",
        id_number=number[:6] + number[8:17],
        on=date(2026, 1, 1),
        relation="other",
    )
    return people


def _masked(resident) -> str:
    return pii.mask_id_number(resident.id_number_full())


def test_masked_number_is_the_masked_clear_number(people):
    legacy = Resident.objects.get(pk=people["legacy"].pk)
    assert len(legacy.id_number_full()) == 18
    for resident in Resident.objects.all():
        assert resident.id_head == resident.id_number_full()[:4]
        assert resident.id_number_masked == _masked(resident)


@pytest.mark.parametrize("role", ["grid_worker", "secretary", "district_admin"])
def test_export_masks_as_the_page_shows_without_decrypting(
    world, people, client_as, monkeypatch, role
):
    """Roles with (secretary, district) and without (grid worker) the full view: the
    export's ID column is what the page shows, and equals the masked clear number."""
    client = client_as(world.users[role])
    page = client.get(reverse("residents:list")).content.decode()
    shown = set(MASKED.findall(page))
    expected = {
        _masked(r)
        for r in Resident.objects.visible_to(world.users[role], "residents.view_resident")
    }
    assert shown == expected and len(shown) >= 3

    def no_decrypt(token):
        raise AssertionError("the export decrypted an ID number")

    monkeypatch.setattr(pii, "decrypt", no_decrypt)
    response = client.get(reverse("residents:list") + "?export=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    column = rows[0].index("身份证号")
    assert {row[column] for row in rows[1:]} == shown


def test_migration_fills_the_heads_from_the_encrypted_numbers(people):
    """The step of residents 0003, party 0002 and development 0002."""
    Resident.objects.update(id_head="")
    fill_id_heads("residents", "Resident", chunk=4)(apps, SimpleNamespace(connection=connection))
    residents = list(Resident.objects.all())
    assert len(residents) >= 6
    for resident in residents:
        assert resident.id_head == resident.id_number_full()[:4] != ""


@pytest.mark.parametrize("chunk_size", [1, 2, 2000])
def test_export_rows_queries_do_not_grow_with_rows(
    world, people, django_assert_num_queries, chunk_size
):
    """The user's grants, the care tags, the links of every exported row, the rows: four
    queries whatever the number of rows and chunks."""
    from gongzhi.residents import selectors
    from gongzhi.residents.tables import resident_table

    user = world.users["district_admin"]
    queryset = selectors.list_queryset(user)
    with django_assert_num_queries(4):
        rows = list(resident_table(user).export_rows(queryset, chunk_size=chunk_size))
    assert len(rows) == queryset.count() >= 6
    assert ["空巢老人、残疾人"] == [row[-1] for row in rows if row[-1]]
