"""Reductions: sum, mean, var, std, prod, max/min (and their indices), logsumexp, norm,
any/all."""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy

from minigrad.autograd import Function
from minigrad.dtypes import get_default_dtype, is_floating
from minigrad.functional.elementwise import Sqrt
from minigrad.functional.operands import axis as positive_dim
from minigrad.functional.operands import constant, dim_or_axis, normalize_dims
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor
from minigrad.types import Array, Dims, ValuesIndices


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    def forward(ctx, a: Array, axes: tuple[int, ...] = (), keepdim: bool = False) -> Array:
        ctx.shape = a.shape
        return a.sum(axis=axes, keepdims=keepdim)

    def backward(ctx, g: Tensor) -> Tensor:
        return g.reshape(_kept_shape(ctx.shape, ctx.attrs["axes"])).expand(ctx.shape)


class Extremum(Function):
    """amax / amin: the gradient is shared evenly among the elements equal to the result.

    Where the result is NaN, PyTorch's two conventions: ``amax``/``amin`` give every
    element of the slice a NaN gradient; ``max()``/``min()`` of a whole tensor
    (``nan_picks=True``) share it among the NaN elements.
    """

    def forward(ctx, a: Array, axes: tuple[int, ...] = (), keepdim: bool = False,
                largest: bool = True, nan_picks: bool = False) -> Array:
        out = a.max(axis=axes, keepdims=True) if largest else a.min(axis=axes, keepdims=True)
        mask = a == out
        if nan_picks:
            mask |= ctx.xp.isnan(a) & ctx.xp.isnan(out)

        ctx.save(mask / mask.sum(axis=axes, keepdims=True))
        ctx.shape = a.shape
        return out if keepdim else out.reshape([n for i, n in enumerate(a.shape) if i not in axes])

    def backward(ctx, g: Tensor) -> Tensor:
        (weight,) = ctx.saved_tensors
        kept = _kept_shape(ctx.shape, ctx.attrs["axes"])
        return g.reshape(kept).expand(ctx.shape) * weight.to(g.dtype)


