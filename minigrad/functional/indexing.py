"""Indexing: ``x[index]``, ``gather``, and their adjoints (scatter-adds).

``GetItem`` and ``IndexAdd`` are each other's adjoint, as are ``Gather`` and
``ScatterAdd``, so gradients of any order stay inside these pairs. ``IndexPut`` is
``out = a.copy(); out[index] = value``, used by ``x[index] = value``.
"""

from __future__ import annotations

from typing import Any

import numpy

from minigrad.autograd import Function
from minigrad.functional.operands import axis, constant, unbroadcast
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor
from minigrad.types import Array


class GetItem(Function):
    is_view = True  # for basic indices; an index array makes a copy, as in NumPy

    def forward(ctx, a: Array, index: Any = None) -> Array:
        ctx.shape = a.shape
        if not _is_basic(index):
            ctx.copied = True
            return a[index]
        # with an Ellipsis, picking single elements gives a 0-d view instead of a scalar
        return a[index if any(i is Ellipsis for i in index) else (*index, Ellipsis)]

    def backward(ctx, g: Tensor) -> Tensor:
        return IndexAdd.apply(g, shape=ctx.shape, index=ctx.attrs["index"])


class IndexAdd(Function):
    """A zero tensor of ``shape`` with ``g`` added at ``index`` (the adjoint of GetItem)."""

    def forward(ctx, g: Array, shape: tuple[int, ...] = (), index: Any = None) -> Array:
        out = ctx.xp.zeros(shape, dtype=g.dtype)
        if _is_basic(index):
            out[index] = g  # basic indexing never repeats a position
        else:
            ctx.backend.index_add(out, index, g)
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        return GetItem.apply(g, index=ctx.attrs["index"])


class IndexPut(Function):
    """``out = a.copy(); out[index] = value``, differentiable in both ``a`` and ``value``."""

    def forward(ctx, a: Array, value: Array, index: Any = None) -> Array:
        ctx.value_shape = value.shape
        out = a.copy()
        out[index] = value
        return out

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        index = ctx.attrs["index"]
        ga = gv = None
        if ctx.needs_input_grad[0]:
            ga = IndexPut.apply(g, constant(g, 0), index=index)
        if ctx.needs_input_grad[1]:
            gv = unbroadcast(GetItem.apply(g, index=index), ctx.value_shape)
        return ga, gv


def along_axis(xp: Any, index: Array, dim: int) -> tuple[Array, ...]:
    """The full advanced index that picks ``index`` along ``dim`` (PyTorch's gather)."""
    grids = []
    for d, n in enumerate(index.shape):
        if d == dim:
            grids.append(index)
        else:
            shape = [1] * index.ndim
            shape[d] = n
            grids.append(xp.arange(n).reshape(shape))
    return tuple(grids)


class Gather(Function):
    def forward(ctx, a: Array, index: Array, dim: int = 0) -> Array:
        ctx.shape = a.shape
        full_index = along_axis(ctx.xp, index, dim)
        ctx.save(*full_index)
        return a[full_index]

    def backward(ctx, g: Tensor) -> tuple[Tensor, None]:
        full_index = tuple(t.array for t in ctx.saved_tensors)
        return ScatterAdd.apply(g, shape=ctx.shape, full_index=full_index), None


class ScatterAdd(Function):
    def forward(ctx, g: Array, shape: tuple[int, ...] = (), full_index: Any = None) -> Array:
        out = ctx.xp.zeros(shape, dtype=g.dtype)
        ctx.backend.index_add(out, full_index, g)
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        return GetItem.apply(g, index=ctx.attrs["full_index"])


def _is_basic(index: tuple[Any, ...]) -> bool:
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in index)


def normalize_index(t: Tensor, index: Any) -> tuple[Any, ...]:
    """Turn a user index into a tuple the backend understands.

    Tensors and lists become arrays; boolean masks become integer arrays, so that
    gradient scatter-adds see plain positions.
    """
    xp = t.backend.xp
    items = index if isinstance(index, tuple) else (index,)
    result: list[Any] = []
    position = 0  # the dimension of t the next item indexes (until an Ellipsis)
    for item in items:
        if isinstance(item, Tensor):
            if item.backend is not t.backend:
                raise RuntimeError(
                    f"index tensor is on backend {item.backend.name!r} but the indexed tensor "
                    f"is on {t.backend.name!r}"
                )
            item = item.array
        elif isinstance(item, (list, range)):
            item = xp.asarray(item) if len(item) else xp.zeros(0, dtype=xp.int64)
        if item is Ellipsis:
            position = -1
        if hasattr(item, "dtype") and getattr(item, "ndim", 0) > 0 and item.dtype == bool:
            covered = t.shape[position : position + item.ndim] if position >= 0 else None
            if covered is not None and tuple(item.shape) != covered:
                raise IndexError(
                    f"boolean mask of shape {tuple(item.shape)} does not match the dimensions "
                    f"{covered} of the indexed tensor of shape {t.shape} that it selects from"
                )
            result.extend(xp.nonzero(item))
            position = position + item.ndim if position >= 0 else -1
            continue
        if position >= 0 and item is not None and item is not Ellipsis:
            position += 1
        if hasattr(item, "dtype") and getattr(item, "ndim", 1) == 0 and item.dtype != bool:
            result.append(int(item))
        else:
            result.append(item)
    return tuple(result)


