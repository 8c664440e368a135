"""The audit log: what gets recorded, that records cannot change, the hash chain, the page."""

import importlib
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from gongzhi.accounts.roles import Role
from gongzhi.core import audit
from gongzhi.core.models import AppendOnlyError, AuditLog
from gongzhi.core.testing import PASSWORD

append_only = importlib.import_module("gongzhi.core.migrations.0002_auditlog_append_only")

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 in Asia/Shanghai
AUDIT = "/audit/"


def last(action) -> AuditLog:
    return AuditLog.objects.filter(action=action).latest("id")


# --- What is recorded ------------------------------------------------------------


def test_sign_in_record_holds_time_user_role_action_result_and_address(world, client):
    with time_machine.travel(T0, tick=False):
        client.post(
            reverse("accounts:login"),
            {"username": "sj", "password": PASSWORD},
            REMOTE_ADDR="192.0.2.10",
        )
    record = last("accounts.signin.succeeded")
    secretary = world.users["secretary"]
    assert record.time == T0
    assert (record.user_id, record.username, record.role) == (secretary.pk, "sj", "社区书记")
    assert (record.result, record.ip, record.channel) == ("success", "192.0.2.10", "web")
    assert record.area_path == world.ours.community.path


def test_failed_sign_in_sign_out_and_lockout_are_recorded(world, client):
    post = {"REMOTE_ADDR": "192.0.2.11"}
    client.post(reverse("accounts:login"), {"username": "gz", "password": "nope"}, **post)
    failed = last("accounts.signin.failed")
    assert (failed.username, failed.result, failed.ip) == ("gz", "failure", "192.0.2.11")

    client.post(reverse("accounts:login"), {"username": "gz", "password": PASSWORD}, **post)
    client.post(reverse("accounts:logout"), **post)
    signout = last("accounts.signout")
    assert (signout.user_id, signout.ip) == (world.users["staff"].pk, "192.0.2.11")

    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": "gz", "password": "nope"}, **post)
    locked = last("accounts.signin.locked")
    assert (locked.username, locked.result, locked.ip) == ("gz", "denied", "192.0.2.11")


def test_service_write_through_a_page_is_recorded_with_its_target(world, client_as):
    client = client_as(world.users["secretary"])
    client.post(
        reverse("accounts:user_create"),
        {
            "username": "xinren",
            "full_name": "新人",
            "password": "Initial-Pass-2026",
            "role": Role.COMMUNITY_STAFF,
            "area": world.ours.grid.pk,
        },
        REMOTE_ADDR="192.0.2.12",
    )
    record = last("accounts.user.created")
    assert (record.user_id, record.ip, record.result) == (
        world.users["secretary"].pk,
        "192.0.2.12",
        "success",
    )
    assert (record.target_type, record.target_repr) == ("accounts.user", "新人")
    assert record.area_path == world.ours.grid.path


def test_permission_denial_and_export_are_recorded(world, client_as):
    client = client_as(world.users["secretary"])
    assert client.get(AUDIT, REMOTE_ADDR="192.0.2.13").status_code == 403
    denied = last("core.permission.denied")
    assert (denied.user_id, denied.result, denied.ip) == (
        world.users["secretary"].pk,
        "denied",
        "192.0.2.13",
    )
    assert denied.data["perm"] == "core.view_auditlog"

    client.get(reverse("areas:household_list"), {"export": "xlsx"}, REMOTE_ADDR="192.0.2.14")
    exported = last("core.list.exported")
    assert (exported.ip, exported.data["list"]) == ("192.0.2.14", "households")


def test_a_command_records_no_address_and_the_system_channel(world):
    record = audit.log("core.test.system_event")
    assert (record.ip, record.channel, record.user_id) == (None, "system", None)
    assert record.area_path == world.district.path  # belongs to the deployment's district


# --- Records cannot be changed or deleted -------------------------------------------


@pytest.fixture
def record(world):
    return audit.log("core.test.event", actor=world.users["staff"], data={"n": 1})


def test_model_refuses_change_and_delete(record):
    record.result = "failure"
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()


def test_queryset_refuses_change_and_delete(record):
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=record.pk).update(result="failure")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=record.pk).delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditLog.objects.bulk_update([record], ["result"])
    assert AuditLog.objects.get(pk=record.pk).result == "success"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditlog SET result = 'failure' WHERE id = %s",
        "DELETE FROM core_auditlog WHERE id = %s",
    ],
)
def test_database_refuses_raw_update_and_delete(record, sql):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [record.pk])
    assert AuditLog.objects.get(pk=record.pk).result == "success"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_database_refuses_truncate(record):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE core_auditlog")
    assert AuditLog.objects.filter(pk=record.pk).exists()


# --- Hash chain ------------------------------------------------------------------


@pytest.fixture
def without_triggers(db):
    """What an attacker with database access does first. Put back afterwards."""
    vendor = connection.vendor
    drop = {"sqlite": append_only.SQLITE_DROP, "postgresql": append_only.POSTGRES_DROP}[vendor]
    create = {"sqlite": append_only.SQLITE, "postgresql": append_only.POSTGRES}[vendor]
    with connection.cursor() as cursor:
        for sql in drop:
            cursor.execute(sql)
    yield
    with connection.cursor() as cursor:
        for sql in create:
            cursor.execute(sql)


@pytest.fixture
def chain(world):
    return [
        audit.log(f"core.test.n{i}", actor=world.users["staff"], data={"i": i}) for i in range(6)
    ]


