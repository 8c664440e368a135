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
        (datetime(2026, 3, 1, 2, 0, tzinfo=UTC), "core.holiday.created", staff, "success"),  # 03-01
        (
            datetime(2026, 3, 2, 15, 30, tzinfo=UTC),
            "core.holiday.deleted",
            grid_worker,
            "failure",
        ),  # 03-02 23:30
        (
            datetime(2026, 3, 2, 16, 30, tzinfo=UTC),
            "dues.payment.recorded",
            staff,
            "denied",
        ),  # 03-03 00:30
    ]
    for when, action, actor, result in rows:
        with time_machine.travel(when, tick=False):
            audit.log(action, actor=actor, result=result)
    audit.log("core.parameter.set", username="x", area_path="/510108/001/")  # another district


LABELS = {
    "core.holiday.created": "新增节假日调整",
    "core.holiday.deleted": "删除节假日调整",
    "dues.payment.recorded": "登记党费交纳",
    "core.parameter.set": "修改规则参数",
}


def rows_of(response, status=200) -> str:
    """The table's rows of a list page (the filter's drop-down names every action)."""
    assert response.status_code == status
    return response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def listed(client, **params) -> set[str]:
    rows = rows_of(client.get(AUDIT, params))
    return {action for action, label in LABELS.items() if label in rows}


def test_auditor_sees_the_district_and_filters(world, client_as, history):
    client = client_as(world.users["auditor"])
    everything = {"core.holiday.created", "core.holiday.deleted", "dues.payment.recorded"}
    assert listed(client) == everything
    assert listed(client, action="core.holiday.deleted") == {"core.holiday.deleted"}
    assert listed(client, result="failure") == {"core.holiday.deleted"}
    assert listed(client, username="gz") == {"core.holiday.created", "dues.payment.recorded"}
    assert listed(client, since="2026-03-02", until="2026-03-02") == {"core.holiday.deleted"}
    assert listed(client, since="2026-03-03") == {"dues.payment.recorded"}
    assert listed(client, until="2026-03-01") == {"core.holiday.created"}


def test_actions_and_channels_are_shown_by_their_chinese_labels(world, client_as):
    """Issue 13, defect 5: the page showed raw codes (``dues.payment.recorded``, ``web``)."""
    from gongzhi.core import context

    staff = world.users["staff"]
    for channel in ("web", "api", "token:ab12cd34", "system"):
        token = context.bind(context.RequestContext(ip="192.0.2.1", channel=channel))
        try:
            audit.log("dues.payment.recorded", actor=staff, data={"channel": channel})
        finally:
            context.reset(token)
    rows = rows_of(client_as(world.users["auditor"]).get(AUDIT))
    assert rows.count("登记党费交纳") == 4
    assert "dues.payment.recorded" not in rows
    for label in ("网页", "接口（登录会话）", "接口令牌 ab12cd34", "系统（命令或后台任务）"):
        assert f"<td>{label}</td>" in rows
    for code in ("web", "api", "token:ab12cd34", "system"):
        assert f"<td>{code}</td>" not in rows


def test_the_action_filter_is_a_choice_grouped_by_module(world, client_as, history):
    """Issue 13, defect 5: the action filter was free text."""
    page = client_as(world.users["auditor"]).get(AUDIT).content.decode()
    assert '<select name="action"' in page
    assert '<optgroup label="党费">' in page
    assert '<option value="dues.payment.recorded">登记党费交纳</option>' in page
    # Every labelled action of every module can be chosen.
    from gongzhi.core import modules

    for manifest in modules.manifests():
        for action in manifest.audit_labels:
            assert f'<option value="{action}">' in page, action


