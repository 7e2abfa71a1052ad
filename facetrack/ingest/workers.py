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
parent is gone) and exit at once.
"""

from __future__ import annotations

import hashlib
import queue
from dataclasses import replace
from typing import Callable, Sequence

from facetrack.errors import InputError

POLL_S = 0.2  # how often a waiting parent checks that its helpers are still alive


def measure_file(measurer, path: str):
    """(photo, sha256, PhotoMeasurement) of one file, or the InputError saying why not."""
    from facetrack.capture.photo import read_photo

    try:
        photo = read_photo(path)
        result = measurer.measure_photo(photo.image, source=path)
    except InputError as exc:
        return exc
    # read-only mapping proxies do not pickle: send plain dicts back
    views = tuple(replace(v, blendshapes=dict(v.blendshapes)) for v in result.views)
    return photo, hashlib.sha256(photo.data).hexdigest(), replace(result, views=views)


def claim(counter, n: int) -> int | None:
    """The next unclaimed index below ``n`` (shared by every process), or None when all are taken."""
    with counter.get_lock():
        i = counter.value
        if i >= n:
            return None
        counter.value = i + 1
        return i


def _exit_when_orphaned(parent_pid: int) -> None:
    """End this helper process as soon as its parent is gone.

    A killed parent reads no more results, so whatever this helper is doing (measuring,
    waiting for the claim lock a killed parent held, or flushing results into a pipe
    nobody reads) is of no use: a watcher thread ends the process at once.
    """
    import os
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(POLL_S)
        os._exit(0)

    threading.Thread(target=watch, name="facetrack-parent-watch", daemon=True).start()


def helper(model_path: str, paths: Sequence[str], counter, results, parent_pid: int) -> None:
    """A helper process: load the model, then measure claimed photos until none are left."""
    from facetrack.detect.measure import Measurer

    _exit_when_orphaned(parent_pid)
    with Measurer(model_path) as measurer:
        while (i := claim(counter, len(paths))) is not None:
            try:
                outcome = measure_file(measurer, paths[i])
            except Exception as exc:  # sent back and raised in the parent, never swallowed
                outcome = RuntimeError(f"{paths[i]}: {type(exc).__name__}: {exc}")
            results.put((i, outcome))


class Helpers:
    """Helper processes that measure ``paths`` together with this process.

    They start loading the model as soon as this object is made, so a caller can make it
    early (before loading its own model) and hand it to ``run`` later. Use it as a context
    manager: leaving it stops and reaps the helpers.
    """

    def __init__(self, model_path, paths: Sequence[str], count: int):
        import multiprocessing
        import os

        ctx = multiprocessing.get_context("spawn")
        self.paths = [str(p) for p in paths]
        self._counter = ctx.Value("i", 0)
        self._results = ctx.Queue()
        self._ran = False
        self._procs = [ctx.Process(target=helper, daemon=True,
                                   args=(str(model_path), self.paths, self._counter, self._results, os.getpid()))
                       for _ in range(max(0, count))]
        for proc in self._procs:
            proc.start()

    def __enter__(self) -> "Helpers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, measurer, on_outcome: Callable[[int, object], None]) -> int:
        """Measure every path, this process included; ``on_outcome(i, outcome)`` is called
        here once per path, in completion order (an outcome is what ``measure_file``
        returns). An unexpected error in a helper is raised here. Returns how many photos
        the helpers measured."""
        self._ran = True
        paths, counter, results = self.paths, self._counter, self._results
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

        while (i := claim(counter, len(paths))) is not None:
            deliver(i, measure_file(measurer, paths[i]))
            while drain(block=False):
                pass
        while len(done) < len(paths):
            if drain(block=True):
                continue
            if not any(proc.is_alive() for proc in self._procs):
                while drain(block=False):
                    pass
                for i in sorted(set(range(len(paths))) - done):  # lost with a helper that died
                    deliver(i, measure_file(measurer, paths[i]))
        return by_helpers

    def close(self) -> None:
        with self._counter.get_lock():  # helpers stop claiming photos
            self._counter.value = len(self.paths)
        for proc in self._procs:
            if self._ran:
                proc.join(timeout=5.0)
            if proc.is_alive():  # never ran (an error before ``run``), or stuck: nothing to lose
                proc.terminate()
            proc.join()
        self._results.close()


def measure_files(paths: Sequence[str], measurer, processes: int,
                  on_outcome: Callable[[int, object], None]) -> int:
    """Measure every path in ``processes`` processes (this one included); see ``Helpers.run``."""
    with Helpers(measurer.model_path, paths, processes - 1) as helpers:
        return helpers.run(measurer, on_outcome)
