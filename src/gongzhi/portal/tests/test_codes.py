"""One-time sign-in codes: 6 digits, 5 minutes, single use; the per-number and per-address
throttles and the lockout pinned at, just before and just after each threshold; nothing in
clear in the table or the log; two requests at once send one code."""

import logging
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from gongzhi.core.errors import RuleViolation
from gongzhi.core.testing import race
from gongzhi.portal import codes
from gongzhi.portal.models import SignInCode, SignInFailure

START = datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PHONE = "13912345678"
IP = "10.0.0.1"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def send(caplog, django_capture_on_commit_callbacks):
    """``send(phone, ip=…)``: request a code and return it, as the development sender
    logs it (after the commit, like a real request)."""

    def _send(phone=PHONE, ip=IP):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="gongzhi.core.notifications"):
            with django_capture_on_commit_callbacks(execute=True):
                codes.request_code(phone, ip=ip)
        texts = [r.getMessage() for r in caplog.records if "验证码" in r.getMessage()]
        assert len(texts) == 1, texts
        return re.search(r"验证码为(\d{6})", texts[0]).group(1)

    return _send


def at(clock, **delta):
    clock.move_to(START + timedelta(**delta))


def refused_with(call, code="throttled"):
    with pytest.raises(RuleViolation) as caught:
        call()
    assert caught.value.code == code
    return caught.value


@pytest.mark.django_db
def test_code_is_six_digits_logged_masked_and_stored_only_as_keyed_hashes(clock, send, caplog):
    code = send()
    assert re.fullmatch(r"\d{6}", code)
    line = caplog.records[-1].getMessage()
    assert "139****5678" in line and PHONE not in line
    row = SignInCode.objects.get()
    stored = " ".join(str(v) for v in SignInCode.objects.values().get().values())
    assert PHONE not in stored and code not in row.code_hash and IP not in stored
    assert row.expires_at - row.created_at == timedelta(minutes=5)


@pytest.mark.django_db
def test_code_valid_for_five_minutes(clock, send):
    code = send()
    at(clock, minutes=4, seconds=59)
    assert codes.check_code(PHONE, code) == PHONE
    at(clock, minutes=6)
    code = send()
    at(clock, minutes=11)  # exactly five minutes later: expired
    refused_with(lambda: codes.check_code(PHONE, code), "rule_violation")


@pytest.mark.django_db
def test_code_is_single_use_and_only_the_newest_counts(clock, send):
    code = send()
    assert codes.check_code(" 139-1234-5678 ", code) == PHONE  # the number as typed
    error = refused_with(lambda: codes.check_code(PHONE, code), "rule_violation")
    assert (str(error.message), error.field) == (str(codes.WRONG_CODE), "code")
    at(clock, minutes=1)
    first = send()
    at(clock, minutes=2)
    second = send()
    if first != second:
        refused_with(lambda: codes.check_code(PHONE, first), "rule_violation")
    assert codes.check_code(PHONE, second) == PHONE


@pytest.mark.django_db
def test_bad_input_names_the_field(clock):
    error = refused_with(lambda: codes.request_code("1234", ip=IP), "rule_violation")
    assert error.field == "phone" and "11位" in str(error.message)
    error = refused_with(lambda: codes.check_code(PHONE, "12a456"), "rule_violation")
    assert (error.field, str(error.message)) == ("code", "验证码应为6位数字。")
    assert not SignInCode.objects.exists()


@pytest.mark.django_db
def test_one_code_a_minute_per_number(clock, send):
    send()
    at(clock, seconds=59)
    error = refused_with(lambda: codes.request_code(PHONE, ip=IP))
    assert error.field == "phone" and error.params["wait_seconds"] == 2
    assert "1分钟" in str(error.message)
    at(clock, seconds=60)
    send()
    assert SignInCode.objects.count() == 2


@pytest.mark.django_db
def test_five_codes_an_hour_per_number(clock, send):
    for minute in range(5):  # the fifth is at the limit: still sent
        at(clock, minutes=minute)
        send()
    at(clock, minutes=5)
    error = refused_with(lambda: codes.request_code(PHONE, ip=IP))
    assert "55分钟" in str(error.message)
    at(clock, minutes=59, seconds=59)
    refused_with(lambda: codes.request_code(PHONE, ip=IP))
    at(clock, minutes=60)  # the first has left the hour
    send()


