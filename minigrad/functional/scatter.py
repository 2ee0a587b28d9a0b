"""Writing and reading by index: scatter, scatter_add, index_select, index_add,
masked_fill, masked_select, take, nonzero, argwhere, count_nonzero.

``scatter`` writes values at positions along a dimension; its gradient reads them back
with ``gather`` (for the values) and writes zeros there (for the input). The other ops are
compositions of the indexing pairs of :mod:`minigrad.functional.indexing` (``x[index]``
and its adjoint, ``gather`` and its adjoint) and of ``where``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from minigrad.autograd import Function, is_grad_enabled
from minigrad.functional.arithmetic import where
from minigrad.functional.indexing import Gather, GetItem, IndexAdd, ScatterAdd, along_axis
from minigrad.functional.operands import axis, constant
from minigrad.functional.reorder import broadcast_shape
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor
from minigrad.types import Array, Dims, Scalar


class Scatter(Function):
    """``out = a`` with ``src`` written at ``index`` along ``dim`` (``src`` has the
    index's shape)."""

    def forward(ctx, a: Array, src: Array, index: Array, dim: int = 0) -> Array:
        out = a.copy()
        out[along_axis(ctx.xp, index, dim)] = src
        ctx.save(index)
        return out

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None, None]:
        (index,) = ctx.saved_tensors
        dim = ctx.attrs["dim"]
        ga = gs = None
        if ctx.needs_input_grad[0]:  # the overwritten elements had no effect
            zeros = constant(g, g.backend.xp.zeros(index.shape, dtype=g.dtype))
            ga = Scatter.apply(g, zeros, index, dim=dim)
        if ctx.needs_input_grad[1]:
            gs = Gather.apply(g, index, dim=dim)
        return ga, gs, None


class ScatterMultiply(Function):
    """``scatter(..., reduce="multiply")``: ``out = a`` with its elements at ``index``
    multiplied by ``src`` (no gradient, as in PyTorch)."""

    differentiable = False

    def forward(ctx, a: Array, src: Array, index: Array, dim: int = 0) -> Array:
        out = a.copy()
        ctx.xp.multiply.at(out, along_axis(ctx.xp, index, dim), src)
        return out


class NonZero(Function):
    """The positions of the non-zero elements, one row of indices each (int64)."""

    differentiable = False

    def forward(ctx, a: Array) -> Array:
        xp = ctx.xp
        found = xp.nonzero(a.reshape(1) if a.ndim == 0 else a)
        if a.ndim == 0:  # PyTorch: (1, 0) for a non-zero scalar, (0, 0) for zero
            return xp.zeros((int(found[0].shape[0]), 0), dtype=xp.int64)
        return xp.stack(found, axis=1).astype(xp.int64, copy=False)


def _check_index(name: str, index: Tensor) -> None:
    if index.dtype not in (numpy.int32, numpy.int64):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index, got {index.dtype}")


def _check_bounds(name: str, index: Tensor, size: int, dim: int) -> None:
    if index.numel():
        low, high = int(index.array.min()), int(index.array.max())
        if low < 0 or high >= size:
            raise RuntimeError(f"{name}(): index {low if low < 0 else high} is out of bounds "
                               f"for dimension {dim} with size {size}")


def _scatter_checks(name: str, input: Tensor, dim: int, index: Tensor, src: Tensor | None
                    ) -> int:
    _check_index(name, index)
    if index.ndim != input.ndim or (src is not None and src.ndim != input.ndim):
        raise RuntimeError(
            f"{name}(): Index tensor must have the same number of dimensions as self tensor "
            f"(index {index.shape}, self {input.shape}"
            + (f", src {src.shape})" if src is not None else ")"))
    d = axis(dim, max(input.ndim, 1))
    for i in range(index.ndim):
        if (i != d and index.shape[i] > input.shape[i]) or (
                src is not None and index.shape[i] > src.shape[i]):
            raise RuntimeError(
                f"{name}(): Expected index {list(index.shape)} to be no larger than self "
                f"{list(input.shape)} apart from dimension {d}"
                + (f" and to be no larger size than src {list(src.shape)}" if src is not None
                   else "")
            )
    if src is not None and src.dtype != input.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype (self is "
                           f"{input.dtype}, src is {src.dtype})")
    _check_bounds(name, index, input.shape[d] if input.ndim else 1, d)
    return d


