"""Loading batches in worker processes: the pool of workers and the iterator that feeds
them indices and collects their batches.

The iterator keeps ``prefetch_factor * num_workers`` batches requested, handing index
lists to the workers in turn, and yields the batches in sampler order (or as they come
with ``in_order=False``). With an iterable dataset the requests only ask for the next
batch; a worker whose copy of the dataset is used up is skipped from then on, and the
epoch ends when all are. While it waits it checks every half second that the workers
are alive, so a worker that dies is an error rather than a hang.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pickle
import queue
import time
from typing import TYPE_CHECKING, Any

from minigrad.data.worker import WorkerError, WorkerExhausted, from_host, worker_loop

if TYPE_CHECKING:
    from minigrad.data.dataloader import DataLoader

__all__ = ["MultiProcessIterator", "WorkerPool"]

_LIVENESS_INTERVAL = 0.5  # seconds between checks that the workers are alive
_JOIN_TIMEOUT = 5.0  # seconds a worker gets to exit before it is terminated


class WorkerPool:
    """``num_workers`` worker processes, each with its own index queue, and one result
    queue they all answer on."""

    def __init__(self, loader: DataLoader, base_seed: int) -> None:
        ctx = loader.multiprocessing_context
        assert ctx is not None
        self.num_workers = loader.num_workers
        self.result_queue = ctx.Queue()
        self.done_event = ctx.Event()
        self.index_queues: list[Any] = []
        self.processes: list[Any] = []
        self.next_task = 0  # task ids keep growing across epochs of persistent workers
        self.generation = 0  # which iterator currently owns the pool
        self._closed = False
        fetch = loader._fetcher()
        for worker_id in range(self.num_workers):
            index_queue = ctx.Queue()
            process = ctx.Process(
                target=worker_loop,
                args=(fetch, loader.dataset, index_queue, self.result_queue, self.done_event,
                      base_seed, loader.worker_init_fn, worker_id, self.num_workers,
                      os.getpid()),
                daemon=True,
            )
            process.start()
            self.index_queues.append(index_queue)
            self.processes.append(process)

    @property
    def alive(self) -> bool:
        """Whether the pool is open and every worker is running."""
        return not self._closed and all(p.is_alive() for p in self.processes)

    def dead_workers(self) -> list[Any]:
        """The worker processes that have exited."""
        return [p for p in self.processes if not p.is_alive()]

    def shutdown(self) -> None:
        """Stop the workers (terminating those that do not exit in time); idempotent."""
        if self._closed:
            return
        self._closed = True
        self.done_event.set()
        for index_queue in self.index_queues:
            with contextlib.suppress(OSError, ValueError):  # a queue already closed
                index_queue.put(None)
        deadline = time.monotonic() + _JOIN_TIMEOUT
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
        for process in self.processes:
            if process.is_alive():
                process.terminate()
                process.join(1.0)
        for q in (*self.index_queues, self.result_queue):
            q.cancel_join_thread()
            q.close()


class MultiProcessIterator:
    """One epoch over a :class:`~minigrad.data.DataLoader` with worker processes."""

    def __init__(self, loader: DataLoader, pool: WorkerPool, owns_pool: bool) -> None:
        self._loader = loader
        self._pool = pool
        self._owns_pool = owns_pool
        pool.generation += 1
        self._generation = pool.generation
        self._sampler_iter = iter(loader._index_sampler)
        self._sampler_done = False
        self._workers = itertools.cycle(range(pool.num_workers))
        self._active_workers = set(range(pool.num_workers))
        self._outstanding: set[int] = set()
        self._arrived: dict[int, bytes | WorkerExhausted] = {}
        self._next_to_yield = pool.next_task
        self._in_order = loader.in_order
        self._timeout = loader.timeout
        assert loader.prefetch_factor is not None
        for _ in range(loader.prefetch_factor * pool.num_workers):
            self._request_next()

    def __iter__(self) -> MultiProcessIterator:
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def _next_active_worker(self) -> int | None:
        for _ in range(self._pool.num_workers):
            worker = next(self._workers)
            if worker in self._active_workers:
                return worker
        return None

    def _request_next(self) -> None:
        if self._sampler_done:
            return
        worker = self._next_active_worker()
        if worker is None:  # every worker's copy of an iterable dataset is used up
            self._sampler_done = True
            return
        try:
            indices = next(self._sampler_iter)
        except StopIteration:
            self._sampler_done = True
            return
        task = self._pool.next_task
        self._pool.next_task += 1
        self._pool.index_queues[worker].put((task, self._generation, indices))
        self._outstanding.add(task)

    def __next__(self) -> Any:
        if self._generation != self._pool.generation:
            raise RuntimeError("this DataLoader iterator was replaced by a newer one: with "
                               "persistent_workers=True a loader runs one epoch at a time")
        while True:
            payload = self._next_payload()
            self._request_next()
            if not isinstance(payload, WorkerExhausted):
                break
        data = pickle.loads(payload)
        if isinstance(data, WorkerError):
            data.reraise()
        return from_host(data)

    def _next_payload(self) -> bytes | WorkerExhausted:
        """The next answer to yield (in task order unless ``in_order=False``)."""
        while True:
            if self._in_order and self._next_to_yield in self._arrived:
                payload = self._arrived.pop(self._next_to_yield)
                break
            if not self._outstanding:
                self._finish()
                raise StopIteration
            task, payload = self._receive()
            if task not in self._outstanding:
                continue  # left over from an abandoned epoch of persistent workers
            self._outstanding.discard(task)
            if isinstance(payload, WorkerExhausted):
                # at once, not in task order, so that no more requests go to this worker
                self._active_workers.discard(payload.worker_id)
            if self._in_order and task != self._next_to_yield:
                self._arrived[task] = payload
                continue
            break
        if self._in_order:
            self._next_to_yield += 1
        return payload

    def _receive(self) -> tuple[int, bytes | WorkerExhausted]:
        started = time.monotonic()
        while True:
            wait = _LIVENESS_INTERVAL
            if self._timeout:
                wait = min(wait, max(0.0, started + self._timeout - time.monotonic()))
            try:
                result: tuple[int, bytes | WorkerExhausted] = self._pool.result_queue.get(
                    timeout=wait)
                return result
            except queue.Empty:
                pass
            dead = self._pool.dead_workers()
            if dead:
                self._pool.shutdown()
                described = ", ".join(f"{p.pid} (exit code {p.exitcode})" for p in dead)
                raise RuntimeError(f"DataLoader worker (pid(s) {described}) exited "
                                   "unexpectedly")
            if self._timeout and time.monotonic() - started >= self._timeout:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def _finish(self) -> None:
        if self._owns_pool:
            self._pool.shutdown()

    def __del__(self) -> None:
        if self.__dict__.get("_owns_pool"):
            self._pool.shutdown()
