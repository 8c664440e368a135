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

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import Any, TypeVar

from django.core.management.color import no_style
from django.db import connections, models, router
from django.db.backends.utils import CursorWrapper
from django.db.models.constants import OnConflict

T = TypeVar("T")

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


def _column(field: models.Field) -> str:
    """A concrete field's column (the stubs allow None: a many-to-many field has none)."""
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
    back if a later batch fails.

    A large import used to be one transaction; on SQLite that holds the database's one
    write lock for the whole import (75 s for 200,000 rows) and every other writer waits
    or fails with "database is locked". An import now checks everything first, outside
    any transaction, then writes in batches that each commit, recording here what each
    batch wrote. If a batch fails (someone registered the same person meanwhile), the
    rows of the earlier batches are deleted again, newest first, in one transaction: for
    the user the import stays all or nothing, and a failed import leaves nothing behind.
    Rows are named by primary key or by a foreign key (``field``), and deleted without
    signals or the collector, as they were inserted.
    """

    def __init__(self) -> None:
        self._written: list[tuple[type[models.Model], str, list[Any]]] = []

    def add(self, model: type[models.Model], ids: Iterable[Any], *, field: str = "pk") -> None:
        self._written.append((model, field, list(ids)))

    def undo(self) -> None:
        from django.db import transaction

        with transaction.atomic():
            for model, field, ids in reversed(self._written):
                for chunk in chunks(ids):
                    model._base_manager.filter(**{f"{field}__in": chunk})._raw_delete(
                        router.db_for_write(model)
                    )
        self._written.clear()
