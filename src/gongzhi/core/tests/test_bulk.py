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