class Prod(Function):
    """Product along one axis; the gradient uses exclusive products, so zeros are exact."""

    def forward(ctx, a: Array, axis: int = 0, keepdim: bool = False) -> Array:
        ctx.save(a)
        return a.prod(axis=axis, keepdims=keepdim)

    def backward(ctx, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        dim = ctx.attrs["axis"]
        n = x.shape[dim]
        last = x.transpose(dim, -1)  # (..., n)
        rows = last.unsqueeze(-2).expand(*last.shape[:-1], n, n)
        off_diagonal = constant(x, ~x.backend.xp.eye(n, dtype=bool), bool)
        exclusive = rows.where(off_diagonal, 1.0).prod(-1).transpose(dim, -1)
        if not ctx.attrs["keepdim"]:
            g = g.unsqueeze(dim)
        return g * exclusive


class ArgExtremum(Function):
    """argmax / argmin as int64 indices (no gradient)."""

    differentiable = False

    def forward(ctx, a: Array, dim: int | None = None, keepdim: bool = False,
                largest: bool = True) -> Array:
        xp = ctx.xp
        pick = xp.argmax if largest else xp.argmin
        if dim is None:
            result = pick(a.reshape(-1))
            return xp.asarray(result, dtype=xp.int64).reshape((1,) * a.ndim if keepdim else ())
        return xp.asarray(pick(a, axis=dim, keepdims=keepdim), dtype=xp.int64)


class Logical(Function):
    """any / all (no gradient)."""

    differentiable = False

    def forward(ctx, a: Array, axes: tuple[int, ...] = (), keepdim: bool = False,
                every: bool = False) -> Array:
        xp = ctx.xp
        return (xp.all if every else xp.any)(a, axis=axes, keepdims=keepdim)


def _nonempty(input: Tensor, dims: tuple[int, ...] | None, name: str) -> None:
    """A maximum or minimum of no elements is not defined: refuse reducing over a
    dimension of size 0 (reducing an empty tensor over its other dimensions is fine)."""
    if input.numel() != 0:
        return
    if dims is None or not dims:
        raise RuntimeError(
            f"{name}: cannot reduce the empty tensor of shape {input.shape} over all its "
            "dimensions (the result has no identity); give dim"
        )
    for d in dims:
        if input.shape[d] == 0:
            raise RuntimeError(
                f"{name}: cannot reduce over dimension {d} of size 0 (input shape "
                f"{input.shape}): the result has no identity"
            )


_REDUCE = [S((3, 4)), S((3, 4, 2), 1), S((3, 4, 2), [0, -1], keepdim=True),
           S((2, 3), transposed=True)]


def _np_dims(dim: Any) -> Any:
    return tuple(dim) if isinstance(dim, list) else dim


@op("sum", Sum, method=True, torch=True, samples=_REDUCE,
    reference=lambda a, dim=None, keepdim=False: a.sum(_np_dims(dim), keepdims=keepdim))
def sum(input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None,
        axis: Dims = None) -> Tensor:
    """Sum over ``dim`` (all dimensions when None; ``axis`` is an alias). Bools and ints sum
    to int64; ``dtype`` converts the input first."""
    dim = dim_or_axis(dim, axis, "sum")
    if dtype is not None:
        input = input.to(dtype)
    if input.dtype.kind in "bi" and input.dtype != numpy.int64:
        input = input.to(numpy.int64)
    return Sum.apply(input, axes=normalize_dims(dim, input.ndim), keepdim=keepdim)


def _count(input: Tensor, dim: Dims) -> int:
    return math.prod(input.shape[d] for d in normalize_dims(dim, input.ndim))


@op("mean", method=True, torch=True, samples=_REDUCE,
    reference=lambda a, dim=None, keepdim=False: a.mean(_np_dims(dim), keepdims=keepdim))
def mean(input: Tensor, dim: Dims = None, keepdim: bool = False, *, dtype: Any = None,
         axis: Dims = None) -> Tensor:
    """Mean over ``dim`` (all dimensions when None; ``axis`` is an alias); ``dtype``
    converts the input first."""
    dim = dim_or_axis(dim, axis, "mean")
    if dtype is not None:
        input = input.to(dtype)
    if not is_floating(input.dtype):
        input = input.to(get_default_dtype())
    return sum(input, dim, keepdim) / _count(input, dim)


@op("var", method=True, torch=True,
    samples=[S((4, 3), 0), S((3, 4), [0, 1], correction=0, keepdim=True), S((3, 4))],
    reference=lambda a, dim=None, correction=1, keepdim=False: a.var(
        _np_dims(dim), ddof=correction, keepdims=keepdim))
def var(input: Tensor, dim: Dims = None, correction: int = 1, keepdim: bool = False, *,
        unbiased: bool | None = None, axis: Dims = None) -> Tensor:
    """Variance over ``dim``, dividing by ``N - correction`` (Bessel's correction)."""
    dim = dim_or_axis(dim, axis, "var")
    if unbiased is not None:
        correction = int(unbiased)
    centred = input - mean(input, dim, keepdim=True)
    return sum(centred * centred, dim, keepdim) / builtins.max(_count(input, dim) - correction, 0)


@op("std", method=True, torch=True,
    samples=[S((3, 4)), S((4, 3), 1, keepdim=True),
             S(Arg((2, 3), "values", values=[[1.0, 1.0, 1.0], [2.0, 0.0, 1.0]]), 1,
               note="a constant row", gradgrad=False)],
    reference=lambda a, dim=None, correction=1, keepdim=False: a.std(
        _np_dims(dim), ddof=correction, keepdims=keepdim))
def std(input: Tensor, dim: Dims = None, correction: int = 1, keepdim: bool = False, *,
        unbiased: bool | None = None, axis: Dims = None) -> Tensor:
    """Standard deviation over ``dim``: the square root of :func:`var`. Where it is 0
    (constant data) its gradient is 0, as in PyTorch."""
    return Sqrt.apply(var(input, dim, correction, keepdim, unbiased=unbiased, axis=axis),
                      zero_slope_at_zero=True)


@op("amax", Extremum, method=True, torch=True,
    samples=[S((3, 4), 1), S((3, 4)),
             S(Arg((2, 2), "values", values=[[1.0, 1.0], [0.0, 2.0]]), 1, note="tie", grad=False)],
    reference=lambda a, dim=None, keepdim=False: a.max(_np_dims(dim), keepdims=keepdim))
def amax(input: Tensor, dim: Dims = None, keepdim: bool = False, *, axis: Dims = None
         ) -> Tensor:
    """Maximum over ``dim`` (``axis`` is an alias); tied elements share the gradient
    evenly."""
    dim = dim_or_axis(dim, axis, "amax")
    axes = normalize_dims(dim, input.ndim)
    _nonempty(input, None if dim is None else axes, "amax")
    return Extremum.apply(input, axes=axes, keepdim=keepdim)


@op("amin", method=True, torch=True, samples=[S((3, 4), 0), S((3, 4))],
    reference=lambda a, dim=None, keepdim=False: a.min(_np_dims(dim), keepdims=keepdim))
def amin(input: Tensor, dim: Dims = None, keepdim: bool = False, *, axis: Dims = None
         ) -> Tensor:
    """Minimum over ``dim`` (``axis`` is an alias); tied elements share the gradient
    evenly."""
    dim = dim_or_axis(dim, axis, "amin")
    axes = normalize_dims(dim, input.ndim)
    _nonempty(input, None if dim is None else axes, "amin")
    return Extremum.apply(input, axes=axes, keepdim=keepdim, largest=False)


def _max_min(input: Tensor, dim: Any, keepdim: bool, largest: bool) -> Any:
    if isinstance(dim, Tensor):
        return input.maximum(dim) if largest else input.minimum(dim)
    if dim is None:
        _nonempty(input, None, "max" if largest else "min")
        return Extremum.apply(input, axes=tuple(range(input.ndim)), largest=largest,
                              nan_picks=True)
    _nonempty(input, (positive_dim(dim, input.ndim),), "max" if largest else "min")
    indices = argmax(input, dim, True) if largest else argmin(input, dim, True)
    values = input.gather(dim, indices)
    if not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return ValuesIndices(values, indices)


def _np_max_min(a: Any, dim: Any = None, keepdim: bool = False, largest: bool = True) -> Any:
    if dim is None:
        return a.max() if largest else a.min()
    if not isinstance(dim, int):
        return numpy.maximum(a, dim) if largest else numpy.minimum(a, dim)
    pick = numpy.argmax if largest else numpy.argmin
    index = numpy.expand_dims(pick(a, dim), dim)
    values = numpy.take_along_axis(a, index, dim)
    return (values, index) if keepdim else (values.squeeze(dim), index.squeeze(dim))


@op("max", method=True, torch=True,
    samples=[S((3, 4)), S((3, 4), -1), S((3, 4), 0, keepdim=True), S((3, 4), (4,))],
    reference=_np_max_min)
def max(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Any:
    """The maximum; along an int ``dim``, a ``(values, indices)`` pair as in PyTorch (the
    gradient goes to the first maximum); with a tensor, the elementwise maximum."""
    return _max_min(input, dim_or_axis(dim, axis, "max"), keepdim, True)


@op("min", method=True, torch=True, samples=[S((3, 4)), S((3, 4), 1)],
    reference=lambda a, dim=None, keepdim=False: _np_max_min(a, dim, keepdim, False))
def min(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Any:
    """The minimum; along an int ``dim``, a ``(values, indices)`` pair; with a tensor, the
    elementwise minimum."""
    return _max_min(input, dim_or_axis(dim, axis, "min"), keepdim, False)


def _arg(input: Tensor, dim: int | None, keepdim: bool, largest: bool, name: str) -> Tensor:
    d = None if dim is None else positive_dim(dim, input.ndim)
    _nonempty(input, None if d is None else (d,), name)
    return ArgExtremum.apply(input, dim=d, keepdim=keepdim, largest=largest)


@op("argmax", ArgExtremum, method=True, torch=True, differentiable=False,
    samples=[S((3, 4)), S((3, 4), 1), S((3, 4), 0, keepdim=True)],
    reference=lambda a, dim=None, keepdim=False: numpy.argmax(a, dim, keepdims=keepdim))
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
           axis: int | None = None) -> Tensor:
    """Indices of the maxima (over all elements, flattened, when ``dim`` is None)."""
    return _arg(input, dim_or_axis(dim, axis, "argmax"), keepdim, True, "argmax")


@op("argmin", method=True, torch=True, differentiable=False, samples=[S((3, 4), 1)],
    reference=lambda a, dim=None, keepdim=False: numpy.argmin(a, dim, keepdims=keepdim))
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
           axis: int | None = None) -> Tensor:
    """Indices of the minima (over all elements, flattened, when ``dim`` is None)."""
    return _arg(input, dim_or_axis(dim, axis, "argmin"), keepdim, False, "argmin")


@op("prod", Prod, method=True, torch=True,
    samples=[S((3, 4), 1), S((2, 3)),
             S(Arg((3,), "values", values=[2.0, 0.0, 3.0]), note="with a zero")],
    reference=lambda a, dim=None, keepdim=False: a.prod(dim, keepdims=keepdim))
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
         axis: int | None = None) -> Tensor:
    """Product over ``dim`` (all elements when None; ``axis`` is an alias); zeros are
    handled exactly."""
    dim = dim_or_axis(dim, axis, "prod")
    if dim is None:
        return Prod.apply(input.reshape(-1), axis=0, keepdim=False)
    return Prod.apply(input, axis=positive_dim(dim, input.ndim), keepdim=keepdim)


