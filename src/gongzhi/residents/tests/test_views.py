import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from gongzhi.areas.models import Area
from gongzhi.core.models import AuditLog
from gongzhi.residents.choices import Duty
from gongzhi.residents.models import Rental, Resident, Responsibility
from gongzhi.residents.testing import build_residents

pytestmark = [pytest.mark.django_db]
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people(world):
    return build_residents(world)


def _xlsx(response) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(r) for r in book.active.iter_rows(values_only=True)]


def test_list_masks_children_and_sensitive_tags_for_grid_worker(world, people, client_as):
    page = client_as(world.users["grid_worker"]).get(reverse("residents:list")).content.decode()
    assert "张小明" in page and "张*宝" in page and "张小宝" not in page
    assert "空巢老人" in page and "残疾人" not in page
    assert "邻里居民" not in page
    assert "138****5678" in page and "13812345678" not in page


def test_list_shows_children_to_sensitive_roles(world, people, client_as):
    page = client_as(world.users["staff"]).get(reverse("residents:list")).content.decode()
    assert "张小宝" in page and "残疾人" in page


@pytest.mark.parametrize(
    ("role", "child", "tag"), [("grid_worker", "张*宝", False), ("secretary", "张小宝", True)]
)
def test_export_carries_only_what_the_role_may_see(world, people, client_as, role, child, tag):
    response = client_as(world.users[role]).get(reverse("residents:list") + "?export=xlsx")
    rows = _xlsx(response)
    cells = {str(c) for row in rows for c in row if c is not None}
    assert child in cells
    assert ("空巢老人、残疾人" in cells) is tag
    assert not any("13812345678" in c for c in cells)
    number = people["head"].id_number_full()
    assert not any(number in c for c in cells)
    assert "邻里居民" not in cells


@pytest.mark.parametrize("role", ["grid_worker", "secretary", "district_admin"])
def test_export_rows_are_the_page_cells(world, people, role):
    """The export's value rows fill every column exactly as the page's instances do
    (masking, tags and their order included), across chunks."""
    from gongzhi.residents import selectors
    from gongzhi.residents.tables import resident_table

    user = world.users[role]
    table = resident_table(user)
    queryset = selectors.list_queryset(user)
    expected = [[c.value(r) for c in table.columns] for r in queryset]
    assert len(expected) >= 2
    assert list(table.export_rows(queryset, chunk_size=2)) == expected


def test_export_neutralises_formulas(world, people, client_as):
    from gongzhi.residents import services

    services.update_resident(
        people["head"], actor=world.users["staff"], version=None, work_or_school="=1+1"
    )
    Resident.objects.filter(pk=people["head"].pk).update(origin="=HYPERLINK(1)", floating=True)
    rows = _xlsx(client_as(world.users["staff"]).get(reverse("residents:list") + "?export=xlsx"))
    assert "=HYPERLINK(1)" in {c for row in rows for c in row}  # a text cell, as typed


@pytest.mark.parametrize(
    ("query", "expected"),
    [("zhxm", {"张小明"}), ("5678", {"张小明"}), ("1单元201", {"李四"}), ("李", {"李四"})],
)
def test_search_box(world, people, client_as, query, expected):
    response = client_as(world.users["staff"]).get(reverse("residents:list"), {"q": query})
    names = {row.name for row in response.context["object_list"]}
    assert names == expected


def test_filters(world, people, client_as):
    client = client_as(world.users["staff"])
    url = reverse("residents:list")
    assert {r.name for r in client.get(url, {"floating": "true"}).context["object_list"]} == {
        "李四"
    }
    tagged = client.get(url, {"tag": people["elderly"].pk}).context["object_list"]
    assert {r.name for r in tagged} == {"张小明"}
    assert {r.name for r in client.get(reverse("residents:floating")).context["object_list"]} == {
        "李四"
    }


def test_list_queries_constant(world, people, client_as, django_assert_max_num_queries):
    from gongzhi.residents.testing import add_person

    client = client_as(world.users["staff"])
    url = reverse("residents:list")
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(10):
        add_person(world, world.ours.households[2], f"王{i}", date(1970, 1, 1 + i), 20 + i)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_detail_reveal_is_audited_and_not_cached(world, people, client_as):
    client = client_as(world.users["staff"])
    head = people["head"]
    page = client.get(head.get_absolute_url()).content.decode()
    assert head.id_number_full() not in page
    response = client.post(reverse("residents:reveal", args=[head.pk]))
    assert head.id_number_full() in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert AuditLog.objects.filter(action="residents.resident.pii_viewed").count() == 1


