"""Test helpers shared by every app: a small district with two sibling communities,
one user per role, and a way to sign them in. Used by conftest.py and by tests."""

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

from gongzhi.accounts.models import RoleAssignment, User
from gongzhi.accounts.roles import Role
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household, code_to_path

PASSWORD = "Test@Passw0rd!"  # noqa: S105 (test accounts only)


def make_area(parent: Area | None, level: int, segment: str, name: str) -> Area:
    code = (parent.code if parent else "") + segment
    return Area.objects.create(
        parent=parent,
        level=level,
        code=code,
        name=name,
        path=code_to_path(code),
        full_name=f"{parent.full_name}{name}" if parent else name,
    )


def make_household(unit: Area, segment: str, door: str) -> Household:
    return Household.objects.create(
        area=unit,
        code=unit.code + segment,
        door_number=door,
        path=f"{unit.path}{segment}/",
        address=f"{unit.full_name}{door}",
    )


def make_user(username: str, role: str | None = None, area: Area | None = None, **extra) -> User:
    user = User(
        username=username,
        full_name=extra.pop("full_name", username),
        home_path=area.path if area else "",
        password_changed_at=timezone.now(),
        **extra,
    )
    user.set_password(PASSWORD)
    user.save()
    if role:
        RoleAssignment.objects.create(user=user, role=role, area=area)
    return user


@dataclass
class Community:
    community: Area
    grid: Area
    estate: Area
    building: Area
    unit: Area
    households: list[Household] = field(default_factory=list)


@dataclass
class World:
    district: Area
    street: Area
    ours: Community  # the community the "mine" users work in
    sibling: Community  # a neighbouring community they must never reach
    users: dict[str, User]


def build_community(street: Area, segment: str, name: str, marker: str) -> Community:
    community = make_area(street, Level.COMMUNITY, segment, name)
    grid = make_area(community, Level.GRID, "001", f"{marker}第1网格")
    estate = make_area(grid, Level.ESTATE, "001", f"{marker}花园")
    building = make_area(estate, Level.BUILDING, "001", "1栋")
    unit = make_area(building, Level.UNIT, "01", "1单元")
    households = [make_household(unit, f"0{i}01", f"{i}01") for i in range(1, 4)]
    return Community(community, grid, estate, building, unit, households)


def build_world() -> World:
    district = make_area(None, Level.DISTRICT, "510107", "武侯区")
    street = make_area(district, Level.STREET, "001", "锦华街道")
    ours = build_community(street, "001", "和顺社区", "和顺")
    sibling = build_community(street, "002", "邻里社区", "邻里")
    users = {
        "district_admin": make_user("qu", Role.DISTRICT_ADMIN, district),
        "street_admin": make_user("jd", Role.STREET_ADMIN, street),
        "secretary": make_user("sj", Role.COMMUNITY_SECRETARY, ours.community),
        "staff": make_user("gz", Role.COMMUNITY_STAFF, ours.community),
        "grid_worker": make_user("wg", Role.GRID_WORKER, ours.grid),
        "branch_secretary": make_user("zb", Role.BRANCH_SECRETARY, ours.community),
        "unit_handler": make_user("bm", Role.UNIT_HANDLER, ours.community),
        "inservice_member": make_user("zz", Role.INSERVICE_MEMBER, ours.community),
        "resident": make_user("jm", Role.RESIDENT, ours.community),
        "auditor": make_user("sh", Role.AUDITOR, district),
        "nobody": make_user("wu"),
        "superuser": make_user("root", is_superuser=True, is_staff=True),
    }
    return World(district, street, ours, sibling, users)


