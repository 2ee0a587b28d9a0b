"""Matrix multiplication."""

from __future__ import annotations

from typing import Any

from minigrad.autograd import Function
from minigrad.ops.elementwise import as_operands, unbroadcast
from minigrad.tensor import Tensor

Array = Any


class MatMul(Function):
    save_inputs = (0, 1)
    saved_for = ((1,), (0,))

    def forward(ctx, a: Array, b: Array) -> Array:
        ctx.shapes = (a.shape, b.shape)
        return ctx.xp.matmul(a, b)

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved  # a is kept only for b's gradient and b only for a's
        sa, sb = ctx.shapes
        if len(sa) == 1 and len(sb) == 1:
            return (g * b if ctx.needs_input_grad[0] else None,
                    g * a if ctx.needs_input_grad[1] else None)
        # treat vectors as matrices, as matmul itself does, then undo it
        sa2 = (1, *sa) if len(sa) == 1 else sa
        sb2 = (*sb, 1) if len(sb) == 1 else sb
        g2 = g.unsqueeze(-2) if len(sa) == 1 else g
        g2 = g2.unsqueeze(-1) if len(sb) == 1 else g2
        ga = gb = None
        if ctx.needs_input_grad[0]:
            b2 = b.reshape(sb2)
            ga = unbroadcast(g2 @ b2.mT, sa2).reshape(sa)
        if ctx.needs_input_grad[1]:
            a2 = a.reshape(sa2)
            gb = unbroadcast(a2.mT @ g2, sb2).reshape(sb)
        return ga, gb


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product with NumPy's rules: 1-D operands are vectors, leading dimensions
    broadcast as batches.

    Raises
    ------
    RuntimeError
        If an operand is 0-d or the inner dimensions differ (both shapes are named).
    """
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul: both operands need at least 1 dimension, got shapes "
                           f"{a.shape} and {b.shape}")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise RuntimeError(
            f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
            f"({inner_a} != {inner_b})"
        )
    a, b = as_operands(a, b)
    return MatMul.apply(a, b)
