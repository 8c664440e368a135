from django.db import migrations

from gongzhi.core.search import fulltext_operation


class Migration(migrations.Migration):
    dependencies = [("demands", "0001_initial")]

    operations = [fulltext_operation("demands_demand")]
