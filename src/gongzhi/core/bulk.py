"""Plain multi-row inserts for the bulk paths (imports, monthly runs).

``bulk_create`` builds a model instance per row and compiles every value of every row
through the SQL compiler, in statements capped by SQLite's 999 parameters; for tens of
thousands of rows that machinery costs more than the database does. ``insert_rows``
prepares each column with its model field (``get_db_prep_save``, as ``save()`` would)
and hands the rows to the driver's ``executemany`` in one statement (PostgreSQL: ``COPY``).

A bulk path that writes explicit primary keys must move the table's id sequence past them
(``reset_sequences``): PostgreSQL's ``serial``/identity sequence does not see them, and the
next ``save()`` would take an id that exists. ``insert_rows`` does it when it is given the
primary key.
"""

import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from django.core.management.color import no_style
from django.db import connections, models, router
from django.db.backends.utils import CursorWrapper
from django.db.models.constants import OnConflict
from django.utils import timezone

T = TypeVar("T")

logger = logging.getLogger(__name__)

CHUNK = 5000
# Keys a query names at once (``pk__in=…``): under SQLite's old 999-variable limit.
IN_BATCH = 900


def insert_rows(
    model: type[models.Model],
    field_names: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
    using: str | None = None,
) -> int:
    """Insert ``rows`` (value sequences in the order of ``field_names``) into ``model``'s
    table; returns the number of rows given. Fields are named by name or attname (``household``
    or ``household_id``). Every concrete field not named gets what ``save()`` of a new
    instance writes: its default, or for ``auto_now``/``auto_now_add`` the time of the
    call. No signals are sent and no primary keys come back; rows given with their primary
    key move the table's id sequence past them (``reset_sequences``).
    ``ignore_conflicts`` skips rows that break a unique constraint."""
    if not field_names:
        raise ValueError("name at least one field")
    meta = model._meta
    using = using or router.db_for_write(model)
    connection = connections[using]
    by_name: dict[str, models.Field] = {}
    for f in meta.concrete_fields:
        by_name[f.name] = by_name[f.attname] = f
    named = [by_name[name] for name in field_names]
    if len(set(named)) != len(named):
        raise ValueError(f"a field is named twice: {field_names}")
    # The fields not named: what a new instance's save() would write, prepared once.
    blank = model()
    fixed = [
        (f, f.get_db_prep_save(f.pre_save(blank, add=True), connection))
        for f in meta.concrete_fields
        if f not in named and f is not meta.auto_field
    ]
    fields = [*named, *(f for f, _value in fixed)]
    constants = tuple(value for _f, value in fixed)
    quote = connection.ops.quote_name
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    sql = " ".join(
        part
        for part in (
            connection.ops.insert_statement(on_conflict=on_conflict),
            quote(meta.db_table),
            "(" + ", ".join(quote(_column(f)) for f in fields) + ")",
            "VALUES (" + ", ".join(["%s"] * len(fields)) + ")",
            connection.ops.on_conflict_suffix_sql(fields, on_conflict, None, None),
        )
        if part
    )
    preps = [(partial(f.get_db_prep_save, connection=connection), _keeps_text(f)) for f in named]

    def prepared_chunks() -> Iterator[list[tuple[Any, ...]]]:
        for chunk in chunks(rows, CHUNK):
            # One column at a time: each field's preparation is looked up once.
            columns = [
                [v if v.__class__ is str else prep(v) for v in column]
                if keeps_text
                else list(map(prep, column))
                for (prep, keeps_text), column in zip(preps, zip(*chunk, strict=True), strict=True)
            ]
            yield [(*values, *constants) for values in zip(*columns, strict=True)]

    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not ignore_conflicts:
            # PostgreSQL parses, plans and executes every INSERT it is sent, here one a row
            # (60,000 dues charges: 2.7 s); COPY streams them (0.7 s). COPY has no ON
            # CONFLICT. SQLite runs its prepared statement per row in process.
            count = _copy(cursor, meta.db_table, fields, prepared_chunks())
        else:
            for prepared in prepared_chunks():
                cursor.executemany(sql, prepared)
                count += len(prepared)
    if meta.pk in named:
        reset_sequences(model, using=using)
    return count


