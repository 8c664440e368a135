"""PostgreSQL: the demands' search tokens as a stored tsvector (a generated column with its
GIN index), matched on the row instead of ``id IN (SELECT id … WHERE to_tsvector(…) @@ …)``,
which never used the index and tokenised a scope's every row again (bench/README.md).
SQLite keeps its FTS5 table; nothing changes there."""

from django.db import migrations

from gongzhi.core.search import stored_vector_operation


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0005_unfinished_index"),
    ]

    operations = [stored_vector_operation("demands_demand")]
