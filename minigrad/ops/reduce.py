"""Reductions (sum, mean, var, max, prod, ...) and the softmax family."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy

from minigrad.autograd import Function
from minigrad.dtypes import get_default_dtype, is_floating
from minigrad.tensor import Tensor

Array = Any
Dims = int | Sequence[int] | None


def normalize_dims(dim: Dims, ndim: int) -> tuple[int, ...]:
    """Turn ``dim`` (None, int or sequence, negatives allowed) into sorted positive axes."""
    dims = (dim,) if isinstance(dim, int) else () if dim is None else tuple(dim)
    if not dims:  # None and () both mean every dimension, as in PyTorch
        return tuple(range(ndim))
    bound = max(ndim, 1)
    result = set()
    for d in dims:
        if not -bound <= d < bound:
            raise IndexError(
                f"dimension {d} is out of range for a tensor with {ndim} dimensions "
                f"(expected a value in [{-bound}, {bound - 1}])"
            )
        if d % bound in result:
            raise RuntimeError(f"dimension {d % bound} appears more than once in {dim}")
        result.add(d % bound)
    return tuple(sorted(d for d in result if d < ndim))


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    def forward(ctx, a: Array, axes: tuple[int, ...] = (), keepdim: bool = False) -> Array:
        ctx.shape = a.shape
        return a.sum(axis=axes, keepdims=keepdim)

    def backward(ctx, g: Tensor) -> Tensor:
        kept = _kept_shape(ctx.shape, ctx.attrs["axes"])
        return g.reshape(kept).expand(ctx.shape)


class _Extremum(Function):
    """amax / amin: the gradient is shared evenly among the elements equal to the result."""

    reduce = ""

    def forward(ctx, a: Array, axes: tuple[int, ...] = (), keepdim: bool = False) -> Array:
        out = getattr(a, ctx.reduce)(axis=axes, keepdims=True)
        mask = a == out
        ctx.weight = mask / mask.sum(axis=axes, keepdims=True)
        ctx.shape = a.shape
        return out if keepdim else out.reshape([n for i, n in enumerate(a.shape) if i not in axes])

    def backward(ctx, g: Tensor) -> Tensor:
        kept = _kept_shape(ctx.shape, ctx.attrs["axes"])
        return g.reshape(kept).expand(ctx.shape) * g._constant(ctx.weight, g.dtype)


class AMax(_Extremum):
    reduce = "max"


class AMin(_Extremum):
    reduce = "min"


class Prod(Function):
    """Product along one axis; the gradient uses exclusive products, so zeros are exact."""

    save_inputs = (0,)

    def forward(ctx, a: Array, axis: int = 0, keepdim: bool = False) -> Array:
        return a.prod(axis=axis, keepdims=keepdim)

    def backward(ctx, g: Tensor) -> Tensor:
        (x,) = ctx.saved
        axis = ctx.attrs["axis"]
        n = x.shape[axis]
        last = x.transpose(axis, -1)  # (..., n)
        rows = last.unsqueeze(-2).expand(*last.shape[:-1], n, n)
        diagonal = x._constant(x._backend.xp.eye(n, dtype=bool), numpy.dtype(bool))
        exclusive = rows.where(~diagonal, 1.0).prod(-1).transpose(axis, -1)
        if not ctx.attrs["keepdim"]:
            g = g.unsqueeze(axis)
        return g * exclusive


def sum(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Sum over ``dim`` (all dimensions when None). Bools and ints sum to int64."""
    if input.dtype.kind in "bi" and input.dtype != numpy.int64:
        input = input.to(numpy.int64)
    return Sum.apply(input, axes=normalize_dims(dim, input.ndim), keepdim=keepdim)


def _count(input: Tensor, dim: Dims) -> int:
    return math.prod(input.shape[d] for d in normalize_dims(dim, input.ndim))


