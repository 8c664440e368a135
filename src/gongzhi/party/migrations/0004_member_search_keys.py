"""A member's name searched like a resident's (issue 13, defect 19): pinyin initials and full
pinyin (``core.pinyin``) and the phone's tail stored and indexed, filled for existing rows;
the name searched by prefix through its index."""

from django.db import migrations, models

import gongzhi.core.search
from gongzhi.core.pinyin import fill_name_keys


class Migration(migrations.Migration):
    dependencies = [
        ("party", "0003_member_user"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="initials",
            field=gongzhi.core.search.PrefixSearchField(
                db_index=True, default="", max_length=60, verbose_name="拼音首字母"
            ),
        ),
        migrations.AddField(
            model_name="member",
            name="phone_tail",
            field=models.CharField(blank=True, db_index=True, max_length=4),
        ),
        migrations.AddField(
            model_name="member",
            name="pinyin",
            field=gongzhi.core.search.PrefixSearchField(
                db_index=True, default="", max_length=120, verbose_name="姓名全拼"
            ),
        ),
        migrations.AddField(
            model_name="member",
            name="short_initials",
            field=gongzhi.core.search.PrefixSearchField(
                db_index=True, default="", max_length=30, verbose_name="拼音简拼"
            ),
        ),
        migrations.AlterField(
            model_name="member",
            name="name",
            field=gongzhi.core.search.PrefixSearchField(
                db_index=True, max_length=50, verbose_name="姓名"
            ),
        ),
        migrations.RunPython(
            fill_name_keys("party", "Member", phone_tail=True),
            migrations.RunPython.noop,
            elidable=True,
        ),
        # SQLite adds a NOT NULL column by rebuilding the table, which drops its statistics.
        migrations.RunSQL("ANALYZE party_member", migrations.RunSQL.noop),
    ]
