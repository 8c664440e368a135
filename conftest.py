import importlib
import os
import uuid

import pytest
from django.db import connection
from huey.contrib.djhuey import HUEY
from pytest_django.plugin import blocking_manager_key

from gongzhi.core.testing import build_world, sign_in

# Background tasks run in the caller, at once (huey's immediate mode, in memory): a test
# sees their effect when the transaction that enqueued them commits. The worker itself
# is tested on a real queue (core/tests/test_queue.py).
HUEY.immediate = True

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_hashing_and_cache(settings, tmp_path):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    # Each test's audit checkpoints in a file of its own, never the installation's.
    settings.GONGZHI_AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints.jsonl"
    # Files a test makes (exports, import results, attachments) in a directory of its own,
    # never the installation's var/ (a live server's tasks run on commit).
    settings.VAR_DIR = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.cache import cache
    from django.utils import translation

    cache.clear()
    # Each test its own shared cache (core.shared), and no copy kept from another test:
    # on the Redis server when one is configured (CI's PostgreSQL run), under a prefix of
    # its own; else in memory.
    if os.environ.get("GONGZHI_REDIS_URL"):
        shared_cache = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["GONGZHI_REDIS_URL"],
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    else:
        shared_cache = {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        }
    settings.CACHES = {**settings.CACHES, "shared": shared_cache}
    from gongzhi.core import shared

    shared.forget_all()
    # The locale middleware activates a request's language in the thread, and it stays
    # after the response: a test that asked for English must not leave it to the next.
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker, tmp_path_factory):
    """``gongzhi demo`` loaded once in this test process, kept and rolled back
    (``Snapshot``): put it back with ``demo_snapshot.restore()``, or take the ``demo``
    fixture. Loaded with the tests' fast password hasher (accounts sign in as in tests)."""
    from io import StringIO

    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import override_settings

    from gongzhi.core.testing import Snapshot

    def load():
        cache.clear()
        call_command("demo", stdout=StringIO())

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        return Snapshot.take(load, tmp_path_factory.mktemp("demo-files"))


@pytest.fixture(scope="module")
def _demo_loaded(demo_snapshot, django_db_blocker):
    """The demo in a transaction around a test module, rolled back after its last test
    (each test's own transaction nests inside it). Its attachments are not copied: each
    test has a ``VAR_DIR`` of its own."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        demo_snapshot.restore(files=False)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo_loaded, db):
    """The demo street of ``gongzhi demo``; returns every demo account, oldest first."""
    from gongzhi.accounts.models import User

    return list(User.objects.order_by("id"))


@pytest.fixture
def world(db):
    """Two sibling communities under one street, and a user for every role."""
    return build_world()


@pytest.fixture
def client_as(client):
    """``client_as(user)``: the test client signed in as ``user`` (TOTP passed)."""

    def _sign_in(user, verified=True):
        return sign_in(client, user, verified=verified)

    return _sign_in


@pytest.fixture
def party(world):
    """An organization tree over ``world``: street committee, our community's committee
    with a branch and a grid branch, and the sibling community's committee and branch."""
    from gongzhi.party.testing import build_party

    return build_party(world)


@pytest.fixture
def demands(world):
    """Units (a property company with a handler, a district department) and categories."""
    from gongzhi.demands.testing import build_demands

    return build_demands(world)


def _audit_trigger_sql(vendor: str) -> tuple[list[str], list[str]]:
    """(drop, create) statements of the audit log's append-only triggers."""
    migration = importlib.import_module("gongzhi.core.migrations.0002_auditlog_append_only")
    if vendor == "postgresql":
        return migration.POSTGRES_DROP, migration.POSTGRES
    return migration.SQLITE_DROP, migration.SQLITE


_audit_triggers_dropped = False


@pytest.fixture
def flushable_audit_log(transactional_db):
    """Let a transactional test's closing flush empty the append-only audit log.

    The database refuses DELETE (and on PostgreSQL TRUNCATE) of audit records, which is
    how a transactional test database is emptied. Just before that flush the triggers
    are dropped; ``pytest_runtest_teardown`` below puts them back right after it.
    """
    yield
    global _audit_triggers_dropped
    drop, _ = _audit_trigger_sql(connection.vendor)
    with connection.cursor() as cursor:
        for statement in drop:
            cursor.execute(statement)
    _audit_triggers_dropped = True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield
    global _audit_triggers_dropped
    # After the session's last test the test database is gone and the connection points
    # at the real one again (PostgreSQL, file SQLite): nothing to put back then.
    if _audit_triggers_dropped and nextitem is not None:
        _, create = _audit_trigger_sql(connection.vendor)
        with item.config.stash[blocking_manager_key].unblock(), connection.cursor() as cursor:
            for statement in create:
                cursor.execute(statement)
        _audit_triggers_dropped = False
    return result


@pytest.fixture
def org_scope(world, party):
    """A branch secretary assigned on a party organization (a general branch of our
    community) rather than an area, with members inside and beside its subtree."""
    from gongzhi.party.testing import build_org_scope

    return build_org_scope(world, party)
