"""A resident's full pinyin (``Resident.pinyin``, issue 13, defect 19: ``huping`` found
nothing), filled for existing rows."""

from django.db import migrations

import gongzhi.core.search
from gongzhi.core.pinyin import fill_name_keys


class Migration(migrations.Migration):
    dependencies = [
        ("residents", "0004_resident_user"),
    ]

    operations = [
        migrations.AddField(
            model_name="resident",
            name="pinyin",
            field=gongzhi.core.search.PrefixSearchField(
                db_index=True, default="", max_length=120, verbose_name="姓名全拼"
            ),
        ),
        migrations.RunPython(
            fill_name_keys("residents", "Resident"), migrations.RunPython.noop, elidable=True
        ),
        # SQLite adds a NOT NULL column by rebuilding the table, which drops its statistics.
        migrations.RunSQL("ANALYZE residents_resident", migrations.RunSQL.noop),
    ]
