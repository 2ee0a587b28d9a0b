"""Lookups by integer index: ``embedding`` and ``one_hot``."""

from __future__ import annotations

import numpy

from minigrad.autograd import Function
from minigrad.functional.arithmetic import where
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor
from minigrad.types import Array


class OneHot(Function):
    """int64 one-hot rows of an index array (no gradient)."""

    differentiable = False

    def forward(ctx, indices: Array, num_classes: int = 0) -> Array:
        return ctx.xp.eye(num_classes, dtype=numpy.int64)[indices]


def _indices(shape: tuple[int, ...], high: int) -> Arg:
    return Arg(shape, "int", high=high, requires_grad=False)


@op("embedding", functional=True,
    samples=[S(_indices((2, 3), 5), (5, 4)),
             S(_indices((4,), 3), (3, 2), padding_idx=1, grad=False),
             S(_indices((3,), 4), (4, 2), padding_idx=-1, grad=False)],
    reference=lambda i, w, padding_idx=None: w[i])
def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` picked by the integer tensor ``input``.

    The row at ``padding_idx`` (if given; negative counts from the end) receives no
    gradient.

    Raises
    ------
    TypeError
        If ``input`` is not an integer tensor.
    IndexError
        If an index is negative or not smaller than ``weight.shape[0]``.
    ValueError
        If ``padding_idx`` is outside the table.
    """
    if input.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be an integer tensor, got {input.dtype}")
    n = weight.shape[0]
    if padding_idx is not None and not -n <= padding_idx < n:
        raise ValueError(
            f"embedding: padding_idx must be within the {n} rows of the table (in "
            f"[{-n}, {n - 1}]), got {padding_idx}"
        )
    if input.numel():
        low, high = int(input.array.min()), int(input.array.max())
        if low < 0 or high >= n:  # no negative indices, as in torch
            raise IndexError(
                f"embedding: index out of range in self: index {low if low < 0 else high} is "
                f"not in [0, {n}) for a table of {n} rows"
            )
    out = weight[input]
    if padding_idx is not None and weight.requires_grad:
        keep = (input != padding_idx % n).unsqueeze(-1)
        out = where(keep, out, out.detach())
    return out


@op("one_hot", OneHot, functional=True, differentiable=False,
    samples=[S(_indices((4,), 3)), S(_indices((2, 3), 3), 5)],
    reference=lambda i, num_classes=-1: numpy.eye(
        i.max() + 1 if num_classes == -1 else num_classes, dtype=numpy.int64)[i])
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding, with a new last dimension of size ``num_classes``
    (``max + 1`` when -1)."""
    if tensor.dtype.kind not in "iu":
        raise TypeError(
            f"one_hot: expected an integer tensor of class indices, got {tensor.dtype}"
        )
    low, top = (int(tensor.array.min()), int(tensor.array.max())) if tensor.numel() else (0, -1)
    if low < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {low}")
    if num_classes == -1:
        if not tensor.numel():
            raise RuntimeError("one_hot: can't infer the number of classes from an empty "
                               "tensor; give num_classes")
        num_classes = top + 1
    elif top >= num_classes:
        raise ValueError(
            f"one_hot: class value {top} is not smaller than num_classes={num_classes}"
        )
    return OneHot.apply(tensor, num_classes=num_classes)