def mean(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Mean over ``dim`` (all dimensions when None)."""
    if not is_floating(input.dtype):
        input = input.to(get_default_dtype())
    return sum(input, dim, keepdim) / _count(input, dim)


def var(input: Tensor, dim: Dims = None, correction: int = 1, keepdim: bool = False) -> Tensor:
    """Variance over ``dim``, dividing by ``N - correction``."""
    centred = input - mean(input, dim, keepdim=True)
    return sum(centred * centred, dim, keepdim) / max(_count(input, dim) - correction, 0)


def amax(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Maximum over ``dim``; tied elements share the gradient evenly."""
    _check_nonempty(input, "amax")
    return AMax.apply(input, axes=normalize_dims(dim, input.ndim), keepdim=keepdim)


def amin(input: Tensor, dim: Dims = None, keepdim: bool = False) -> Tensor:
    """Minimum over ``dim``; tied elements share the gradient evenly."""
    _check_nonempty(input, "amin")
    return AMin.apply(input, axes=normalize_dims(dim, input.ndim), keepdim=keepdim)


def _check_nonempty(input: Tensor, name: str) -> None:
    if input.numel() == 0:
        raise RuntimeError(f"{name}: cannot reduce an empty tensor of shape {input.shape}")


class ValuesIndices(NamedTuple):
    """The ``(values, indices)`` pair returned by ``max(dim)`` and ``min(dim)``."""

    values: Tensor
    indices: Tensor


def max_min(input: Tensor, dim: int | None, keepdim: bool, kind: str) -> Any:
    """``max``/``min``: over everything when ``dim`` is None, else ``(values, indices)``.

    Along a dimension the gradient goes to the selected index only (the first extremum).
    """
    if dim is None:
        return amax(input) if kind == "max" else amin(input)
    indices = arg_reduce(input, "arg" + kind, dim, keepdim=True)
    values = input.gather(dim, indices)
    if not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return ValuesIndices(values, indices)


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Product over ``dim`` (all elements when None)."""
    if dim is None:
        return Prod.apply(input.reshape(-1), axis=0, keepdim=False)
    (axis,) = normalize_dims(dim, input.ndim) or (0,)
    return Prod.apply(input, axis=axis, keepdim=keepdim)


def arg_reduce(input: Tensor, name: str, dim: int | None, keepdim: bool) -> Tensor:
    """argmax / argmin as an int64 tensor (no gradient)."""
    _check_nonempty(input, name)
    xp = input._backend.xp
    if dim is None:
        result = getattr(xp, name)(input._data.reshape(-1))
        if keepdim:
            result = result.reshape((1,) * input.ndim)
    else:
        (axis,) = normalize_dims(dim, input.ndim) or (0,)
        result = getattr(xp, name)(input._data, axis=axis, keepdims=keepdim)
    return input._wrap(xp.asarray(result, dtype=numpy.int64))


def _stable_shift(input: Tensor, dim: Dims) -> Tensor:
    """The maximum along ``dim`` as a constant (0 where it is infinite)."""
    shift = input._data.max(axis=normalize_dims(dim, input.ndim), keepdims=True)
    shift = input._backend.xp.where(input._backend.xp.isfinite(shift), shift, 0)
    return input._constant(shift, input.dtype)


def logsumexp(input: Tensor, dim: Dims, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim``, shifted by the maximum so it cannot overflow."""
    shift = _stable_shift(input, dim)
    out = (input - shift).exp().sum(dim, keepdim=True).log() + shift
    return out if keepdim else out.squeeze(normalize_dims(dim, input.ndim))


def softmax(input: Tensor, dim: int) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim``, computed without overflow."""
    e = (input - _stable_shift(input, dim)).exp()
    return e / e.sum(dim, keepdim=True)


def log_softmax(input: Tensor, dim: int) -> Tensor:
    """``x - logsumexp(x)`` along ``dim``."""
    return input - logsumexp(input, dim, keepdim=True)
