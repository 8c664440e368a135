"""A year beyond the published schedule: confirming its arrangement, importing the State
Council's schedule (every refusal, all at once), the warning beside its deadlines, and
the shared cache every process reads the table through (ADR 0012)."""

import io
from datetime import date, datetime

import openpyxl
import pytest
import time_machine
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongzhi.core import calendar, services, shared
from gongzhi.core.calendar import SHANGHAI
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import AuditLog, CalendarYear, Holiday
from gongzhi.core.schedule import ScheduleImporter

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)  # 2027 is next year, not yet published
HEADER = ["日期", "类型", "名称"]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def admin(world):
    return world.users["district_admin"]


def xlsx(rows, header=HEADER) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("放假安排")
    for r, row in enumerate([header, *rows]):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    workbook.close()
    return SimpleUploadedFile("2027年放假安排.xlsx", buffer.getvalue())


def csv_file(rows, *, encoding="utf-8", name="安排.csv", header=HEADER) -> SimpleUploadedFile:
    text = "\r\n".join(",".join(row) for row in [header, *rows]) + "\r\n"
    return SimpleUploadedFile(name, text.encode(encoding))


# A plausible 2027 schedule: the festival with its 补休 and a bridge, two make-up days.
SCHEDULE_2027 = [
    ["2027-01-01", "放假", "元旦"],
    *[[f"2027-02-{d:02d}", "放假", "春节"] for d in range(5, 14)],
    ["2027-01-31", "调休上班", "春节"],
    ["2027-02-20", "调休上班", "春节"],
]


def run(upload, actor, year=2027, commit=None):
    importer = ScheduleImporter(actor=actor, year=year)
    if commit is None:
        return importer.run(upload)
    with commit(execute=True):
        return importer.run(upload)


def reasons(result) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.reason) for e in result.errors]


# --- Confirming a year ---------------------------------------------------------------------


