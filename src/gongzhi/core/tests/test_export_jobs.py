"""Long exports are made by the worker: the request only records the job; the user
follows its progress and downloads the file, which nobody else can."""

from datetime import timedelta
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.core import exports
from gongzhi.core.models import AuditLog, ExportJob


@pytest.fixture
def small_limit(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.GONGZHI_EXPORT_BACKGROUND_ROWS = 2  # the test world has a few households


def _export(client, django_capture_on_commit_callbacks, **query):
    with django_capture_on_commit_callbacks(execute=True):
        return client.get(reverse("areas:household_list"), {"export": "xlsx", **query})


def test_a_long_export_is_made_by_the_worker_and_downloaded_by_its_user(
    world, client_as, small_limit, django_capture_on_commit_callbacks
):
    client = client_as(world.users["secretary"])
    response = _export(client, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == ExportJob.DONE and job.rows_total == len(world.ours.households)
    assert AuditLog.objects.filter(action="core.list.exported", target_id=str(job.pk)).exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert reverse("core:export_download", args=[job.pk]) in page
    download = client.get(reverse("core:export_download", args=[job.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(BytesIO(b"".join(download.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    # The same rows and columns as the page's own export: the user's scope, nothing more.
    assert rows[0][:2] == ("编码", "地址")
    assert sorted(r[0] for r in rows[1:]) == sorted(h.code for h in world.ours.households)
    assert job.title in client.get(reverse("core:export_list")).content.decode()


def test_the_filters_go_with_the_job(
    world, client_as, small_limit, django_capture_on_commit_callbacks, settings
):
    settings.GONGZHI_EXPORT_BACKGROUND_ROWS = 1
    client = client_as(world.users["secretary"])
    grid = world.ours.grid
    expected = sorted(h.code for h in world.ours.households if h.area.path.startswith(grid.path))
    assert len(expected) > 1
    _export(client, django_capture_on_commit_callbacks, within=grid.pk)
    job = ExportJob.objects.get()
    assert job.rows_total == len(expected) and "within" in job.query
    download = client.get(reverse("core:export_download", args=[job.pk]))
    sheet = openpyxl.load_workbook(BytesIO(b"".join(download.streaming_content))).active
    assert sorted(r[0] for r in list(sheet.iter_rows(values_only=True))[1:]) == expected


def test_a_short_export_still_streams_at_once(world, client_as, settings):
    settings.GONGZHI_EXPORT_BACKGROUND_ROWS = 1000
    response = client_as(world.users["secretary"]).get(
        reverse("areas:household_list"), {"export": "xlsx"}
    )
    assert response.status_code == 200 and not ExportJob.objects.exists()


def test_the_limit_is_exclusive(world, client_as, small_limit, settings):
    from gongzhi.areas.models import Household

    settings.GONGZHI_EXPORT_BACKGROUND_ROWS = len(world.ours.households)
    queryset = Household.objects.filter(pk__in=[h.pk for h in world.ours.households])
    assert not exports.wants_background(queryset)  # at the limit: in the request
    settings.GONGZHI_EXPORT_BACKGROUND_ROWS -= 1
    assert exports.wants_background(queryset)


def test_nobody_else_sees_or_downloads_a_job(
    world, client_as, small_limit, django_capture_on_commit_callbacks
):
    _export(client_as(world.users["secretary"]), django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    other = client_as(world.users["street_admin"])  # more reach, still not theirs
    assert other.get(job.get_absolute_url()).status_code == 404
    assert other.get(reverse("core:export_download", args=[job.pk])).status_code == 404
    assert job.get_absolute_url() not in other.get(reverse("core:export_list")).content.decode()


def test_the_progress_fragment_polls_until_done(world, client_as, small_limit):
    client = client_as(world.users["secretary"])
    job = ExportJob.objects.create(
        user=world.users["secretary"], name="x", title="住户", fmt="xlsx", path="/", rows_total=10
    )
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.RUNNING, rows_done=4)
    fragment = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in fragment and 'value="40"' in fragment
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.FAILED, error="生成文件失败")
    fragment = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in fragment and "生成文件失败" in fragment


def test_a_job_runs_once(world, small_limit):
    job = ExportJob.objects.create(
        user=world.users["secretary"], name="x", title="住户", fmt="xlsx", path="/households/"
    )
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.RUNNING)
    exports.run_job(job.pk)  # taken by another worker: left alone
    assert ExportJob.objects.get(pk=job.pk).file == ""


def test_a_deactivated_user_gets_no_file(
    world, client_as, small_limit, django_capture_on_commit_callbacks
):
    user = world.users["secretary"]
    job = ExportJob.objects.create(
        user=user, name="x", title="住户", fmt="csv", path=reverse("areas:household_list")
    )
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    exports.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.FAILED and not job.file


def test_old_jobs_and_their_files_go(
    world, client_as, small_limit, django_capture_on_commit_callbacks
):
    _export(
        client_as(world.users["secretary"]),
        django_capture_on_commit_callbacks,
    )
    job = ExportJob.objects.get()
    path = exports.job_file(job)
    assert path is not None and path.exists()
    now = timezone.now()
    assert exports.prune_jobs(now + timedelta(days=6)) == 0
    assert exports.prune_jobs(now + timedelta(days=8)) == 1
    assert not path.exists() and not ExportJob.objects.exists()


def test_a_job_lost_with_its_worker_is_failed_after_an_hour(world):
    job = ExportJob.objects.create(
        user=world.users["secretary"], name="x", title="住户", fmt="xlsx", path="/"
    )
    now = timezone.now()
    exports.prune_jobs(now + timedelta(minutes=59))
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.QUEUED
    exports.prune_jobs(now + timedelta(minutes=61))
    job.refresh_from_db()
    assert job.status == ExportJob.FAILED and job.error


def test_a_list_whose_table_depends_on_the_user_exports_through_the_worker(
    world, client_as, small_limit, django_capture_on_commit_callbacks
):
    """The residents' list picks its columns per user (sensitive ones masked): the worker
    builds the same table for the same user."""
    from datetime import date

    from gongzhi.residents.testing import add_person

    for i in range(3):
        add_person(world, world.ours.households[0], f"居民{i}", date(1980, 1, 1 + i), 10 + i)
    client = client_as(world.users["secretary"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("residents:list"), {"export": "xlsx"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.status == ExportJob.DONE, job.error
    download = client.get(reverse("core:export_download", args=[job.pk]))
    sheet = openpyxl.load_workbook(BytesIO(b"".join(download.streaming_content))).active
    names = {row[0] for row in list(sheet.iter_rows(values_only=True))[1:]}
    assert {"居民0", "居民1", "居民2"} <= names


def test_a_failing_job_says_so(world, small_limit):
    job = ExportJob.objects.create(
        user=world.users["secretary"], name="x", title="住户", fmt="xlsx", path="/no/such/list/"
    )
    with pytest.raises(Exception):  # noqa: B017 (the worker logs it; the job says so)
        exports.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.FAILED and job.error


def test_the_file_is_readable_by_the_service_only(
    world, client_as, small_limit, django_capture_on_commit_callbacks
):
    _export(client_as(world.users["secretary"]), django_capture_on_commit_callbacks)
    path = exports.job_file(ExportJob.objects.get())
    assert path.stat().st_mode & 0o777 == 0o600