@pytest.mark.django_db
def test_ten_codes_a_day_per_number(clock, send):
    for n in range(10):  # three an hour: the hour's limit never bites
        at(clock, minutes=20 * n)
        send()
    at(clock, minutes=200)
    refused_with(lambda: codes.request_code(PHONE, ip=IP))
    at(clock, hours=23, minutes=59)
    refused_with(lambda: codes.request_code(PHONE, ip=IP))
    at(clock, hours=24)  # the first has left the day
    send()


@pytest.mark.django_db
def test_per_address_limits_twenty_a_minute_two_hundred_an_hour(clock, send):
    numbers = iter(f"1380000{n:04d}" for n in range(1000))
    for _n in range(20):
        send(next(numbers))
    at(clock, seconds=59)
    error = refused_with(lambda: codes.request_code(next(numbers), ip=IP))
    assert error.field == "phone"
    send(next(numbers), ip="10.0.0.2")  # another address is not held back
    for minute in range(1, 10):
        at(clock, minutes=minute)
        for _n in range(20):
            send(next(numbers))
    assert SignInCode.objects.filter(ip_hash=codes._ip_hash(IP)).count() == 200
    at(clock, minutes=10)
    refused_with(lambda: codes.request_code(next(numbers), ip=IP))
    at(clock, minutes=60)  # the first minute's twenty have left the hour
    send(next(numbers))


@pytest.mark.django_db
def test_a_code_dies_after_five_wrong_tries(clock, send):
    code = send()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _n in range(4):
        refused_with(lambda: codes.check_code(PHONE, wrong), "rule_violation")
    assert codes.check_code(PHONE, code) == PHONE  # four wrong tries: still alive
    at(clock, minutes=1)
    code = send()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _n in range(5):
        refused_with(lambda: codes.check_code(PHONE, wrong), "rule_violation")
    refused_with(lambda: codes.check_code(PHONE, code), "rule_violation")  # dead


def wrong_tries(n):
    for _n in range(n):
        refused_with(lambda: codes.check_code(PHONE, "000000"), "rule_violation")


@pytest.mark.django_db
def test_nine_wrong_codes_in_an_hour_do_not_lock(clock, send):
    wrong_tries(9)
    at(clock, minutes=1)
    assert codes.check_code(PHONE, send()) == PHONE


@pytest.mark.django_db
def test_ten_wrong_codes_in_an_hour_lock_the_number_for_thirty_minutes(clock, send):
    wrong_tries(10)
    assert SignInFailure.objects.count() == 10
    at(clock, minutes=1)
    error = refused_with(lambda: codes.request_code(PHONE, ip=IP))
    assert error.field == "code" and "29分钟" in str(error.message)
    at(clock, minutes=29, seconds=59)
    refused_with(lambda: codes.check_code(PHONE, "123456"))
    at(clock, minutes=30)
    assert codes.check_code(PHONE, send()) == PHONE
    codes.request_code("13800000000", ip=IP)  # another number is not locked


@pytest.mark.django_db
def test_wrong_codes_spread_over_more_than_the_window_do_not_lock(clock, send):
    wrong_tries(1)
    at(clock, minutes=60, seconds=1)
    wrong_tries(9)
    at(clock, minutes=61)
    assert codes.check_code(PHONE, send()) == PHONE
    at(clock, minutes=62)
    wrong_tries(1)  # the tenth within sixty minutes of the second
    refused_with(lambda: codes.check_code(PHONE, "000000"))


@pytest.mark.django_db
def test_purge_forgets_rows_older_than_a_day(clock, send):
    send()
    wrong_tries(1)
    at(clock, hours=24)
    assert codes.purge() == {"count": 0}
    at(clock, hours=24, minutes=2)
    assert codes.purge() == {"count": 2}


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_for_one_number_send_exactly_one_code(flushable_audit_log):
    """Each in a thread with its own connection (a file-backed SQLite, GONGZHI_TEST_DB, or
    PostgreSQL; SQLite in memory refuses a second writer instead of making it wait)."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("SQLite in memory: set GONGZHI_TEST_DB, or run on PostgreSQL")
    sent, refused = race(lambda ip: codes.request_code(PHONE, ip=ip), ["10.0.0.1", "10.0.0.2"])
    assert len(sent) == 1 and [e.code for e in refused] == ["throttled"]
    assert SignInCode.objects.count() == 1
