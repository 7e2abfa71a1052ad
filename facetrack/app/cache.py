"""The app's cached pictures and the pool heavy work runs on.

- ``PictureCache``: values (pictures, aligned photos, videos) by key, within a budget in
  bytes (the least recently used go first; a value larger than the budget is made but not
  kept), and one computation per key at a time: a request for a key being made waits for
  that computation instead of starting another (single flight). A key names everything the
  value depends on (the store, the captures' ids, photos, landmarks, dates, the calibration),
  so nothing kept goes stale when one of them changes.
- ``HeavyPool`` and ``heavy``: pictures and downloads that take seconds run on a few threads
  of their own, with a bounded queue (past it: 503 with a sentence), so they never take the
  threads the pages are answered on.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Hashable

import numpy as np

#: The pictures kept in memory, in bytes (a time-lapse of 200 photos keeps about 10 MB).
PICTURES_BUDGET_BYTES = 128 * 2 ** 20
#: Threads drawing pictures and downloads (each can take a core and a few hundred MB).
HEAVY_WORKERS = 2
#: Heavy requests waiting for a thread at most; more are answered 503.
HEAVY_QUEUE = 32
#: The longest a request waits for another's computation of the same picture (s).
WAIT_S = 600.0


def size_of(value: Any) -> int:
    """The bytes ``value`` holds: bytes and arrays by their length, containers and dataclasses
    by their parts (a small fixed cost for anything else)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(value)
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (tuple, list)):
        return 64 + sum(size_of(v) for v in value)
    if isinstance(value, dict):
        return 64 + sum(size_of(v) for v in value.values())
    fields = getattr(value, "__dataclass_fields__", None)
    if fields:
        return 64 + sum(size_of(getattr(value, f)) for f in fields if f != "capture")
    return 64


class PictureCache:
    """Values by key within ``budget`` bytes, made once per key at a time (see the module)."""

    def __init__(self, budget: int = PICTURES_BUDGET_BYTES):
        self.budget = int(budget)
        self._kept: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._making: dict[Hashable, Future] = {}
        self._lock = threading.Lock()
        self.bytes = 0
        self.made = 0  # computations run (a measure of the work single flight saves)

    def __len__(self) -> int:
        return len(self._kept)

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._kept

    def peek(self, key, default=None):
        """The value kept under ``key`` (no computation), or ``default``."""
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key][0]
        return default

    def get(self, key: Hashable, make: Callable[[], Any], *, keep: bool = True):
        """The value under ``key``: kept, or being made by another thread (waited for), or made
        now by ``make()`` (then kept when ``keep`` and it fits the budget). ``make``'s error
        reaches every request that waited for it; nothing is kept then."""
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key][0]
            running = self._making.get(key)
            if running is None:
                running = self._making[key] = Future()
                mine = True
            else:
                mine = False
        if not mine:
            return running.result(timeout=WAIT_S)
        try:
            value = make()
        except BaseException as exc:
            with self._lock:
                self._making.pop(key, None)
            running.set_exception(exc)
            raise
        with self._lock:
            self.made += 1
            self._making.pop(key, None)
            if keep:
                self._put(key, value)
        running.set_result(value)
        return value

    def _put(self, key, value) -> None:
        size = size_of(value)
        if size > self.budget:
            return
        old = self._kept.pop(key, None)
        if old is not None:
            self.bytes -= old[1]
        self._kept[key] = (value, size)
        self.bytes += size
        while self.bytes > self.budget:
            _, (_, dropped) = self._kept.popitem(last=False)
            self.bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self.bytes = 0


class Busy(Exception):
    """Too many heavy requests are waiting already."""


class HeavyPool:
    """``workers`` threads for heavy work, at most ``queue`` requests waiting for them."""

    def __init__(self, workers: int = HEAVY_WORKERS, queue: int = HEAVY_QUEUE):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="facetrack-heavy")
        self._queue = queue
        self._pending = 0
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        return self._pending

    async def run(self, fn, *args):
        """``fn(*args)`` on the pool, awaited without holding any other thread; ``Busy`` when
        ``queue`` requests are already in or waiting for the pool."""
        with self._lock:
            if self._pending >= self._queue:
                raise Busy()
            self._pending += 1
        try:
            return await asyncio.wrap_future(self._pool.submit(fn, *args))
        finally:
            with self._lock:
                self._pending -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def heavy(endpoint):
    """The plain-function ``endpoint`` run on the app's ``HeavyPool`` (``app.state.heavy``)
    instead of the threads pages are answered on; 503 with a sentence when it is full."""
    import functools

    @functools.wraps(endpoint)
    async def run(request):
        from facetrack.app.common import plain

        try:
            return await request.app.state.heavy.run(endpoint, request)
        except Busy:
            return plain("busy: the app is drawing many pictures at once; try again in a moment", 503)

    return run
