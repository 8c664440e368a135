"""A partial index of the unfinished demands for the supervision page (督办).

Its tabs and per-community counts read only demands neither closed nor merged (a
street's 2,400 of 83,000); with this index they no longer scan a street's whole path
range of the wide list index four times (bench/README.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("demands", "0004_one_path_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="demand",
            index=models.Index(
                condition=models.Q(("status__in", ("closed", "merged")), _negated=True),
                fields=["path", "status", "overdue", "supervised", "accept_overdue", "due_at"],
                name="demands_unfinished",
            ),
        ),
        # The planner weighs the new index by its statistics (SQLite has none until ANALYZE).
        migrations.RunSQL("ANALYZE demands_demand", migrations.RunSQL.noop),
    ]