class LogSumExp(Function):
    """``log(sum(exp(x)))`` over ``axes``, shifted by the (finite) maximum so it cannot
    overflow. The gradient is ``exp(x - result)``: 0 for every finite element when the
    result is infinite (composed from ``exp`` and ``sum``, it would be ``inf / inf``)."""

    def forward(ctx, a: Array, axes: tuple[int, ...] = (), keepdim: bool = False) -> Array:
        xp = ctx.xp
        ctx.save(a)
        if a.size == 0:  # an empty sum is 0, its log -inf
            kept = tuple(1 if i in axes else n for i, n in enumerate(a.shape))
            out = xp.full(kept, -numpy.inf, dtype=a.dtype)
        else:
            top = a.max(axis=axes, keepdims=True)
            shift = xp.where(xp.isfinite(top), top, 0).astype(a.dtype, copy=False)
            out = xp.log(xp.exp(a - shift).sum(axis=axes, keepdims=True)) + shift
        return out if keepdim else out.reshape([n for i, n in enumerate(a.shape)
                                                if i not in axes])

    def backward(ctx, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        axes = ctx.attrs["axes"]
        kept = _kept_shape(x.shape, axes)
        result = LogSumExp.apply(x, axes=axes, keepdim=True)  # again: differentiable
        return g.reshape(kept) * (x - result).exp()


@op("logsumexp", LogSumExp, method=True, torch=True,
    samples=[S((3, 4), [0, 1]), S((3, 4), 1), S((2, 3), 0, keepdim=True)],
    reference=lambda a, dim, keepdim=False: numpy.log(numpy.exp(a).sum(
        _np_dims(dim), keepdims=keepdim)))
def logsumexp(input: Tensor, dim: Dims, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim``, shifted by the maximum so it cannot overflow."""
    if not is_floating(input.dtype):
        input = input.to(get_default_dtype())
    return LogSumExp.apply(input, axes=normalize_dims(dim, input.ndim), keepdim=keepdim)


@op("norm", method=True, torch=True,
    samples=[S((3, 4)), S((3, 4), 1, 1), S((3, 4), 3, [0, 1], keepdim=True)],
    reference=lambda a, p="fro", dim=None, keepdim=False: (
        numpy.sqrt((a * a).sum(_np_dims(dim), keepdims=keepdim)) if p in ("fro", 2) else
        (numpy.abs(a) ** p).sum(_np_dims(dim), keepdims=keepdim) ** (1 / p)))
def norm(input: Tensor, p: float | str = "fro", dim: Dims = None, keepdim: bool = False
         ) -> Tensor:
    """The vector p-norm over ``dim`` (all elements when None): ``"fro"`` or 2 is the
    Euclidean norm, ``inf``/``-inf`` the largest/smallest absolute value, 0 the number of
    non-zero elements. Computed on ``x / max|x|``, so it neither overflows nor underflows."""
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(f"norm: p must be a number or 'fro', got {p!r}")
        p = 2.0
    if math.isinf(p):
        return amax(input.abs(), dim, keepdim) if p > 0 else amin(input.abs(), dim, keepdim)
    if p == 0:  # the number of non-zero elements: its gradient is 0
        dtype = input.dtype if is_floating(input.dtype) else get_default_dtype()
        zero = input.where(constant(input, False, bool), 0.0)  # 0, yet part of the graph
        return sum((input != 0).to(dtype) + zero, dim, keepdim)
    if p < 0:  # like a minimum, it has no identity
        _nonempty(input, None if dim is None else normalize_dims(dim, input.ndim), "norm")
    # divided by the largest magnitude first (a constant), so that |x|**p neither overflows
    # nor underflows: the 2-norm of 1e200 is 1e200 and that of 1e-200 is 1e-200
    scale = _norm_scale(input, dim)
    scaled = input / scale
    if p == 2:
        out = Sqrt.apply(sum(scaled * scaled, dim, keepdim=True), zero_slope_at_zero=True)
    else:
        magnitude = scaled.abs()
        if 0 < p < 1:  # |x|**p has an infinite slope at 0: PyTorch's gradient there is 0
            nonzero_element = magnitude != 0
            powered = (magnitude.where(nonzero_element, 1.0) ** p).where(nonzero_element, 0.0)
        else:
            powered = magnitude ** p
        total = sum(powered, dim, keepdim=True)
        # a zero norm has slope 0 (the subgradient), not inf * 0 = NaN
        nonzero = total != 0
        out = (total.where(nonzero, 1.0) ** (1.0 / p)).where(nonzero, 0.0)
    out = out * scale
    return out if keepdim else out.squeeze(normalize_dims(dim, input.ndim))


def _norm_scale(input: Tensor, dim: Dims) -> Tensor:
    """The largest magnitude along ``dim`` (kept as size-1 dimensions) as a constant, 1
    where it is 0 or not finite."""
    xp = input.backend.xp
    axes = normalize_dims(dim, input.ndim)
    kept = _kept_shape(input.shape, axes)
    if input.numel() == 0 or not is_floating(input.dtype):
        return constant(input, xp.ones(kept, dtype=get_default_dtype()))
    top = xp.abs(input.array).max(axis=axes, keepdims=True)
    usable = xp.isfinite(top) & (top > 0)
    return constant(input, xp.where(usable, top, 1).astype(input.dtype, copy=False))


@op("any", Logical, method=True, torch=True, differentiable=False,
    samples=[S(Arg((3, 4), "bool")), S(Arg((3, 4), "bool"), 1)],
    reference=lambda a, dim=None, keepdim=False: numpy.any(a, dim, keepdims=keepdim))
def any(input: Tensor, dim: Dims = None, keepdim: bool = False, *, axis: Dims = None
        ) -> Tensor:
    """Whether any element (along ``dim``, or at all) is true or non-zero."""
    dim = dim_or_axis(dim, axis, "any")
    return Logical.apply(input, axes=normalize_dims(dim, input.ndim), keepdim=keepdim)


@op("all", method=True, torch=True, differentiable=False,
    samples=[S(Arg((3, 4), "bool"), 0, keepdim=True)],
    reference=lambda a, dim=None, keepdim=False: numpy.all(a, dim, keepdims=keepdim))
def all(input: Tensor, dim: Dims = None, keepdim: bool = False, *, axis: Dims = None
        ) -> Tensor:
    """Whether every element (along ``dim``, or at all) is true or non-zero."""
    dim = dim_or_axis(dim, axis, "all")
    return Logical.apply(input, axes=normalize_dims(dim, input.ndim), keepdim=keepdim,
                         every=True)
