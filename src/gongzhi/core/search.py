"""Chinese full-text search on SQLite and PostgreSQL alike, without extra servers.

Text is indexed as CJK unigrams and bigrams plus whole Latin/digit words (the classic
CJK bigram analysis), stored in one ``search_tokens`` column of the model. SQLite keeps
an FTS5 external-content table in sync by triggers; PostgreSQL stores
``to_tsvector('simple', search_tokens)`` in a generated column beside it
(``search_tokens_vector``, :func:`stored_vector_operations`) with a GIN index. A query
matches rows containing every bigram of each query word, so "楼道漏水" finds
"三单元楼道漏水严重".

Each database's match is a condition on the row it filters: on SQLite the rowids of the
FTS table (``MatchIn``), on PostgreSQL the stored vector (``VectorMatch``). The planner
then weighs the scope's path range, the newest-first index and the text index together.
"""

import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.apps.registry import Apps
from django.db import migrations, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import F, Lookup
from django.db.models.expressions import Expression, RawSQL
from django.db.models.lookups import In
from django.db.models.sql.compiler import SQLCompiler
from django.utils.tree import Node

from .scoping import children_of

if TYPE_CHECKING:
    from django.db.models.sql.compiler import _AsSqlType

# A migration's RunPython function.
Migrate = Callable[[Apps, BaseDatabaseSchemaEditor], None]

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[0-9a-z]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
MAX_QUERY_TERMS = 24


def _normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def index_tokens(text: str) -> str:
    """The tokens stored for ``text``: CJK unigrams and bigrams, Latin/digit words."""
    tokens = []
    for run in _RUNS.findall(_normalize(text)):
        if _IS_CJK.match(run):
            tokens.extend(run)
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            tokens.append(run)
    return " ".join(dict.fromkeys(tokens))  # unique, order kept


def query_terms(query: str) -> list[str]:
    """The tokens every match must contain: a word's bigrams (or the single character)."""
    terms: list[str] = []
    for run in _RUNS.findall(_normalize(query)):
        if _IS_CJK.match(run) and len(run) > 1:
            terms.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            terms.append(run)
    return list(dict.fromkeys(terms))[:MAX_QUERY_TERMS]


class MatchIn(In):
    """``pk IN (the matches)`` as a filter only: on SQLite ``+id IN (…)``, so that the
    planner drives the query from the scope's or the order's index and probes the
    matches, instead of looking up every match's row (50,000 for a common word)."""

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> "_AsSqlType":
        sql, params = super().as_sql(compiler, connection)
        return (f"+{sql}" if connection.vendor == "sqlite" else sql), params


def vector_column(field: str) -> str:
    """PostgreSQL: the generated tsvector column stored beside the tokens ``field``."""
    return f"{field}_vector"


class VectorMatch(Lookup):
    """PostgreSQL: the row's stored tsvector matches ``to_tsquery('simple', rhs)``.

    ``lhs`` is the row's primary key, which only names the table (its alias, relabelled
    with the query like any column); ``column`` is the tsvector column. On the row, not
    ``id IN (SELECT id … WHERE to_tsvector(…) @@ …)``: that shape (SQLite's, for its FTS
    table) kept PostgreSQL from using the GIN index and made it tokenise every row of the
    scope's path range again (~30 µs a row: 0.7 s for a district)."""

    lookup_name = "vector_match"  # built by search(), not registered on a field
    prepare_rhs = False

    def __init__(self, lhs: F | Expression, rhs: str, column: str) -> None:
        self.column = column
        super().__init__(lhs, rhs)

    @property
    def identity(self) -> tuple[Any, ...]:
        return (*super().identity, self.column)

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> "_AsSqlType":
        table = compiler.quote_name_unless_alias(self.lhs.alias)
        column = connection.ops.quote_name(self.column)
        # Parameters as a list, like Django 5.2's own lookups (Django's type declarations follow 6.0's tuples).
        return f"{table}.{column} @@ to_tsquery('simple', %s)", [self.rhs]  # type: ignore[return-value]