def test_grid_worker_cannot_reveal(world, people, client_as):
    client = client_as(world.users["grid_worker"])
    head = people["head"]
    assert "查看完整身份证号" not in client.get(head.get_absolute_url()).content.decode()
    # A role without the permission anywhere is refused outright (issue 13, defect 14).
    assert client.post(reverse("residents:reveal", args=[head.pk])).status_code == 403
    assert not AuditLog.objects.filter(action="residents.resident.pii_viewed").exists()


def test_photo_streamed_to_sensitive_roles_only(world, people, client_as, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    head = people["head"]
    client = client_as(world.users["staff"])
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    response = client.post(
        reverse("residents:photo_upload", args=[head.pk]),
        {"photo": SimpleUploadedFile("a.png", png, "image/png")},
    )
    assert response.status_code == 302
    photo = client.get(reverse("residents:photo", args=[head.pk]))
    assert photo.status_code == 200 and b"".join(photo.streaming_content) == png
    assert "no-store" in photo["Cache-Control"]
    assert AuditLog.objects.filter(action="residents.resident.photo_viewed").count() == 1
    worker = client_as(world.users["grid_worker"])
    assert worker.get(reverse("residents:photo", args=[head.pk])).status_code == 404


def test_register_edit_move_and_tag_through_pages(world, people, client_as):
    client = client_as(world.users["staff"])
    household = world.ours.households[2]
    response = client.post(
        reverse("residents:register", args=[household.pk]),
        {
            "name": "王五",
            "id_number": "11010519491231002X",
            "relation": "head",
            "ethnicity": "汉族",
            "political_status": "masses",
            "permit": "none",
            "registered_here": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    wang = Resident.objects.get(name="王五")
    bad = client.post(
        reverse("residents:register", args=[household.pk]),
        {
            "name": "赵六",
            "id_number": "110105194912310021",
            "relation": "head",
            "ethnicity": "汉族",
            "political_status": "masses",
            "permit": "none",
        },
    )
    assert bad.status_code == 400 and "校验位" in bad.content.decode()
    response = client.post(
        reverse("residents:move_to", args=[wang.pk]),
        {
            "version": wang.version,
            "household": world.ours.households[1].code,
            "relation": "other",
            "on": "2026-06-01",
        },
    )
    assert response.status_code == 302
    wang.refresh_from_db()
    assert wang.household_id == world.ours.households[1].pk
    response = client.post(
        reverse("residents:tags", args=[wang.pk]), {"tag": people["elderly"].pk, "on": "2026-06-01"}
    )
    assert wang.tags.count() == 1
    response = client.post(
        reverse("residents:move_out", args=[wang.pk]),
        {"version": wang.version, "on": "2026-06-10"},
    )
    assert response.status_code == 302
    wang.refresh_from_db()
    assert not wang.present and wang.moves.count() == 3


def test_move_to_a_sibling_household_is_refused(world, people, client_as):
    client = client_as(world.users["staff"])
    head = people["head"]
    response = client.post(
        reverse("residents:move_to", args=[head.pk]),
        {
            "version": head.version,
            "household": world.sibling.households[1].code,
            "relation": "other",
            "on": "2026-06-01",
        },
    )
    assert response.status_code == 400
    head.refresh_from_db()
    assert head.household_id == world.ours.households[0].pk


def test_grid_worker_sees_and_edits_only_their_grid(world, people, client_as):
    from gongzhi.areas.choices import Level
    from gongzhi.core.testing import make_area, make_household
    from gongzhi.residents.testing import add_person

    grid2 = make_area(world.ours.community, Level.GRID, "002", "和顺第2网格")
    estate = make_area(grid2, Level.ESTATE, "001", "二号院")
    household = make_household(estate, "0101", "101")
    outside = add_person(world, household, "网格外", date(1970, 1, 1), 40)
    client = client_as(world.users["grid_worker"])
    assert "网格外" not in client.get(reverse("residents:list")).content.decode()
    assert client.get(outside.get_absolute_url()).status_code == 404
    assert client.get(reverse("residents:edit", args=[outside.pk])).status_code == 404
    assert client.get(reverse("residents:edit", args=[people["head"].pk])).status_code == 200


def test_household_page_lists_residents_and_rental(world, people, client_as):
    client = client_as(world.users["grid_worker"])
    household = world.ours.households[1]
    response = client.post(
        reverse("residents:rental_create", args=[household.pk]),
        {"landlord_name": "房东甲", "starts_on": "2026-01-01", "tenants": [people["tenant"].pk]},
    )
    assert response.status_code == 302, response.content.decode()
    household.refresh_from_db()
    assert household.status == "rented"
    page = client.get(household.get_absolute_url()).content.decode()
    assert "李四" in page and "房东甲" in page and "出租" in page
    rental = Rental.objects.get()
    assert client.get(reverse("residents:rental_list")).status_code == 200
    assert client.get(reverse("residents:rental_edit", args=[rental.pk])).status_code == 200
    kid_page = client.get(world.ours.households[0].get_absolute_url()).content.decode()
    assert "张*宝" in kid_page and "张小宝" not in kid_page


def test_contact_cards(world, people, client_as):
    from gongzhi.residents import services

    services.set_responsibility(
        actor=world.users["staff"],
        area=world.ours.grid,
        duty=Duty.GRID_WORKER,
        name="陈网格员",
        phone="13811112222",
    )
    client = client_as(world.users["grid_worker"])
    card = client.get(reverse("residents:card", args=[world.ours.households[0].pk]))
    assert "陈网格员" in card.content.decode()
    cards = client.get(reverse("residents:building_cards", args=[world.ours.building.pk]))
    text = cards.content.decode()
    assert text.count("网格联系卡") == 3 and "gz-contact-card" in text  # one printed page each


def test_responsibility_map_add_remove_and_coverage(world, people, client_as, party):
    client = client_as(world.users["secretary"])
    url = reverse("residents:responsibilities", args=[world.ours.community.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"area": world.ours.grid.pk, "duty": Duty.GRID_WORKER, "name": "陈网格员"}
    )
    assert response.status_code == 302
    link = Responsibility.objects.get()
    bad = client.post(url, {"area": world.ours.grid.pk, "duty": Duty.LEADER, "name": "王领导"})
    assert bad.status_code == 400 and "须设在" in bad.content.decode()
    coverage = client.get(reverse("residents:coverage"), {"within": world.ours.community.pk})
    assert coverage.status_code == 200 and "楼栋长" in coverage.content.decode()
    response = client.post(reverse("residents:responsibility_remove", args=[link.pk]))
    assert response.status_code == 302 and not Responsibility.objects.exists()
    street = client_as(world.users["street_admin"]).get(
        reverse("residents:coverage"), {"within": world.street.pk}
    )
    assert "邻里社区" in street.content.decode()


def test_grid_map_page_and_geometry(world, people, client_as):
    client = client_as(world.users["secretary"])
    square = {
        "type": "Polygon",
        "coordinates": [[[104, 30], [104.01, 30], [104.01, 30.01], [104, 30]]],
    }
    response = client.post(
        reverse("residents:geometry_edit", args=[world.ours.grid.pk]),
        {"geometry": json.dumps(square), "version": world.ours.grid.version},
    )
    assert response.status_code == 302
    page = client.get(reverse("residents:grid_map"), {"community": world.ours.community.pk})
    text = page.content.decode()
    assert (
        'data-chart="grid-map"' in text
        and "104.01" in text
        and "http://" not in text.split("grid-geojson")[1][:2000]
    )
    bad = client.post(
        reverse("residents:geometry_edit", args=[world.ours.grid.pk]),
        {
            "geometry": json.dumps({"type": "Polygon", "coordinates": [[[104, 30], [200, 30]]]}),
            "version": world.ours.grid.version + 1,
        },
    )
    assert bad.status_code == 400
    worker = client_as(world.users["grid_worker"])
    assert (
        worker.get(reverse("residents:geometry_edit", args=[world.ours.grid.pk])).status_code == 404
    )


def test_geojson_import_all_or_nothing(world, client_as):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_as(world.users["secretary"])
    ring = [[104, 30], [104.01, 30], [104.01, 30.01], [104, 30]]
    good = {
        "type": "Feature",
        "properties": {"code": world.ours.grid.code},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    sibling = {**good, "properties": {"code": world.sibling.grid.code}}

    def upload(features):
        body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
        return client.post(
            reverse("residents:geojson_import"), {"file": SimpleUploadedFile("g.geojson", body)}
        )

    assert upload([good, sibling]).status_code == 400
    assert Area.objects.filter(geometry__isnull=False).count() == 0
    assert upload([good]).status_code == 302
    assert Area.objects.get(pk=world.ours.grid.pk).geometry["type"] == "Polygon"


def test_care_tags_district_admin_only(world, client_as):
    url = reverse("residents:care_tags")
    assert client_as(world.users["secretary"]).get(url).status_code == 403
    client = client_as(world.users["district_admin"])
    assert client.post(url, {"name": "低保户", "sort": 3}).status_code == 302
    assert client.post(url, {"name": "低保户", "sort": 3}).status_code == 400
