import io
import os
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
import xlsxwriter

from gongzhi.core.models import AuditLog
from gongzhi.party.testing import id_number
from gongzhi.residents.imports import ResidentImporter
from gongzhi.residents.models import Resident, ResidentMove

pytestmark = [pytest.mark.django_db]
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
HEADERS = [str(c.header) for c in ResidentImporter.columns]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def workbook(rows) -> io.BytesIO:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADERS)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, [row.get(h, "") for h in HEADERS])
    book.close()
    buffer.seek(0)
    buffer.name = "census.xlsx"
    return buffer


def row(n, door="101", **extra):
    base = {
        "社区": "和顺社区",
        "网格": "和顺第1网格",
        "小区/院落": "和顺花园",
        "楼栋": "1栋",
        "单元": "1单元",
        "门牌号": door,
        "姓名": f"居民{n}",
        "身份证号": id_number(date(1950, 1, 1) + (date(1950, 1, 2) - date(1950, 1, 1)) * n, n),
        "联系电话": "13812345678",
        "与户主关系": "户主" if n == 0 else "子女",  # one head per household
    }
    return {**base, **extra}


def run(world, rows, partial=False, user="staff"):
    return ResidentImporter(actor=world.users[user]).run(workbook(rows), partial=partial)


def test_import_writes_all_rows_in_one_audit(world):
    rows = [row(i, door=["101", "201", "301"][i % 3]) for i in range(30)]
    rows[0]["是否流动人口"] = "是"
    rows[0]["来源地"] = "重庆市"
    result = run(world, rows)
    assert result.ok, result.errors
    assert result.written == 30 and Resident.objects.count() == 30
    assert ResidentMove.objects.count() == 30
    assert Resident.objects.get(name="居民0").floating
    assert AuditLog.objects.filter(action="residents.resident.imported").count() == 1


def test_three_bad_rows_write_nothing_or_only_the_good_ones(world):
    rows = [row(i, door=["101", "201", "301"][i % 3]) for i in range(40)]
    bad_checksum = rows[5]["身份证号"][:-1] + ("0" if rows[5]["身份证号"][-1] != "0" else "1")
    rows[5]["身份证号"] = bad_checksum
    rows[10]["身份证号"] = rows[11]["身份证号"]
    rows[20]["门牌号"] = "999"
    result = run(world, rows)
    assert result.written == 0 and Resident.objects.count() == 0
    reasons = {(e.row, e.column): e.reason for e in result.errors}
    assert "校验位" in reasons[(7, "身份证号")]
    assert any(r == 13 and "重复" in reason for (r, _c), reason in reasons.items())
    assert "不存在或不在您的管理范围内" in reasons[(22, "门牌号")]
    assert result.failed == 3 and result.has_error_workbook
    partial = run(world, rows, partial=True)
    assert partial.written == 37 and Resident.objects.count() == 37


def test_existing_id_and_sibling_addresses_are_refused(world):
    from gongzhi.residents.testing import add_person

    existing = add_person(world, world.ours.households[0], "已在住", date(1950, 1, 1), 0)
    rows = [row(0), row(1, **{"社区": "邻里社区", "网格": "邻里第1网格", "小区/院落": "邻里花园"})]
    rows[0]["身份证号"] = existing.id_number_full()
    result = run(world, rows)
    assert result.written == 0 and result.failed == 2
    assert Resident.objects.count() == 1


def test_grid_worker_imports_only_into_their_grid(world):
    result = run(world, [row(1)], user="grid_worker")
    assert result.written == 1