def _vector_forms(input: Tensor, index: Tensor, src: Any) -> tuple[Tensor, Any]:
    """PyTorch counts a 0-d index (or source) into a vector as one element (the transforms
    tutorial's one-hot ``zeros(10).scatter_(0, tensor(y), value=1)``)."""
    if input.ndim == 1:
        index = index.reshape(1) if index.ndim == 0 else index
        if isinstance(src, Tensor) and src.ndim == 0:
            src = src.reshape(1)
    return index, src


def _cut(src: Tensor, shape: tuple[int, ...]) -> Tensor:
    """The leading ``shape`` block of ``src`` (PyTorch uses only that much of it)."""
    if src.shape == shape:
        return src
    return GetItem.apply(src, index=tuple(slice(0, n) for n in shape))


def _index(values: Any) -> Arg:
    return Arg(kind="values", values=values, requires_grad=False)


def _np_scatter(a: Any, dim: int, index: Any, src: Any = None, value: Any = None,
                reduce: str | None = None, add: bool = False) -> Any:
    out = a.copy()
    if src is None or not hasattr(src, "shape"):
        src = numpy.full(index.shape, value if src is None else src, dtype=a.dtype)
    full = along_axis(numpy, index, dim % max(a.ndim, 1))
    picked = src[tuple(slice(0, n) for n in index.shape)]
    if add or reduce == "add":
        numpy.add.at(out, full, picked)
    elif reduce == "multiply":
        numpy.multiply.at(out, full, picked)
    else:
        out[full] = picked
    return out


@op("scatter", Scatter, ScatterMultiply, method=True, inplace="scatter_", torch=True,
    samples=[S((3, 4), 1, _index([[0, 2], [1, 3], [3, 0]]), (3, 2)),
             S((3, 4), 0, _index([[2, 0, 1, 1]]), (2, 5), note="a larger src"),
             S((3, 4), -1, _index([[1], [0], [2]]), 2.5, note="a value"),
             S((2, 3), 1, _index([[0, 0]]), (1, 2), reduce="add", note="reduce add"),
             S(Arg((2, 3), requires_grad=False), 0, _index([[1, 1, 0]]),
               Arg((1, 3), requires_grad=False), reduce="multiply", note="reduce multiply"),
             S((2, 3), 1, _index([[0, 1, 2, 0]]), value=1.0, note="value=, a long index")],
    reference=_np_scatter)
def scatter(input: Tensor, dim: int, index: Tensor, src: Tensor | Scalar | None = None, *,
            value: Scalar | None = None, reduce: str | None = None) -> Tensor:
    """``input`` with ``src`` (a tensor, or one number: ``value``) written along ``dim`` at
    ``index``, as ``torch.scatter``: for ``dim=1``, ``out[i][index[i][j]] = src[i][j]``.
    Only the leading ``index.shape`` block of ``src`` is used. ``reduce="add"`` or
    ``"multiply"`` combines instead of overwriting. Where ``index`` repeats a position,
    which value lands there is unspecified (as in PyTorch).

    Gradients: to ``input`` everywhere but the written positions, to ``src`` by ``gather``.
    ``reduce="multiply"`` gives a result without gradient (PyTorch has no derivative for
    it either; it raises an error when one is asked for).

    Raises
    ------
    RuntimeError
        If ``index`` is not int32/int64, the dimensions or sizes do not match (``index`` no larger
        than ``src``, nor than ``input`` outside ``dim``), an index is out of range, the
        dtypes differ or ``reduce`` is unknown.
    """
    if src is None:
        if value is None:
            raise TypeError("scatter() needs src (a tensor) or value (a number)")
        src = value
    elif value is not None:
        raise TypeError("scatter() got both src and value; give one of them")
    index, src = _vector_forms(input, index, src)
    tensor_src = src if isinstance(src, Tensor) else None
    d = _scatter_checks("scatter", input, dim, index, tensor_src)
    if tensor_src is None:
        values = constant(input, input.backend.xp.full(index.shape, src, dtype=input.dtype))
    else:
        values = _cut(tensor_src, index.shape)
    if reduce is None:
        return Scatter.apply(input, values, index.detach(), dim=d)
    if reduce == "add":
        return _scatter_add(input, d, index, values)
    if reduce == "multiply":
        return ScatterMultiply.apply(input, values, index.detach(), dim=d)
    raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got "
                       f"{reduce!r}")


