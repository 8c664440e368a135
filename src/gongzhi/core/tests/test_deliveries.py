"""The delivery log (core.deliveries) with real senders against a local server: what
notify() writes and when it is sent, the SMS rate limits at and around each threshold,
retries and giving up, the periodic job under two runners, and no phone in clear in
the log, the database or the log records."""

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from gongzhi.core import checks, deliveries, notifications, shared
from gongzhi.core.models import Delivery, Notification, ParameterValue
from gongzhi.core.models import DeliveryStatus as S
from gongzhi.core.senders import PHONE, LogSender, SmsSender
from gongzhi.core.services import atomic
from gongzhi.core.testing import make_user

from .stubs import HttpStub, Reply

PHONE_NUMBER = "13912345678"
T0 = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
SMS = "gongzhi.core.senders.SmsSender"
EMAIL = "gongzhi.core.senders.EmailSender"
WECOM = "gongzhi.core.senders.WeComSender"
LOG = "gongzhi.core.senders.LogSender"

pytestmark = pytest.mark.django_db


@pytest.fixture
def server():
    with HttpStub() as stub:
        yield stub


@pytest.fixture
def sms(settings, server):
    """SMS through the intranet gateway at the local server."""
    settings.GONGZHI_NOTIFICATION_SENDERS = [SMS]
    settings.GONGZHI_SMS_GATEWAY = "http"
    settings.GONGZHI_SMS_URL = server.url + "/sms"
    settings.GONGZHI_SMS_TOKEN = "Bearer t"
    settings.GONGZHI_SENDER_TIMEOUT = 0.3
    return server


def tell(phone=PHONE_NUMBER, title="您的诉求（D2026000123）已受理", channel=None, **kwargs):
    """notify() as a service does (a transaction, buffered); its delivery (of ``channel``
    when several channels are configured)."""
    before = set(Delivery.objects.values_list("pk", flat=True))

    @atomic
    def step():
        notifications.notify(phone=phone, title=title, **kwargs)

    step()
    new = Delivery.objects.exclude(pk__in=before)
    (row,) = new.filter(channel=channel) if channel else new
    return row


def texts_to(phone: str, *times: datetime) -> None:
    """Texts already sent to ``phone`` at ``times`` (as the log records them)."""
    Delivery.objects.bulk_create(
        Delivery(
            channel="sms",
            title="earlier",
            status=S.SENT,
            attempts=1,
            attempted_at=at,
            sent_at=at,
            **{
                k: v
                for k, v in deliveries.address_fields(PHONE, phone).items()
                if k != "address_enc"
            },
        )
        for at in times
    )


def fresh(row: Delivery) -> Delivery:
    return Delivery.objects.get(pk=row.pk)


# --- What notify() writes ---------------------------------------------------------------------


def test_notify_writes_one_delivery_a_channel_that_can_reach_the_person(settings, sms):
    settings.GONGZHI_NOTIFICATION_SENDERS = [LOG, SMS, EMAIL]
    with_everything = make_user("a", phone="139 1234 5678", email="A@Example.com")
    without_phone = make_user("b", email="b@example.com")

    @atomic
    def step():
        notifications.notify(user=with_everything, title="甲")
        notifications.notify(user=without_phone, title="乙")
        notifications.notify(phone="13800138000", title="丙")  # no account: no e-mail
        notifications.notify(user_id=without_phone.pk, title="丁")  # read when sent

    with CaptureQueriesContext(connection) as queries:
        step()
    inserts = [q["sql"] for q in queries if q["sql"].startswith("INSERT")]
    assert len([q for q in inserts if "core_delivery" in q]) == 1  # the whole step
    assert len([q for q in inserts if "core_notification" in q]) == 1
    assert not [q for q in queries if "accounts_user" in q["sql"]]  # no address read now
    rows = {(d.title, d.channel): d for d in Delivery.objects.all()}
    assert sorted(rows) == sorted(
        [("甲", "log"), ("甲", "sms"), ("甲", "email"), ("乙", "log"), ("乙", "email")]
        + [("丙", "log"), ("丙", "sms"), ("丁", "log"), ("丁", "sms"), ("丁", "email")]
    )
    assert rows["甲", "sms"].recipient == "139****5678"  # normalised, then masked
    assert rows["甲", "email"].recipient == "a***@example.com"
    assert rows["丁", "sms"].address_enc == "" and rows["丁", "sms"].user_id == without_phone.pk
    assert all(r.status == S.PENDING and r.attempts == 0 for r in rows.values())


