"""Where partitions run: in this process, in a pool of processes, or on a Dask cluster.

Every executor hands results back **in the order of the jobs**, whatever order they finish in,
and keeps only a bounded window of jobs in flight (so finished-but-unmerged results cannot pile
up in memory). The merge therefore sees the same sequence with one worker, with eight, or on a
cluster, and the report is byte-for-byte the same.

The process pool never forks this process (it may run threads: a progress bar refreshes from
one): it uses the `forkserver` start method, whose server imports the engine once and forks each
worker from that clean state (where there is no forkserver, `spawn`: a fresh interpreter each). The Dask executor needs the optional `distributed` package (`pip install 'conformance[dask]'`)
and a scheduler whose workers can read the same paths (a shared file system) and package cache.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from conformance.errors import ConformanceError
from conformance.files.partials import PartitionResult
from conformance.files.worker import Job
from conformance.interrupts import ignore_in_worker

JobFunction = Callable[[Job], PartitionResult]
IN_FLIGHT_PER_WORKER = 2


class ExecutorError(ConformanceError):
    """The executor cannot run (Dask missing, scheduler unreachable, cluster failure); exit 2."""


class Executor(Protocol):
    workers: int

    def map(self, fn: JobFunction, jobs: Sequence[Job]) -> Iterator[PartitionResult]:
        """fn(job) for each job, yielded in job order."""
        ...

    def close(self) -> None: ...


class SerialExecutor:
    """Everything in this process, one partition after another."""

    workers = 1

    def map(self, fn: JobFunction, jobs: Sequence[Job]) -> Iterator[PartitionResult]:
        for job in jobs:
            yield fn(job)

    def close(self) -> None:
        pass


class ProcessExecutor:
    """A pool of `workers` processes; falls back to this process when there is one job or one worker."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)

    def map(self, fn: JobFunction, jobs: Sequence[Job]) -> Iterator[PartitionResult]:
        if self.workers == 1 or len(jobs) <= 1:
            yield from SerialExecutor().map(fn, jobs)
            return
        pool = ProcessPoolExecutor(max_workers=min(self.workers, len(jobs)), mp_context=_context(),
                                   initializer=ignore_in_worker)
        try:
            yield from _ordered(lambda job: pool.submit(fn, job), jobs, self.workers * IN_FLIGHT_PER_WORKER,
                                _pool_result)
        except BaseException:  # interrupted (Ctrl-C, SIGTERM) or abandoned: stop now, not after the running jobs
            stop_pool(pool)
            raise
        else:
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        pass


class DaskExecutor:
    """The same jobs on an existing Dask distributed cluster (`--scheduler tcp://host:8786`)."""

    def __init__(self, address: str, timeout: float = 15.0) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise ExecutorError("the Dask executor needs the optional 'distributed' package: "
                                "pip install 'conformance[dask]'") from None
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        threads = sum(self.client.nthreads().values())
        self.workers = max(1, threads)

    def map(self, fn: JobFunction, jobs: Sequence[Job]) -> Iterator[PartitionResult]:
        futures: list[Any] = []

        def submit(job: Job) -> Any:
            future = self.client.submit(fn, job, pure=False)
            futures.append(future)
            return future

        def result(future: Any) -> PartitionResult:
            try:
                value: PartitionResult = future.result()
            except Exception as exc:  # a worker died, the scheduler went away
                raise ExecutorError(f"the Dask cluster could not run a partition: {type(exc).__name__}: {exc}") from None
            future.release()
            return value

        try:
            yield from _ordered(submit, jobs, max(4, self.workers * IN_FLIGHT_PER_WORKER), result)
        finally:
            for future in futures:
                if not future.done():
                    future.cancel()

    def close(self) -> None:
        self.client.close()


def stop_pool(pool: ProcessPoolExecutor, grace: float = 1.0) -> None:
    """Terminate and reap every worker at once, then the forkserver and the resource tracker.

    `shutdown(wait=True)` would wait for the running partitions (minutes on a big export); an
    interrupted run must stop within seconds and leave no process behind.
    """
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(grace)
        if process.is_alive():
            process.kill()
            process.join(grace)
    _stop_helpers()


def _stop_helpers() -> None:
    """Stop multiprocessing's forkserver and resource tracker (they would otherwise outlive an interrupted run)."""
    from multiprocessing import forkserver, resource_tracker

    for helper in (getattr(forkserver, "_forkserver", None), getattr(resource_tracker, "_resource_tracker", None)):
        stop = getattr(helper, "_stop", None)
        if stop is not None:
            with contextlib.suppress(OSError, ChildProcessError, AttributeError):
                stop()


def _context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one (workers forked from a clean server that has imported the
    engine once), else spawn: never a fork of this process, whatever threads it runs."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["conformance.files.worker"])
        return context
    return multiprocessing.get_context("spawn")


def _pool_result(future: Future[PartitionResult]) -> PartitionResult:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise ExecutorError(f"a worker process died ({exc}); try fewer --workers") from None


def _ordered(submit: Callable[[Job], Any], jobs: Sequence[Job], window: int,
             result: Callable[[Any], PartitionResult]) -> Iterator[PartitionResult]:
    """Keep `window` jobs in flight and hand their results back in job order."""
    pending: deque[Future[PartitionResult] | Any] = deque()
    upcoming = iter(jobs)
    for job in upcoming:
        pending.append(submit(job))
        if len(pending) >= window:
            break
    while pending:
        done = result(pending.popleft())
        following = next(upcoming, None)
        if following is not None:
            pending.append(submit(following))
        yield done
