from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError

from gongzhi.core.bulk import insert_rows
from gongzhi.core.models import ParameterValue

pytestmark = [pytest.mark.django_db]
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def stored(key):
    return ParameterValue.objects.filter(key=key).values(
        "value", "effective_from", "note", "created_at"
    )[0]


@time_machine.travel(NOW, tick=False)
def test_a_row_is_written_as_save_writes_it():
    ParameterValue.objects.create(key="a", value={"x": [1, "二"]}, effective_from=date(2026, 1, 1))
    count = insert_rows(
        ParameterValue,
        ("key", "value", "effective_from"),
        iter([("b", {"x": [1, "二"]}, date(2026, 1, 1))]),
    )
    assert count == 1
    assert stored("b") == stored("a")
    assert stored("b")["created_at"] == NOW and stored("b")["note"] == ""


def test_many_rows_in_chunks(monkeypatch):
    monkeypatch.setattr("gongzhi.core.bulk.CHUNK", 3)
    rows = [(f"k{i}", i, date(2026, 1, 1)) for i in range(10)]
    assert insert_rows(ParameterValue, ("key", "value", "effective_from"), rows) == 10
    assert sorted(ParameterValue.objects.values_list("value", flat=True)) == list(range(10))


def test_conflicts_are_skipped_only_when_asked():
    ParameterValue.objects.create(key="a", value=1, effective_from=date(2026, 1, 1))
    rows = [("a", 2, date(2026, 1, 1)), ("a", 3, date(2026, 2, 1))]
    assert insert_rows(
        ParameterValue, ("key", "value", "effective_from"), rows, ignore_conflicts=True
    )
    assert sorted(ParameterValue.objects.values_list("value", flat=True)) == [1, 3]
    with pytest.raises(IntegrityError):
        insert_rows(ParameterValue, ("key", "value", "effective_from"), rows[:1])


def test_row_and_field_names_must_agree():
    with pytest.raises(ValueError):
        insert_rows(ParameterValue, ("key", "value"), [("a", 1, date(2026, 1, 1))])
    with pytest.raises(ValueError):
        insert_rows(ParameterValue, ("key", "key"), [("a", "a")])


def test_rows_with_explicit_ids_move_the_sequence_past_them(django_user_model):
    # The next row made the normal way (a service's save()) must not take one of their
    # ids: on PostgreSQL the sequence does not see ids written by hand.
    from gongzhi.core.params import registry, set_parameter

    admin = django_user_model.objects.create_superuser("params_admin", password="x")
    key = next(iter(registry()))
    probe = ParameterValue.objects.create(key="probe", value=0, effective_from=date(2026, 1, 1))
    last = probe.pk  # the sequence's last value: the next ones are taken by hand
    probe.delete()
    ids = [last + 1, last + 2, last + 3]
    rows = [(pk, f"k{pk}", 1, date(2026, 1, 1)) for pk in ids]
    assert insert_rows(ParameterValue, ("id", "key", "value", "effective_from"), rows) == 3
    default = registry()[key].default
    row = set_parameter(
        actor=admin, key=key, new_value=default, effective_from=date(2099, 2, 1), note="测试"
    )
    assert row.pk > ids[-1]


def test_a_zombie_process_is_not_alive():
    """kill -9 of the server's process group leaves its workers zombies until init reaps
    them; the restarted server must take back their imports all the same."""
    import os
    import subprocess
    import sys
    import time

    from gongzhi.core.bulk import _alive

    assert _alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603
    for _ in range(200):  # it exits; not waited for, it stays a zombie
        with open(f"/proc/{child.pid}/stat") as stat:
            if stat.read().rpartition(")")[2].split()[0] == "Z":
                break
        time.sleep(0.01)
    assert not _alive(child.pid)
    child.wait()
    assert not _alive(child.pid)


def test_a_process_is_known_by_its_start_time_not_only_its_id():
    """A pid taken again by a new process after a restart is not the importing process."""
    import os

    from gongzhi.core.bulk import _alive, process_identity

    machine, pid, started = process_identity()
    assert pid == os.getpid() and started > 0 and machine
    assert _alive(pid, started)
    assert not _alive(pid, started + 1)  # same id, another process


@pytest.mark.django_db
def test_an_import_whose_batches_were_taken_back_meanwhile_fails():
    """recover() took the write for dead (it stalled past the stale time) and deleted its
    rows: the write must not then report success."""
    from django.db import transaction

    from gongzhi.core.bulk import Written
    from gongzhi.core.errors import Conflict
    from gongzhi.core.models import Holiday, PendingWrite

    written = Written("test.import")
    with transaction.atomic():
        holiday = Holiday.objects.create(date=date(2027, 2, 1), is_working_day=False)
        written.add(Holiday, [holiday.pk])
    PendingWrite.objects.all().delete()  # as recover() does
    with pytest.raises(Conflict), transaction.atomic():
        written.done()
