"""Rule data cached per process, coherent across processes (core.shared)."""

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.signals import request_started
from django.db import close_old_connections

from gongzhi.core import calendar, shared
from gongzhi.core.models import Holiday

SRC = Path(__file__).resolve().parents[3]


def new_request():
    """What a request's start does to core.shared (its signal), without Django's closing of
    old connections, which the test client leaves out too (it would close the test's)."""
    request_started.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
    finally:
        request_started.connect(close_old_connections)


def test_a_copy_is_kept_until_the_stamp_changes_and_checked_once_a_request():
    loads = []
    copy = shared.Versioned("test-data", lambda: loads.append(1) or len(loads))
    shared._new_request()  # what request_started does
    assert copy.get() == 1 and copy.get() == 1
    assert loads == [1]
    # Another process bumps the stamp: within this request the copy stands...
    shared.caches["shared"].incr("gongzhi:stamp:test-data")
    assert copy.get() == 1
    # ...and the next request reads it again.
    shared._new_request()  # what request_started does
    assert copy.get() == 2
    # A change made by this process is seen at once.
    shared.bump("test-data")
    assert copy.get() == 3


REDIS_URL = os.environ.get("GONGZHI_REDIS_URL", "")


@pytest.mark.django_db
@pytest.mark.parametrize("backend", ["file", "redis"])
def test_a_holiday_entered_by_another_process_is_used_on_the_next_request(
    settings, tmp_path, backend
):
    """The issue: after an administrator entered a holiday, the other worker computed
    deadlines without it for up to an hour. Two processes share the stamp through the
    file cache of the var directory (as `gongzhi run`'s workers do on one machine), or
    through Redis (several machines: CI runs this with a Redis server); the database
    holds the new row (here written directly: the other process's transaction)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "gongzhi.settings",
        "GONGZHI_VAR_DIR": str(tmp_path),
    }
    if backend == "file":
        env.pop("GONGZHI_REDIS_URL", None)
        settings.CACHES = {
            **settings.CACHES,
            "shared": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache" / "shared"),
            },
        }
    else:
        if not REDIS_URL:
            if os.environ.get("GONGZHI_REQUIRE_REDIS"):
                pytest.fail("GONGZHI_REQUIRE_REDIS is set but GONGZHI_REDIS_URL is not")
            pytest.skip("no Redis server configured (GONGZHI_REDIS_URL): CI's run has one")
        settings.CACHES = {
            **settings.CACHES,
            "shared": {  # as settings.py configures it for every process
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": "gongzhi",
            },
        }
    shared.forget_all()
    day = datetime.date(2031, 3, 3)  # a Monday of a year without a published schedule
    new_request()
    assert calendar.is_working_day(day)  # this process reads and keeps the table
    Holiday.objects.create(date=day, is_working_day=False, name="地方假日")
    new_request()
    assert calendar.is_working_day(day)  # no process has said the table changed

    subprocess.run(  # noqa: S603 (our own interpreter): the other worker's commit
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from gongzhi.core.models import Holiday; Holiday.bump_cache()",
        ],
        env=env,
        check=True,
        timeout=120,
    )
    new_request()
    assert not calendar.is_working_day(day)
