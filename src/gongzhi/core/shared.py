"""Rule data cached in each process, coherent across processes and machines.

The holiday table and the rule parameters are read on almost every write (deadlines,
dues) and change a few times a year. Each process keeps them in memory, tagged with a
version stamp kept in the shared cache (``caches["shared"]``: a file cache under the var
directory by default, so every worker of a machine sees the same stamp; Redis when
``GONGZHI_REDIS_URL`` is set, for several machines). A change bumps the stamp when its
transaction commits; every process compares its copy's stamp with the shared one at the
start of each request (and outside requests at most every ``RECHECK_SECONDS``), so a
holiday entered through one worker is used by every other worker from its next request.

Django's per-process local-memory cache was the default before: its invalidation reached
only the process that made the change (issue: two workers gave two deadlines for the same
demand for up to an hour).
"""

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.cache import caches
from django.core.signals import request_started

T = TypeVar("T")

RECHECK_SECONDS = 1.0
_local = threading.local()


def _generation() -> int:
    return getattr(_local, "generation", 0)


def _new_request(**_kwargs: Any) -> None:
    _local.generation = _generation() + 1


request_started.connect(_new_request, dispatch_uid="gongzhi.core.shared")


def stamp(key: str) -> int:
    """The shared version stamp of ``key`` (1 until the first change)."""
    value = caches["shared"].get_or_set(f"gongzhi:stamp:{key}", 1, timeout=None)
    return int(value) if value is not None else 1


_registry: dict[str, list["Versioned[Any]"]] = {}


def bump(key: str) -> None:
    """Mark ``key``'s data changed for every process (call it on commit); this process's
    copies are dropped at once."""
    for versioned in _registry.get(key, ()):
        versioned.forget()
    cache = caches["shared"]
    name = f"gongzhi:stamp:{key}"
    try:
        cache.incr(name)
    except ValueError:  # not there yet (or evicted): any value but the readers' differs
        cache.set(name, stamp(key) + 1, timeout=None)


class Versioned(Generic[T]):
    """``load()``'s result, kept in this process until ``key``'s shared stamp changes."""

    def __init__(self, key: str, load: Callable[[], T]) -> None:
        self.key, self.load = key, load
        self._lock = threading.Lock()
        self._value: T | None = None
        self._stamp: int | None = None
        self._checked: tuple[int, int, float] | None = None  # (thread, generation, time)
        _registry.setdefault(key, []).append(self)

    def get(self) -> T:
        now = time.monotonic()
        seen = (threading.get_ident(), _generation())
        checked = self._checked
        fresh = (
            checked is not None
            and checked[:2] == seen
            and now - checked[2] < RECHECK_SECONDS
            and self._value is not None
        )
        if fresh:
            assert self._value is not None
            return self._value
        current = stamp(self.key)
        with self._lock:
            if self._value is None or self._stamp != current:
                self._value, self._stamp = self.load(), current
            self._checked = (*seen, now)
            return self._value

    def forget(self) -> None:
        """Drop this process's copy (tests; a restored database)."""
        with self._lock:
            self._value, self._stamp, self._checked = None, None, None


def forget_all() -> None:
    """Drop every copy of this process (tests; a restored database)."""
    for copies in _registry.values():
        for versioned in copies:
            versioned.forget()
