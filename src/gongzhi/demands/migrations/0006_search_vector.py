"""PostgreSQL: the demands' search tokens as a stored tsvector (a generated column with its
GIN index), matched on the row instead of ``id IN (SELECT id … WHERE to_tsvector(…) @@ …)``,
which never used the index and tokenised a scope's every row again (bench/README.md).
Not atomic: the table is vacuumed after its rewrite (core.search.stored_vector_operations),
which PostgreSQL cannot do in a transaction. The rewrite locks the table (the whole
migration, VACUUM included, took 2 min 20 s for a million demands on the bench machine),
so upgrade a large installation with the site stopped. SQLite keeps its
FTS5 table; nothing changes there."""

from django.db import migrations

from gongzhi.core.search import stored_vector_operations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("demands", "0005_unfinished_index"),
    ]

    operations = stored_vector_operations("demands_demand")
