"""The worker pool: results for every task, workers retired after their share of tasks, a
crash fails one task only, and the same in this process."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from fichepress.series.workers import InlinePool, WorkerFailed, WorkerPool

_prefix = ""


def setup(prefix: str) -> None:
    global _prefix
    _prefix = prefix


def task(value: int) -> tuple[str, int, int]:
    """The worker's setup, the square, the worker's process id."""
    return _prefix, value * value, os.getpid()


def failing(value: int) -> int:
    if value == 2:
        raise ValueError("two is not allowed")
    return value


def crashing(value: int) -> int:
    if value == 2:
        os._exit(3)  # as a segmentation fault in a library would
    return value


@pytest.mark.process
def test_every_task_gets_its_result_from_a_worker_set_up_once() -> None:
    with WorkerPool(2, setup, ("ready",)) as pool:
        results = dict(pool.run(task, [(n,) for n in range(8)]))
    assert sorted(results) == list(range(8))
    assert {r[0] for r in results.values()} == {"ready"}
    assert [results[n][1] for n in range(8)] == [n * n for n in range(8)]
    assert os.getpid() not in {r[2] for r in results.values()}


@pytest.mark.process
def test_workers_are_replaced_after_their_share_of_tasks() -> None:
    # Eleven tasks, three per worker: at least four processes, and never a hang (the trap of
    # ProcessPoolExecutor's max_tasks_per_child on Python 3.11 to 3.14).
    with WorkerPool(2, setup, ("",), tasks_per_worker=3) as pool:
        results = dict(pool.run(task, [(n,) for n in range(11)]))
    assert len(results) == 11
    processes = {r[2] for r in results.values()}
    assert len(processes) >= 4
    for pid in processes:
        assert sum(1 for r in results.values() if r[2] == pid) <= 3


@pytest.mark.process
def test_an_exception_fails_its_task_only() -> None:
    with WorkerPool(2, setup, ("",)) as pool:
        results = dict(pool.run(failing, [(n,) for n in range(5)]))
    assert [results[n] for n in (0, 1, 3, 4)] == [0, 1, 3, 4]
    assert isinstance(results[2], WorkerFailed)
    assert "two is not allowed" in str(results[2])


@pytest.mark.process
def test_a_worker_that_dies_fails_its_task_and_the_others_go_on() -> None:
    with WorkerPool(2, setup, ("",)) as pool:
        results = dict(pool.run(crashing, [(n,) for n in range(6)]))
    assert [results[n] for n in (0, 1, 3, 4, 5)] == [0, 1, 3, 4, 5]
    assert isinstance(results[2], WorkerFailed)
    assert "exit code 3" in str(results[2])


@pytest.mark.process
def test_one_pool_runs_several_batches() -> None:
    with WorkerPool(2, setup, ("again",)) as pool:
        first = dict(pool.run(task, [(n,) for n in range(3)]))
        second = dict(pool.run(task, [(n,) for n in range(3, 5)]))
    assert [first[n][1] for n in range(3)] == [0, 1, 4]
    assert [second[n][1] for n in range(2)] == [9, 16]


@pytest.mark.parametrize("function", [task, failing])
def test_the_inline_pool_runs_in_this_process(function: object) -> None:
    with InlinePool(setup, ("inline",)) as pool:
        results = dict(pool.run(function, [(n,) for n in range(4)]))  # type: ignore[arg-type]
    if function is task:
        assert {r[0] for r in results.values()} == {"inline"}
        assert {r[2] for r in results.values()} == {os.getpid()}
    else:
        assert isinstance(results[2], WorkerFailed)


@pytest.mark.process
def test_workers_start_in_the_background_before_the_first_task() -> None:
    """The pool starts its workers on entry, while the caller works out the tasks."""
    with WorkerPool(2, setup, ("early",)) as pool:
        pool._started()  # what `run` waits for
        assert len(pool.workers) == 2 and all(w.process.is_alive() for w in pool.workers)
        pids = {w.process.pid for w in pool.workers}
        results = dict(pool.run(task, [(n,) for n in range(4)]))
    assert {pid for _, _, pid in results.values()} <= pids
    assert {prefix for prefix, _, _ in results.values()} == {"early"}


@pytest.mark.process
def test_a_worker_that_cannot_start_is_told_by_run() -> None:
    pool = WorkerPool(2, setup, ("x",))
    pool._start = lambda: (_ for _ in ()).throw(OSError("no more processes"))  # type: ignore[method-assign]
    pool.start()
    with pytest.raises(OSError, match="no more processes"):
        list(pool.run(task, [(1,)]))
    pool.close()


def interrupted(value: int) -> int:
    """Ctrl-C reaches the worker, as the terminal sends it to the whole process group."""
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.2)  # time for a handler to run, if there were one
    return value


@pytest.mark.process
def test_workers_leave_ctrl_c_to_the_main_process() -> None:
    with WorkerPool(2, setup, ("",)) as pool:
        results = dict(pool.run(interrupted, [(n,) for n in range(3)]))
    assert results == {0: 0, 1: 1, 2: 2}


def busy(marker: str) -> int:
    """A long task that tidies up as it is stopped (as `write_atomic` removes its file)."""
    path = Path(marker)
    path.write_text("working")
    try:
        time.sleep(60)
    finally:
        path.unlink()
    return 0


@pytest.mark.process
def test_a_pool_left_by_ctrl_c_stops_its_workers_at_once(tmp_path: Path) -> None:
    markers = [tmp_path / f"{n}.working" for n in range(2)]

    def ctrl_c_once_working() -> None:
        while not all(marker.exists() for marker in markers):
            time.sleep(0.02)
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    threading.Thread(target=ctrl_c_once_working, daemon=True).start()
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt), WorkerPool(2, setup, ("",)) as pool:
        for _ in pool.run(busy, [(str(marker),) for marker in markers]):
            pass  # never: the tasks are stopped first
        raise AssertionError("not reached")
    assert time.monotonic() - start < 20
    assert not any(marker.exists() for marker in markers)
