"""Worker processes for builds: started once from a process that has WeasyPrint imported
already, set up once (font configuration, theme), given one task at a time, and replaced after
a number of tasks so that memory does not creep.

Ctrl-C is the main process's: workers (and the fork server) ignore the terminal's SIGINT, and
a pool left by an exception (KeyboardInterrupt) stops its workers at once with SIGTERM, which
a worker takes as a quiet exit; a PDF it was writing is not left half-written (`write_atomic`
removes its temporary file), and no worker prints a traceback.

Not `concurrent.futures.ProcessPoolExecutor(max_tasks_per_child=…)`: from Python 3.11 to 3.14
it stops for good when a worker retires while tasks are queued (CPython issue 115634). Nor
`multiprocessing.Pool`, which waits forever for the task of a worker that crashed. Here a
worker that dies fails its task, with its exit code, and the others go on.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import traceback
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import BaseContext
from typing import Any, Protocol

from fichepress.core.errors import from_here, is_system_error, system_message

TASKS_PER_WORKER = 20
"""A worker is replaced after this many tasks: WeasyPrint's memory creeps up slowly."""

PRELOAD = ["fichepress.series.workers", "fichepress.pdf.write"]
"""Imported once by the fork server, so that a new worker does not import WeasyPrint again;
this module first, so that the fork server ignores Ctrl-C before the long import, and its
workers from their first instant (they start with its handlers)."""

STOP_TIMEOUT = 5.0
"""Seconds a stopped worker is given to exit before it is killed."""


def _in_fork_server() -> bool:
    """Whether this module is being imported by the fork server as it starts (its preload)."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "main" and frame.f_globals.get("__name__") == (
            "multiprocessing.forkserver"
        ):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


def _ignore_interrupts() -> None:
    """Leave Ctrl-C (SIGINT, sent by the terminal to every process of the command) to the
    main process, which stops the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


if _in_fork_server():
    _ignore_interrupts()


class Stopped(KeyboardInterrupt):
    """The pool's workers were stopped (Ctrl-C, taken by another thread): no task is run."""


def _stop_quietly(_signal: int, _frame: object) -> None:
    """SIGTERM in a worker: its pool stops it. Unwinds the task (a temporary file is removed)
    and exits with no traceback."""
    raise SystemExit(0)


class WorkerFailed(Exception):
    """A task raised an exception in its worker, or its worker died while running it."""


def _failure(error: BaseException) -> str:
    """What a task that raised `error` is reported with: a failure of the system (a full
    disk...) in one line, the path and what the system said; anything else, its traceback."""
    if is_system_error(error):
        assert isinstance(error, OSError)
        return system_message(error, from_here)
    return traceback.format_exc()