def _scatter_add(input: Tensor, d: int, index: Tensor, values: Tensor) -> Tensor:
    full_index = along_axis(input.backend.xp, index.array, d)
    return input + ScatterAdd.apply(values, shape=tuple(input.shape), full_index=full_index)


@op("scatter_add", method=True, inplace="scatter_add_", torch=True,
    samples=[S((3, 4), 1, _index([[0, 0], [1, 3], [3, 3]]), (3, 2), note="repeats add"),
             S((3, 4), 0, _index([[2, 0, 2, 1]]), (2, 5), note="a larger src"),
             S(Arg((2, 3), "int", high=5), 1, _index([[0, 0]]),
               Arg((1, 2), "int", high=5), note="ints")],
    reference=lambda a, dim, index, src: _np_scatter(a, dim, index, src, add=True))
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``input`` with ``src`` added along ``dim`` at ``index``, as
    ``torch.scatter_add``: for ``dim=1``, ``out[i][index[i][j]] += src[i][j]``; repeated
    positions add up. Only the leading ``index.shape`` block of ``src`` is used.

    Raises
    ------
    RuntimeError
        As :func:`scatter`.
    """
    index, src = _vector_forms(input, index, src)
    d = _scatter_checks("scatter_add", input, dim, index, src)
    return _scatter_add(input, d, index, _cut(src, tuple(index.shape)))


def _vector_index(name: str, index: Tensor) -> Tensor:
    if index.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector, got shape {index.shape}")
    _check_index(name, index)
    return index.reshape(-1)


def _along(d: int, index: Tensor) -> tuple[Any, ...]:
    return (slice(None),) * d + (index.array,)


@op("index_select", method=True, torch=True,
    samples=[S((3, 4), 1, _index([0, 2, 2])), S((3, 4), 0, _index([2])),
             S((2, 3, 4), -1, _index([3, 0])), S((3, 4), 0, _index(1), note="0-d index"),
             S((3, 4), 1, Arg((0,), "int", requires_grad=False), note="empty index")],
    reference=lambda a, dim, index: numpy.take(a, numpy.reshape(index, -1), axis=dim))
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``input`` along ``dim`` at the positions in the 1-D ``index`` (a
    copy); the gradient adds back into those slices.

    Raises
    ------
    IndexError
        If ``index`` has more than 1 dimension.
    RuntimeError
        If ``index`` is not int32/int64, or an index is out of range.
    """
    flat = _vector_index("index_select", index)
    if input.ndim == 0:
        axis(dim, 1)  # a 0-d input takes dim 0 or -1
        _check_bounds("index_select", flat, 1, 0)
        return input.reshape(1)[flat.array].reshape(())
    d = axis(dim, input.ndim)
    _check_bounds("index_select", flat, input.shape[d], d)
    return GetItem.apply(input, index=_along(d, flat))


