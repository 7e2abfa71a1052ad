"""Parallel measurement of photos: this process and helper processes share one list.

Every process (this one included) claims the next photo from a shared counter, measures it
with its own Measurer (one landmarker per process) and hands the outcome back; helpers send
theirs over a queue. This process starts measuring at once, so the helpers' start-up (a
fresh interpreter importing MediaPipe and loading the model, about 2 s) costs nothing but
their share of the work, and no process waits for another while photos are left. Only this
process writes to the store (see ``importer``).

Helpers are started with ``spawn``, not ``fork``: this process already runs MediaPipe's
threads. A helper that dies or fails to start only loses the photo it was measuring, which
this process then measures itself. If this process is killed, its helpers notice (their
parent is gone) and exit after the photo they are measuring.
"""

from __future__ import annotations

import hashlib
import queue
from dataclasses import replace
from typing import Callable, Sequence

from .errors import InputError

POLL_S = 0.2  # how often a waiting parent checks that its helpers are still alive


def measure_file(measurer, path: str):
    """(photo, sha256, PhotoMeasurement) of one file, or the InputError saying why not."""
    from .capture.photo import read_photo

    try:
        photo = read_photo(path)
        result = measurer.measure_photo(photo.image, source=path)
    except InputError as exc:
        return exc
    # read-only mapping proxies do not pickle: send plain dicts back
    views = tuple(replace(v, blendshapes=dict(v.blendshapes)) for v in result.views)
    return photo, hashlib.sha256(photo.data).hexdigest(), replace(result, views=views)


def claim(counter, n: int, alive: Callable[[], bool] = lambda: True) -> int | None:
    """The next unclaimed index below ``n`` (shared by every process), or None when all are
    taken or ``alive()`` turns false while waiting for the lock."""
    lock = counter.get_lock()
    while not lock.acquire(timeout=POLL_S):
        if not alive():  # a parent killed while holding the lock never releases it
            return None
    try:
        i = counter.value
        if i >= n:
            return None
        counter.value = i + 1
        return i
    finally:
        lock.release()


def helper(model_path: str, paths: Sequence[str], counter, results, parent_pid: int) -> None:
    """A helper process: load the model, then measure claimed photos until none are left.

    It stops as soon as its parent is gone (killed: nobody would read its results), and
    then exits without waiting to flush results nobody reads.
    """
    import os

    from .measure import Measurer

    def parent_alive() -> bool:
        return os.getppid() == parent_pid

    with Measurer(model_path) as measurer:
        while parent_alive() and (i := claim(counter, len(paths), parent_alive)) is not None:
            try:
                outcome = measure_file(measurer, paths[i])
            except Exception as exc:  # sent back and raised in the parent, never swallowed
                outcome = RuntimeError(f"{paths[i]}: {type(exc).__name__}: {exc}")
            results.put((i, outcome))
    if not parent_alive():
        results.cancel_join_thread()


def measure_files(paths: Sequence[str], measurer, processes: int,
                  on_outcome: Callable[[int, object], None]) -> int:
    """Measure every path in ``processes`` processes (this one included).

    ``on_outcome(i, outcome)`` is called in this process, in completion order, once per
    path; an outcome is what ``measure_file`` returns. An unexpected error in a helper is
    raised here. Returns how many photos the helpers measured.
    """
    import multiprocessing
    import os

    ctx = multiprocessing.get_context("spawn")
    counter = ctx.Value("i", 0)
    results = ctx.Queue()
    helpers = [ctx.Process(target=helper, daemon=True,
                           args=(str(measurer.model_path), list(paths), counter, results, os.getpid()))
               for _ in range(max(0, processes - 1))]
    for proc in helpers:
        proc.start()
    done: set[int] = set()
    by_helpers = 0

    def deliver(i: int, outcome) -> None:
        if isinstance(outcome, RuntimeError):
            raise outcome
        done.add(i)
        on_outcome(i, outcome)

    def drain(block: bool) -> bool:
        nonlocal by_helpers
        try:
            i, outcome = results.get(timeout=POLL_S) if block else results.get_nowait()
        except queue.Empty:
            return False
        deliver(i, outcome)
        by_helpers += 1
        return True

    try:
        while (i := claim(counter, len(paths))) is not None:
            deliver(i, measure_file(measurer, paths[i]))
            while drain(block=False):
                pass
        while len(done) < len(paths):
            if drain(block=True):
                continue
            if not any(proc.is_alive() for proc in helpers):
                while drain(block=False):
                    pass
                for i in sorted(set(range(len(paths))) - done):  # lost with a helper that died
                    deliver(i, measure_file(measurer, paths[i]))
        return by_helpers
    finally:
        with counter.get_lock():  # on an error, helpers stop claiming photos
            counter.value = len(paths)
        for proc in helpers:
            proc.join(timeout=5.0)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        results.close()
