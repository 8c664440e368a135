"""Shared helpers for the benchmark scripts: Django setup on the bench database, timing,
percentiles and the JSON result files in bench/results/.

The benchmarks never touch the demo database: unless GONGZHI_VAR_DIR says otherwise they
use var/bench/ (its own SQLite file), and they refuse to run on var/ itself. With a
DATABASE_URL (``run_all.py --pg``: bench/pgserver.py) they use that database, and write
their figures to bench/results/postgresql/ instead of bench/results/.
"""

import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
RESULTS = PROJECT / "bench" / "results"
DEFAULT_VAR_DIR = PROJECT / "var" / "bench"
TARGET_MISSED = 3  # a script's exit code when it ran but missed a target


def on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def results_dir() -> Path:
    """bench/results/, or bench/results/postgresql/ for a run on PostgreSQL."""
    return RESULTS / "postgresql" if on_postgresql() else RESULTS


def bench_var_dir() -> Path:
    return Path(os.environ.get("GONGZHI_VAR_DIR") or DEFAULT_VAR_DIR).resolve()


def sqlite_file() -> Path | None:
    """The bench SQLite file, or None when DATABASE_URL points elsewhere."""
    if os.environ.get("DATABASE_URL"):
        return None
    return bench_var_dir() / "gongzhi.sqlite3"


def remove_sqlite_database() -> None:
    """Delete the bench SQLite file (for a fresh generation); only ever the bench one."""
    path = sqlite_file()
    if path is None:
        raise SystemExit("--fresh works on the bench SQLite file only; use a new empty database.")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def setup() -> None:
    """Point Django at the bench database and set it up (call before importing models)."""
    var_dir = bench_var_dir()
    if var_dir == (PROJECT / "var").resolve():
        raise SystemExit("Refusing to benchmark on the demo database var/: use var/bench/.")
    os.environ["GONGZHI_VAR_DIR"] = str(var_dir)
    (var_dir / "static").mkdir(parents=True, exist_ok=True)  # whitenoise's STATIC_ROOT
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    # Templates use {% static %}; a benchmark does not need collectstatic's manifest.
    os.environ.setdefault("GONGZHI_PLAIN_STATIC", "1")
    os.environ.setdefault("GONGZHI_LOG_LEVEL", "WARNING")
    src = str(PROJECT / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    # Keys of the bench database's own (random, in its var directory's keys/, as `make run`
    # makes them): `gongzhi run`, which the API and load parts start, refuses the public
    # development keys. Data written under those still reads (they are old keys).
    from gongzhi.core import crypto

    crypto.create_key_files(var_dir)
    import django

    django.setup()


def start(fresh: bool = False) -> dict:
    """Set up Django on the bench database (a new one with ``fresh``), migrate it, and
    return the machine's state before the measurements."""
    if fresh:
        remove_sqlite_database()
    setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return machine()


def percentile(values, q: float) -> float:
    """The ``q``-th percentile (0–100) with linear interpolation between ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary_ms(seconds, cpu_seconds=None) -> dict:
    """n, p50, p95, mean and max of a list of wall-clock durations, in milliseconds; with
    ``cpu_seconds``, also the p50/p95 of this process's CPU time (less sensitive to other
    processes competing for the same cores)."""
    ms = [s * 1000 for s in seconds]
    result = {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "mean_ms": round(sum(ms) / len(ms), 2) if ms else None,
        "max_ms": round(max(ms), 2) if ms else None,
    }
    if cpu_seconds is not None:
        cpu = [s * 1000 for s in cpu_seconds]
        result["cpu_p50_ms"] = round(percentile(cpu, 50), 2)
        result["cpu_p95_ms"] = round(percentile(cpu, 95), 2)
    return result


class Timer:
    """Wall-clock (``seconds``) and this process's CPU time (``cpu``) of a block."""

    def __enter__(self):
        self.started = time.perf_counter()
        self.cpu_started = time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        self.cpu = time.process_time() - self.cpu_started


def machine() -> dict:
    from django.db import connection

    info = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "database": connection.vendor,
    }
    if connection.vendor == "sqlite":
        import sqlite3

        info["sqlite"] = sqlite3.sqlite_version
        info["database_file"] = str(connection.settings_dict["NAME"])
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)",
                [list(PG_SETTINGS_SHOWN)],
            )
            shown = dict(cursor.fetchall())
        info["postgresql"] = connection.pg_version
        info["postgresql_settings"] = shown
    return info


# The server settings a PostgreSQL run records with its figures.
PG_SETTINGS_SHOWN = (
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "shared_buffers",
    "effective_cache_size",
    "work_mem",
    "random_page_cost",
    "jit",
    "max_parallel_workers_per_gather",
)


def target(value, limit, *, unit: str, higher_is_worse: bool = True) -> dict:
    ok = value <= limit if higher_is_worse else value >= limit
    return {"value": value, "target": limit, "unit": unit, "ok": bool(ok)}


def write_result(name: str, data: dict) -> Path:
    directory = results_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    return path