def _index(values: Any) -> Arg:
    return Arg(kind="values", values=values, requires_grad=False)


@op("getitem", GetItem, IndexAdd, method="__getitem__",
    samples=[S((3, 5), (1, slice(None, None, 2))), S((2, 3), (None, Ellipsis, slice(1, None))),
             S((4, 3), (slice(None, None, -1), 1)), S((3, 2), _index([0, 2, 0, 0])),
             S((2, 3), (_index([0, 1, 1]), _index([2, 0, 2]))),
             S((3, 4), call=lambda f, a: f(a, a > 0), note="boolean mask"),
             S((3, 2, 4), (1, slice(None), _index([0, 3, 3])), note="int, slice, array")],
    reference=lambda a, index: _numpy_getitem(a, index))
def getitem(input: Tensor, index: Any) -> Tensor:
    """``input[index]``: ints, slices (with steps), None, Ellipsis, bool masks, int arrays.

    Integers are applied before index arrays, as in PyTorch, so they do not count when
    deciding where the arrays' dimensions go (NumPy counts them: ``x[1, :, [0, 1]]`` of a
    ``(3, 4, 5)`` tensor is ``(4, 2)`` in PyTorch but ``(2, 4)`` in NumPy)."""
    items = normalize_index(input, index)
    split = integers_first(items)
    if split is None:
        return GetItem.apply(input, index=items)
    selected = GetItem.apply(input, index=split[0])
    return GetItem.apply(selected, index=split[1])


def _numpy_getitem(a: Any, index: Any) -> Any:
    """PyTorch's indexing rule on a NumPy array (the row's reference)."""
    items = tuple(numpy.asarray(i) if isinstance(i, list) else i
                  for i in (index if isinstance(index, tuple) else (index,)))
    split = integers_first(items)
    return a[items] if split is None else a[split[0]][split[1]]


def integers_first(items: tuple[Any, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
    """An index mixing ints with index arrays as two: the basic part (ints, slices, None)
    and then the arrays over what it leaves; None when the index needs no split."""
    def is_array(item: Any) -> bool:
        return hasattr(item, "ndim") and not isinstance(item, (int, slice))

    if not (any(isinstance(i, int) for i in items) and any(is_array(i) for i in items)):
        return None
    basic = tuple(slice(None) if is_array(i) else i for i in items)
    arrays = tuple(i if is_array(i) or i is Ellipsis else slice(None)
                   for i in items if not isinstance(i, int))
    return basic, arrays


@op("gather", Gather, ScatterAdd, method=True, torch=True,
    samples=[S((3, 3), 1, _index([[0, 1], [2, 2], [1, 0]])),
             S((2, 4), 0, _index([[1, 0, 1, 1]]))],
    reference=lambda a, dim, index: numpy.take_along_axis(a, index, dim))
def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """Values along ``dim`` at ``index``, as ``torch.gather``:
    ``out[i][j] = input[i][index[i][j]]`` for ``dim=1``."""
    if index.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an integer tensor, got {index.dtype}")
    if input.ndim == 1 and index.ndim == 0:  # one element, as PyTorch counts 0-d as 1-d here
        return gather(input, dim, index.reshape(1)).reshape(())
    if index.ndim != input.ndim:
        raise RuntimeError(
            f"gather: index has {index.ndim} dimensions but the input has {input.ndim}"
        )
    d = axis(dim, input.ndim)
    for i, (n_index, n_input) in enumerate(zip(index.shape, input.shape)):
        if i != d and n_index > n_input and index.numel():  # an empty index reads nothing
            raise RuntimeError(
                f"gather: index has size {n_index} at dimension {i} but the input has only "
                f"{n_input} (index {index.shape}, input {input.shape}, gathering along {d})"
            )
    return Gather.apply(input, index.detach(), dim=d)
