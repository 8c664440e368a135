"""(received_at, path) in place of received_at's own index: a list of a path range with no
other filter, newest first, walks it backwards and checks the path in the index, instead
of reading every row it passes (bench/README.md). Only the index is dropped (an AlterField
of the column would copy the whole table on SQLite)."""

from django.db import migrations, models

# Django's name for the column's own index (the same on SQLite and PostgreSQL).
RECEIVED_AT_INDEX = "demands_demand_received_at_c8566580"


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0006_search_vector"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="demand",
            index=models.Index(
                fields=["received_at", "path"], name="demands_dem_receive_b6b8f7_idx"
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="demand",
                    name="received_at",
                    field=models.DateTimeField(verbose_name="受理时间"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{RECEIVED_AT_INDEX}"',
                    f'CREATE INDEX "{RECEIVED_AT_INDEX}" ON "demands_demand" ("received_at")',
                ),
            ],
        ),
        # The planner weighs the new index by its statistics (SQLite has none until ANALYZE).
        migrations.RunSQL("ANALYZE demands_demand", migrations.RunSQL.noop),
    ]
