"""Collectives on tensors, as ``torch.distributed``: every rank calls them in the same order.

Each call works on a private contiguous copy of the tensor's array and writes the result
back with an in-place tensor op (outside the graph), so views and version counters stay
right. Tensors must have the same shape and dtype on every rank.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad.autograd import no_grad
from minigrad.distributed.process_group import group
from minigrad.distributed.reduce_op import ReduceOp
from minigrad.dtypes import is_floating
from minigrad.tensor import Tensor

__all__ = [
    "all_gather",
    "all_gather_object",
    "all_reduce",
    "barrier",
    "broadcast",
    "broadcast_object_list",
    "reduce_array_",
]


def _check_tensor(fn: str, tensor: Any) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn}: expected a minigrad.Tensor, got {type(tensor).__name__}")
    return tensor


def _check_src(fn: str, src: int, world_size: int) -> None:
    if not isinstance(src, int) or not 0 <= src < world_size:
        raise ValueError(f"{fn}: src={src!r} is not a rank of the group (ranks 0 to "
                         f"{world_size - 1})")


def _private_copy(tensor: Tensor) -> Any:
    return tensor.backend.xp.array(tensor.array, copy=True, order="C")


def _write_back(tensor: Tensor, array: Any) -> None:
    with no_grad():
        tensor.copy_(Tensor.from_array(array, tensor.backend))


def reduce_array_(array: Any, op: ReduceOp = ReduceOp.SUM) -> None:
    """All-reduce a C-contiguous backend array that the caller owns, in place.

    The building block of :func:`all_reduce`, gradient averaging and ``SyncBatchNorm``;
    ``AVG`` is the sum divided by the world size.
    """
    current = group()
    current.transport(array).all_reduce_(array, ReduceOp.SUM if op is ReduceOp.AVG else op)
    if op is ReduceOp.AVG:
        array /= current.world_size


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM) -> None:
    """Combine ``tensor`` over all ranks with ``op``; every rank gets the result in place.

    Parameters
    ----------
    tensor : Tensor
        Same shape and dtype on every rank.
    op : ReduceOp
        ``SUM`` (default), ``AVG``, ``PRODUCT``, ``MAX`` or ``MIN``.

    Raises
    ------
    ValueError
        If the default process group is not initialized.
    TypeError
        If ``op`` is not a :class:`ReduceOp`, or ``AVG`` is asked of a non-float tensor.

    Examples
    --------
    ```py
    t = minigrad.tensor([float(dist.get_rank())])
    dist.all_reduce(t)                  # 0 + 1 + ... + (world_size - 1) on every rank
    ```
    """
    _check_tensor("all_reduce", tensor)
    if not isinstance(op, ReduceOp):
        raise TypeError(f"all_reduce: op must be a minigrad.distributed.ReduceOp, got {op!r}")
    if op is ReduceOp.AVG and not is_floating(tensor.dtype):
        raise TypeError(f"all_reduce: ReduceOp.AVG needs a floating-point tensor, got "
                        f"{tensor.dtype}")
    group()
    buffer = _private_copy(tensor)
    reduce_array_(buffer, op)
    _write_back(tensor, buffer)


def broadcast(tensor: Tensor, src: int) -> None:
    """Overwrite ``tensor`` on every rank with its value on rank ``src``.

    Raises
    ------
    ValueError
        If the group is not initialized or ``src`` is not a rank.
    """
    _check_tensor("broadcast", tensor)
    current = group()
    _check_src("broadcast", src, current.world_size)
    buffer = _private_copy(tensor)
    current.transport(buffer).broadcast_(buffer, src)
    _write_back(tensor, buffer)


def all_gather(tensor_list: list[Tensor], tensor: Tensor) -> None:
    """Fill ``tensor_list[r]`` with rank ``r``'s ``tensor``, on every rank.

    Parameters
    ----------
    tensor_list : list of Tensor
        ``world_size`` tensors shaped like ``tensor``; written in place.
    tensor : Tensor
        This rank's contribution.

    Raises
    ------
    ValueError
        If the list does not have ``world_size`` tensors of ``tensor``'s shape.
    """
    _check_tensor("all_gather", tensor)
    current = group()
    if len(tensor_list) != current.world_size:
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} tensors; it needs "
                         f"one per rank ({current.world_size})")
    for i, out in enumerate(tensor_list):
        _check_tensor("all_gather", out)
        if out.shape != tensor.shape:
            raise ValueError(f"all_gather: tensor_list[{i}] has shape {out.shape}, but the "
                             f"input has shape {tensor.shape}")
    buffer = _private_copy(tensor)
    gathered = current.transport(buffer).all_gather(buffer)
    for i, out in enumerate(tensor_list):
        _write_back(out, gathered[i])


def barrier() -> None:
    """Wait until every rank has reached this call."""
    current = group()
    if current.nccl is not None:
        current.nccl.barrier()
    else:
        current.mpi.barrier()


def all_gather_object(object_list: list[Any], obj: Any) -> None:
    """Fill ``object_list`` with every rank's picklable ``obj``, in rank order.

    Raises
    ------
    ValueError
        If ``object_list`` does not have ``world_size`` slots.
    """
    current = group()
    if len(object_list) != current.world_size:
        raise ValueError(f"all_gather_object: object_list has {len(object_list)} slots; it "
                         f"needs one per rank ({current.world_size})")
    object_list[:] = current.comm.allgather(obj)


def broadcast_object_list(object_list: list[Any], src: int = 0) -> None:
    """Replace the items of ``object_list`` on every rank with those of rank ``src``.

    Raises
    ------
    ValueError
        If ``src`` is not a rank.
    """
    current = group()
    _check_src("broadcast_object_list", src, current.world_size)
    items: Sequence[Any] = current.comm.bcast(list(object_list), root=src)
    object_list[:] = items