def test_import_makes_no_query_per_row(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run(world, [row(0)])
    Resident.objects.all().delete()
    with CaptureQueriesContext(connection) as few:
        run(world, [row(i) for i in range(1, 4)])
    with CaptureQueriesContext(connection) as many:
        run(world, [row(i) for i in range(10, 70)])
    # Bulk inserts are split into batches by the database's parameter limit; no query per row.
    assert len(many) - len(few) <= 4


def test_import_pages(world, client_as):
    from django.urls import reverse

    client = client_as(world.users["staff"])
    assert client.get(reverse("residents:import")).status_code == 200
    template = client.get(reverse("residents:import_template"))
    assert template.status_code == 200
    response = client.post(
        reverse("residents:import"), {"file": workbook([row(1), row(2, door="201")])}
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    assert Resident.objects.count() == 2


def test_an_id_registered_during_the_import_refuses_it_whole(world, monkeypatch):
    """A person registered between the check and the insert: the unique constraint stops
    the insert, the whole import rolls back with a conflict, the audit stays truthful."""
    from gongzhi.residents import services
    from gongzhi.residents.testing import add_person

    existing = add_person(world, world.ours.households[0], "已在住", date(1950, 1, 1), 0)
    rows = [row(i, door=["101", "201", "301"][i % 3]) for i in range(1, 5)]
    rows[2]["身份证号"] = existing.id_number_full()
    monkeypatch.setattr(services, "_present_ids", lambda digests: {})
    result = run(world, rows)
    assert result.refused and result.written == 0
    assert Resident.objects.count() == 1 and ResidentMove.objects.count() == 1
    assert not AuditLog.objects.filter(action="residents.resident.imported").exists()


def test_care_tags_are_set_and_sensitive_ones_need_the_role(world):
    from gongzhi.residents.models import CareTag, ResidentTag

    CareTag.objects.create(name="空巢老人", sort=1)
    CareTag.objects.create(name="残疾人", sensitive=True, sort=2)
    rows = [row(1, **{"关爱标签": "空巢老人、残疾人"}), row(2), row(3, **{"关爱标签": "空巢老人"})]
    result = run(world, rows)
    assert result.ok, result.errors
    tagged = {
        (link.resident.name, link.tag.name)
        for link in ResidentTag.objects.select_related("resident", "tag")
    }
    assert tagged == {("居民1", "空巢老人"), ("居民1", "残疾人"), ("居民3", "空巢老人")}
    refused = run(world, [row(4, **{"关爱标签": "残疾人"})], user="grid_worker")
    assert refused.written == 0
    assert "无权标注敏感标签" in refused.errors[0].reason


def test_a_bulk_registered_row_is_the_row_register_resident_writes(world):
    """The census import writes with plain inserts: each column, the defaults, the search
    keys, created_at/updated_at and version come out as ``save()`` writes them."""
    from gongzhi.residents import services

    household, actor = world.ours.households[0], world.users["staff"]
    profile = {
        "phone": "138 1234 5678",
        "floating": True,
        "origin": "重庆市",
        "arrived_on": date(2020, 3, 1),
        "work_or_school": "和顺小学",
    }
    single = services.register_resident(
        actor=actor,
        household=household,
        name="曾小明",
        id_number=id_number(date(1980, 5, 6), 1),
        relation="spouse",
        on=date(2026, 1, 1),
        **profile,
    )
    outcome = services.register_residents(
        [
            services.ResidentRow(
                ref=2,
                name="曾小明",
                id_number=id_number(date(1980, 5, 6), 3),
                relation="spouse",
                household=household,
                profile=profile,
            )
        ],
        actor=actor,
        on=date(2026, 1, 1),
    )
    assert outcome.written == 1 and not outcome.errors
    bulk = Resident.objects.exclude(pk=single.pk).get()
    differ = {"id", "id_number_enc", "id_number_hash", "id_tail"}
    fields = [f.attname for f in Resident._meta.concrete_fields if f.attname not in differ]
    assert (
        Resident.objects.filter(pk=bulk.pk).values(*fields)[0]
        == (Resident.objects.filter(pk=single.pk).values(*fields)[0])
    )
    assert bulk.id_number_full() == id_number(date(1980, 5, 6), 3)
    assert (bulk.initials, bulk.phone_tail, bulk.created_at) == ("zxm", "5678", NOW)
    moves = ResidentMove.objects.order_by("id").values(
        "resident_id", "kind", "on", "from_household", "to_household", "actor"
    )
    assert list(moves) == [{**moves[0], "resident_id": pk} for pk in (single.pk, bulk.pk)]


def test_the_error_workbook_is_kept_encrypted_private_and_briefly(
    world, client_as, settings, tmp_path
):
    """Outside security test, finding 10: error workbooks held full ID numbers in clear
    text, readable by every local user, and outlived their time."""
    from django.urls import reverse

    from gongzhi.core import imports
    from gongzhi.core.tasks import run_due

    settings.VAR_DIR = tmp_path
    client = client_as(world.users["staff"])
    bad = row(2, 社区="不存在的社区")
    response = client.post(reverse("residents:import"), {"file": workbook([row(1), bad])})
    result_page = client.get(response["Location"])
    assert result_page.status_code == 200
    stored = list((tmp_path / "imports").iterdir())
    assert {p.suffix for p in stored} == {".json", ".enc"}
    for path in stored:
        assert path.stat().st_mode & 0o777 == 0o600
    sealed = next(p for p in stored if p.suffix == ".enc").read_bytes()
    assert bad["身份证号"].encode() not in sealed and b"PK" not in sealed[:4]
    key = response["Location"].rstrip("/").rsplit("/", 1)[1]
    download = client.get(reverse("residents:import_errors", args=[key]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert bad["身份证号"] in [c.value for c in book.active[2]]
    # Its time is up: the periodic loop deletes it, and the page answers 404.
    expired = time.time() - imports.RESULT_TTL_SECONDS - 10
    for path in stored:
        os.utime(path, (expired, expired))
    assert run_due()["import_results_removed"] == 2
    assert not list((tmp_path / "imports").iterdir())
    assert client.get(reverse("residents:import_errors", args=[key])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_large_import_commits_batch_by_batch_and_fails_whole(flushable_audit_log, monkeypatch):
    """Outside security test, finding 3: a 200,000-row import held SQLite's one write lock
    for 75 s and other writers failed. The checks now run outside any transaction and the
    rows go in batches that each commit; a failing batch takes the earlier ones back."""
    from django.db import connection

    from gongzhi.core.testing import build_world
    from gongzhi.residents import services

    world = build_world()
    monkeypatch.setattr(services, "BULK_BATCH", 2)
    rows = [row(i, door=["101", "201", "301"][i % 3]) for i in range(1, 8)]  # 4 batches
    commits, writes_in_transaction, reads_outside = [], [], []
    real_commit = connection.commit

    def counting_commit():
        commits.append(1)
        return real_commit()

    def observe(execute, sql, params, many, context):
        # core.bulk.insert_rows: INSERTs on SQLite, COPY on PostgreSQL.
        if (
            sql.lstrip()
            .upper()
            .startswith(('INSERT INTO "RESIDENTS_RESIDENT"', 'COPY "RESIDENTS_RESIDENT"'))
        ):
            writes_in_transaction.append(connection.in_atomic_block)
        elif "residents_resident" in sql and sql.lstrip().upper().startswith("SELECT"):
            reads_outside.append(not connection.in_atomic_block)
        return execute(sql, params, many, context)

    monkeypatch.setattr(connection, "commit", counting_commit)
    with connection.execute_wrapper(observe):
        result = run(world, rows)
    assert result.ok and result.written == 7
    assert len(writes_in_transaction) == 4 and all(writes_in_transaction)
    assert len(commits) >= 4  # one a batch, not one for the whole import
    assert any(reads_outside)  # the duplicate checks read before any transaction opens

    # The third batch of another import fails: nothing of it stays.
    before = (Resident.objects.count(), ResidentMove.objects.count())
    real_insert = services.insert_rows
    inserted = []

    def failing_third(model, names, values, **kw):
        if model is Resident:
            inserted.append(1)
            if len(inserted) == 3:
                from django.db import IntegrityError

                raise IntegrityError("UNIQUE constraint failed (simulated)")
        return real_insert(model, names, values, **kw)

    monkeypatch.setattr(services, "insert_rows", failing_third)
    more = [row(i, door=["101", "201", "301"][i % 3]) for i in range(20, 27)]
    result = run(world, more)
    assert result.refused and result.written == 0
    assert (Resident.objects.count(), ResidentMove.objects.count()) == before


@pytest.mark.django_db(transaction=True)
def test_an_import_cut_short_by_a_dead_process_is_taken_back(flushable_audit_log, monkeypatch):
    """load.py, kill -9 at 40% of an import: the committed batches stayed (40,000 of
    100,000 rows). Each batch now records its rows in its own transaction; the next
    ``gongzhi run`` takes back the batches of a process that is gone on this machine, the
    periodic jobs those of any import that has not moved for a while."""
    import subprocess
    import sys
    from datetime import timedelta

    from gongzhi.core import bulk
    from gongzhi.core.models import AuditLog, PendingWrite
    from gongzhi.core.testing import build_world
    from gongzhi.residents import services

    world = build_world()
    monkeypatch.setattr(services, "BULK_BATCH", 2)
    before = (Resident.objects.count(), ResidentMove.objects.count())

    class Killed(BaseException):
        """The process ends here: nothing after this line of the import runs."""

    real_insert, inserted = services.insert_rows, []

    def dying_on_the_third(model, names, values, **kw):
        if model is Resident:
            inserted.append(1)
            if len(inserted) == 3:
                raise Killed
        return real_insert(model, names, values, **kw)

    monkeypatch.setattr(services, "insert_rows", dying_on_the_third)
    monkeypatch.setattr(bulk.Written, "undo", lambda self: None)  # a dead process undoes nothing
    rows = [row(i, door=["101", "201", "301"][i % 3]) for i in range(30, 37)]
    with pytest.raises(Killed):
        run(world, rows)
    assert Resident.objects.count() == before[0] + 4  # two whole batches stayed
    assert PendingWrite.objects.count() == 6  # residents, moves, tags of each batch

    # The process is alive: nothing is taken back.
    assert bulk.recover() == []
    # Its process is gone (a pid that has ended on this machine).
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],  # noqa: S603
        capture_output=True,
        text=True,
        check=True,
    )
    PendingWrite.objects.update(pid=int(gone.stdout))
    (undone,) = bulk.recover()
    assert undone["label"] == "residents.import" and undone["batches"] == 6
    assert undone["why"] == "process_gone"
    assert (Resident.objects.count(), ResidentMove.objects.count()) == before
    assert not PendingWrite.objects.exists()
    assert AuditLog.objects.filter(action="core.bulk_write.undone").count() == 1

    # Elsewhere (another machine): taken back once it has not moved for the stale time.
    inserted.clear()
    with pytest.raises(Killed):
        run(world, rows)
    PendingWrite.objects.update(host="another-machine")
    last = PendingWrite.objects.latest("created_at").created_at
    stale = timedelta(seconds=600)
    assert bulk.recover(stale_after=stale, now=last + stale - timedelta(seconds=1)) == []
    (undone,) = bulk.recover(stale_after=stale, now=last + stale)
    assert undone["why"] == "stale"
    assert (Resident.objects.count(), ResidentMove.objects.count()) == before


@pytest.mark.django_db(transaction=True)
def test_a_finished_import_leaves_no_pending_batches(flushable_audit_log):
    from gongzhi.core.models import PendingWrite
    from gongzhi.core.testing import build_world

    world = build_world()
    assert run(world, [row(40), row(41)]).written == 2
    assert not PendingWrite.objects.exists()
