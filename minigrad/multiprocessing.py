"""``torch.multiprocessing`` for minigrad: Python's :mod:`multiprocessing`, with tensors in
shared memory and :func:`spawn`.

Every public name of :mod:`multiprocessing` is here (``Process``, ``Queue``,
``set_start_method``, ``get_context``...). A tensor moved into shared memory with
:meth:`Tensor.share_memory_` (or a model with :meth:`Module.share_memory`) travels to
another process as a handle to that memory, under any start method, so all processes
update one set of values (Hogwild training). Tensors not in shared memory are copied, as
pickle copies them (PyTorch moves them into shared memory on the way); a tensor that is
part of an autograd graph is refused, as in PyTorch (send ``t.detach()``).

Examples
--------
>>> import minigrad
>>> import minigrad.multiprocessing as mp
>>> model = minigrad.nn.Linear(2, 1).share_memory()
>>> model.weight.is_shared()
True
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from multiprocessing import connection
from typing import Any

from minigrad.tensor import send_shared_by_handle

globals().update({name: getattr(multiprocessing, name) for name in multiprocessing.__all__})
send_shared_by_handle()

__all__ = [*multiprocessing.__all__, "ProcessContext", "ProcessExitedException",
           "ProcessRaisedException", "spawn", "start_processes"]


class ProcessRaisedException(Exception):
    """A process started by :func:`spawn` raised; the message holds its traceback."""


class ProcessExitedException(Exception):
    """A process started by :func:`spawn` ended with a non-zero exit code."""


def _run(fn: Callable[..., Any], rank: int, args: tuple[Any, ...], errors: Any) -> None:
    try:
        fn(rank, *args)
    except BaseException:
        errors.put((rank, traceback.format_exc()))
        raise SystemExit(1) from None


class ProcessContext:
    """The processes :func:`spawn` started; :meth:`join` waits for them."""

    def __init__(self, processes: list[Any], errors: Any) -> None:
        self.processes = processes
        self.error_queue = errors

    def pids(self) -> list[int]:
        """The process ids, by rank."""
        return [p.pid for p in self.processes]

    def join(self, timeout: float | None = None) -> bool:
        """Wait for every process to end; ``True`` once they all have.

        Raises
        ------
        ProcessRaisedException
            When a process raised (the first one to report, with its traceback); the
            others are terminated.
        ProcessExitedException
            When a process ended with a non-zero exit code without a Python error (a
            signal, ``os._exit``).
        """
        waiting = {p.sentinel: rank for rank, p in enumerate(self.processes)}
        while waiting:  # in the order they end, so a failure is seen at once
            ended = connection.wait(list(waiting), timeout)
            if not ended:
                return False  # the timeout passed
            for sentinel in ended:
                rank = waiting.pop(sentinel)
                process = self.processes[rank]
                process.join()
                if process.exitcode != 0:
                    self._fail(rank, process.exitcode)
        return True

    def _fail(self, rank: int, exitcode: int) -> None:
        for p in self.processes:
            if p.is_alive():
                p.terminate()
        if not self.error_queue.empty():
            raised, trace = self.error_queue.get()
            raise ProcessRaisedException(
                f"\n\n-- process {raised} terminated with the following error:\n{trace}")
        raise ProcessExitedException(f"process {rank} terminated with exit code {exitcode}")


def start_processes(fn: Callable[..., Any], args: tuple[Any, ...] = (), nprocs: int = 1,
                    join: bool = True, daemon: bool = False,
                    start_method: str = "spawn") -> ProcessContext | None:
    """Run ``fn(rank, *args)`` in ``nprocs`` new processes (rank 0 to ``nprocs - 1``);
    see :func:`spawn`, which is this with the ``spawn`` start method."""
    context: Any = multiprocessing.get_context(start_method)
    errors = context.SimpleQueue()
    processes = []
    for rank in range(nprocs):
        process = context.Process(target=_run, args=(fn, rank, args, errors), daemon=daemon)
        process.start()
        processes.append(process)
    started = ProcessContext(processes, errors)
    if not join:
        return started
    started.join()
    return None


def spawn(fn: Callable[..., Any], args: tuple[Any, ...] = (), nprocs: int = 1,
          join: bool = True, daemon: bool = False,
          start_method: str = "spawn") -> ProcessContext | None:
    """Run ``fn(rank, *args)`` in ``nprocs`` fresh processes, as ``torch.multiprocessing.spawn``.

    ``fn`` must be importable by the new processes (defined at module level).

    Parameters
    ----------
    fn : callable
        Called as ``fn(rank, *args)`` in each process.
    args : tuple
        The remaining arguments of ``fn``.
    nprocs : int
        How many processes.
    join : bool
        Wait for them and raise if one failed (default); ``False`` returns a
        :class:`ProcessContext` to join later.
    daemon : bool
        Start them as daemon processes.
    start_method : str
        ``"spawn"`` (default), ``"fork"`` or ``"forkserver"``.

    Returns
    -------
    ProcessContext or None
        ``None`` when ``join`` is true.

    Raises
    ------
    ProcessRaisedException, ProcessExitedException
        As :meth:`ProcessContext.join`.
    """
    return start_processes(fn, args, nprocs, join, daemon, start_method)