def test_a_bogus_filter_value_is_a_clear_message(world, client_as, history):
    """Issue 13, defect 5: a value that is no choice is named beside its field, never a
    server error, and lists nothing rather than everything."""
    client = client_as(world.users["auditor"])
    response = client.get(AUDIT, {"action": "dues.payment"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "事件" in page and "不在可选项中" in page
    assert "登记党费交纳" not in rows_of(response, 400)
    response = client.get(AUDIT, {"since": "2026-13-45", "action": "<b>x</b>"})
    assert response.status_code == 400
    assert "<b>x</b>" not in response.content.decode()


@pytest.fixture
def targeted(world):
    """A change of a household of our community and one of the sibling community."""
    ours, theirs = world.ours.households[0], world.sibling.households[0]
    street = world.users["street_admin"]
    audit.log("areas.household.changed", actor=street, target=ours)
    audit.log("areas.household.changed", actor=street, target=theirs)
    audit.log("areas.area.changed", actor=street, target=world.ours.grid)
    return ours, theirs


def test_the_target_links_to_its_page_only_for_those_who_may_open_it(world, client_as, targeted):
    """Issue 13, defect 5: the target is a link to the object when the viewer may open its
    page; the sibling's household is named (the auditor's scope) but not linked."""
    from gongzhi.accounts.models import RoleAssignment

    ours, theirs = targeted
    auditor = world.users["auditor"]
    rows = rows_of(client_as(auditor).get(AUDIT))
    assert str(ours) in rows and str(theirs) in rows
    assert "/areas/" not in rows  # an auditor alone opens no household or area page
    RoleAssignment.objects.create(
        user=auditor, role=Role.COMMUNITY_SECRETARY, area=world.ours.community
    )
    rows = rows_of(client_as(auditor).get(AUDIT))
    assert f'<a href="{ours.get_absolute_url()}">' in rows
    assert f'<a href="{world.ours.grid.get_absolute_url()}">' in rows
    assert theirs.get_absolute_url() not in rows and str(theirs) in rows
    rows = rows_of(client_as(world.users["superuser"]).get(AUDIT))
    assert f'<a href="{theirs.get_absolute_url()}">' in rows


def test_the_page_query_count_does_not_grow_with_its_rows(
    world, client_as, targeted, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(world.users["superuser"])
    with CaptureQueriesContext(connection) as few:
        rows_of(client.get(AUDIT))
    street = world.users["street_admin"]
    for household in [*world.ours.households, *world.sibling.households]:
        audit.log("areas.household.changed", actor=street, target=household)
        audit.log("core.holiday.created", actor=street)
    with CaptureQueriesContext(connection) as many:
        rows_of(client.get(AUDIT))
    assert len(many) == len(few)


def test_system_administrator_sees_every_district(world, client_as, history):
    client = client_as(world.users["superuser"])
    assert "core.parameter.set" in listed(client)


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
    audit.log("core.parameter.set", username="y", area_path=other_street.path)
    street_auditor = make_user("sh2", Role.AUDITOR, world.street)
    client = client_as(street_auditor)
    assert listed(client) == {
        "core.holiday.created",
        "core.holiday.deleted",
        "dues.payment.recorded",
    }


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
    response = client.get(AUDIT, {"export": "xlsx", "action": "core.holiday.created"})
    assert response.status_code == 200
    record = last("core.list.exported")
    assert record.data["list"] == "audit-log"
    assert "action=core.holiday.created" in record.data["query"]


def test_records_are_kept_however_old(world):
    """Retention (≥ 6 months, Cybersecurity Law art. 21): nothing in the application
    deletes records; a record from years ago is still there and still verifies."""
    with time_machine.travel(T0 - timedelta(days=3 * 365), tick=False):
        old = audit.log("core.test.ancient")
    call_command("audit_verify", stdout=StringIO())
    assert AuditLog.objects.filter(pk=old.pk).exists()


# --- A keyed chain and its checkpoints (outside security test, finding 6) ---------------


@pytest.fixture(params=["standard", "sm"])
def suite(request, settings):
    """Both cipher suites: HMAC-SHA256 and HMAC-SM3 (GONGZHI_CRYPTO=sm)."""
    settings.GONGZHI_CRYPTO = request.param
    settings.GONGZHI_AUDIT_KEY = "audit-key-kept-outside-the-database-0123456789"
    return request.param


@pytest.fixture
def keyed_chain(world, suite):
    return [
        audit.log(f"core.test.k{i}", actor=world.users["staff"], data={"i": i}) for i in range(6)
    ]


def rewrite_chain_from(start_id: int, hasher, *, unkeyed=False) -> None:
    """What the outside tester did: after changing the log, recompute every hash from
    ``start_id`` on so that each record links to the one before it again."""
    rows = list(AuditLog.objects.filter(id__gte=start_id).order_by("id"))
    prev = AuditLog.objects.filter(id__lt=start_id).order_by("-id").values_list("hash", flat=True)
    prev = prev.first() or ""
    with connection.cursor() as cursor:
        for row in rows:
            row.prev_hash = prev
            if unkeyed:
                row.key_id = None
            row.hash = hasher(row)
            cursor.execute(
                "UPDATE core_auditlog SET prev_hash = %s, hash = %s, key_id = %s WHERE id = %s",
                [row.prev_hash, row.hash, row.key_id, row.pk],
            )
            prev = row.hash


def sha256_of(row) -> str:
    import hashlib

    return hashlib.sha256(audit._canonical(row).encode()).hexdigest()


def test_records_name_the_algorithm_and_key_of_their_hash(keyed_chain, suite):
    name = "hmac-sm3" if suite == "sm" else "hmac-sha256"
    assert {r.key_id for r in AuditLog.objects.all()} == {keyed_chain[0].key_id}
    assert keyed_chain[0].key_id.startswith(name + ":")
    assert audit.verify().intact


def test_a_chain_rewritten_without_the_key_is_detected(keyed_chain, without_triggers):
    """Delete a record, recompute the chain after it: without the key the hashes do not
    match, whatever hash function the attacker guesses."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [keyed_chain[3].pk])
    rewrite_chain_from(keyed_chain[4].pk, sha256_of)
    assert audit.verify_chain()[1] == keyed_chain[4].pk
    with pytest.raises(CommandError, match="断裂"):
        call_command("audit_verify", stdout=StringIO())


def test_a_chain_rewritten_as_unkeyed_is_caught_by_its_checkpoint(keyed_chain, without_triggers):
    """Turning every record into a first-release (unkeyed) record makes a consistent chain,
    but the checkpoint written before the attack no longer matches."""
    assert audit.write_checkpoint()["id"] == AuditLog.objects.latest("id").pk
    first = AuditLog.objects.order_by("id").first().pk
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [keyed_chain[3].pk])
    rewrite_chain_from(first, sha256_of, unkeyed=True)
    assert audit.verify_chain()[1] is None  # the chain alone no longer tells
    result = audit.verify()
    assert not result.intact
    assert any("已不在或已被改动" in p for p in result.problems)


def test_deleting_the_newest_records_is_detected(keyed_chain, without_triggers):
    audit.write_checkpoint()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditlog WHERE id >= %s", [keyed_chain[4].pk])
    assert audit.verify_chain()[1] is None  # what is left is a consistent chain
    with pytest.raises(CommandError, match="最新的记录被删除"):
        call_command("audit_verify", stdout=StringIO())


def test_a_changed_checkpoint_line_is_detected(keyed_chain, settings):
    audit.write_checkpoint()
    path = settings.GONGZHI_AUDIT_CHECKPOINT_FILE
    text = path.read_text()
    path.write_text(text.replace(f'"id": {keyed_chain[-1].pk}', f'"id": {keyed_chain[-2].pk}'))
    result = audit.verify()
    assert any("签名不符" in p for p in result.problems)


def test_checkpoints_are_appended_to_a_private_file_only_when_the_log_grew(keyed_chain, settings):
    path = settings.GONGZHI_AUDIT_CHECKPOINT_FILE
    assert audit.write_checkpoint() is not None
    assert audit.write_checkpoint() is None  # nothing new
    audit.log("core.test.more")
    assert audit.write_checkpoint() is not None
    assert len(path.read_text().splitlines()) == 2
    assert path.stat().st_mode & 0o777 == 0o600
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "与 2 个检查点一致" in out.getvalue()


def test_records_of_the_first_releases_verify_before_the_keyed_ones(world, without_triggers):
    """Upgraded installations keep their unkeyed records; nothing unkeyed may follow a
    keyed record."""
    old = [audit.log(f"core.test.old{i}") for i in range(3)]
    rewrite_chain_from(old[0].pk, sha256_of, unkeyed=True)
    audit.log("core.test.new")
    assert audit.verify_chain() == (AuditLog.objects.count(), None)
    newer = audit.log("core.test.newer")
    rewrite_chain_from(newer.pk, sha256_of, unkeyed=True)
    assert audit.verify_chain()[1] == newer.pk


def test_the_daily_verification_alerts_the_security_officers(
    keyed_chain, world, without_triggers, caplog
):
    from gongzhi.core import tasks
    from gongzhi.core.models import Notification

    auditor = world.users["auditor"]
    assert tasks.run_due() == {"checkpoint": True, "verified": True}
    assert tasks.run_due() == {}  # nothing due again within the hour and the day
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditlog SET username = 'x' WHERE id = %s", [keyed_chain[1].pk])
    with time_machine.travel(datetime.now(tz=UTC) + timedelta(days=1, minutes=1)):
        assert tasks.run_due()["verified"] is False
    assert any(r.levelname == "CRITICAL" for r in caplog.records)
    alert = Notification.objects.get(user=auditor)
    assert "审计日志校验未通过" in alert.title
    assert Notification.objects.filter(user=world.users["superuser"]).exists()
    record = AuditLog.objects.filter(action="core.audit.verified").latest("id")
    assert record.result == "failure"
