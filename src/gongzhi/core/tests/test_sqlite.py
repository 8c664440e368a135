"""The write-ahead log is checkpointed by the worker's thread, not by requests."""

import sqlite3
import threading
import time

import pytest
from django.db import connection

from gongzhi.core import sqlite as wal


def _database(path, rows: int) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")  # as if the safety net were far away
    db.execute("CREATE TABLE t (x TEXT)")
    with db:
        db.executemany("INSERT INTO t VALUES (?)", [("x" * 500,) for _ in range(rows)])
    return db


def _log_after_one_more_write(db) -> int:
    """The log's length in pages once one more row is written: a writer starts the log
    afresh only when a checkpoint has copied all of it, so a short log means one ran."""
    with db:
        db.execute("INSERT INTO t VALUES ('y')")
    _busy, logged, _copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return logged


def test_checkpoint_copies_the_whole_log_without_blocking_a_reader(tmp_path):
    path = str(tmp_path / "db.sqlite3")
    db = _database(path, 2000)
    reader = sqlite3.connect(path)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM t").fetchone() == (2000,)  # holds a snapshot
    logged, copied = wal.checkpoint(path)  # PASSIVE: returns at once
    assert logged > 200 and copied == logged  # nothing newer than the reader's snapshot
    reader.rollback()
    assert _log_after_one_more_write(db) < 5


def test_without_a_checkpoint_the_log_keeps_growing(tmp_path):
    db = _database(str(tmp_path / "db.sqlite3"), 2000)
    assert _log_after_one_more_write(db) > 200


def test_checkpointer_thread_runs_until_stopped(tmp_path):
    path = str(tmp_path / "db.sqlite3")
    db = _database(path, 2000)
    stop = threading.Event()
    thread = wal.start_checkpointer(stop, interval=0.05, path=path)
    try:
        time.sleep(0.5)
        assert _log_after_one_more_write(db) < 5
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write-ahead log")
def test_web_connections_keep_automatic_checkpoints_only_as_a_safety_net(db):
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == wal.SAFETY_NET_PAGES