def _copy(
    cursor: CursorWrapper,
    table: str,
    fields: Sequence[models.Field],
    chunks_of_rows: Iterable[list[tuple[Any, ...]]],
) -> int:
    """PostgreSQL's ``COPY table (columns) FROM STDIN`` of the rows, on the driver's
    cursor (psycopg), run like the statements Django runs: through the connection's
    execute wrappers and with Django's error classes (IntegrityError …)."""
    db = cursor.db
    quote = db.ops.quote_name
    sql = f"COPY {quote(table)} ({', '.join(quote(_column(f)) for f in fields)}) FROM STDIN"
    count = 0

    def copy(sql: str, params: Any, many: bool, context: dict[str, Any]) -> None:
        nonlocal count
        with db.wrap_database_errors, cursor.cursor.copy(sql) as copier:
            for rows in chunks_of_rows:
                for row in rows:
                    copier.write_row(row)
                count += len(rows)

    executor: Callable[[str, Any, bool, dict[str, Any]], None] = copy
    for wrapper in reversed(db.execute_wrappers):
        executor = partial(wrapper, executor)
    executor(sql, None, False, {"connection": db, "cursor": cursor})
    return count


def reset_sequences(*models_: type[models.Model], using: str | None = None) -> None:
    """Move the id sequence of each model's table past its largest id, after rows were
    written with explicit ids (PostgreSQL; SQLite's ``AUTOINCREMENT`` follows the largest
    id by itself, so nothing is run there)."""
    if not models_:
        return
    connection = connections[using or router.db_for_write(models_[0])]
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def refresh_statistics(using: str | None = None) -> None:
    """The planner's statistics of every table, after a load that filled many of them
    (the demo, a module's demo data). PostgreSQL: ANALYZE, which counts the rows of its
    own open transaction too; until autovacuum comes round the planner takes the new
    tables for nearly empty and plans nested loops over thousands of rows (a check of
    orglife's demo took 336 s instead of seconds). SQLite plans by its indexes without
    statistics: nothing to do."""
    connection = connections[using or router.db_for_write(models.Model)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _column(field: models.Field) -> str:
    """A concrete field's column (its type allows None: a many-to-many field has none)."""
    assert field.column is not None
    return field.column


def _keeps_text(field: models.Field) -> bool:
    """Whether the field prepares a ``str`` as itself: Django's own text fields (and
    subclasses that leave their preparation alone) do, and a census has 20 text columns."""
    cls = type(field)
    return (
        cls.get_db_prep_save is models.Field.get_db_prep_save
        and cls.get_db_prep_value is models.Field.get_db_prep_value
        and cls.get_prep_value in (models.CharField.get_prep_value, models.TextField.get_prep_value)
        and cls.to_python in (models.CharField.to_python, models.TextField.to_python)
    )


def chunks(items: Iterable[T], size: int = IN_BATCH) -> Iterator[list[T]]:
    """``items`` in lists of ``size``."""
    chunk: list[T] = []
    for row in items:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Written:
    """What a bulk write has committed so far, batch by batch, so that it can be taken
    back if a later batch fails or the process dies.

    A large import used to be one transaction; on SQLite that holds the database's one
    write lock for the whole import (75 s for 200,000 rows) and every other writer waits
    or fails with "database is locked". An import now checks everything first, outside
    any transaction, then writes in batches that each commit. Inside each batch's
    transaction ``add`` records what the batch wrote (a ``PendingWrite`` row), so no
    batch is ever committed without its record. If a later batch fails (someone
    registered the same person meanwhile), ``undo`` deletes the earlier batches' rows,
    newest first, in one transaction; when the write completes, ``done`` drops the
    records in the transaction of the write's audit record. If the process dies in
    between (kill -9, power), :func:`recover` takes the batches back: for the user the
    import stays all or nothing. Rows are named by primary key or by a foreign key
    (``field``), and deleted without signals or the collector, as they were inserted.
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.run = uuid.uuid4().hex
        self._written: list[tuple[type[models.Model], str, list[Any]]] = []

    def add(self, model: type[models.Model], ids: Iterable[Any], *, field: str = "pk") -> None:
        """Record a batch's rows; call it inside the batch's transaction."""
        from django.db import transaction

        from .models import PendingWrite

        if not transaction.get_connection(router.db_for_write(model)).in_atomic_block:
            raise RuntimeError("Written.add belongs inside the batch's transaction")
        ids = list(ids)
        machine, pid, started = process_identity()
        PendingWrite.objects.create(
            run=self.run,
            label=self.label,
            host=machine,
            pid=pid,
            started=started,
            model=model._meta.label,
            field=field,
            ids=ids,
        )
        self._written.append((model, field, ids))

    def done(self) -> None:
        """The write is complete: forget its batches, in the transaction of the write's
        audit record. If they are no longer all there, :func:`recover` took the write for
        dead and took its rows back: the write has failed, and says so."""
        from django.utils.translation import gettext as _

        from .errors import Conflict
        from .models import PendingWrite

        deleted, _by_model = PendingWrite.objects.filter(run=self.run).delete()
        if deleted != len(self._written):
            self._written.clear()
            raise Conflict(_("导入被判定为中断，已写入的部分已撤回，请重新导入。"))
        self._written.clear()

    def finish(self, action: str, *, actor: Any, data: dict[str, Any]) -> None:
        """The write is complete: its audit record, and its batches forgotten (``done``),
        in one transaction."""
        from django.db import transaction

        from . import audit

        with transaction.atomic():
            self.done()
            audit.log(action, actor=actor, data=data)

    def undo(self) -> bool:
        """Take the committed batches back, newest first, in one transaction. If that
        fails (a row written meanwhile refers to one of ours), the records stay for
        :func:`recover` to try again, and the caller's own error is what the user sees."""
        from django.db import transaction

        from .models import PendingWrite

        try:
            with transaction.atomic():
                _delete(reversed(self._written))
                PendingWrite.objects.filter(run=self.run).delete()
        except Exception:
            logger.exception(
                "bulk write %s %s: its batches could not be taken back", self.label, self.run
            )
            return False
        self._written.clear()
        return True


def _delete(batches: Iterable[tuple[type[models.Model], str, list[Any]]]) -> int:
    deleted = 0
    for model, field, ids in batches:
        for chunk in chunks(ids):
            deleted += model._base_manager.filter(**{f"{field}__in": chunk})._raw_delete(
                router.db_for_write(model)
            )
    return deleted


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as file:
            return file.read().strip()
    except OSError:
        return ""


def _start_time(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot, /proc/<pid>/stat field 22);
    None when it is not visible; -1 when it is a zombie (killed, not yet reaped: a process
    killed with its parent stays one until init reaps it, maybe after the next server
    has started)."""
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return None
    fields = stat.rpartition(")")[2].split()
    if not fields or fields[0] in ("Z", "X"):
        return -1
    try:
        return int(fields[19])  # field 22 counted from 1, after "pid (comm)"
    except (IndexError, ValueError):
        return 0


def process_identity() -> tuple[str, int, int]:
    """(machine, pid, start time) of this process. The machine is the host name with the
    boot and the PID namespace: only within one of them do process ids mean the same
    process (two containers may share a host name, a reboot reuses every id)."""
    boot = _read("/proc/sys/kernel/random/boot_id")[:8]
    try:
        namespace = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        namespace = ""
    machine = "|".join(part for part in (socket.gethostname(), boot, namespace) if part)
    return machine[:255], os.getpid(), _start_time(os.getpid()) or 0


def _alive(pid: int, started: int = 0) -> bool:
    """Whether process ``pid`` (started at ``started``, when known) of this machine still
    runs: not a zombie, not another process that has since taken the same id."""
    start = _start_time(pid)
    if start == -1:
        return False
    if start is not None:
        return not started or start == started
    try:  # not visible in /proc: gone, or another user's under hidepid, or no /proc
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def recover(*, stale_after: timedelta | None = None, now: datetime | None = None) -> list[dict]:
    """Take back the batches of bulk writes whose process has died: on this machine, any
    whose process is gone; anywhere, any that has written nothing for ``stale_after``
    (a batch takes seconds). Each is undone in one transaction and audited; one that
    cannot be (a row written since refers to one of its rows) is logged and left."""
    from django.apps import apps
    from django.db import transaction
    from django.db.models import Max

    from . import audit
    from .models import PendingWrite

    now = now or timezone.now()
    machine = process_identity()[0]
    runs = PendingWrite.objects.values("run", "label", "host", "pid", "started").annotate(
        last=Max("created_at")
    )
    recovered = []
    for run in runs:
        dead = run["host"] == machine and not _alive(run["pid"], run["started"])
        stale = stale_after is not None and now - run["last"] >= stale_after
        if not (dead or stale):
            continue
        try:
            with transaction.atomic():
                batches = list(
                    PendingWrite.objects.select_for_update().filter(run=run["run"]).order_by("-id")
                )
                if not batches:
                    continue
                deleted = _delete((apps.get_model(b.model), b.field, b.ids) for b in batches)
                PendingWrite.objects.filter(pk__in=[b.pk for b in batches]).delete()
                outcome = {
                    "label": run["label"],
                    "run": run["run"],
                    "batches": len(batches),
                    "rows": deleted,
                    "why": "process_gone" if dead else "stale",
                }
                audit.log("core.bulk_write.undone", result=audit.FAILURE, data=outcome)
        except Exception:
            logger.exception("bulk write %s %s could not be taken back", run["label"], run["run"])
            continue
        recovered.append(outcome)
    return recovered
