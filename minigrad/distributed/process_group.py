"""The default process group: which process this is, and how it talks to the others.

Processes are started by MPI (``mpiexec -n 4 python -m mpi4py train.py``), so the world
size and the ranks come from MPI; there is no rendezvous to configure. The group keeps a
private duplicate of ``MPI.COMM_WORLD`` (user MPI traffic cannot mix with ours) and, for
the ``"nccl"`` backend, an NCCL communicator for CuPy arrays.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

from minigrad import backends
from minigrad.distributed.mpi_transport import MPITransport

__all__ = [
    "ProcessGroup",
    "destroy_process_group",
    "get_backend",
    "get_local_rank",
    "get_local_world_size",
    "get_rank",
    "get_world_size",
    "group",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
    "is_nccl_available",
]

INSTALL_HINT = 'pip install "minigrad[distributed]" (mpi4py and an MPI library, MPICH)'
_BACKENDS = ("mpi", "nccl")


@dataclass
class ProcessGroup:
    """The processes taking part, and the transports used to reach them.

    Attributes
    ----------
    backend : str
        ``"mpi"`` or ``"nccl"``.
    rank, world_size : int
        This process's index and the number of processes.
    local_rank, local_world_size : int
        The same, among the processes on this machine.
    comm : mpi4py.MPI.Comm
        The group's own MPI communicator (also carries Python objects).
    mpi : MPITransport
        Array collectives through MPI.
    nccl : NCCLTransport or None
        Array collectives through NCCL for CuPy arrays (``"nccl"`` backend only).
    """

    backend: str
    rank: int
    world_size: int
    local_rank: int
    local_world_size: int
    comm: Any
    mpi: MPITransport
    nccl: Any = None

    def transport(self, array: Any) -> Any:
        """The transport for ``array``: NCCL for device arrays if present, else MPI."""
        if self.nccl is not None and self.nccl.handles(array):
            return self.nccl
        return self.mpi


_group: ProcessGroup | None = None


def is_mpi_available() -> bool:
    """Whether ``mpi4py`` is installed (it is imported, and MPI started, only by
    :func:`init_process_group`)."""
    return importlib.util.find_spec("mpi4py") is not None


def is_nccl_available() -> bool:
    """Whether CuPy is installed (NCCL itself is loaded by ``init_process_group("nccl")``)."""
    return importlib.util.find_spec("cupy") is not None and is_mpi_available()


def is_available() -> bool:
    """Whether ``minigrad.distributed`` can run here: ``mpi4py`` is installed."""
    return is_mpi_available()


def is_initialized() -> bool:
    """Whether :func:`init_process_group` has been called (and not undone)."""
    return _group is not None


def group() -> ProcessGroup:
    """The default process group.

    Raises
    ------
    ValueError
        If :func:`init_process_group` has not been called (PyTorch's error).
    """
    if _group is None:
        raise ValueError(
            "Default process group has not been initialized, please make sure to call "
            "init_process_group. (minigrad.distributed.init_process_group(), in a program "
            "started with mpiexec -n N python -m mpi4py script.py)"
        )
    return _group


def _import_mpi() -> Any:
    if not is_mpi_available():
        raise ImportError(f"minigrad.distributed needs mpi4py: {INSTALL_HINT}")
    from mpi4py import MPI

    return MPI


def init_process_group(
    backend: str | None = None, *, world_size: int = -1, rank: int = -1
) -> None:
    """Join the processes started by ``mpiexec`` into the default process group.

    Parameters
    ----------
    backend : {"mpi", "nccl"}, optional
        ``"mpi"``: collectives through MPI (NumPy arrays; CuPy arrays directly when MPI is
        CUDA-aware, else through the host). ``"nccl"``: CuPy arrays through NCCL, each
        rank on the GPU of its node-local rank (this call makes it the current device).
        Default: ``"nccl"`` when the current backend is CuPy, else ``"mpi"``.
    world_size, rank : int
        Optional checks: MPI assigns both, and a different value is an error.

    Raises
    ------
    ImportError
        If mpi4py (or, for ``"nccl"``, CuPy with NCCL) is not installed.
    RuntimeError
        If the default group is already initialized.
    ValueError
        For an unknown backend, or ``world_size``/``rank`` that disagree with MPI.
    """
    global _group
    if _group is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    if backend is None:
        backend = "nccl" if backends.current().name == "cupy" else "mpi"
    backend = backend.lower()
    if backend not in _BACKENDS:
        raise ValueError(
            f"init_process_group: unknown backend {backend!r}; minigrad supports "
            f"{', '.join(repr(b) for b in _BACKENDS)}"
        )
    mpi = _import_mpi()
    comm = mpi.COMM_WORLD.Dup()
    local = comm.Split_type(mpi.COMM_TYPE_SHARED)
    for name, given, actual in (("world_size", world_size, comm.Get_size()),
                                ("rank", rank, comm.Get_rank())):
        if given not in (-1, actual):
            local.Free()
            comm.Free()
            raise ValueError(
                f"init_process_group: {name}={given}, but MPI started this process with "
                f"{name} {actual}; with MPI, mpiexec decides both (leave them unset)"
            )
    group_ = ProcessGroup(
        backend=backend, rank=comm.Get_rank(), world_size=comm.Get_size(),
        local_rank=local.Get_rank(), local_world_size=local.Get_size(), comm=comm,
        mpi=MPITransport(comm),
    )
    local.Free()
    if backend == "nccl":
        try:
            group_.nccl = _nccl_transport(comm, group_.local_rank)
        except BaseException:
            comm.Free()
            raise
    _group = group_


def _nccl_transport(comm: Any, local_rank: int) -> Any:
    from minigrad.distributed.nccl_transport import NCCLTransport, import_nccl

    import_nccl()
    cupy = importlib.import_module("cupy")
    return NCCLTransport(comm, local_rank % cupy.cuda.runtime.getDeviceCount())


def destroy_process_group() -> None:
    """Leave the default process group and release its communicators.

    Raises
    ------
    ValueError
        If no group is initialized.
    """
    global _group
    current = group()
    if current.nccl is not None:
        current.nccl.close()
    current.comm.Free()
    _group = None


def get_backend() -> str:
    """The default group's backend, ``"mpi"`` or ``"nccl"``."""
    return group().backend


def get_rank() -> int:
    """This process's rank, ``0 .. world_size - 1``."""
    return group().rank


def get_world_size() -> int:
    """The number of processes in the default group."""
    return group().world_size


def get_local_rank() -> int:
    """This process's rank among the processes on its machine (selects its GPU)."""
    return group().local_rank


def get_local_world_size() -> int:
    """The number of processes of the group on this machine."""
    return group().local_world_size
