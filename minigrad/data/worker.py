"""What runs inside a DataLoader worker process, and what it sends back.

A worker loads on the host: it makes the NumPy backend current, seeds Python's, NumPy's
and minigrad's generators with ``base_seed + worker_id`` (``base_seed`` is drawn in the
main process when the workers start), calls ``worker_init_fn(worker_id)``, then answers
``(task id, epoch, indices)`` requests until it is told to stop or its parent goes away (a
new epoch restarts the reading of an iterable dataset; once its copy of one is used up, a
worker answers :class:`WorkerExhausted`). Tensors
travel as NumPy arrays and become tensors on the main process's backend again; an
exception travels as its type and formatted traceback and is raised again in the main
process, naming the worker.
"""

from __future__ import annotations

import os
import pickle
import queue
import random
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy

from minigrad import backends
from minigrad.tensor import Tensor

if TYPE_CHECKING:
    from minigrad.data.dataloader import Fetcher

__all__ = ["WorkerInfo", "get_worker_info"]

# How often an idle worker checks that it should stop or that its parent is gone, in seconds.
_POLL_INTERVAL = 0.2
_PROTOCOL = pickle.HIGHEST_PROTOCOL


@dataclass(frozen=True)
class WorkerInfo:
    """What a DataLoader worker process knows about itself (:func:`get_worker_info`).

    Attributes
    ----------
    id : int
        This worker's index, ``0 .. num_workers - 1``.
    num_workers : int
        How many workers the loader runs.
    seed : int
        The seed of this worker's generators: ``base_seed + id``.
    dataset : Dataset
        This process's copy of the dataset.
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker process, its :class:`WorkerInfo`; in the main process, None.

    Useful in ``worker_init_fn`` or in a dataset to configure each worker's copy (open a
    file per worker, say) or to seed other libraries from :attr:`WorkerInfo.seed`.

    Examples
    --------
    >>> from minigrad.data import get_worker_info
    >>> get_worker_info() is None   # the main process
    True
    """
    return _worker_info


@dataclass
class HostArray:
    """A tensor on its way between processes, as a NumPy array."""

    array: numpy.ndarray[Any, Any]


def to_host(data: Any) -> Any:
    """``data`` with every tensor replaced by a :class:`HostArray` (for pickling)."""
    if isinstance(data, Tensor):
        return HostArray(data.numpy())
    return _map_containers(data, to_host)


def from_host(data: Any) -> Any:
    """Undo :func:`to_host`: arrays become tensors on the current backend."""
    if isinstance(data, HostArray):
        host = Tensor.from_array(data.array, backends.get("numpy"))
        target = backends.current()
        return host if target is host.backend else host.to(target)
    return _map_containers(data, from_host)


def _map_containers(data: Any, fn: Callable[[Any], Any]) -> Any:
    if isinstance(data, Mapping):
        return type(data)({key: fn(value) for key, value in data.items()})  # type: ignore[call-arg]
    if isinstance(data, tuple):
        items = [fn(item) for item in data]
        return type(data)(*items) if hasattr(data, "_fields") else type(data)(items)
    if isinstance(data, list):
        return [fn(item) for item in data]
    return data


class DatasetExhausted(Exception):
    """Raised by a loader's fetcher when its iterable dataset has no more samples."""


@dataclass(frozen=True)
class WorkerExhausted:
    """A worker's answer once its copy of an iterable dataset is used up."""

    worker_id: int


class _PlainRepr(str):
    def __repr__(self) -> str:
        return str(self)


class WorkerError:
    """An exception raised in a worker, carried to the main process and raised there."""

    def __init__(self, exc: BaseException, worker_id: int) -> None:
        self.exc_type = type(exc)
        self.message = (
            f"Caught {type(exc).__name__} in DataLoader worker process {worker_id}.\n"
            f"Original {traceback.format_exc()}"
        )

    def reraise(self) -> None:
        """Raise the worker's exception type with the worker id and its traceback."""
        # KeyError shows the repr of its argument, which would print the traceback's
        # newlines as \n: give it a string whose repr is the text itself
        message = _PlainRepr(self.message) if self.exc_type is KeyError else self.message
        try:
            error = self.exc_type(message)
        except Exception:  # the type needs other constructor arguments
            error = RuntimeError(self.message)
        raise error


def seed_worker(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and minigrad's NumPy backend."""
    random.seed(seed)
    numpy.random.seed([seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF])
    backends.get("numpy").manual_seed(seed)


def worker_loop(
    fetch: Fetcher, dataset: Any, index_queue: Any, result_queue: Any,
    done_event: Any, base_seed: int, worker_init_fn: Callable[[int], None] | None,
    worker_id: int, num_workers: int, parent_pid: int,
) -> None:
    """The body of a worker process (see the module docstring)."""
    global _worker_info
    backends.set_backend("numpy")
    seed = base_seed + worker_id
    seed_worker(seed)
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    init_error: WorkerError | None = None
    current_epoch = None
    if worker_init_fn is not None:
        try:
            worker_init_fn(worker_id)
        except Exception as exc:
            init_error = WorkerError(exc, worker_id)
    try:
        # done_event is the stop signal that always arrives (the None sent on the index
        # queue may not: a loader collected as part of a reference cycle can have its
        # queues finalized first)
        while not done_event.is_set():
            try:
                task = index_queue.get(timeout=_POLL_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent_pid:
                    break  # the main process is gone
                continue
            if task is None or done_event.is_set():
                break
            task_id, epoch, indices = task
            if epoch != current_epoch:
                fetch.restart()
                current_epoch = epoch
            payload: bytes | WorkerExhausted
            if init_error is not None:
                payload, init_error = pickle.dumps(init_error, _PROTOCOL), None
            else:
                # pickled here, not in the queue's feeder thread, so that a batch that
                # can't be pickled is reported instead of silently never arriving
                try:
                    payload = pickle.dumps(to_host(fetch(indices)), _PROTOCOL)
                except DatasetExhausted:
                    payload = WorkerExhausted(worker_id)
                except Exception as exc:
                    payload = pickle.dumps(WorkerError(exc, worker_id), _PROTOCOL)
            result_queue.put((task_id, payload))
    except KeyboardInterrupt:
        pass  # the main process handles Ctrl-C and shuts the workers down
    # The main process reads nothing more: don't wait for unsent results at exit.
    result_queue.cancel_join_thread()
    result_queue.close()
