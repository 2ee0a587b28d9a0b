"""Collectives as differentiable ops (PyTorch's ``torch.distributed.nn.functional``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from minigrad.autograd import Function
from minigrad.distributed import process_group
from minigrad.distributed.collectives import reduce_array_
from minigrad.optable import S, SampleUnavailable, op
from minigrad.tensor import Tensor

__all__ = ["AllReduceSum", "all_reduce"]


class AllReduceSum(Function):
    """``out = sum over ranks of x`` (same shape on every rank), inside the graph.

    If every rank's loss depends on ``s = x_0 + ... + x_{N-1}``, the gradient of the total
    loss with respect to each ``x_r`` is the sum over ranks of the gradients with respect
    to ``s``: the backward of an all-reduce-sum is an all-reduce-sum. Every rank must reach
    these nodes in the same order, in forward and in backward; that holds when all ranks
    run the same model (the engine's backward order is deterministic).
    """

    def forward(ctx, x: Any) -> Any:
        buffer = ctx.xp.array(x, copy=True, order="C")
        reduce_array_(buffer)
        return buffer

    def backward(ctx, grad: Tensor) -> Tensor:
        return AllReduceSum.apply(grad)


@contextmanager
def _world_of_one() -> Iterator[None]:
    """A process group of this one process, for the op table's samples."""
    if process_group.is_initialized():
        yield
        return
    if not process_group.is_available():
        raise SampleUnavailable("mpi4py is not installed (pip install -e '.[distributed]')")
    process_group.init_process_group()
    try:
        yield
    finally:
        process_group.destroy_process_group()


@op("all_reduce_sum", AllReduceSum, samples=[S((3, 4)), S((2,), transposed=True)],
    reference=lambda x: x, context=_world_of_one)
def all_reduce(tensor: Tensor) -> Tensor:
    """The sum of ``tensor`` over all ranks, as a new tensor that gradients flow through
    (PyTorch's ``torch.distributed.nn.functional.all_reduce`` with ``op=SUM``).

    Raises
    ------
    ValueError
        If the default process group is not initialized.
    """
    return AllReduceSum.apply(tensor)
