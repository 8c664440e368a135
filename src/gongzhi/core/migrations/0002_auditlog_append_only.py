"""The database itself refuses UPDATE and DELETE on the audit log (level-3: protected
audit records). Written per vendor because trigger syntax differs."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER core_auditlog_no_update BEFORE UPDATE ON core_auditlog
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END""",
    """CREATE TRIGGER core_auditlog_no_delete BEFORE DELETE ON core_auditlog
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS core_auditlog_no_update",
               "DROP TRIGGER IF EXISTS core_auditlog_no_delete"]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION core_auditlog_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit records are append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER core_auditlog_no_change BEFORE UPDATE OR DELETE ON core_auditlog
       FOR EACH ROW EXECUTE FUNCTION core_auditlog_append_only()""",
    """CREATE TRIGGER core_auditlog_no_truncate BEFORE TRUNCATE ON core_auditlog
       FOR EACH STATEMENT EXECUTE FUNCTION core_auditlog_append_only()""",
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS core_auditlog_no_change ON core_auditlog",
                 "DROP TRIGGER IF EXISTS core_auditlog_no_truncate ON core_auditlog",
                 "DROP FUNCTION IF EXISTS core_auditlog_append_only()"]


def _run(statements):
    def run(apps, schema_editor):
        vendor_statements = statements.get(schema_editor.connection.vendor, [])
        for sql in vendor_statements:
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
