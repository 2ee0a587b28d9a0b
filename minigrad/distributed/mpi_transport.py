"""Collectives on arrays through MPI (``mpi4py``).

NumPy arrays are handed to MPI as they are. CuPy arrays go to MPI directly when the MPI
library is CUDA-aware; otherwise they are copied to the host, reduced there and copied
back. Either way the current CUDA stream is synchronised first, so MPI reads finished
values.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Any

import numpy

from minigrad.distributed.reduce_op import ReduceOp

__all__ = ["MPITransport", "cuda_aware_mpi"]

CUDA_AWARE_ENV = "MINIGRAD_MPI_CUDA_AWARE"


def _loaded_mpi_library() -> str | None:
    """The path of the MPI library this process has loaded (Linux), if any."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            for line in maps:
                path = line.rsplit(" ", 1)[-1].strip()
                if "/libmpi" in path and ".so" in path:
                    return path
    except OSError:
        pass
    return None


def cuda_aware_mpi() -> bool:
    """Whether MPI can read and write CUDA device memory.

    ``MINIGRAD_MPI_CUDA_AWARE=1`` (or ``0``) decides; otherwise the answer of the MPI
    library's ``MPIX_Query_cuda_support`` (Open MPI, MPICH 4+), and ``False`` when the
    library does not say.
    """
    setting = os.environ.get(CUDA_AWARE_ENV)
    if setting is not None:
        return setting.strip().lower() in ("1", "true", "yes")
    path = _loaded_mpi_library()
    if path is None:
        return False
    query = getattr(ctypes.CDLL(path), "MPIX_Query_cuda_support", None)
    if query is None:
        return False
    query.restype = ctypes.c_int
    return bool(query())


class MPITransport:
    """Array collectives of one MPI communicator. Arrays must be C-contiguous."""

    name = "mpi"

    def __init__(self, comm: Any) -> None:
        from mpi4py import MPI

        self.comm = comm
        self._mpi = MPI
        self._ops = {ReduceOp.SUM: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD,
                     ReduceOp.MAX: MPI.MAX, ReduceOp.MIN: MPI.MIN}
        self._bool_ops = {ReduceOp.SUM: MPI.LOR, ReduceOp.MAX: MPI.LOR,
                          ReduceOp.PRODUCT: MPI.LAND, ReduceOp.MIN: MPI.LAND}
        self._cuda_aware: bool | None = None

    def _host_or_device(self, array: Any) -> tuple[Any, bool]:
        """The buffer MPI should use, and whether it is a host copy of a device array."""
        if isinstance(array, numpy.ndarray):
            return array, False
        cupy = sys.modules.get("cupy")
        if cupy is None or not isinstance(array, cupy.ndarray):
            raise TypeError(f"MPI collectives take NumPy or CuPy arrays, got "
                            f"{type(array).__name__}")
        if self._cuda_aware is None:
            self._cuda_aware = cuda_aware_mpi()
        if self._cuda_aware:
            cupy.cuda.get_current_stream().synchronize()
            return array, False
        return array.get(), True  # .get() waits for the stream

    def all_reduce_(self, array: Any, op: ReduceOp) -> None:
        """Reduce ``array`` over the ranks, in place."""
        buffer, staged = self._host_or_device(array)
        mpi_op = (self._bool_ops if buffer.dtype == numpy.bool_ else self._ops)[op]
        self.comm.Allreduce(self._mpi.IN_PLACE, buffer, op=mpi_op)
        if staged:
            array.set(buffer)

    def broadcast_(self, array: Any, src: int) -> None:
        """Overwrite ``array`` on every rank with rank ``src``'s."""
        buffer, staged = self._host_or_device(array)
        self.comm.Bcast(buffer, root=src)
        if staged:
            array.set(buffer)

    def all_gather(self, array: Any) -> Any:
        """Every rank's ``array`` stacked along a new first axis, in rank order."""
        buffer, staged = self._host_or_device(array)
        out = numpy.empty((self.comm.Get_size(), *buffer.shape), dtype=buffer.dtype)
        if not staged and not isinstance(buffer, numpy.ndarray):
            out = sys.modules["cupy"].empty(out.shape, dtype=out.dtype)
        self.comm.Allgather(buffer, out)
        return sys.modules["cupy"].asarray(out) if staged else out

    def barrier(self) -> None:
        """Wait until every rank has called it."""
        self.comm.Barrier()

    def close(self) -> None:
        """Nothing to release: the communicator belongs to the process group."""