def test_intact_chain_verifies(chain):
    checked, broken = audit.verify_chain(batch=4)  # more than one batch
    assert broken is None
    assert checked == AuditLog.objects.count()
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "审计日志完好" in out.getvalue()
    assert chain[-1].hash in out.getvalue()


def test_changed_record_is_detected(chain, without_triggers):
    victim = chain[2]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditlog SET result = 'failure' WHERE id = %s", [victim.pk])
    assert audit.verify_chain(batch=4)[1] == victim.pk
    with pytest.raises(CommandError, match=str(victim.pk)):
        call_command("audit_verify", stdout=StringIO())


def test_deleted_record_is_detected(chain, without_triggers):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [chain[3].pk])
    assert audit.verify_chain()[1] == chain[4].pk


def test_rehashed_record_is_still_detected(chain, without_triggers):
    """Recomputing the changed record's own hash breaks the link to the next one."""
    victim = AuditLog.objects.get(pk=chain[2].pk)
    victim.username = "someone-else"
    forged = audit.compute_hash(victim)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditlog SET username = %s, hash = %s WHERE id = %s",
            ["someone-else", forged, victim.pk],
        )
    assert audit.verify_chain()[1] == chain[3].pk


def test_triggers_are_back_after_the_tampering_tests(record):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [record.pk])


# --- The audit page ------------------------------------------------------------------


@pytest.fixture
def history(world):
    """Records at known times (Asia/Shanghai dates in the comments)."""
    staff, grid_worker = world.users["staff"], world.users["grid_worker"]
    rows = [
        (datetime(2026, 3, 1, 2, 0, tzinfo=UTC), "test.alpha.one", staff, "success"),  # 03-01
        (
            datetime(2026, 3, 2, 15, 30, tzinfo=UTC),
            "test.alpha.two",
            grid_worker,
            "failure",
        ),  # 03-02 23:30
        (datetime(2026, 3, 2, 16, 30, tzinfo=UTC), "test.beta.one", staff, "denied"),  # 03-03 00:30
    ]
    for when, action, actor, result in rows:
        with time_machine.travel(when, tick=False):
            audit.log(action, actor=actor, result=result)
    audit.log("test.elsewhere", username="x", area_path="/510108/001/")  # another district


def listed(client, **params) -> set[str]:
    response = client.get(AUDIT, params)
    assert response.status_code == 200
    body = response.content.decode()
    return {
        a
        for a in ["test.alpha.one", "test.alpha.two", "test.beta.one", "test.elsewhere"]
        if a in body
    }


def test_auditor_sees_the_district_and_filters(world, client_as, history):
    client = client_as(world.users["auditor"])
    assert listed(client) == {"test.alpha.one", "test.alpha.two", "test.beta.one"}
    assert listed(client, action="test.alpha") == {"test.alpha.one", "test.alpha.two"}
    assert listed(client, result="failure") == {"test.alpha.two"}
    assert listed(client, username="gz") == {"test.alpha.one", "test.beta.one"}
    assert listed(client, since="2026-03-02", until="2026-03-02") == {"test.alpha.two"}
    assert listed(client, since="2026-03-03") == {"test.beta.one"}
    assert listed(client, until="2026-03-01") == {"test.alpha.one"}


def test_system_administrator_sees_every_district(world, client_as, history):
    client = client_as(world.users["superuser"])
    assert "test.elsewhere" in listed(client)


def test_auditor_of_a_street_sees_only_that_street(world, client_as, history):
    from gongzhi.areas.services import create_area
    from gongzhi.core.testing import make_user

    other_street = create_area(
        actor=world.users["superuser"],
        parent=world.district,
        level=2,
        code="510107002",
        name="二街道",
    )
    audit.log("test.other.street", username="y", area_path=other_street.path)
    street_auditor = make_user("sh2", Role.AUDITOR, world.street)
    client = client_as(street_auditor)
    body = client.get(AUDIT).content.decode()
    assert "test.alpha.one" in body
    assert "test.other.street" not in body


@pytest.mark.parametrize("who", ["secretary", "district_admin", "street_admin", "resident"])
def test_page_refused_to_other_roles_and_the_refusal_recorded(world, client_as, history, who):
    user = world.users[who]
    client = client_as(user)
    assert client.get(AUDIT, REMOTE_ADDR="192.0.2.20").status_code == 403
    assert client.get(AUDIT, {"export": "xlsx"}).status_code == 403
    denied = AuditLog.objects.filter(action="core.permission.denied", user_id=user.pk)
    assert denied.count() == 2
    assert denied.earliest("id").ip == "192.0.2.20"


def test_page_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(AUDIT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_audit_export_is_itself_audited(world, client_as, history):
    client = client_as(world.users["auditor"])
    response = client.get(AUDIT, {"export": "xlsx", "action": "test.alpha"})
    assert response.status_code == 200
    record = last("core.list.exported")
    assert record.data["list"] == "audit-log"
    assert "action=test.alpha" in record.data["query"]


def test_records_are_kept_however_old(world):
    """Retention (≥ 6 months, Cybersecurity Law art. 21): nothing in the application
    deletes records; a record from years ago is still there and still verifies."""
    with time_machine.travel(T0 - timedelta(days=3 * 365), tick=False):
        old = audit.log("core.test.ancient")
    call_command("audit_verify", stdout=StringIO())
    assert AuditLog.objects.filter(pk=old.pk).exists()