def sign_in(client, user: User, *, verified: bool = True):
    """Log ``user`` in on a Django test client; ``verified`` passes the TOTP step."""
    from gongzhi.accounts.middleware import mark_renewed

    client.force_login(user)
    session = client.session
    mark_renewed(session)  # as the sign-in page's answer leaves it
    if verified and user.requires_two_factor:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def api_key(user: User, *, scope: str = "write", name: str = "测试", days: int = 90) -> str:
    """An API token key for ``user`` as the tokens page issues it: after the second factor
    (an authenticator is enrolled for the roles that need one)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from gongzhi.accounts.services import issue_token

    if user.requires_two_factor and not TOTPDevice.objects.filter(user=user, confirmed=True):
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    _token, key = issue_token(actor=user, name=name, days=days, scope=scope, verified=True)
    return key


# Connections a race opens at once: CI's PostgreSQL allows 50 for up to four xdist workers
# (each holding its own), so a race of 100 actions runs them ten at a time — still enough
# writers at the same moment to contend for the same rows.
RACE_CONNECTIONS = 10


def race(
    action: Callable[[Any], Any], args: Sequence[Any], *, attempts: int = 50, timeout: float = 120
) -> tuple[list[Any], list[Any]]:
    """Run ``action(arg)`` for every arg at the same moment, each in a thread with its own
    database connection, as concurrent requests do (a file-backed SQLite — GONGZHI_TEST_DB —
    or PostgreSQL: SQLite in memory refuses a second writer instead of making it wait), at
    most ``RACE_CONNECTIONS`` connections open at once. SQLite's "database is locked" under
    the burst is retried. Returns what the actions returned and the refusals
    (``RuleViolation``) they met; any other error, or a thread still running after
    ``timeout`` seconds in all, fails."""
    from gongzhi.core.errors import RuleViolation

    start = threading.Barrier(len(args))
    slots = threading.BoundedSemaphore(RACE_CONNECTIONS)
    lock = threading.Lock()
    done: list[Any] = []
    refused: list[Any] = []
    errors: list[BaseException] = []

    def attempt_all(arg: Any) -> None:
        for attempt in range(attempts):
            try:
                result = action(arg)
            except RuleViolation as exc:
                with lock:
                    refused.append(exc)
                return
            except Exception as exc:
                if "locked" not in str(exc) or attempt == attempts - 1:
                    raise
            else:
                with lock:
                    done.append(result)
                return

    def run(arg: Any) -> None:
        try:
            start.wait()
            with slots:
                try:
                    attempt_all(arg)
                finally:
                    connection.close()
        except BaseException as exc:  # shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(arg,), daemon=True) for arg in args]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    running = sum(thread.is_alive() for thread in threads)
    assert running == 0, f"{running} of {len(threads)} actions still running after {timeout} s"
    assert errors == [], errors
    return done, refused


# --- The demo, loaded once a test process -------------------------------------------------


@dataclass
class Snapshot:
    """The tables as a load (``gongzhi demo``) left them, and the files it made, taken once
    and put back as often as asked: the demo takes 40–120 s to load, a copy of its rows a
    few seconds.

    ``tables`` maps every table the load left with rows to its columns and those rows, as
    the database returned them (on PostgreSQL ``COPY``'s text, on SQLite value tuples).
    Columns are the models' concrete fields: a generated column (the search vector) and a
    trigger-fed index (SQLite's full-text tables) are the database's to fill. The rows a
    migration wrote are among them: a transactional test's flush empties those tables too.
    """

    tables: dict[str, tuple[list[str], Any]]
    files: Path

    @classmethod
    def take(cls, load: Callable[[], object], files: Path) -> "Snapshot":
        """Run ``load`` in a transaction, keep the tables it left, roll it back; the files
        it makes (attachments) go under ``files``."""
        from django.db import transaction
        from django.test import override_settings

        with override_settings(VAR_DIR=files), transaction.atomic():
            load()
            tables = {t: (columns, _rows(t, columns)) for t, columns in _tables().items()}
            transaction.set_rollback(True)
        return cls({t: kept for t, kept in tables.items() if kept[1]}, files)

    def restore(self, *, files: bool = True) -> None:
        """Make the tables as the load left them, in the current transaction, and with
        ``files`` copy its attachments into ``VAR_DIR`` (a test's own: see the root
        conftest)."""
        import shutil

        from django.conf import settings
        from django.core.cache import cache
        from django.core.management.color import no_style
        from django.db import transaction

        from gongzhi.core import bulk, shared

        quote = connection.ops.quote_name
        # One transaction: the foreign keys are checked at its end, whatever the order of
        # the tables (a live server's test runs in autocommit).
        with transaction.atomic(), connection.cursor() as cursor:
            for table, (columns, rows) in self.tables.items():
                cursor.execute(f"SELECT 1 FROM {quote(table)} LIMIT 1")  # noqa: S608
                if cursor.fetchone():  # a migration's rows, or an earlier test's
                    cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608
                _insert(cursor, table, columns, rows)
            models = [m for m in _models() if m._meta.db_table in self.tables]
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)
        if files and self.files.exists():
            shutil.copytree(self.files, Path(settings.VAR_DIR), dirs_exist_ok=True)
        bulk.refresh_statistics()
        cache.clear()
        shared.forget_all()


def _models() -> list[Any]:
    from django.apps import apps

    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    ]


def _tables() -> dict[str, list[str]]:
    tables: dict[str, list[str]] = {}
    for model in _models():
        columns = [f.column for f in model._meta.concrete_fields]
        tables.setdefault(model._meta.db_table, columns)
    return tables


def _rows(table: str, columns: list[str]) -> Any:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = bytearray()
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) TO STDOUT") as copy:
                for block in copy:
                    buffer += block
            return bytes(buffer)
        # ``+column``: the value as stored, not converted by its declared type (a time
        # would come back as a type the driver cannot bind again).
        plain = ", ".join(f"+{quote(c)}" for c in columns)
        cursor.execute(f"SELECT {plain} FROM {quote(table)} ORDER BY rowid")  # noqa: S608
        return cursor.fetchall()


def _insert(cursor: Any, table: str, columns: list[str], rows: Any) -> None:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            copy.write(rows)
        return
    marks = ", ".join("%s" for _ in columns)
    cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)  # noqa: S608