@op("index_add", method=True, inplace="index_add_", torch=True,
    samples=[S((3, 4), 1, _index([0, 0, 2]), (3, 3), note="repeats add"),
             S((3, 4), 0, _index([2, 1]), (2, 4), alpha=2.0),
             S((2, 3, 4), -1, _index([3]), (2, 3, 1))],
    reference=lambda a, dim, index, source, alpha=1: _np_index_add(a, dim, index, source,
                                                                    alpha))
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Scalar = 1
              ) -> Tensor:
    """``input`` with ``alpha * source`` added into the slices along ``dim`` at the
    positions in the 1-D ``index``: for ``dim=0``, ``out[index[i]] += alpha * source[i]``;
    repeated positions add up.

    Raises
    ------
    RuntimeError
        If the dtypes differ, ``source`` does not have ``input``'s shape with
        ``len(index)`` along ``dim``, or an index is out of range.
    """
    flat = _vector_index("index_add", index)
    if source.dtype != input.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype}) and source ({source.dtype}) "
                           "must have the same scalar type")
    d = axis(dim, max(input.ndim, 1))
    if input.ndim == 0 and flat.shape[0] != 1:
        raise IndexError(f"index_add_(): a 0-d self takes exactly one index, got "
                         f"{flat.shape[0]} (dimension {dim} of a tensor without dimensions)")
    expected = list(input.shape)
    if input.ndim:
        expected[d] = flat.shape[0]
    if list(source.shape) != expected:
        raise RuntimeError(f"index_add_(): source of shape {source.shape} does not match: "
                           f"expected {tuple(expected)} (the shape of self, {input.shape}, "
                           f"with the number of indices, {flat.shape[0]}, along dim {d})")
    _check_bounds("index_add", flat, input.shape[d] if input.ndim else 1, d)
    if alpha != 1:
        source = source * alpha
    if input.ndim == 0:
        return input + source.sum().to(input.dtype)
    return input + IndexAdd.apply(source, shape=tuple(input.shape), index=_along(d, flat))


def _np_index_add(a: Any, dim: int, index: Any, source: Any, alpha: Any) -> Any:
    out = a.copy()
    numpy.add.at(out, (slice(None),) * (dim % a.ndim) + (index,), alpha * source)
    return out


def _fill_value(name: str, input: Tensor, value: Tensor | Scalar) -> Tensor:
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"{name} only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        if value.requires_grad and input.dtype.kind != "f" and is_grad_enabled():
            raise RuntimeError(f"{name}: the value requires grad, but the result is "
                               f"{input.dtype}, which can't carry a gradient")
        _representable(name, input.dtype, value.array.item())
        return value.to(input.dtype)
    _representable(name, input.dtype, value)
    return constant(input, value)


def _representable(name: str, dtype: numpy.dtype[Any], value: Any) -> None:
    """PyTorch's check that a fill value fits an integer dtype (it truncates fractions)."""
    if dtype.kind not in "iu":
        return
    info = numpy.iinfo(dtype)
    if not (math.isfinite(value) and info.min <= int(value) <= info.max):
        raise RuntimeError(f"{name}: value {value} cannot be converted to type {dtype} "
                           "without overflow")


@op("masked_fill", method=True, inplace="masked_fill_", torch=True,
    samples=[S((3, 4), Arg((3, 4), "bool"), 0.5), S((3, 4), Arg((4,), "bool"), -1.0),
             S((3, 4), Arg((3, 1), "bool"), Arg(()), note="a tensor value"),
             S(Arg((2, 3), "int", high=5), Arg((2, 3), "bool"), 7, note="ints")],
    reference=lambda a, mask, value: numpy.where(mask, numpy.asarray(value, a.dtype), a))
def masked_fill(input: Tensor, mask: Tensor, value: Tensor | Scalar) -> Tensor:
    """``input`` with ``value`` (a number or a 0-d tensor, converted to ``input``'s dtype)
    where the boolean ``mask`` (broadcast) is true. Gradients go to ``input`` where the
    mask is false, and to a tensor ``value`` from everywhere it was written.

    Raises
    ------
    RuntimeError
        If ``mask`` is not boolean or ``value`` is a tensor with dimensions.
    """
    if mask.dtype != numpy.dtype(bool):
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with "
                           f"dtype {mask.dtype}")
    return where(mask, _fill_value("masked_fill_", input, value), input)


