"""Data-parallel training over several processes and machines, as ``torch.distributed``.

Processes are started by MPI and talk through ``mpi4py`` (CPU arrays, and CuPy arrays
through a CUDA-aware MPI or the host) or through NCCL between GPUs (``cupy.cuda.nccl``).
Install with ``pip install "minigrad[distributed]"`` and launch with
``mpiexec -n 4 python -m mpi4py train.py``.

Nothing here imports ``mpi4py`` (or starts MPI) until :func:`init_process_group`.

Examples
--------
>>> import minigrad.distributed as dist
>>> dist.is_initialized()
False
"""

from minigrad.distributed.collectives import (
    all_gather,
    all_gather_object,
    all_reduce,
    barrier,
    broadcast,
    broadcast_object_list,
)
from minigrad.distributed.process_group import (
    destroy_process_group,
    get_backend,
    get_local_rank,
    get_local_world_size,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
    is_nccl_available,
)
from minigrad.distributed.reduce_op import ReduceOp
from minigrad.distributed.sampler import DistributedSampler

__all__ = [
    "DistributedSampler",
    "ReduceOp",
    "all_gather",
    "all_gather_object",
    "all_reduce",
    "barrier",
    "broadcast",
    "broadcast_object_list",
    "destroy_process_group",
    "get_backend",
    "get_local_rank",
    "get_local_world_size",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
    "is_nccl_available",
]
