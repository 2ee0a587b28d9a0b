"""Running totals along a dimension: cumsum, cumprod, and diff (the inverse of cumsum).

Integer and boolean inputs accumulate in int64, as in PyTorch; ``dtype=`` converts the
input first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy

from minigrad.autograd import Function
from minigrad.functional.operands import axis, constant
from minigrad.functional.shape import cat
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor
from minigrad.types import Array


class CumSum(Function):
    """Running sum along ``dim``, from the end backwards with ``reverse``."""

    def forward(ctx, a: Array, dim: int = 0, reverse: bool = False) -> Array:
        xp = ctx.xp
        if reverse:
            return xp.flip(xp.cumsum(xp.flip(a, axis=dim), axis=dim), axis=dim)
        return xp.cumsum(a, axis=dim)

    def backward(ctx, g: Tensor) -> Tensor:
        # each input reaches every later output: the gradient sums from the end
        return CumSum.apply(g, dim=ctx.attrs["dim"], reverse=not ctx.attrs.get("reverse", False))


class CumProd(Function):
    """Running product. The gradient divides by the input where no element is zero, and
    otherwise uses products that leave one element out, so zeros are exact."""

    def forward(ctx, a: Array, dim: int = 0) -> Array:
        out = ctx.xp.cumprod(a, axis=dim)
        ctx.save(a, out)
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        x, out = ctx.saved_tensors
        dim = ctx.attrs["dim"]
        if bool((x.array != 0).all()):
            return CumSum.apply(g * out, dim=dim, reverse=True) / x
        return _exact_cumprod_grad(x, g, dim)


def _exact_cumprod_grad(x: Tensor, g: Tensor, dim: int) -> Tensor:
    """``grad[k] = sum over j >= k of g[j] * prod(x[i] for i <= j, i != k)``, with the
    pairs ``(k, j)`` laid out on two last dimensions."""
    xp = x.backend.xp
    last = x.movedim(dim, -1)
    n = last.shape[-1]
    rows = last.unsqueeze(-2).expand(*last.shape[:-1], n, n)  # rows[..., k, j] = x[j]
    left_out = rows.where(constant(x, ~xp.eye(n, dtype=bool), bool), 1.0)  # x[k] -> 1
    later = constant(x, xp.tri(n, n, dtype=bool).T, bool)  # [k, j]: j >= k
    terms = left_out.cumprod(-1) * g.movedim(dim, -1).unsqueeze(-2)
    return terms.where(later, 0.0).sum(-1).movedim(-1, dim)


def _accumulating(input: Tensor, dtype: Any) -> Tensor:
    if dtype is not None:
        return input.to(dtype)
    if input.dtype.kind in "bi" and input.dtype != numpy.int64:
        return input.to(numpy.int64)
    return input


def _scan(node: type[Function], input: Tensor, dim: int, dtype: Any) -> Tensor:
    input = _accumulating(input, dtype)
    if input.ndim == 0:
        axis(dim, 1)  # checks dim
        return node.apply(input.reshape(1), dim=0).reshape(())
    return node.apply(input, dim=axis(dim, input.ndim))


_SCANS = [S((3, 4), 1), S((2, 3, 4), -1), S((4,), 0), S((2, 3), 0, transposed=True),
          S(Arg((2, 3), "int", high=5), 1, note="ints"), S((), 0)]


def _np_scan(fn: Callable[..., Any]) -> Callable[..., Any]:
    def reference(a: Any, dim: int, dtype: Any = None) -> Any:
        a = _np_accumulating(a, dtype)
        return fn(a.reshape(1), 0).reshape(()) if a.ndim == 0 else fn(a, dim)

    return reference


def _np_accumulating(a: Any, dtype: Any) -> Any:
    if dtype is not None:
        return a.astype(dtype)
    return a.astype(numpy.int64) if a.dtype.kind in "bi" else a


@op("cumsum", CumSum, method=True, inplace="cumsum_", torch=True,
    samples=[*_SCANS, S(Arg((3,), "bool"), 0, note="bools"),
             S(Arg((2, 3), "int", high=5), 1, dtype=numpy.float32, note="dtype=")],
    reference=_np_scan(numpy.cumsum))
def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sum along ``dim``: ``out[i] = input[0] + ... + input[i]``. Booleans and
    integers sum in int64; ``dtype`` converts the input first."""
    return _scan(CumSum, input, dim, dtype)


@op("cumprod", CumProd, method=True, inplace="cumprod_", torch=True,
    samples=[*_SCANS,
             S(Arg((2, 4), "values", values=[[2.0, 0.0, 3.0, 1.5], [0.0, 1.0, 0.0, 2.0]]),
               1, note="zeros")],
    reference=_np_scan(numpy.cumprod))
def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running product along ``dim``: ``out[i] = input[0] * ... * input[i]``; the gradient
    is exact where the input has zeros."""
    return _scan(CumProd, input, dim, dtype)


@op("diff", method=True, torch=True,
    samples=[S((5,)), S((3, 4), 2, 0), S((2, 5), 1, -1, (2, 1), (2, 2)),
             S((4,), 0, note="n = 0"), S((3,), 4, note="n beyond the size"),
             S(Arg((5,), "int", high=9), note="ints")],
    reference=lambda a, n=1, dim=-1, prepend=None, append=None: numpy.diff(
        a, n, dim, **({} if prepend is None else {"prepend": prepend}),
        **({} if append is None else {"append": append})))
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim``, ``out[i] = input[i + 1] - input[i]``
    applied ``n`` times, after joining ``prepend`` and ``append`` to the ends; booleans
    give ``!=`` of neighbours. ``n=0`` returns a copy of ``input`` (without ``prepend``
    and ``append``), as PyTorch does.

    Raises
    ------
    RuntimeError
        If ``input`` is 0-d or ``n`` is negative.
    """
    if input.ndim == 0:
        raise RuntimeError("diff expects a tensor with at least 1 dimension, got a 0-d tensor")
    if n < 0:
        raise RuntimeError(f"diff: order n must be non-negative, got {n}")
    for name, extra in (("prepend", prepend), ("append", append)):
        if extra is None:
            continue
        if extra.ndim != input.ndim:
            raise RuntimeError(f"diff expects {name} to have the same number of dimensions as "
                               f"input ({input.ndim}), got shape {extra.shape}")
        d = axis(dim, input.ndim)
        if any(m != k for i, (m, k) in enumerate(zip(extra.shape, input.shape)) if i != d):
            raise RuntimeError(f"diff expects the shape of {name} ({extra.shape}) to match "
                               f"that of input ({input.shape}) except along dim {d}")
    if n == 0:  # a copy of the input then (prepend and append are only checked)
        return input.clone()
    d = axis(dim, input.ndim)
    pieces = [t for t in (prepend, input, append) if t is not None]
    out = cat(pieces, d) if len(pieces) > 1 else input
    for _ in range(n):
        size = out.shape[d]
        if size == 0:
            break
        later, earlier = out.narrow(d, 1, size - 1), out.narrow(d, 0, size - 1)
        out = later != earlier if out.dtype == numpy.dtype(bool) else later - earlier
    return out
