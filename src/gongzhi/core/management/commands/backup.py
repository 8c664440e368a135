"""Back up the whole database to one file, online (the service may keep running).

SQLite: the online backup API (``sqlite3.Connection.backup``) copies a consistent
snapshot page by page while writers continue (WAL mode). PostgreSQL: ``pg_dump -Fc``
with the connection taken from ``DATABASE_URL``; the password travels in ``PGPASSWORD``,
never on the command line. ``gongzhi restore`` reads both formats back.
"""

import getpass
import glob
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 (pg_dump/pg_restore are the supported PostgreSQL tools)
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from gongzhi.core import audit

SQLITE_SUFFIX = ".sqlite3"
PG_SUFFIX = ".pgdump"


def default_backup_dir() -> Path:
    return Path(settings.VAR_DIR) / "backups"


def sqlite_name(connection) -> str:
    """The database SQLite opens: a file path, or the URI of a shared in-memory database
    (the test database), which any connection of this process may open by name."""
    return str(connection.settings_dict["NAME"])


def sqlite_connect(name: str) -> sqlite3.Connection:
    # uri=True as Django does: a plain path stays a path, "file:…?mode=memory" is a URI.
    conn = sqlite3.connect(name, uri=True, timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def refuse_inside_transaction(connection, what: str) -> None:
    """A snapshot taken inside an open transaction would miss (PostgreSQL) or wait forever
    for (SQLite) the transaction's own writes."""
    if connection.in_atomic_block:
        raise CommandError(f"{what}不能在数据库事务中进行，请在事务之外运行。")


def find_pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore`` on PATH, else the newest Debian server install."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if candidates:
        return candidates[-1]
    raise CommandError(
        f"找不到 {name}：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client）。"
    )


def pg_env(connection) -> dict[str, str]:
    """libpq environment for the parsed DATABASE_URL: nothing secret on the command line."""
    s = connection.settings_dict
    env = dict(os.environ)
    for key, value in {
        "PGHOST": s.get("HOST"),
        "PGPORT": s.get("PORT"),
        "PGUSER": s.get("USER"),
        "PGPASSWORD": s.get("PASSWORD"),
        "PGDATABASE": s.get("NAME"),
        "PGSSLMODE": (s.get("OPTIONS") or {}).get("sslmode"),
    }.items():
        if value:
            env[key] = str(value)
        else:
            env.pop(key, None)
    return env


def run_pg_tool(args: list[str], connection) -> None:
    result = subprocess.run(  # noqa: S603 (fixed tool, arguments built here, no shell)
        args, env=pg_env(connection), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise CommandError(f"{Path(args[0]).name} 失败（退出码 {result.returncode}）：{detail}")


def console_user() -> str:
    """Who ran the command, for the audit log (the OS account; there is no web user)."""
    try:
        return f"console:{getpass.getuser()}"
    except (KeyError, OSError):
        return "console"


def human_size(path: Path) -> str:
    size = path.stat().st_size
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


class Command(BaseCommand):
    help = "在线备份整个数据库（SQLite 在线备份 / PostgreSQL pg_dump），默认存到 var/backups/。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            help="备份文件路径（默认 var/backups/gongzhi-<日期时间>.sqlite3 或 .pgdump）",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="数据库别名")

    def handle(self, *args, output=None, database=DEFAULT_DB_ALIAS, **options):
        connection = connections[database]
        vendor = connection.vendor
        if vendor not in {"sqlite", "postgresql"}:
            raise CommandError(f"不支持备份 {vendor} 数据库：只支持 SQLite 和 PostgreSQL。")
        suffix = SQLITE_SUFFIX if vendor == "sqlite" else PG_SUFFIX
        if output:
            target = Path(output).expanduser().resolve()
        else:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            target = default_backup_dir() / f"gongzhi-{stamp}{suffix}"
        if target.exists():
            raise CommandError(f"备份文件已存在，未覆盖：{target}")
        refuse_inside_transaction(connection, "备份")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            if vendor == "sqlite":
                self._backup_sqlite(connection, partial)
            else:
                self._backup_postgresql(connection, partial)
            partial.replace(target)  # a finished backup appears whole or not at all
        finally:
            partial.unlink(missing_ok=True)
        audit.log(
            "core.database.backed_up",
            username=console_user(),
            data={"file": target.name, "vendor": vendor, "bytes": target.stat().st_size},
        )
        kind = "SQLite 在线备份" if vendor == "sqlite" else "PostgreSQL pg_dump 自定义格式"
        self.stdout.write(
            self.style.SUCCESS(f"已备份数据库（{kind}）到 {target}，大小 {human_size(target)}。")
        )
        self.stdout.write(f"恢复命令：gongzhi restore {target}")

    def _backup_sqlite(self, connection, partial: Path) -> None:
        # Read through Django's own connection: in WAL mode the copy never blocks writers,
        # and a shared in-memory database (the test database) needs no second opener.
        connection.ensure_connection()
        dest = sqlite3.connect(partial)
        try:
            connection.connection.backup(dest)
            # A self-contained file: no -wal/-shm companions, readable read-only anywhere.
            dest.execute("PRAGMA journal_mode=DELETE")
            check = dest.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise CommandError(f"备份文件校验失败：{check}")
        finally:
            dest.close()

    def _backup_postgresql(self, connection, partial: Path) -> None:
        run_pg_tool(
            [find_pg_tool("pg_dump"), "--format=custom", "--no-password", "--file", str(partial)],
            connection,
        )
