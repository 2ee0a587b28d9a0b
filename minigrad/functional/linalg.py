"""Matrix products: ``matmul`` (``@``) and its special cases, and ``linear``."""

from __future__ import annotations

import math

import numpy

from minigrad.autograd import Function
from minigrad.functional.operands import unbroadcast
from minigrad.optable import S, op
from minigrad.tensor import Tensor
from minigrad.types import Array


class MatMul(Function):
    def forward(ctx, a: Array, b: Array) -> Array:
        ctx.shapes = (a.shape, b.shape)
        # b is kept only for a's gradient and a only for b's
        ctx.save(b if ctx.needs_input_grad[0] else None, a if ctx.needs_input_grad[1] else None)
        return ctx.xp.matmul(a, b)

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        b, a = ctx.saved
        sa, sb = ctx.shapes
        if len(sa) == 1 and len(sb) == 1:
            return (None if b is None else g * b, None if a is None else g * a)
        # treat vectors as matrices, as matmul itself does, then undo it
        sa2 = (1, *sa) if len(sa) == 1 else sa
        sb2 = (*sb, 1) if len(sb) == 1 else sb
        g2 = g.unsqueeze(-2) if len(sa) == 1 else g
        g2 = g2.unsqueeze(-1) if len(sb) == 1 else g2
        ga = gb = None
        if b is not None:
            ga = unbroadcast(g2 @ b.reshape(sb2).mT, sa2).reshape(sa)
        if a is not None:
            gb = unbroadcast(a.reshape(sa2).mT @ g2, sb2).reshape(sb)
        return ga, gb


class Linear(Function):
    """``x @ W.T + b`` over any leading dimensions, as one node of the graph."""

    def forward(ctx, x: Array, weight: Array, bias: Array | None = None) -> Array:
        ctx.save(x if ctx.needs_input_grad[1] else None, weight)
        out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, ...]:
        x, weight = ctx.saved
        assert weight is not None
        rows = math.prod(g.shape[:-1])  # not -1: ambiguous when there are no elements
        g2 = g.reshape(rows, g.shape[-1])
        gx = (g2 @ weight).reshape(g.shape[:-1] + (weight.shape[1],)) \
            if ctx.needs_input_grad[0] else None
        gw = g2.T @ x.reshape(rows, x.shape[-1]) if x is not None else None
        if len(ctx.needs_input_grad) == 2:
            return gx, gw
        return gx, gw, (g2.sum(0) if ctx.needs_input_grad[2] else None)


@op("matmul", MatMul, method=("matmul", "__matmul__"), reflected="__rmatmul__", torch=True,
    samples=[S((3, 4), (4, 2)), S((3, 4), (4, 2), transposed=True), S((4,), (4,)),
             S((4,), (4, 3)), S((3, 4), (4,)), S((2, 3, 4), (2, 4, 2)),
             S((2, 1, 3, 4), (3, 4, 2)), S((2, 3, 4), (4,))],
    reference=numpy.matmul)
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with NumPy's rules: 1-D operands are vectors, leading dimensions
    broadcast as batches.

    Raises
    ------
    RuntimeError
        If an operand is 0-d, the inner dimensions differ (both shapes are named) or the
        dtypes differ (PyTorch does not promote here either).
    """
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(f"matmul: both operands need at least 1 dimension, got shapes "
                           f"{input.shape} and {other.shape}")
    inner_a = input.shape[-1]
    inner_b = other.shape[0] if other.ndim == 1 else other.shape[-2]
    if inner_a != inner_b:
        raise RuntimeError(
            f"matmul: shapes {input.shape} and {other.shape} cannot be multiplied "
            f"({inner_a} != {inner_b})"
        )
    _same_dtype("matmul", input, other, "the operands")
    return MatMul.apply(input, other)


def _same_dtype(name: str, a: Tensor, b: Tensor, what: str) -> None:
    if a.dtype != b.dtype:
        raise RuntimeError(f"{name}: expected {what} to have the same dtype, got {a.dtype} and "
                           f"{b.dtype}; convert one of them with .to(dtype) (or .float())")


def _check_ndim(name: str, input: Tensor, ndim: int, other: Tensor, other_ndim: int) -> None:
    if input.ndim != ndim or other.ndim != other_ndim:
        raise RuntimeError(
            f"{name}: expected {ndim}-D and {other_ndim}-D tensors, got shapes {input.shape} "
            f"and {other.shape}"
        )


@op("mm", method=True, torch=True, samples=[S((3, 4), (4, 2))], reference=numpy.matmul)
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Product of two matrices."""
    _check_ndim("mm", input, 2, mat2, 2)
    return matmul(input, mat2)