def test_confirming_a_year_keeps_its_days_and_makes_it_the_administrators(
    admin, django_capture_on_commit_callbacks
):
    before = [calendar.is_working_day(date(2027, 2, d)) for d in range(1, 28)]
    assert calendar.year_source(2027) == calendar.STATUTORY
    stamp = shared.stamp(calendar.HOLIDAYS_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_year(2027, actor=admin)
    assert shared.stamp(calendar.HOLIDAYS_KEY) == stamp + 1  # every process reads it again
    assert calendar.year_source(2027) == calendar.ADMIN
    assert not calendar.is_provisional(date(2027, 6, 1))
    # The predicted 补休 are now entries of the table: no working day moved.
    assert [calendar.is_working_day(date(2027, 2, d)) for d in range(1, 28)] == before
    in_lieu = [d.date for d in calendar.statutory_days(2027) if d.in_lieu]
    assert sorted(Holiday.objects.values_list("date", flat=True)) == in_lieu
    assert Holiday.objects.get(date=date(2027, 2, 9)).name == "春节补休"
    record = CalendarYear.objects.get(year=2027)
    assert record.method == CalendarYear.CONFIRMED and record.confirmed_by == admin
    log = AuditLog.objects.get(action="core.calendar.confirmed")
    assert log.data["year"] == 2027 and log.data["in_lieu"][0] == "2027-02-09"


def test_an_entry_made_before_confirming_is_kept(admin, django_capture_on_commit_callbacks):
    """A published 补休 on another day: the administrator made the predicted one a
    working day; confirming does not put it back."""
    with django_capture_on_commit_callbacks(execute=True):
        services.set_holiday(actor=admin, date=date(2027, 10, 5), is_working_day=True)
        services.confirm_year(2027, actor=admin)
    assert calendar.is_working_day(date(2027, 10, 5))
    assert not calendar.is_working_day(date(2027, 10, 4))
    assert not calendar.is_working_day(date(2027, 10, 1))  # the law's days stay off


@pytest.mark.parametrize(
    ("year", "message"),
    [
        (2026, "无需再确认"),  # published in chinese_calendar
        (2101, "年份应在2025至2100之间"),
    ],
)
def test_confirming_refuses_a_year_with_nothing_to_confirm(admin, year, message):
    with pytest.raises(RuleViolation) as exc:
        services.confirm_year(year, actor=admin)
    assert message in str(exc.value.message)
    assert not CalendarYear.objects.exists()


def test_a_year_is_confirmed_once(admin):
    services.confirm_year(2027, actor=admin)
    with pytest.raises(RuleViolation):
        services.confirm_year(2027, actor=admin)
    assert CalendarYear.objects.count() == 1


def test_only_holiday_managers_may_confirm_or_import(world):
    secretary = world.users["secretary"]
    with pytest.raises(NotFoundOrForbidden):
        services.confirm_year(2027, actor=secretary)
    with pytest.raises(NotFoundOrForbidden):
        services.import_schedule(2027, [], actor=secretary, audit_data={})
    assert not CalendarYear.objects.exists()
    assert AuditLog.objects.filter(action="core.permission.denied").count() == 2
    # Through an upload: refused at write time, nothing written.
    result = run(csv_file(SCHEDULE_2027), secretary)
    assert not result.ok and not Holiday.objects.exists()


def test_a_confirmation_made_by_another_process_is_read_on_the_next_request():
    """The confirmed years travel with the holiday table (core.shared): a process keeps
    its copy until the shared stamp changes."""
    shared._new_request()
    assert calendar.year_source(2027) == calendar.STATUTORY  # read and kept
    CalendarYear.objects.create(year=2027, method=CalendarYear.CONFIRMED)  # another process
    shared._new_request()
    assert calendar.year_source(2027) == calendar.STATUTORY
    CalendarYear.bump_cache()  # its commit
    shared._new_request()
    assert calendar.year_source(2027) == calendar.ADMIN


def test_years_entered_before_the_upgrade_stay_the_administrators():
    """The migration confirms a year the table declared when it was the rule."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("gongzhi.core.migrations.0011_calendaryear")
    Holiday.objects.create(date=date(2027, 1, 1), is_working_day=False)
    Holiday.objects.create(date=date(2026, 10, 8), is_working_day=False)  # published year
    migration.keep_declared_years(apps, None)
    assert list(CalendarYear.objects.values_list("year", "method")) == [(2027, "migrated")]


# --- Importing the schedule -------------------------------------------------------------------


def test_a_good_import_replaces_the_years_entries_and_confirms_it(
    admin, django_capture_on_commit_callbacks
):
    services.set_holiday(actor=admin, date=date(2027, 3, 1), is_working_day=False, name="旧")
    services.set_holiday(actor=admin, date=date(2026, 10, 8), is_working_day=False, name="本地")
    stamp = shared.stamp(calendar.HOLIDAYS_KEY)
    result = run(xlsx(SCHEDULE_2027), admin, commit=django_capture_on_commit_callbacks)
    assert result.ok and result.written == len(SCHEDULE_2027)
    assert shared.stamp(calendar.HOLIDAYS_KEY) == stamp + 1
    entries = dict(Holiday.objects.filter(date__year=2027).values_list("date", "is_working_day"))
    assert len(entries) == len(SCHEDULE_2027) and date(2027, 3, 1) not in entries
    assert Holiday.objects.filter(date=date(2026, 10, 8)).exists()  # other years untouched
    assert calendar.year_source(2027) == calendar.ADMIN
    assert CalendarYear.objects.get(year=2027).method == CalendarYear.IMPORTED
    assert calendar.is_working_day(date(2027, 2, 20))  # make-up Saturday
    assert not calendar.is_working_day(date(2027, 2, 12))  # the bridge
    # The predicted 补休 of May give way to the schedule; the law's days stay off.
    assert calendar.is_working_day(date(2027, 5, 4)) and not calendar.is_working_day(
        date(2027, 5, 1)
    )
    assert not calendar.is_working_day(date(2027, 10, 1))
    logs = AuditLog.objects.filter(action="core.holiday.imported")
    assert logs.count() == 1
    assert logs.get().data["year"] == 2027 and logs.get().data["working_days"] == 2
    assert logs.get().data["replaced"] == 1


def test_a_csv_saved_by_excel_in_gbk_is_read(admin):
    result = run(csv_file(SCHEDULE_2027[:3], encoding="gb18030"), admin)
    assert result.ok and Holiday.objects.get(date=date(2027, 1, 1)).name == "元旦"


def test_importing_again_replaces_the_first_import(admin):
    assert run(csv_file(SCHEDULE_2027), admin).ok
    assert run(csv_file([["2027-01-01", "放假", "元旦"]]), admin).ok
    assert list(Holiday.objects.values_list("date", flat=True)) == [date(2027, 1, 1)]
    assert CalendarYear.objects.count() == 1


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (["2026-12-31", "放假", ""], "日期", "2026-12-31不在2027年内"),
        (["2027-02-30", "放假", ""], "日期", "应为日期"),
        (["", "放假", ""], "日期", "必填"),
        (["2027-03-06", "加班", ""], "类型", "应为以下之一：放假、调休上班"),
        (
            ["2027-03-03", "调休上班", ""],
            "类型",
            "2027-03-03是星期三：调休上班日应为星期六或星期日",
        ),
        (["2027-02-06", "调休上班", ""], "类型", "2027-02-06是法定节假日（春节）"),
        (["2027-05-01", "调休上班", ""], "类型", "2027-05-01是法定节假日（劳动节）"),
        (["2027-01-01", "放假", "元旦" * 30], "名称", "不能超过50个字"),
    ],
)
def test_each_refusal_names_its_row_and_writes_nothing(admin, row, column, reason):
    services.set_holiday(actor=admin, date=date(2027, 3, 1), is_working_day=False, name="旧")
    result = run(csv_file([["2027-01-01", "放假", "元旦"], row]), admin)
    assert not result.ok and result.written == 0
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert reason in result.errors[0].reason
    assert list(Holiday.objects.values_list("date", flat=True)) == [date(2027, 3, 1)]
    assert not CalendarYear.objects.exists()
    rejected = AuditLog.objects.get(action="core.holiday.import.rejected")
    assert rejected.data["rows_failed"] == 1


def test_a_date_twice_and_a_date_both_ways(admin):
    result = run(
        csv_file(
            [
                ["2027-02-20", "调休上班", ""],
                ["2027-02-20", "调休上班", ""],
                ["2027-02-27", "放假", ""],
                ["2027-02-27", "调休上班", ""],
            ]
        ),
        admin,
    )
    assert reasons(result) == [
        (3, "日期", "2027-02-20与第2行重复。"),
        (5, "日期", "2027-02-27与第4行矛盾：同一天不能既放假又调休上班。"),
    ]
    assert not Holiday.objects.exists()


def test_every_error_of_a_file_is_reported_at_once(admin):
    result = run(
        xlsx(
            [
                ["2027-01-01", "放假", "元旦"],
                ["2028-01-01", "放假", "元旦"],
                ["2027-01-04", "调休上班", ""],
                ["2027-13-01", "放假", ""],
                ["2027-01-01", "放假", "元旦"],
                ["2027-02-06", "上班", ""],  # 上班: an alias of 调休上班
                ["2027-02-20", "休假", ""],
            ]
        ),
        admin,
    )
    assert [(row, column) for row, column, _r in reasons(result)] == [
        (3, "日期"),
        (4, "类型"),
        (5, "日期"),
        (6, "日期"),
        (7, "类型"),
        (8, "类型"),
    ]
    assert not Holiday.objects.exists() and not CalendarYear.objects.exists()


def test_a_weekend_listed_as_a_day_off_is_accepted(admin):
    """The notice says "10月1日至7日放假": a file that lists the weekend too is right."""
    result = run(csv_file([[f"2027-10-{d:02d}", "放假", "国庆节"] for d in range(1, 8)]), admin)
    assert result.ok and Holiday.objects.count() == 7


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (SimpleUploadedFile("安排.csv", b"PK\x03\x04\x00\x00binary"), "not_csv"),
        (SimpleUploadedFile("安排.csv", "日期,类型\n".encode("utf-16")), "not_csv"),
        (SimpleUploadedFile("安排.csv", b"a" * (1024 * 1024 + 1)), "too_large"),
        (SimpleUploadedFile("安排.txt", b"2027-01-01,1"), "not_spreadsheet"),
        (SimpleUploadedFile("安排.xlsx", b"not a workbook"), "not_spreadsheet"),
        (SimpleUploadedFile("安排.csv", b""), "empty_file"),
        (csv_file([["2027-01-01", "放假"]], header=["日子", "类型"]), "headers"),
        (csv_file([]), "no_rows"),
    ],
)
def test_a_file_that_is_not_a_schedule_is_refused_before_its_rows(admin, upload, code):
    result = run(upload, admin)
    assert result.refused_code == code and result.refused
    assert not Holiday.objects.exists()
    assert AuditLog.objects.get(action="core.holiday.import.rejected").data["refused"] == code


# --- Pages ---------------------------------------------------------------------------------


def test_the_holiday_page_confirms_and_imports(
    admin, client_as, client, django_capture_on_commit_callbacks
):
    client_as(admin)
    page = client.get(reverse("core:holiday_list")).content.decode()
    assert "按法定节假日推算，调休安排尚未公布" in page and "确认2027年安排" in page
    assert "2027-02-09 春节补休" in page and "采用国务院公布的安排" in page  # 2027 and 2026
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:holiday_confirm"), {"year": "2027"})
    assert response.status_code == 302 and CalendarYear.objects.filter(year=2027).exists()
    page = client.get(reverse("core:holiday_list")).content.decode()
    assert "采用本页确认的安排" in page and "确认2027年安排" not in page
    # Confirming again says why not, and changes nothing.
    client.post(reverse("core:holiday_confirm"), {"year": "2027"})
    assert CalendarYear.objects.count() == 1

    bad = csv_file([["2027-03-03", "调休上班", ""], ["2026-01-01", "放假", ""]])
    response = client.post(reverse("core:holiday_import"), {"year": "2027", "file": bad})
    assert response.status_code == 400
    page = response.content.decode()
    assert "文件有2处错误，未导入任何内容" in page and "第2行" in page and "第3行" in page
    response = client.post(
        reverse("core:holiday_import"), {"year": "2027", "file": csv_file(SCHEDULE_2027)}
    )
    assert response.status_code == 302 and Holiday.objects.filter(date__year=2027).count() == 12
    # Only the years the page offers.
    response = client.post(
        reverse("core:holiday_import"), {"year": "2030", "file": csv_file(SCHEDULE_2027)}
    )
    assert response.status_code == 400


def test_the_template_is_the_importers(admin, client_as, client):
    client_as(admin)
    response = client.get(reverse("core:holiday_template"))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["放假安排"]
    assert [c.value for c in sheet[1]] == HEADER
    # Filled in as it comes (examples kept), it imports.
    rows = [[c.value or "" for c in row] for row in sheet.iter_rows(min_row=2, max_row=3)]
    assert run(xlsx([*rows, ["2027-01-01", "放假", "元旦"]]), admin).written == 1


@pytest.mark.parametrize("name", ["core:holiday_confirm", "core:holiday_import"])
def test_pages_refuse_those_without_the_permission(world, client_as, client, name):
    client_as(world.users["secretary"])
    assert client.post(reverse(name), {"year": "2027"}).status_code == 403
    assert client.get(reverse("core:holiday_template")).status_code == 403
    assert not CalendarYear.objects.exists()


# --- The warning beside a deadline ------------------------------------------------------------


@time_machine.travel(datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_a_2027_deadline_is_shown_with_the_warning_until_the_year_is_confirmed(
    world, demands, client_as, client, django_capture_on_commit_callbacks
):
    from gongzhi.demands import services as demand_services
    from gongzhi.demands.choices import Channel, RequesterKind

    staff = world.users["staff"]
    demand = demand_services.create_demand(
        actor=staff,
        area=world.ours.grid,
        title="3栋楼道灯不亮",
        content="楼道灯坏了一周",
        channel=Channel.DESK,
        requester_kind=RequesterKind.RESIDENT,
        requester_name="张小明",
        requester_phone="13812345678",
    )
    demand = demand_services.classify(
        demand, actor=staff, version=demand.version, category=demands.hallway
    )
    # Wed 30 Dec + 7 working days: 31 Dec, (1 Jan off), 4, 5, 6, 7, 8, 11 Jan 2027.
    assert demand.due_at == datetime(2027, 1, 11, 23, 59, 59, tzinfo=SHANGHAI)
    warning = "按法定节假日推算，调休安排尚未公布，请以公布为准"
    client_as(staff)
    assert warning in client.get(demand.get_absolute_url()).content.decode()
    assert warning in client.get(reverse("demands:list")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_year(2027, actor=world.users["district_admin"])
    assert warning not in client.get(demand.get_absolute_url()).content.decode()
    assert warning not in client.get(reverse("demands:list")).content.decode()
