"""One path index for demands (the wide one of 0003), and an (urgency, status, …) index.

The path column's own index and (path, received_at) go: beside the wide (path, status,
received_at, category, urgency, overdue) index SQLite chose the narrower ones and read
every row of a street to check a status. Only the index is dropped (an AlterField of
the column would copy the whole table on SQLite)."""

from django.db import migrations, models

import gongzhi.core.scoping

# Django's name for the column's own index (and PostgreSQL's pattern-ops twin).
PATH_INDEX = "demands_demand_path_bec55572"


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0003_list_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="demand",
            name="demands_dem_path_703bb7_idx",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="demand",
                    name="path",
                    field=gongzhi.core.scoping.TreePathField(db_index=False, max_length=64),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{PATH_INDEX}"',
                    f'CREATE INDEX "{PATH_INDEX}" ON "demands_demand" ("path")',
                ),
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{PATH_INDEX}_like"', migrations.RunSQL.noop
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="demand",
            index=models.Index(
                fields=["urgency", "status", "received_at", "path"],
                name="demands_dem_urgency_a03662_idx",
            ),
        ),
        migrations.RunSQL("ANALYZE demands_demand", migrations.RunSQL.noop),
    ]
