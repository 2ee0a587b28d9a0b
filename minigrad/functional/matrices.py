"""Matrix functions and distances: addmm, baddbmm, kron, cross, dist, cdist, det, inverse.

The products and distances are compositions of ``matmul``, broadcasting arithmetic and
``norm``; ``det`` and ``inverse`` are nodes of their own, computed by the backend's
``linalg``, with gradients written in tensor ops (so ``inverse`` is differentiable to any
order).
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from minigrad.autograd import Function
from minigrad.functional.arithmetic import where
from minigrad.functional.elementwise import Sqrt
from minigrad.functional.linalg import bmm, mm
from minigrad.functional.operands import axis, constant
from minigrad.functional.reduce import norm
from minigrad.functional.reorder import broadcast_shape, roll
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor
from minigrad.types import Array, Scalar


class Det(Function):
    """Determinants of square matrices (batched). The gradient is ``det * inverse(A).mT``
    where every matrix is invertible (and its inverse finite); otherwise the cofactor
    matrix, which is exact but held constant for second derivatives."""

    def forward(ctx, a: Array) -> Array:
        out = ctx.xp.linalg.det(a)
        ctx.save(a, out)
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        a, det = ctx.saved_tensors
        if bool((det.array != 0).all()):
            inverse = Inverse.apply(a)
            # a subnormal determinant can have an inverse that overflows (1 / 1e-310):
            # det * inf is not the finite cofactor, which the slow path gives exactly
            if bool(a.backend.xp.isfinite(inverse.array).all()):
                # det * inverse first: the cofactors, finite where g * det could overflow
                cofactors = det.unsqueeze(-1).unsqueeze(-1) * inverse.mT
                return g.unsqueeze(-1).unsqueeze(-1) * cofactors
        cofactors = Tensor.from_array(_cofactors(a.backend.xp, a.array), a.backend)
        return g.unsqueeze(-1).unsqueeze(-1) * cofactors


def _cofactors(xp: Any, a: Array) -> Array:
    """``C[..., i, j] = (-1)**(i + j) * det(A without row i and column j)``."""
    n = a.shape[-1]
    out = xp.ones(a.shape, dtype=a.dtype)
    if n == 1:
        return out
    keep = [[k for k in range(n) if k != i] for i in range(n)]
    for i in range(n):
        rows = a[..., keep[i], :]
        for j in range(n):
            out[..., i, j] = (-1) ** (i + j) * xp.linalg.det(rows[..., :, keep[j]])
    return out


class Inverse(Function):
    """Inverses of square matrices (batched); the gradient is ``-A^-T g A^-T``."""

    def forward(ctx, a: Array) -> Array:
        out = ctx.xp.linalg.inv(a)
        ctx.save(out)
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        inverse_t = out.mT
        return -(inverse_t @ g @ inverse_t)


def _same_dtype(name: str, *tensors: Tensor) -> None:
    for t in tensors[1:]:
        if t.dtype != tensors[0].dtype:
            raise RuntimeError(f"{name}: the matrices must have the same dtype, but got "
                               f"{tensors[0].dtype} and {t.dtype}")


def _scaled_sum(name: str, input: Tensor, product: Tensor, beta: Scalar, alpha: Scalar,
                skip_product: bool = False) -> Tensor:
    if product.dtype.kind in "biu":  # PyTorch casts the scales to an integer result's dtype
        beta, alpha = int(beta), int(alpha)
    if alpha == 0 and skip_product:  # BLAS's rule: the product is not read (NaN included)
        scaled = where(constant(product, False, bool), product, constant(product, 0))
    else:
        scaled = product if alpha == 1 else product * alpha
    base = input.expand(product.shape) if input.shape != product.shape else input
    if beta == 0:  # PyTorch ignores input then, NaN and infinity included
        return scaled
    return (base if beta == 1 else base * beta) + scaled


@op("addmm", method=True, inplace="addmm_", torch=True,
    samples=[S((2, 3), (2, 4), (4, 3)), S((3,), (2, 4), (4, 3), beta=0.5, alpha=2.0),
             S(Arg((1,), "values", values=[float("nan")]), (2, 4), (4, 3), beta=0,
               note="beta=0 ignores input", grad=False)],
    reference=lambda a, m1, m2, beta=1, alpha=1: (beta * a if beta else 0) + alpha * (m1 @ m2))
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Scalar = 1, alpha: Scalar = 1
          ) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` for matrices, ``input`` broadcast to the
    product's shape (with ``beta=0``, ``input`` is ignored, NaN included, and with
    ``alpha=0`` the product, as PyTorch's BLAS call does). For integer matrices ``beta``
    and ``alpha`` are truncated to integers, as in PyTorch.

    Raises
    ------
    RuntimeError
        If ``mat1``/``mat2`` are not matrices that can be multiplied, their dtypes differ or
        ``input`` does not broadcast to the product.
    """
    _same_dtype("addmm", mat1, mat2)
    if mat1.ndim == 2 and mat2.ndim == 2 and mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"addmm: mat1 and mat2 shapes cannot be multiplied "
                           f"({mat1.shape[0]}x{mat1.shape[1]} and "
                           f"{mat2.shape[0]}x{mat2.shape[1]})")
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha, skip_product=True)


