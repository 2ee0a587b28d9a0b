"""Collectives on CuPy arrays through NCCL (``cupy.cuda.nccl``).

The NCCL communicator is made the usual way for one GPU per process: rank 0 creates the
unique id, MPI broadcasts it, and every rank joins with ``ncclCommInitRank`` on the GPU it
has selected (its node-local rank). Collectives are queued on the current CUDA stream, so
later CuPy work on that stream sees their results without a host synchronisation.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy

from minigrad.distributed.reduce_op import ReduceOp

__all__ = ["NCCLTransport", "import_nccl"]

_NCCL_HINT = (
    "CuPy finds NCCL in the nvidia-nccl wheel: pip install nvidia-nccl-cu12 (CUDA 12) or "
    "nvidia-nccl-cu13 (CUDA 13)"
)


def import_nccl() -> Any:
    """``cupy.cuda.nccl``, or an ImportError that says how to get it."""
    try:
        cupy = importlib.import_module("cupy")
    except ImportError as exc:
        raise ImportError(
            'the "nccl" backend needs CuPy: pip install "minigrad[cuda12]" (or [cuda13])'
        ) from exc
    if not getattr(cupy.cuda, "nccl_enabled", True):
        raise ImportError(f"this CuPy was loaded without NCCL; {_NCCL_HINT}")
    try:
        return importlib.import_module("cupy.cuda.nccl")
    except ImportError as exc:
        raise ImportError(f"cupy.cuda.nccl cannot be loaded ({exc}); {_NCCL_HINT}") from exc


class NCCLTransport:
    """Array collectives of an NCCL communicator, for CuPy arrays (C-contiguous)."""

    name = "nccl"

    def __init__(self, comm: Any, device: int) -> None:
        self._cupy = importlib.import_module("cupy")
        nccl = import_nccl()
        self._nccl = nccl
        self.device = device
        self._cupy.cuda.Device(device).use()
        unique_id = nccl.get_unique_id() if comm.Get_rank() == 0 else None
        unique_id = comm.bcast(unique_id, root=0)
        self._size = comm.Get_size()
        self._comm = nccl.NcclCommunicator(self._size, unique_id, comm.Get_rank())
        self._mpi_comm = comm
        self._types = {
            numpy.dtype(numpy.float16): nccl.NCCL_FLOAT16,
            numpy.dtype(numpy.float32): nccl.NCCL_FLOAT32,
            numpy.dtype(numpy.float64): nccl.NCCL_FLOAT64,
            numpy.dtype(numpy.int32): nccl.NCCL_INT32,
            numpy.dtype(numpy.int64): nccl.NCCL_INT64,
            numpy.dtype(numpy.int8): nccl.NCCL_INT8,
            numpy.dtype(numpy.uint8): nccl.NCCL_UINT8,
            numpy.dtype(numpy.bool_): nccl.NCCL_UINT8,  # 0/1 bytes: max is or, min is and
        }
        self._ops = {ReduceOp.SUM: nccl.NCCL_SUM, ReduceOp.PRODUCT: nccl.NCCL_PROD,
                     ReduceOp.MAX: nccl.NCCL_MAX, ReduceOp.MIN: nccl.NCCL_MIN}

    def handles(self, array: Any) -> bool:
        """Whether ``array`` is a CuPy array (host arrays go through MPI instead)."""
        return isinstance(array, self._cupy.ndarray)

    def _nccl_type(self, array: Any) -> int:
        try:
            return int(self._types[array.dtype])
        except KeyError:
            raise TypeError(f"NCCL collectives do not support dtype {array.dtype}") from None

    def _stream(self) -> int:
        return int(self._cupy.cuda.get_current_stream().ptr)

    def all_reduce_(self, array: Any, op: ReduceOp) -> None:
        """Reduce ``array`` over the ranks, in place (queued on the current stream)."""
        if array.dtype == numpy.bool_:
            op = {ReduceOp.SUM: ReduceOp.MAX, ReduceOp.PRODUCT: ReduceOp.MIN}.get(op, op)
        ptr = array.data.ptr
        self._comm.allReduce(ptr, ptr, array.size, self._nccl_type(array), self._ops[op],
                             self._stream())

    def broadcast_(self, array: Any, src: int) -> None:
        """Overwrite ``array`` on every rank with rank ``src``'s."""
        self._comm.bcast(array.data.ptr, array.size, self._nccl_type(array), src,
                         self._stream())

    def all_gather(self, array: Any) -> Any:
        """Every rank's ``array`` stacked along a new first axis, in rank order."""
        out = self._cupy.empty((self._size, *array.shape), dtype=array.dtype)
        self._comm.allGather(array.data.ptr, out.data.ptr, array.size,
                             self._nccl_type(array), self._stream())
        return out

    def barrier(self) -> None:
        """Finish this rank's queued GPU work, then wait for every rank."""
        self._cupy.cuda.get_current_stream().synchronize()
        self._mpi_comm.Barrier()

    def close(self) -> None:
        """Destroy the NCCL communicator."""
        self._cupy.cuda.get_current_stream().synchronize()
        self._comm.destroy()