def default_jobs() -> int:
    """As many workers as the machine has processors for this process."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


_context: BaseContext | None = None


def _start_context() -> BaseContext:
    """A fork server that has imported WeasyPrint (Unix), or fresh interpreters (elsewhere)."""
    global _context
    if _context is None:
        if "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _context = context
        else:
            _context = multiprocessing.get_context("spawn")
    return _context


def warm_up() -> None:
    """Start the fork server in the background: it imports WeasyPrint (most of a second) while
    this process goes on reading the project."""
    context = _start_context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        threading.Thread(target=forkserver.ensure_running, daemon=True).start()


def _serve(
    connection: Connection,
    setup: Callable[..., None],
    setup_args: tuple[Any, ...],
    tasks: int,
) -> None:
    _ignore_interrupts()
    signal.signal(signal.SIGTERM, _stop_quietly)
    setup(*setup_args)
    for _ in range(tasks):
        try:
            message = connection.recv()
        except EOFError:
            return
        if message is None:
            return
        index, function, args = message
        try:
            reply: tuple[str, Any] = ("ok", function(*args))
        except SystemExit:
            raise
        except BaseException as error:
            reply = ("error", _failure(error))
        connection.send((index, reply))
    connection.close()


@dataclass
class _Worker:
    process: Any
    connection: Connection
    task: int | None = None
    done: int = 0


class Pool(Protocol):
    """Runs tasks: in worker processes (`WorkerPool`) or in this one (`InlinePool`)."""

    def run(
        self, function: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, Any]]: ...


class InlinePool:
    """The tasks run in this process, one after the other, set up as a worker is."""

    def __init__(self, setup: Callable[..., None], setup_args: tuple[Any, ...] = ()) -> None:
        self.setup = setup
        self.setup_args = setup_args
        self.ready = False

    def __enter__(self) -> InlinePool:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def run(
        self, function: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, Any]]:
        if not self.ready:
            self.setup(*self.setup_args)
            self.ready = True
        for index, args in enumerate(tasks):
            try:
                result = function(*args)
            except Exception as error:
                result = WorkerFailed(_failure(error))
            yield index, result


class WorkerPool:
    """`jobs` worker processes, each set up by `setup(*setup_args)` before its first task."""

    def __init__(
        self,
        jobs: int,
        setup: Callable[..., None],
        setup_args: tuple[Any, ...] = (),
        tasks_per_worker: int = TASKS_PER_WORKER,
    ) -> None:
        self.jobs = max(1, jobs)
        self.setup = setup
        self.setup_args = setup_args
        self.tasks_per_worker = tasks_per_worker
        self.workers: list[_Worker] = []
        self._starting: threading.Thread | None = None
        self._failed: BaseException | None = None
        self._stopped = False
        _live.add(self)

    def __enter__(self) -> WorkerPool:
        self.start()
        return self

    def start(self) -> None:
        """Start the workers in the background, so that they set up while this process decides
        what to give them; `run` waits for them."""
        if self._starting is None and not self.workers:
            self._starting = threading.Thread(target=self._start_all, daemon=True)
            self._starting.start()

    def _start_all(self) -> None:
        try:
            while len(self.workers) < self.jobs:
                self._start()
        except BaseException as error:  # reported by `run`, in the thread that asked
            self._failed = error

    def _started(self) -> None:
        if self._starting is not None:
            self._starting.join()
            self._starting = None
            if self._failed is not None:
                failed, self._failed = self._failed, None
                raise failed

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is None:
            self.close()
        else:  # Ctrl-C, or a failure: the workers' current tasks are not waited for
            self.stop()

    def _start(self) -> _Worker:
        ours, theirs = _start_context().Pipe()
        process = _start_context().Process(  # type: ignore[attr-defined]
            target=_serve,
            args=(theirs, self.setup, self.setup_args, self.tasks_per_worker),
            daemon=True,
        )
        process.start()
        theirs.close()
        worker = _Worker(process, ours)
        self.workers.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        if worker not in self.workers:
            return  # stopped meanwhile (`stop`, from another thread)
        self.workers.remove(worker)
        worker.connection.close()
        worker.process.join(timeout=5)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()

    def run(
        self, function: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, Any]]:
        """Run `function(*args)` for each args of `tasks`, yielding (index, result) as they
        finish; a task that failed yields a `WorkerFailed` as its result."""
        self._started()
        queue = deque(range(len(tasks)))
        running = 0
        while queue or running:
            if self._stopped:
                raise Stopped
            for worker in list(self.workers):
                if worker.task is None and queue:
                    index = queue.popleft()
                    try:
                        worker.connection.send((index, function, tasks[index]))
                    except (BrokenPipeError, OSError):
                        queue.appendleft(index)
                        self._retire(worker)
                        continue
                    worker.task = index
                    running += 1
            while queue and len(self.workers) < self.jobs:
                worker = self._start()
                index = queue.popleft()
                worker.connection.send((index, function, tasks[index]))
                worker.task = index
                running += 1
            watched: dict[Any, _Worker] = {}
            for worker in self.workers:
                if worker.task is not None:
                    watched[worker.connection] = watched[worker.process.sentinel] = worker
            for ready in wait(list(watched)):
                worker = watched[ready]
                if worker not in self.workers or worker.task is None:
                    continue
                index, worker.task = worker.task, None
                running -= 1
                try:
                    if not worker.connection.poll():
                        raise EOFError
                    _, (status, value) = worker.connection.recv()
                except (EOFError, OSError):
                    worker.process.join(timeout=5)
                    code = worker.process.exitcode
                    self._retire(worker)
                    yield index, WorkerFailed(f"its worker process stopped (exit code {code})")
                    continue
                worker.done += 1
                if worker.done >= self.tasks_per_worker:
                    self._retire(worker)
                yield index, value if status == "ok" else WorkerFailed(value)

    def close(self) -> None:
        """Stop every worker (after its current task)."""
        with contextlib.suppress(Exception):
            self._started()
        for worker in list(self.workers):
            with contextlib.suppress(BrokenPipeError, OSError):
                worker.connection.send(None)
            self._retire(worker)
        _live.discard(self)

    def stop(self) -> None:
        """Stop every worker now, in the middle of its task: SIGTERM, which it takes as a
        quiet exit that removes the temporary file it was writing; killed if still there after
        `STOP_TIMEOUT` seconds. The pool runs no task any more."""
        self._stopped = True
        with contextlib.suppress(BaseException):
            self._started()
        workers = list(self.workers)
        for worker in workers:
            with contextlib.suppress(OSError, ValueError):
                worker.process.terminate()
        for worker in workers:
            worker.process.join(timeout=STOP_TIMEOUT)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            with contextlib.suppress(ValueError):
                self.workers.remove(worker)  # its connection is closed with it, in time
        _live.discard(self)


_live: weakref.WeakSet[WorkerPool] = weakref.WeakSet()
"""The pools whose workers run, for `stop_all`."""


def stop_all() -> None:
    """Stop the workers of every pool (Ctrl-C taken by a thread other than the one building):
    a pool then raises `Stopped` where it runs tasks."""
    for pool in list(_live):
        pool.stop()
