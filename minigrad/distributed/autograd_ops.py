"""A differentiable all-reduce: the sum over ranks inside the autograd graph.

If every rank's loss depends on ``s = x_0 + x_1 + ... + x_{N-1}``, the gradient of the
total loss with respect to each ``x_r`` is the sum over ranks of the gradients with
respect to ``s``, so the backward of an all-reduce-sum is again an all-reduce-sum. Every
rank must reach these ops in the same order, in forward and in backward, which holds when
all ranks run the same model (the engine's backward order is deterministic).
"""

from __future__ import annotations

from typing import Any

from minigrad.autograd import Function
from minigrad.distributed.collectives import reduce_array_
from minigrad.tensor import Tensor

__all__ = ["AllReduceSum", "all_reduce_sum"]


class AllReduceSum(Function):
    """``out = sum over ranks of x`` (same shape on every rank); backward: the same."""

    def forward(ctx, x: Any) -> Any:
        buffer = ctx.xp.array(x, copy=True, order="C")
        reduce_array_(buffer)
        return buffer

    def backward(ctx, grad: Tensor) -> Tensor:
        return AllReduceSum.apply(grad)


def all_reduce_sum(tensor: Tensor) -> Tensor:
    """The sum of ``tensor`` over all ranks, as a new tensor that gradients flow through.

    Unlike :func:`~minigrad.distributed.all_reduce` this is out of place and recorded by
    autograd (PyTorch's ``torch.distributed.nn.functional.all_reduce``).
    """
    return AllReduceSum.apply(tensor)
