"""`gongzhi backup` and `gongzhi restore` bring back every row, on SQLite and PostgreSQL.

The suite's database decides the vendor: SQLite by default (the in-memory test
database is reachable by name, so the online backup API works on it), PostgreSQL when
DATABASE_URL points at a server (CI runs both).
"""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.areas.choices import HouseholdStatus, Level
from gongzhi.areas.models import Area, Household
from gongzhi.core import audit
from gongzhi.core.models import AuditLog
from gongzhi.core.testing import build_world, make_area

SUFFIX = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}


def snapshot(model) -> dict:
    return {row["id"]: row for row in model.objects.order_by("id").values()}


def backup_to(path) -> str:
    out = io.StringIO()
    call_command("backup", output=str(path), stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_restore_finds_every_row_of_the_backup(tmp_path, flushable_audit_log):
    world = build_world()
    secretary = world.users["secretary"]
    household = world.ours.households[0]
    for i in range(3):
        audit.log("tests.backup.before", actor=secretary, target=household, data={"i": i})
    models = [Area, Household, User, RoleAssignment, AuditLog]
    before = {model: snapshot(model) for model in models}
    assert all(before.values())

    backup_file = tmp_path / f"gongzhi{SUFFIX[connection.vendor]}"
    message = backup_to(backup_file)
    assert "已备份数据库" in message
    assert str(backup_file) in message
    assert backup_file.stat().st_size > 0

    # Change, delete and add after the backup (the audit log only ever grows).
    Household.objects.filter(pk=household.pk).update(
        address="改过的地址", status=HouseholdStatus.VACANT
    )
    Household.objects.filter(area=world.sibling.unit).delete()
    RoleAssignment.objects.filter(user=secretary).delete()
    User.objects.filter(pk=world.users["nobody"].pk).delete()
    added_area = make_area(world.street, Level.COMMUNITY, "009", "备份后新建社区")
    audit.log("tests.backup.after", actor=secretary, target=added_area)
    assert snapshot(Household) != before[Household]

    out = io.StringIO()
    call_command("restore", str(backup_file), yes=True, stdout=out)
    assert "已从" in out.getvalue()

    for model in models:
        after = snapshot(model)
        missing = set(before[model]) - set(after)
        assert not missing, f"{model.__name__} rows lost: {sorted(missing)}"
        assert {pk: after[pk] for pk in before[model]} == before[model], model.__name__
    for model in [Area, Household, User, RoleAssignment]:
        assert snapshot(model) == before[model], f"{model.__name__} has rows from after the backup"
    assert not Area.objects.filter(pk=added_area.pk).exists()
    new_audit = AuditLog.objects.exclude(pk__in=before[AuditLog])
    assert list(new_audit.values_list("action", flat=True)) == ["core.database.restored"]
    assert audit.verify_chain() == (len(before[AuditLog]) + 1, None)


@pytest.mark.django_db(transaction=True)
def test_restore_asks_first_and_changes_nothing_without_yes(
    tmp_path, monkeypatch, flushable_audit_log
):
    backup_file = tmp_path / f"gongzhi{SUFFIX[connection.vendor]}"
    backup_to(backup_file)
    world = build_world()
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="已取消恢复"):
        call_command("restore", str(backup_file), stdout=io.StringIO())
    assert Area.objects.filter(pk=world.district.pk).exists()


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_not_a_backup_of_this_database(tmp_path):
    not_a_backup = tmp_path / "households.xlsx"
    not_a_backup.write_bytes(b"PK\x03\x04 a spreadsheet, not a backup")
    with pytest.raises(CommandError, match="不是共治的备份文件"):
        call_command("restore", str(not_a_backup), yes=True, stdout=io.StringIO())

    other_vendor = tmp_path / "other"
    magic = b"PGDMP" if connection.vendor == "sqlite" else b"SQLite format 3\x00"
    other_vendor.write_bytes(magic + b"\x00" * 100)
    with pytest.raises(CommandError, match="无法恢复"):
        call_command("restore", str(other_vendor), yes=True, stdout=io.StringIO())


@pytest.mark.django_db
def test_backup_and_restore_refuse_to_run_inside_a_transaction(tmp_path):
    # The test body runs inside a transaction: a snapshot would miss or block on its writes.
    with pytest.raises(CommandError, match="事务"):
        backup_to(tmp_path / "inside")
    assert not (tmp_path / "inside").exists()


@pytest.mark.django_db
def test_backup_never_overwrites_an_existing_file(tmp_path):
    existing = tmp_path / "keep.bak"
    existing.write_bytes(b"precious")
    with pytest.raises(CommandError, match="已存在"):
        backup_to(existing)
    assert existing.read_bytes() == b"precious"
