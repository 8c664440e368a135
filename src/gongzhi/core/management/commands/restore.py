"""Restore a backup made by ``gongzhi backup`` over the live database.

SQLite: the same online backup API, from the backup file into the live database file,
after Django's connections are closed; other processes see the restored pages at their
next transaction. PostgreSQL: ``pg_restore --clean --if-exists --no-owner`` in one
transaction, so a failed restore leaves the database as it was. Stop the web service
first (`gongzhi run`) so nobody writes between the backup's state and the restore.
"""

import sqlite3
from pathlib import Path
from urllib.parse import quote

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from gongzhi.core import audit, shared

from .backup import (
    console_user,
    find_pg_tool,
    refuse_inside_transaction,
    run_pg_tool,
    sqlite_connect,
    sqlite_name,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


def file_kind(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    return ""


class Command(BaseCommand):
    help = "用 gongzhi backup 生成的备份文件覆盖恢复当前数据库（恢复前会要求确认）。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="备份文件（.sqlite3 或 .pgdump）")
        parser.add_argument("--yes", "-y", action="store_true", help="不询问，直接恢复")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="数据库别名")

    def handle(self, *args, path, yes=False, database=DEFAULT_DB_ALIAS, **options):
        source = Path(path).expanduser().resolve()
        if not source.is_file():
            raise CommandError(f"备份文件不存在：{source}")
        connection = connections[database]
        vendor = connection.vendor
        kind = file_kind(source)
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        if not kind:
            raise CommandError(
                f"不是共治的备份文件（既不是 SQLite 数据库，也不是 pg_dump 文件）：{source}"
            )
        if kind != vendor:
            raise CommandError(
                f"备份文件是 {names[kind]} 格式，当前数据库是 {names.get(vendor, vendor)}，无法恢复。"
            )
        if vendor == "sqlite":
            self._check_sqlite_backup(source)
        refuse_inside_transaction(connection, "恢复")
        target = connection.settings_dict["NAME"]
        if not yes:
            self._confirm(source, target)

        connections.close_all()
        if vendor == "sqlite":
            self._restore_sqlite(connection, source)
        else:
            self._restore_postgresql(connection, source)
        # Cached lookups (holidays, parameters) describe the old data, in every process.
        cache.clear()
        for key in ("holidays", "params"):
            shared.bump(key)
        audit.log(
            "core.database.restored",
            username=console_user(),
            data={"file": source.name, "vendor": vendor},
        )
        self.stdout.write(self.style.SUCCESS(f"已从 {source} 恢复数据库 {target}。"))
        self.stdout.write("如 Web 服务正在运行，请重新启动（gongzhi run）。")

    def _confirm(self, source: Path, target) -> None:
        prompt = f"将用备份 {source} 覆盖数据库 {target} 中的全部数据，当前数据会丢失。\n确定恢复请输入 yes："
        try:
            answer = input(prompt)
        except EOFError:
            answer = ""
        if answer.strip().lower() not in {"yes", "y", "是"}:
            raise CommandError("未确认，已取消恢复，数据库未改动。")

    def _check_sqlite_backup(self, source: Path) -> None:
        try:
            conn = sqlite3.connect(f"file:{quote(str(source))}?mode=ro", uri=True)
            try:
                check = conn.execute("PRAGMA quick_check").fetchone()[0]
                has_migrations = conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type='table' AND name='django_migrations'"
                ).fetchone()
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise CommandError(f"备份文件无法读取：{exc}") from exc
        if check != "ok":
            raise CommandError(f"备份文件已损坏（完整性检查：{check}），未恢复。")
        if not has_migrations:
            raise CommandError("备份文件是 SQLite 数据库，但不是共治的数据库，未恢复。")

    def _restore_sqlite(self, connection, source: Path) -> None:
        src = sqlite3.connect(f"file:{quote(str(source))}?mode=ro", uri=True)
        dest = sqlite_connect(sqlite_name(connection))
        try:
            src.backup(dest)
        finally:
            dest.close()
            src.close()

    def _restore_postgresql(self, connection, source: Path) -> None:
        run_pg_tool(
            [
                find_pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--no-password",
                "--dbname",
                str(connection.settings_dict["NAME"]),
                str(source),
            ],
            connection,
        )