def driving(queryset: models.QuerySet) -> models.QuerySet:
    """``queryset`` with its ``MatchIn`` filters free to drive the query again (for a
    count over a whole district, where the scope's index filters nothing)."""
    queryset = queryset.all()
    _drive(queryset.query.where)
    return queryset


def _drive(node: Node) -> None:
    children = children_of(node)
    for i, child in enumerate(children):
        if type(child) is MatchIn:
            children[i] = In(child.lhs, child.rhs)
        elif isinstance(child, Node):
            _drive(child)


def search(
    queryset: models.QuerySet, query: str, field: str = "search_tokens", *, as_filter: bool = False
) -> models.QuerySet:
    """Rows of ``queryset`` whose indexed text matches every term of ``query``; with
    ``as_filter``, SQLite's matches only filter (see :class:`MatchIn`). On PostgreSQL the
    match is always a condition on the row (:class:`VectorMatch`)."""
    terms = query_terms(query)
    if not terms:
        return queryset.none()
    table = queryset.model._meta.db_table
    if _vendor(queryset) == "sqlite":
        match = " AND ".join(f'"{t}"' for t in terms)
        matches = RawSQL(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH %s", [match])
        if as_filter:
            return queryset.filter(MatchIn(F("pk"), matches))
        return queryset.filter(pk__in=matches)
    # Terms are runs of CJK characters, letters or digits (``_RUNS``): nothing to escape.
    tsquery = " & ".join(f"'{t}'" for t in terms)
    return queryset.filter(VectorMatch(F("pk"), tsquery, vector_column(field)))


def has_cjk(text: str) -> bool:
    return bool(_IS_CJK.search(text or ""))


def newest_matches(
    model: type[models.Model], query: str, limit: int, offset: int = 0, field: str = "search_tokens"
) -> list[int]:
    """Ids of ``model``'s rows matching every term of ``query``, highest first, at most
    ``limit`` after ``offset``: straight from the text index (FTS5 reads its lists in
    rowid order), for a search box wanting a few of the newest matches of a wide scope,
    which it then filters through the scope. No scope here: callers must."""
    from django.db import connections, router

    terms = query_terms(query)
    if not terms:
        return []
    table = model._meta.db_table
    connection = connections[router.db_for_read(model)]
    if connection.vendor == "sqlite":
        sql = (
            f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH %s "  # noqa: S608 (names only)
            "ORDER BY rowid DESC LIMIT %s OFFSET %s"
        )
        params: list[Any] = [" AND ".join(f'"{t}"' for t in terms), limit, offset]
    else:
        sql = (
            f"SELECT id FROM {table} WHERE {vector_column(field)} @@ to_tsquery('simple', %s) "  # noqa: S608
            "ORDER BY id DESC LIMIT %s OFFSET %s"
        )
        params = [" & ".join(f"'{t}'" for t in terms), limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _vendor(queryset: models.QuerySet) -> str:
    from django.db import connections

    return connections[queryset.db].vendor


def fulltext_operation(table: str, field: str = "search_tokens") -> migrations.RunPython:
    """The migration step that creates the index for ``table.field`` on either database."""
    # Identifiers below come from migrations (model metadata), never from user input.
    sqlite = [
        f"CREATE VIRTUAL TABLE {table}_fts USING fts5({field}, content='{table}', content_rowid='id', "
        "tokenize='unicode61')",
        f"CREATE TRIGGER {table}_fts_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {table}_fts(rowid, {field}) VALUES (new.id, new.{field}); END",
        f"CREATE TRIGGER {table}_fts_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {table}_fts({table}_fts, rowid, {field}) VALUES ('delete', old.id, old.{field}); END",
        f"CREATE TRIGGER {table}_fts_au AFTER UPDATE OF {field} ON {table} BEGIN "
        f"INSERT INTO {table}_fts({table}_fts, rowid, {field}) VALUES ('delete', old.id, old.{field}); "
        f"INSERT INTO {table}_fts(rowid, {field}) VALUES (new.id, new.{field}); END",
    ]
    sqlite_drop = [f"DROP TABLE IF EXISTS {table}_fts"] + [
        f"DROP TRIGGER IF EXISTS {table}_fts_{s}" for s in ("ai", "ad", "au")
    ]
    postgres = [
        f"CREATE INDEX {table}_fts_gin ON {table} USING gin (to_tsvector('simple', {field}))"
    ]
    postgres_drop = [f"DROP INDEX IF EXISTS {table}_fts_gin"]

    def run(statements: dict[str, list[str]]) -> Migrate:
        def apply(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
            for sql in statements.get(schema_editor.connection.vendor, []):
                schema_editor.execute(sql)

        return apply

    return migrations.RunPython(
        run({"sqlite": sqlite, "postgresql": postgres}),
        run({"sqlite": sqlite_drop, "postgresql": postgres_drop}),
    )


def stored_vector_operations(
    table: str, field: str = "search_tokens"
) -> list[migrations.RunPython]:
    """The migration steps that store the tsvector of ``table.field`` on PostgreSQL, for a
    migration with ``atomic = False``:

    1. (one transaction) a generated column (:func:`vector_column`, kept by the database
       on every write; positions stripped, which no query of ours reads: a third smaller)
       with a GIN index, in place of :func:`fulltext_operation`'s index over the
       expression. PostgreSQL rewrites the table for it, locked (a million rows: the
       whole migration took 2 min 20 s on the bench machine);
    2. ``VACUUM ANALYZE`` of the table (outside a transaction): the rewrite leaves no
       visibility map, so every index-only scan (the lists' counts) read the table again
       until autovacuum came by, and no statistics of the new column.

    SQLite keeps its FTS5 table: nothing to do there."""
    column = vector_column(field)
    postgres = [
        f"ALTER TABLE {table} ADD COLUMN {column} tsvector "
        f"GENERATED ALWAYS AS (strip(to_tsvector('simple', {field}))) STORED",
        f"CREATE INDEX {table}_{column}_gin ON {table} USING gin ({column})",
        f"DROP INDEX IF EXISTS {table}_fts_gin",
    ]
    postgres_back = [
        f"CREATE INDEX IF NOT EXISTS {table}_fts_gin ON {table} "
        f"USING gin (to_tsvector('simple', {field}))",
        f"ALTER TABLE {table} DROP COLUMN IF EXISTS {column}",  # and its index
    ]

    def run(statements: list[str]) -> Migrate:
        def apply(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
            if schema_editor.connection.vendor == "postgresql":
                for sql in statements:
                    schema_editor.execute(sql)

        return apply

    return [
        migrations.RunPython(run(postgres), run(postgres_back), atomic=True),
        migrations.RunPython(run([f"VACUUM ANALYZE {table}"]), migrations.RunPython.noop),
    ]


class PrefixSearchField(models.CharField):
    """A short text searched by prefix (a name, pinyin initials) through its index.

    ``field__prefix=text`` compiles to ``GLOB 'text*'`` on SQLite (whose ``LIKE`` skips
    indexes) and ``LIKE 'text%'`` on PostgreSQL under byte ("C") collation, with the
    pattern characters of either escaped.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection: BaseDatabaseWrapper) -> dict[str, str | None]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql" and not self.db_collation:
            params["collation"] = "C"
        return params


@PrefixSearchField.register_lookup
class Prefix(Lookup):
    lookup_name = "prefix"
    prepare_rhs = False

    # Parameters as lists, like Django 5.2's own lookups (Django's type declarations follow 6.0's tuples).

    def get_db_prep_lookup(self, value: Any, connection: BaseDatabaseWrapper) -> "_AsSqlType":
        value = str(value)
        if connection.vendor == "sqlite":
            escaped = "".join(f"[{c}]" if c in "*?[" else c for c in value)
            return ("%s", [escaped + "*"])  # type: ignore[return-value]
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return ("%s", [escaped + "%"])  # type: ignore[return-value]

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> "_AsSqlType":
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "sqlite":
            # unlikely(): SQLite has no statistics to tell that a name prefix selects few
            # rows, and otherwise scans a whole district's path range to count them.
            return f"unlikely({lhs} GLOB {rhs})", [*lhs_params, *rhs_params]  # type: ignore[return-value]
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]  # type: ignore[return-value]
