"""The ID number's first four characters in clear (``Resident.id_head``), filled from the
encrypted numbers, so that masked lists and exports need not decrypt every row."""

from django.db import migrations, models

from gongzhi.core import pii

CHUNK = 5000


def fill_id_head(apps, schema_editor):
    """Decrypt the numbers in chunks of primary keys and write the heads with one
    ``executemany`` a chunk (a million rows: no model instance, no per-row query)."""
    Resident = apps.get_model("residents", "Resident")
    connection = schema_editor.connection
    table = connection.ops.quote_name(Resident._meta.db_table)
    rows = (
        Resident.objects.using(connection.alias).order_by("pk").values_list("pk", "id_number_enc")
    )
    pk = connection.ops.quote_name(Resident._meta.pk.column)
    update = f"UPDATE {table} SET id_head = %s WHERE {pk} = %s"  # noqa: S608 (names only)
    last = 0
    with connection.cursor() as cursor:
        while chunk := list(rows.filter(pk__gt=last)[:CHUNK]):
            cursor.executemany(update, [(pii.decrypt(enc)[:4], pk) for pk, enc in chunk])
            last = chunk[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("residents", "0002_resident_index_trim"),
    ]

    operations = [
        migrations.AddField(
            model_name="resident",
            name="id_head",
            field=models.CharField(blank=True, max_length=4),
        ),
        migrations.RunPython(fill_id_head, migrations.RunPython.noop, elidable=True),
    ]
