"""A partial index of the demands not closed, for the supervision page (督办).

Its tabs and per-community counts read only unfinished demands (a street's 3,700 of
83,000); with this index they no longer scan a street's whole path range of the wide
list index four times (bench/README.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0004_one_path_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="demand",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", True)),
                fields=[
                    "closed_at",
                    "path",
                    "status",
                    "overdue",
                    "supervised",
                    "accept_overdue",
                    "due_at",
                ],
                name="demands_unfinished",
            ),
        ),
        # The planner weighs the new index by its statistics (SQLite has none until ANALYZE).
        migrations.RunSQL("ANALYZE demands_demand", migrations.RunSQL.noop),
    ]