@op("masked_select", method=True, torch=True,
    samples=[S((3, 4), Arg((3, 4), "bool")), S((3, 4), Arg((4,), "bool")),
             S((4,), Arg((2, 4), "bool"), note="the input broadcast")],
    reference=lambda a, mask: numpy.broadcast_to(a, numpy.broadcast_shapes(
        a.shape, mask.shape))[numpy.broadcast_to(mask, numpy.broadcast_shapes(a.shape,
                                                                              mask.shape))])
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where the boolean ``mask`` is true, as a 1-D tensor
    (both are broadcast first).

    Raises
    ------
    RuntimeError
        If ``mask`` is not boolean or the shapes do not broadcast.
    """
    if mask.dtype != numpy.dtype(bool):
        raise RuntimeError(f"masked_select: expected BoolTensor for mask, got {mask.dtype}")
    shape = broadcast_shape("masked_select", input.shape, mask.shape)
    return input.expand(shape)[mask.expand(shape)]


@op("take", method=True, torch=True,
    samples=[S((3, 4), _index([0, 11, 5])), S((2, 3), _index([[-1, 0], [2, 2]])),
             S((4,), _index(2), note="0-d index")],
    reference=lambda a, index: numpy.take(a.reshape(-1), index))
def take(input: Tensor, index: Tensor) -> Tensor:
    """The elements of ``input``, read as a 1-D tensor, at ``index`` (int64; negative
    counts from the end); the result has ``index``'s shape.

    Raises
    ------
    RuntimeError
        If ``index`` is not int64.
    IndexError
        If an index is out of range.
    """
    if index.dtype != numpy.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {index.dtype}")
    n = input.numel()
    if index.numel():
        low, high = int(index.array.min()), int(index.array.max())
        if low < -n or high >= n:
            raise IndexError(f"take(): out of range: tried to access index "
                             f"{low if low < -n else high} on a tensor of {n} elements.")
    return GetItem.apply(input.reshape(-1), index=(index.array % max(n, 1),))


@op("nonzero", NonZero, method=True, torch=True, differentiable=False,
    samples=[S(Arg((3, 4), "int", high=2)), S(Arg((5,), "bool")),
             S(Arg((2, 3), "values", values=[[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]]),
               as_tuple=True, note="as_tuple"),
             S(Arg((), "values", values=3.0), note="0-d")],
    reference=lambda a, as_tuple=False: numpy.nonzero(a) if as_tuple else (
        numpy.argwhere(a) if a.ndim else numpy.zeros((int(a != 0), 0), numpy.int64)))
def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """The indices of the non-zero elements: an int64 tensor with one row per element and
    one column per dimension, or, with ``as_tuple=True``, one 1-D tensor per dimension
    (what ``x[...]`` takes). A 0-d input counts as 1-D for ``as_tuple``."""
    found = NonZero.apply(input)
    if not as_tuple:
        return found
    if input.ndim == 0:
        return (Tensor.from_array(input.backend.xp.zeros(found.shape[0], dtype=numpy.int64),
                                  input.backend),)
    return tuple(found[:, i] for i in range(input.ndim))


@op("argwhere", method=True, torch=True, differentiable=False,
    samples=[S(Arg((3, 4), "int", high=2))], reference=numpy.argwhere)
def argwhere(input: Tensor) -> Tensor:
    """The indices of the non-zero elements, one row each: ``nonzero(input)``."""
    return NonZero.apply(input)


@op("count_nonzero", method=True, torch=True, differentiable=False,
    samples=[S(Arg((3, 4), "int", high=3)), S(Arg((3, 4), "int", high=3), 1),
             S(Arg((2, 3, 4), "bool"), [0, 2])],
    reference=lambda a, dim=None: numpy.asarray(numpy.count_nonzero(
        a, axis=tuple(dim) if isinstance(dim, list) else dim), numpy.int64))
def count_nonzero(input: Tensor, dim: Dims = None) -> Tensor:
    """How many elements are non-zero (along ``dim``: one int or several), as int64."""
    nonzero: Tensor = input != 0
    return nonzero.sum(dim)