@op("bmm", method=True, torch=True, samples=[S((2, 3, 4), (2, 4, 5))], reference=numpy.matmul)
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched product of ``(b, n, m)`` and ``(b, m, p)`` tensors."""
    _check_ndim("bmm", input, 3, mat2, 3)
    if input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: batch sizes differ: shapes {input.shape} and {mat2.shape}")
    return matmul(input, mat2)


@op("mv", method=True, torch=True, samples=[S((3, 4), (4,))], reference=numpy.matmul)
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Product of a matrix and a vector."""
    _check_ndim("mv", input, 2, vec, 1)
    return matmul(input, vec)


@op("dot", method=True, torch=True, samples=[S((4,), (4,))], reference=numpy.dot)
def dot(input: Tensor, other: Tensor) -> Tensor:
    """Inner product of two vectors."""
    _check_ndim("dot", input, 1, other, 1)
    return matmul(input, other)


@op("outer", method=True, torch=True, samples=[S((3,), (4,))], reference=numpy.outer)
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two vectors."""
    _check_ndim("outer", input, 1, vec2, 1)
    return input.unsqueeze(1) * vec2.unsqueeze(0)


@op("linear", Linear, functional=True,
    samples=[S((4, 3), (2, 3), (2,)), S((2, 5, 3), (4, 3)), S((3,), (2, 3), (2,)),
             S((4, 3), (3,), note="1-D weight"), S((4, 3), (2, 3), (1, 2), note="(1, out) bias"),
             S((3,), (2, 3), (1, 2), note="1-D input, (1, out) bias"),
             S((4, 0), (2, 0), (2,), note="no features")],
    reference=lambda x, w, b=None: x @ w.T + (0 if b is None else b.reshape(-1) if x.ndim == 1
                                              else b))
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``, as ``torch.nn.functional.linear``; one node of the
    graph with a ``(out_features,)`` bias.

    Parameters
    ----------
    input : Tensor
        ``(*, in_features)``.
    weight : Tensor
        ``(out_features, in_features)``, or ``(in_features,)`` for one output without its
        own dimension (the result is ``(*)``).
    bias : Tensor, optional
        ``(out_features,)``, or any shape that broadcasts to the output without growing it
        (``(1, out_features)``, ``()``...), as PyTorch allows; ``()`` with a 1-D weight.

    Raises
    ------
    RuntimeError
        If the feature sizes do not match or the bias does not fit the output (the shapes
        are named), or the input's dtype is not the weight's (as in PyTorch).
    """
    if weight.ndim not in (1, 2) or input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        raise RuntimeError(
            f"linear: input of shape {input.shape} can't be multiplied by weight of shape "
            f"{weight.shape} (expected input (*, {weight.shape[-1] if weight.ndim else '?'}) "
            "and a weight (out_features, in_features) or (in_features,))"
        )
    _same_dtype("linear", input, weight, "input and weight")
    if weight.ndim == 1:
        out = Linear.apply(input, weight.unsqueeze(0)).squeeze(-1)
        if bias is not None and bias.ndim != 0:
            raise RuntimeError(f"linear: with a 1-D weight the bias must be 0-d, got shape "
                               f"{bias.shape}")
        return out if bias is None else out + bias
    if bias is None:
        return Linear.apply(input, weight)
    if bias.shape == (weight.shape[0],):
        return Linear.apply(input, weight, bias)
    out = Linear.apply(input, weight)
    if input.ndim == 1 and bias.ndim == 2 and bias.shape[0] == 1:
        bias = bias.squeeze(0)  # PyTorch adds a (1, out) bias into a 1-D input's (out,) too
    try:
        grown = numpy.broadcast_shapes(bias.shape, out.shape) != out.shape
    except ValueError:
        grown = True
    if grown:
        raise RuntimeError(
            f"linear: bias of shape {bias.shape} can't be added to the output of shape "
            f"{out.shape} (expected ({weight.shape[0]},) or a shape that broadcasts to the "
            "output without growing it)"
        )
    return out + bias
