"""A PostgreSQL server of the benchmarks' own (``make bench-pg``, ``run_all.py --pg``).

    .venv/bin/python bench/pgserver.py start     # prints the DATABASE_URL to export
    .venv/bin/python bench/pgserver.py url       # the DATABASE_URL of the running server
    .venv/bin/python bench/pgserver.py stop

The data directory is ``var/bench-pg/data`` (``initdb`` on first use), so a second run
finds the bench district built by the first. The server listens on a free loopback port
from 54339 on and, run as root, is started as the unprivileged ``postgres`` user (or
``gongzhi-ci``, created like ``.ci/run`` does). Unlike CI's throwaway server it keeps
durability on (fsync, synchronous commit, full-page writes): the figures are the
production ones. Memory settings are for the 24 GiB, 2-core bench machine (``SETTINGS``).
The server binaries are Debian's (``/usr/lib/postgresql/<version>/bin``, the newest) or
those on ``PATH``.
"""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

PG_DIR = common.PROJECT / "var" / "bench-pg"
DATA = PG_DIR / "data"
LOG = PG_DIR / "server.log"
DATABASE = "gz_bench"
FIRST_PORT = 54339
# Durability on: these are the figures of a production server. Memory for a 24 GiB
# machine that also runs the application (2 cores: no parallel workers to speak of).
SETTINGS = {
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "shared_buffers": "3GB",
    "effective_cache_size": "16GB",
    "work_mem": "16MB",
    "maintenance_work_mem": "1GB",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    "max_connections": "100",
    "listen_addresses": "127.0.0.1",
}


def bindir() -> Path:
    """The directory of ``initdb``, ``pg_ctl`` and ``postgres``."""
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        found = Path(pg_ctl).resolve().parent
        if (found / "initdb").exists() and (found / "postgres").exists():
            return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(x) for x in p.parent.name.split(".") if x.isdigit()],
        reverse=True,
    )
    for found in candidates:
        if (found / "initdb").exists() and (found / "pg_ctl").exists():
            return found
    raise SystemExit(
        "No PostgreSQL server binaries (initdb, pg_ctl): install Debian's postgresql "
        "(apt-get install postgresql; .ci/run shows how without a default cluster)."
    )


def os_user() -> str | None:
    """The unprivileged user that runs the server when we are root (None otherwise)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "gongzhi-ci"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    subprocess.check_call(  # noqa: S603
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "gongzhi-ci"]  # noqa: S607
    )
    return "gongzhi-ci"


def _as_server_user(command: list[str], **kwargs):
    user = os_user()
    if user is not None:
        command = ["runuser", "-u", user, "--", *command]
    return subprocess.run(command, cwd=PG_DIR, check=False, **kwargs)  # noqa: S603


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _pidfile_port() -> int | None:
    """The port of the running server (from ``postmaster.pid``), or None."""
    pidfile = DATA / "postmaster.pid"
    if not pidfile.exists():
        return None
    lines = pidfile.read_text().splitlines()
    try:
        os.kill(int(lines[0]), 0)
    except (ProcessLookupError, ValueError, IndexError):
        return None
    return int(lines[3]) if len(lines) > 3 and lines[3].isdigit() else None


def url(port: int, database: str = DATABASE) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/{database}"


def initdb() -> None:
    PG_DIR.mkdir(parents=True, exist_ok=True)
    user = os_user()
    if user is not None:
        shutil.chown(PG_DIR, user)
    PG_DIR.chmod(0o700)
    if (DATA / "PG_VERSION").exists():
        return
    locale = "C.UTF-8"
    available = subprocess.run(
        ["locale", "-a"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout.lower()
    if "c.utf8" not in available and "c.utf-8" not in available:
        locale = "C"  # still UTF8-encoded; collation by code point either way
    done = _as_server_user(
        [
            str(bindir() / "initdb"),
            "-D",
            str(DATA),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            f"--locale={locale}",
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"initdb failed:\n{done.stdout}\n{done.stderr}")


def start() -> str:
    """Start the server (initdb first if needed) and create the bench database; return
    its DATABASE_URL. A server already running on the data directory is reused."""
    initdb()
    port = _pidfile_port()
    if port is None:
        port = FIRST_PORT
        while not _port_free(port):
            port += 1
        options = " ".join(
            [f"-p {port}", f"-k {PG_DIR}", *(f"-c {k}={v}" for k, v in SETTINGS.items())]
        )
        done = _as_server_user(
            [str(bindir() / "pg_ctl"), "-D", str(DATA), "-l", str(LOG), "-w", "-t", "300"]
            + ["-o", options, "start"],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            log = LOG.read_text()[-3000:] if LOG.exists() else ""
            raise SystemExit(f"pg_ctl start failed:\n{done.stdout}\n{done.stderr}\n{log}")
    create_database(port)
    return url(port)


def _psql(port: int, sql: str, database: str = "postgres") -> str:
    done = subprocess.run(  # noqa: S603
        [str(bindir() / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
        + ["-d", database, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"psql failed: {sql}\n{done.stderr}")
    return done.stdout.strip()


def create_database(port: int) -> None:
    # DATABASE is this module's constant, not input.
    exists = _psql(port, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'")  # noqa: S608
    if not exists:
        _psql(port, f"CREATE DATABASE {DATABASE}")


def drop_database() -> None:
    """Drop the bench database (``run_all.py --pg --fresh``); the server must run."""
    port = _pidfile_port()
    if port is None:
        raise SystemExit("The bench PostgreSQL server is not running.")
    _psql(port, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    create_database(port)


def stop() -> None:
    if _pidfile_port() is None:
        return
    _as_server_user(
        [str(bindir() / "pg_ctl"), "-D", str(DATA), "-m", "fast", "-w", "-t", "300", "stop"],
        capture_output=True,
        text=True,
    )


@contextlib.contextmanager
def running():
    """The server for the duration of the block (stopped after it, unless it was running
    before); yields the DATABASE_URL."""
    was_running = _pidfile_port() is not None
    database_url = start()
    try:
        yield database_url
    finally:
        if not was_running:
            stop()


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else "url"
    if command == "start":
        print(start())
    elif command == "stop":
        stop()
    elif command == "url":
        port = _pidfile_port()
        if port is None:
            print("not running", file=sys.stderr)
            return 1
        print(url(port))
    else:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
