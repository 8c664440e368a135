"""SQLite's write-ahead log, checkpointed off the request path.

In WAL mode SQLite copies the log back into the database file (a *checkpoint*, with an
fsync) whenever a commit finds the log longer than ``wal_autocheckpoint`` pages, and the
request whose commit crossed the line pays for it: about one write in twenty-five waited
4–5 ms for a thousand pages. As SQLite's documentation suggests for servers, a background
thread of the worker (``gongzhi worker``, which ``gongzhi run`` starts) checkpoints every
second instead (PASSIVE: it never blocks a reader or a writer), and the web workers keep
automatic checkpoints only as a safety net, at ``SAFETY_NET_PAGES``, for when no worker
runs. Durability is unchanged: a commit is in the log either way.
"""

import logging
import sqlite3
import threading

logger = logging.getLogger(__name__)

SAFETY_NET_PAGES = 16000  # 64 MB of 4 KB pages: a server without its sweeper still bounds the log
INTERVAL_SECONDS = 1.0


def checkpoint(path: str) -> tuple[int, int]:
    """One PASSIVE checkpoint on a connection of its own; (pages in the log, pages copied)."""
    with sqlite3.connect(path, timeout=0) as db:  # never waits: the next round tries again
        busy, logged, copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    db.close()
    return logged, copied


def database_path() -> str | None:
    """The default database's file when it is SQLite (not an in-memory test database)."""
    from django.db import connections

    settings = connections["default"].settings_dict
    if settings["ENGINE"] != "django.db.backends.sqlite3":
        return None
    name = str(settings["NAME"] or "")
    if not name or name == ":memory:" or "mode=memory" in name:
        return None
    return name


def start_checkpointer(
    stop: threading.Event, interval: float = INTERVAL_SECONDS, path: str | None = None
) -> threading.Thread | None:
    """A daemon thread checkpointing the SQLite database (``path``, by default Django's)
    every ``interval`` seconds until ``stop`` is set; None on PostgreSQL (which has its
    own checkpointer)."""
    path = path or database_path()
    if path is None:
        return None

    def loop() -> None:
        while not stop.wait(interval):
            try:
                checkpoint(path)
            except sqlite3.Error:  # busy, or the file is being restored: next round
                logger.debug("checkpoint skipped", exc_info=True)

    thread = threading.Thread(target=loop, name="sqlite-checkpointer", daemon=True)
    thread.start()
    return thread