@op("baddbmm", method=True, inplace="baddbmm_", torch=True,
    samples=[S((2, 3, 5), (2, 3, 4), (2, 4, 5)), S((5,), (2, 3, 4), (2, 4, 5), beta=2.0,
                                                   alpha=-1.0)],
    reference=lambda a, b1, b2, beta=1, alpha=1: beta * a + alpha * (b1 @ b2))
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Scalar = 1,
            alpha: Scalar = 1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)`` for ``(b, n, m)`` and ``(b, m, p)``
    batches, ``input`` broadcast to ``(b, n, p)`` (ignored when ``beta=0``)."""
    _same_dtype("baddbmm", batch1, batch2)
    if batch1.ndim == 3 and batch2.ndim == 3 and (
            batch2.shape[0] != batch1.shape[0] or batch2.shape[1] != batch1.shape[2]):
        raise RuntimeError(f"baddbmm: Expected size for first two dimensions of batch2 tensor "
                           f"to be: [{batch1.shape[0]}, {batch1.shape[2]}] but got: "
                           f"[{batch2.shape[0]}, {batch2.shape[1]}].")
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


@op("kron", method=True, torch=True,
    samples=[S((2, 3), (4, 2)), S((2, 3), (4,)), S((3,), (2,)),
             S(Arg((2,), "int", high=4), Arg((2, 2), "int", high=4), note="ints")],
    reference=numpy.kron)
def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: blocks ``input[i, j] * other`` laid out as ``input`` is
    (the tensor with fewer dimensions gets leading ones)."""
    ndim = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (ndim - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (ndim - other.ndim) + tuple(other.shape))
    spread_a = a.reshape(tuple(x for n in a.shape for x in (n, 1)))
    spread_b = b.reshape(tuple(x for n in b.shape for x in (1, n)))
    return (spread_a * spread_b).reshape(tuple(n * m for n, m in zip(a.shape, b.shape)))


@op("cross", method=True, torch=True,
    samples=[S((4, 3), (4, 3)), S((3, 5), (3, 5), 0), S((2, 3), (1, 3), dim=-1),
             S((3, 3), (3, 3), note="the first dimension of size 3")],
    reference=lambda a, b, dim=None: numpy.cross(
        a, b, axis=next(i for i, n in enumerate(numpy.broadcast_shapes(a.shape, b.shape))
                        if n == 3) if dim is None else dim))
def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (broadcast, except along ``dim``);
    without ``dim``, along the first dimension of ``input`` of size 3 (PyTorch's
    deprecated default; ``linalg.cross`` uses the last).

    Raises
    ------
    RuntimeError
        If the inputs have different numbers of dimensions, or ``dim`` is not of size 3.
    """
    if input.ndim != other.ndim:
        raise RuntimeError(f"cross: inputs must have the same number of dimensions, got shapes "
                           f"{input.shape} and {other.shape}")
    shape = broadcast_shape("cross", input.shape, other.shape)
    if dim is None:  # the first of input's own dimensions of size 3, as PyTorch picks it
        threes = [i for i, n in enumerate(input.shape) if n == 3]
        if not threes:
            raise RuntimeError(f"cross: no dimension of size 3 in input (shapes {input.shape} "
                               f"and {other.shape})")
        d = threes[0]
    else:
        d = axis(dim, max(input.ndim, 1))
    if input.ndim == 0 or input.shape[d] != 3 or other.shape[d] != 3:
        sizes = [t.shape[d] if t.ndim else 0 for t in (input, other)]
        raise RuntimeError(f"cross: inputs dimension {d} must have length 3 (it does not "
                           f"broadcast). Got {sizes[0]} and {sizes[1]}")
    a, b = input.expand(shape), other.expand(shape)
    return roll(a, -1, d) * roll(b, -2, d) - roll(a, -2, d) * roll(b, -1, d)


def _p_norm(diff: Tensor, p: float, dim: Any) -> Tensor:
    # p = 0 counts the differing elements; through norm, the count stays in the graph with
    # a zero gradient, as in PyTorch
    return norm(diff, 2 if p == 2 else p, dim)


@op("dist", method=True, torch=True,
    samples=[S((3, 4), (3, 4)), S((3, 4), (4,), 1), S((2, 3), (2, 3), 3.0),
             S((2, 3), (2, 3), float("inf")), S((2, 3), (2, 3), 0, note="p = 0")],
    reference=lambda a, b, p=2: _np_p_norm(a - b, p, None))
def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast) over all elements: ``p=2`` the
    Euclidean distance, ``inf`` the largest difference, ``0`` the number of differing
    elements."""
    return _p_norm(input - other, p, None)


def _np_p_norm(d: Any, p: float, axis: Any) -> Any:
    if p == 0:
        return (d != 0).sum(axis)
    if math.isinf(p):
        return numpy.abs(d).max(axis)
    return (numpy.abs(d) ** p).sum(axis) ** (1 / p)