def test_deliveries_go_after_the_commit_and_never_for_a_rollback(
    sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = tell()
    assert fresh(row).status == S.SENT and fresh(row).provider_id == "stub-1"
    assert len(sms.seen) == 1

    @atomic
    def refused():
        notifications.notify(phone="13800138000", title="不会发出")
        raise RuntimeError("the action fails")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            refused()
    assert callbacks == [] and not Delivery.objects.filter(title="不会发出").exists()
    assert len(sms.seen) == 1


def test_a_nested_step_rolled_back_drops_its_own_rows_only(sms):
    @atomic
    def outer():
        notifications.notify(phone="13800138000", title="外")
        try:
            with transaction.atomic(), notifications.buffered():
                notifications.notify(phone="13800138001", title="内")
                raise ValueError
        except ValueError:
            pass

    outer()
    assert list(Delivery.objects.values_list("title", flat=True)) == ["外"]


def test_dispatch_never_raises_into_the_action(settings, monkeypatch, caplog):
    settings.GONGZHI_NOTIFICATION_SENDERS = [LOG]

    def broken(self, message):
        raise RuntimeError("a bug in a sender")

    monkeypatch.setattr(LogSender, "send", broken)
    row = tell()
    deliveries.dispatch([row.pk, 999_999])
    row = fresh(row)
    assert (row.status, row.last_error) == (S.FAILED, "发送程序出错：RuntimeError")


def test_a_misconfigured_sender_leaves_the_action_and_the_inbox_alone(settings, caplog):
    settings.GONGZHI_NOTIFICATION_SENDERS = [SMS]
    settings.GONGZHI_SMS_GATEWAY = "carrier-pigeon"
    user = make_user("i")

    @atomic
    def step():
        notifications.notify(user=user, title="照常")

    step()
    assert Notification.objects.filter(user=user, title="照常").exists()
    assert not Delivery.objects.exists()
    assert "GONGZHI_NOTIFICATION_SENDERS cannot be loaded" in caplog.text


def test_inbox_only_writes_no_delivery(sms):
    with notifications.inbox_only():
        notifications.notify(user=make_user("h"), phone=PHONE_NUMBER, title="演示")
    assert Notification.objects.filter(title="演示").count() == 1
    assert not Delivery.objects.exists()


# --- Addresses read when sending -------------------------------------------------------------


def test_an_account_address_is_read_when_the_delivery_is_sent(settings):
    settings.GONGZHI_NOTIFICATION_SENDERS = [EMAIL]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = make_user("c", email="chen@example.com")
    row = tell(user_id=user.pk, phone="", title="请查看")
    assert row.recipient == "" and row.address_enc == ""
    assert deliveries.attempt(row.pk) == S.SENT
    assert mail.outbox[0].to == ["chen@example.com"]
    row = fresh(row)
    assert row.recipient == "c***@example.com" and row.address_hash
    assert row.address_enc == ""  # final: the ciphertext is gone, hash and mask stay


def test_nobody_to_reach_is_skipped(settings):
    settings.GONGZHI_NOTIFICATION_SENDERS = [EMAIL]
    without = make_user("d")
    inactive = make_user("e", email="e@example.com", is_active=False)
    rows = [tell(user_id=user.pk, phone="") for user in (without, inactive)]
    assert [deliveries.attempt(row.pk) for row in rows] == [S.SKIPPED, S.SKIPPED]
    assert {fresh(row).last_error for row in rows} == {"该用户没有此渠道的接收地址"}


def test_wecom_delivery_to_the_users_wecom_account(settings, server):
    settings.GONGZHI_NOTIFICATION_SENDERS = [WECOM]
    settings.GONGZHI_WECOM_URL = server.url
    settings.GONGZHI_WECOM_CORP_ID, settings.GONGZHI_WECOM_SECRET = "corp", "secret"
    settings.GONGZHI_WECOM_AGENT_ID = "1000002"
    server.reply(
        "/cgi-bin/gettoken", Reply(200, {"errcode": 0, "access_token": "T", "expires_in": 7200})
    )
    server.default = Reply(200, {"errcode": 0, "errmsg": "ok", "msgid": "wx-1"})
    user = make_user("f", wecom_userid="ZhangSan")
    row = tell(user=user, phone="", title="新派单")
    assert row.recipient == "ZhangSan"
    assert deliveries.attempt(row.pk) == S.SENT
    assert fresh(row).provider_id == "wx-1"
    assert server.seen[-1].json()["touser"] == "ZhangSan"


# --- SMS rate limits -------------------------------------------------------------------------


def outcome(row: Delivery) -> tuple[str | None, str]:
    status = deliveries.attempt(row.pk)
    return status, fresh(row).last_error


MINUTE = "超出频率限制：同一手机号每分钟短信上限（1条）"
HOUR = "超出频率限制：同一手机号每小时短信上限（5条）"
DAY = "超出频率限制：同一手机号每天短信上限（10条）"


@pytest.mark.parametrize(
    ("earlier", "probe", "expected", "reason"),
    [
        # 1 a minute: a text 59 s ago holds the next back until its minute is over.
        ([0], 59, S.PENDING, MINUTE),
        ([0], 60, S.SENT, ""),
        ([0], 61, S.SENT, ""),
        # 5 an hour (texts minutes apart, so that the minute's rule is not the one).
        ([0, 2, 4, 6, 8], 59 * 60 + 59, S.REFUSED, HOUR),  # five within the hour
        ([0, 2, 4, 6, 8], 60 * 60, S.SENT, ""),  # the first has left the hour
        ([2, 4, 6, 8], 30 * 60, S.SENT, ""),  # four within the hour: a fifth is fine
        # 10 a day (texts 61 minutes apart: one an hour).
        ([61 * k for k in range(10)], 24 * 60 * 60 - 1, S.REFUSED, DAY),
        ([61 * k for k in range(10)], 24 * 60 * 60, S.SENT, ""),
        ([61 * k for k in range(1, 10)], 12 * 60 * 60, S.SENT, ""),  # nine in the day
    ],
)
def test_sms_rate_limits_per_phone(sms, earlier, probe, expected, reason):
    texts_to(PHONE_NUMBER, *(T0 + timedelta(minutes=m) for m in earlier))
    texts_to("13800000000", *(T0 + timedelta(minutes=m, seconds=1) for m in earlier))
    with time_machine.travel(T0 + timedelta(seconds=probe), tick=False):
        row = tell()
        assert outcome(row) == (expected, reason)
    row = fresh(row)
    assert row.status == expected
    assert len(sms.seen) == (expected == S.SENT)
    if expected == S.PENDING:  # it waits, and waiting is no attempt
        assert (row.attempts, row.next_attempt_at) == (0, T0 + timedelta(minutes=1))


def test_a_text_that_waited_goes_when_the_minute_is_over(sms):
    with time_machine.travel(T0, tick=False) as clock:
        first, second = tell(title="一"), tell(title="二")
        assert deliveries.run_due()["sent"] == 1
        assert fresh(second).status == S.PENDING
        clock.move_to(T0 + timedelta(seconds=59))
        assert deliveries.run_due()["sent"] == 0
        clock.move_to(T0 + timedelta(seconds=60))
        assert deliveries.run_due()["sent"] == 1
    assert [fresh(first).status, fresh(second).status] == [S.SENT, S.SENT]
    assert fresh(second).attempts == 1  # waiting was no attempt
    assert [s.json()["content"] for s in sms.seen] == ["一", "二"]


def test_texts_being_sent_count_and_failed_ones_do_not(sms):
    with time_machine.travel(T0, tick=False):
        failed = tell(title="失败")
        Delivery.objects.filter(pk=failed.pk).update(status=S.FAILED, attempted_at=T0)
        assert outcome(tell(title="发出"))[0] == S.SENT
    later = T0 + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        sending = tell(title="发送中")
        Delivery.objects.filter(pk=sending.pk).update(
            status=S.SENDING, attempted_at=later - timedelta(seconds=30)
        )
        assert outcome(tell(title="等待"))[0] == S.PENDING


def test_rate_limits_are_rule_parameters(sms):
    ParameterValue.objects.create(key="core.sms.per_minute", value=2, effective_from=T0.date())
    shared.bump("params")
    texts_to(PHONE_NUMBER, T0)
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
        assert outcome(tell())[0] == S.SENT
        assert outcome(tell())[0] == S.PENDING


# --- Retries ---------------------------------------------------------------------------------


def test_retryable_failures_back_off_then_give_up(sms):
    sms.default = Reply(503, {"error": "maintenance"})
    schedule = [
        timedelta(0),
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
    ]
    with time_machine.travel(T0, tick=False) as clock:
        row = tell()
        at = T0
        for attempt, wait in enumerate(schedule, start=1):
            at += wait
            clock.move_to(at - timedelta(seconds=1))
            assert deliveries.run_due()["sent"] == 0 and len(sms.seen) == attempt - 1
            clock.move_to(at)
            deliveries.run_due()
            assert len(sms.seen) == attempt
            row = fresh(row)
            assert row.attempts == attempt and row.last_error == "HTTP 503 maintenance"
            if attempt < len(schedule):
                assert row.status == S.PENDING
                assert row.next_attempt_at == at + schedule[attempt]
        assert row.status == S.GIVEN_UP and row.next_attempt_at is None
        assert row.address_enc == "" and row.recipient == "139****5678"
        clock.move_to(at + timedelta(days=1))
        assert deliveries.run_due()["sent"] == 0 and len(sms.seen) == 5


def test_a_timeout_is_tried_again_and_can_succeed(sms):
    sms.reply("/sms", Reply(200, {}, delay=3.0))
    with time_machine.travel(T0, tick=False) as clock:
        row = tell()
        assert deliveries.attempt(row.pk) == S.PENDING
        assert fresh(row).last_error == "连接超时"
        clock.move_to(T0 + timedelta(minutes=1))
        assert deliveries.attempt(row.pk) == S.SENT
    row = fresh(row)
    assert (row.attempts, row.last_error, row.sent_at) == (2, "连接超时", T0 + timedelta(minutes=1))


def test_a_permanent_failure_fails_at_once(sms):
    sms.default = Reply(400, {"error": "invalid number 13912345678"})
    row = tell()
    assert deliveries.attempt(row.pk) == S.FAILED
    row = fresh(row)
    assert (row.attempts, row.next_attempt_at) == (1, None)
    assert row.last_error == "HTTP 400 invalid number …"
    assert deliveries.run_due()["sent"] == 0 and len(sms.seen) == 1


def test_a_refused_connection_is_tried_again(settings, sms):
    from .stubs import closed_port_url

    settings.GONGZHI_SMS_URL = closed_port_url() + "/sms"
    row = tell()
    assert deliveries.attempt(row.pk) == S.PENDING
    assert fresh(row).last_error == "连接被拒绝"


def test_a_delivery_left_sending_by_a_dead_process_is_due_again(sms):
    with time_machine.travel(T0, tick=False) as clock:
        row = tell()
        Delivery.objects.filter(pk=row.pk).update(status=S.SENDING, attempts=1, attempted_at=T0)
        last = tell(phone="13800138000")
        Delivery.objects.filter(pk=last.pk).update(status=S.SENDING, attempts=5, attempted_at=T0)
        clock.move_to(T0 + deliveries.STALE - timedelta(seconds=1))
        assert deliveries.run_due()["interrupted"] == 0
        clock.move_to(T0 + deliveries.STALE + timedelta(seconds=1))
        assert deliveries.run_due() == {
            "sent": 1,
            "again": 0,
            "failed": 0,
            "not_sent": 0,
            "interrupted": 2,
            "pruned": 0,
        }
    assert (fresh(row).status, fresh(row).attempts) == (S.SENT, 2)
    assert (fresh(last).status, fresh(last).last_error) == (S.GIVEN_UP, "发送中断（进程退出）")


def test_a_channel_no_longer_configured_fails(settings, sms):
    row = tell()
    settings.GONGZHI_NOTIFICATION_SENDERS = [LOG]
    assert deliveries.attempt(row.pk) == S.FAILED
    assert fresh(row).last_error == "该渠道已不在配置中"


# --- Two runners -----------------------------------------------------------------------------


class SecondRunnerMidSend(SmsSender):
    """An SMS sender during whose first send another runner does its whole pass."""

    second_pass: dict | None = None

    def send(self, message):
        if SecondRunnerMidSend.second_pass is None:
            SecondRunnerMidSend.second_pass = {}  # the second runner's own sends go straight
            SecondRunnerMidSend.second_pass = deliveries.run_due()
        return super().send(message)


def test_two_runners_send_each_delivery_once(settings, sms):
    settings.GONGZHI_NOTIFICATION_SENDERS = [f"{__name__}.SecondRunnerMidSend"]
    SecondRunnerMidSend.second_pass = None
    rows = [tell(phone=f"1380000000{i}") for i in range(3)]
    # Both runners listed the same due rows before either took one.
    listed = [
        list(Delivery.objects.filter(status=S.PENDING).values_list("pk", flat=True)) for _ in "ab"
    ]
    first = [deliveries.attempt(pk) for pk in listed[0]]
    # The second runner ran its pass while the first held row 1 ("sending"): it sent
    # rows 2 and 3, and the first runner then found them taken.
    assert SecondRunnerMidSend.second_pass["sent"] == 2
    assert first == [S.SENT, None, None]
    assert [deliveries.attempt(pk) for pk in listed[1]] == [None, None, None]
    assert sorted(s.json()["id"] for s in sms.seen) == sorted(r.pk for r in rows)  # once each
    assert set(Delivery.objects.values_list("status", "attempts")) == {(S.SENT, 1)}


def queued(phone: str) -> Delivery:
    """A pending delivery written and committed without a dispatch after it."""
    (row,) = deliveries.plan(user=None, user_id=None, phone=phone, title="并发", body="", link="")
    row.save()
    return row


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runners_send_each_delivery_once(flushable_audit_log, sms):
    """Two periodic runners in two threads, each with its own database connection,
    against a slow gateway, so that their passes overlap. (Not on SQLite's in-memory test
    database, whose shared cache refuses a second writer instead of making it wait; a
    file, GONGZHI_TEST_DB, waits as production does.)"""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("SQLite in memory: set GONGZHI_TEST_DB, or run on PostgreSQL")
    sms.default = Reply(200, {"id": "ok"}, delay=0.1)
    rows = [queued(f"1380000000{i}") for i in range(4)]
    twice = [queued(PHONE_NUMBER), queued(PHONE_NUMBER)]  # the minute's limit: one goes
    start = threading.Barrier(2)
    passes, errors = [], []

    def runner():
        try:
            start.wait()
            passes.append(deliveries.run_due())
        except Exception as exc:  # pragma: no cover (shown by the assertion below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and len(passes) == 2
    sent = sorted(seen.json()["id"] for seen in sms.seen)
    assert len(sent) == len(set(sent)) == 5  # each once; one of the two texts waits
    assert sum(p["sent"] for p in passes) == 5
    statuses = sorted(fresh(row).status for row in twice)
    assert statuses == [S.PENDING, S.SENT]
    assert {fresh(row).status for row in rows} == {S.SENT}


# --- No phone in clear ------------------------------------------------------------------------


def test_the_delivery_log_never_holds_a_phone_in_clear(settings, sms, caplog):
    settings.GONGZHI_NOTIFICATION_SENDERS = [LOG, SMS]
    caplog.set_level(logging.DEBUG)
    sms.reply("/sms", Reply(500, {"error": f"gateway choked on {PHONE_NUMBER}"}))
    user = make_user("g", phone="13800138000")
    with time_machine.travel(T0, tick=False) as clock:
        row = tell(channel="sms")
        tell(user_id=user.pk, phone="", channel="sms")
        deliveries.run_due()
        clock.move_to(T0 + timedelta(minutes=1))
        deliveries.run_due()
    assert fresh(row).status == S.SENT and sms.seen[0].json()["phone"] == PHONE_NUMBER
    stored = " ".join(str(v) for d in Delivery.objects.values() for v in d.values())
    for phone in (PHONE_NUMBER, "13800138000"):
        assert phone not in stored
        assert phone not in caplog.text
    assert "139****5678" in stored and "138****8000" in stored
    assert "139****5678" in caplog.text


def test_a_pending_delivery_keeps_the_phone_encrypted_only(sms):
    row = tell()
    assert row.address_enc and PHONE_NUMBER not in row.address_enc
    assert deliveries.pii.decrypt(row.address_enc) == PHONE_NUMBER
    assert row.address_hash == deliveries.pii.lookup_hash(PHONE_NUMBER)


# --- Configuration ---------------------------------------------------------------------------


def test_the_system_check_names_a_sender_without_its_settings(settings):
    settings.GONGZHI_NOTIFICATION_SENDERS = [LOG, SMS, "gongzhi.core.senders.WebhookSender"]
    settings.GONGZHI_SMS_GATEWAY, settings.GONGZHI_SMS_URL = "http", ""
    settings.GONGZHI_WEBHOOK_URL, settings.GONGZHI_WEBHOOK_SECRET = "https://gw.internal/", ""
    assert [m.msg for m in checks.check_senders(None)] == [
        "The sms notification sender is configured but GONGZHI_SMS_URL is not set.",
        "The webhook notification sender is configured but GONGZHI_WEBHOOK_SECRET is not set.",
    ]
    settings.GONGZHI_NOTIFICATION_SENDERS = [LOG, LOG]
    assert checks.check_senders(None)[0].id == "gongzhi.E004"
    settings.GONGZHI_NOTIFICATION_SENDERS = [LOG]
    assert checks.check_senders(None) == []


def test_finished_deliveries_are_pruned_after_the_keeping_period(world, settings):
    from datetime import timedelta

    from django.utils import timezone

    from gongzhi.core.models import Delivery

    settings.GONGZHI_DELIVERY_KEEP_DAYS = 180
    now = timezone.now()
    old = now - timedelta(days=181)
    kept = now - timedelta(days=179)
    rows = [
        Delivery(channel="log", title="t", status=status, created_at=at, next_attempt_at=at)
        for status, at in [("sent", old), ("failed", old), ("pending", old), ("sent", kept)]
    ]
    Delivery.objects.bulk_create(rows)
    assert deliveries.prune(now) == 2
    left = sorted(Delivery.objects.values_list("status", flat=True))
    assert left == ["pending", "sent"]  # a pending one is never dropped, however old
