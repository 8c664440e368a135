"""``DevelopmentFile.id_head``: the ID number's first four characters in clear, filled
from the encrypted numbers, so that the masked number never needs a decryption
(``core.models.IdentityNumber``)."""

from django.db import migrations, models

from gongzhi.core.models import fill_id_heads


class Migration(migrations.Migration):
    dependencies = [
        ("development", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="developmentfile",
            name="id_head",
            field=models.CharField(blank=True, max_length=4),
        ),
        migrations.RunPython(
            fill_id_heads("development", "DevelopmentFile"), migrations.RunPython.noop, elidable=True
        ),
        # SQLite adds a NOT NULL column by rebuilding the table, which drops its planner
        # statistics: without them the arrears list took 13 s instead of 20 ms.
        migrations.RunSQL("ANALYZE development_developmentfile", migrations.RunSQL.noop),
    ]