@op("cdist", torch=True,
    samples=[S((4, 3), (5, 3)), S((2, 4, 3), (2, 5, 3), p=1.0), S((2, 4, 3), (5, 3), p=3.0),
             S((1, 4, 2), (2, 3, 2), p=float("inf")),
             S((30, 3), (4, 3), note="more than 25 rows: a matrix product"),
             S((2, 3), (4, 3), compute_mode="use_mm_for_euclid_dist", note="always mm"),
             S(Arg((3, 2), "values", values=[[0.0, 1.0], [1.0, 1.0], [2.0, 0.0]]),
               Arg((2, 2), "values", values=[[0.0, 1.0], [2.5, 0.0]]),
               note="a zero distance", gradgrad=False)],
    reference=lambda a, b, p=2.0, compute_mode=None: _np_p_norm(
        a[..., :, None, :] - b[..., None, :, :], p, -1))
def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str | None = None) -> Tensor:
    """The ``p``-norm distances between each row of ``x1`` (``(..., P, M)``) and each row
    of ``x2`` (``(..., R, M)``): ``(..., P, R)``, batch dimensions broadcast. The gradient
    of a zero distance is zero. As in PyTorch, Euclidean distances (``p=2``) between more
    than 25 rows are computed with a matrix product (``compute_mode=
    "use_mm_for_euclid_dist_if_necessary"``, the default); ``"use_mm_for_euclid_dist"``
    always does so and ``"donot_use_mm_for_euclid_dist"`` never.

    Raises
    ------
    RuntimeError
        If an input has fewer than 2 dimensions or is not floating point, the numbers of
        columns differ or ``p`` is negative.
    """
    for name, t in (("X1", x1), ("X2", x2)):
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t.ndim}D")
        if t.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{t.dtype}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    modes = (None, "use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
             "donot_use_mm_for_euclid_dist")
    if compute_mode not in modes:
        raise ValueError(f"cdist: {compute_mode!r} is not a valid value for compute_mode")
    if x1.shape[-1] == 0:  # distances over no coordinates: 0 for every p (inf included)
        return (x1.unsqueeze(-2) - x2.unsqueeze(-3)).abs().sum(-1)
    large = x1.shape[-2] > 25 or x2.shape[-2] > 25
    if p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
            large and compute_mode in modes[:2])):
        return _euclidean_by_matmul(x1, x2)
    return _p_norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)


def _euclidean_by_matmul(x1: Tensor, x2: Tensor) -> Tensor:
    """``sqrt(|a|^2 + |b|^2 - 2 a.b)``: one matrix product instead of every difference
    (PyTorch's way for more than 25 rows; slightly less exact for nearby points)."""
    squares1 = (x1 * x1).sum(-1, keepdim=True)
    squares2 = (x2 * x2).sum(-1).unsqueeze(-2)
    squared = (squares1 + squares2 - 2 * (x1 @ x2.mT)).clamp(min=0.0)
    return Sqrt.apply(squared, zero_slope_at_zero=True)


def _square(name: str, input: Tensor) -> None:
    if input.ndim < 2 or input.shape[-1] != input.shape[-2]:
        shape = "x".join(str(n) for n in input.shape[-2:]) if input.ndim >= 2 else \
            f"a {input.ndim}-D tensor"
        raise RuntimeError(f"linalg.{name}: A must be batches of square matrices, but got "
                           f"{shape} (shape {input.shape})")
    if input.dtype.kind != "f":
        raise RuntimeError(f"linalg.{name}: Expected a floating point tensor as input. Got "
                           f"{input.dtype}")


@op("det", Det, method=True, torch=True,
    samples=[S((3, 3)), S((2, 4, 4)), S((1, 1)),
             S(Arg((3, 3), "values", values=[[1.0, 2.0, 3.0], [2.0, 4.0, 6.0],
                                            [0.5, -1.0, 2.0]]), note="singular",
               gradgrad=False)],
    reference=numpy.linalg.det)
def det(input: Tensor) -> Tensor:
    """The determinant of a square matrix, or of each in a batch ``(..., n, n)``.

    Raises
    ------
    RuntimeError
        If the matrices are not square or not floating point.
    """
    _square("det", input)
    return Det.apply(input)


@op("inverse", Inverse, method=True, torch=True,
    samples=[S(Arg((3, 3), "values", values=[[2.0, 0.5, 0.1], [0.3, 1.5, -0.2],
                                             [0.0, 0.4, 1.0]])),
             S(Arg((2, 2, 2), "values", values=[[[1.0, 0.5], [0.2, 2.0]],
                                                [[-1.5, 0.3], [0.1, 0.8]]]))],
    reference=numpy.linalg.inv)
def inverse(input: Tensor) -> Tensor:
    """The inverse of a square matrix, or of each in a batch ``(..., n, n)``.

    Raises
    ------
    RuntimeError
        If the matrices are not square or not floating point, or one is singular.
    """
    _square("inv", input)
    try:
        return Inverse.apply(input)
    except Exception as exc:  # the backend's LinAlgError
        if "singular" in str(exc).lower():
            raise RuntimeError(f"linalg.inv: the input of shape {input.shape} is singular: "
                               "it has no inverse") from None
        raise
