"""Ops that move elements around: reshape, permute, expand, indexing, cat, pad, gather."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from minigrad.autograd import Function
from minigrad.ops.reduce import normalize_dims
from minigrad.tensor import Scalar, Tensor

Array = Any


def _axis(dim: int, ndim: int) -> int:
    (axis,) = normalize_dims(dim, ndim) or (0,)
    return axis


class Reshape(Function):
    is_view = True

    def forward(ctx, a: Array, shape: tuple[int, ...] = ()) -> Array:
        ctx.shape = a.shape
        return a.reshape(shape)

    def backward(ctx, g: Tensor) -> Tensor:
        return g.reshape(ctx.shape)


class Permute(Function):
    is_view = True

    def forward(ctx, a: Array, dims: tuple[int, ...] = ()) -> Array:
        return a.transpose(dims)

    def backward(ctx, g: Tensor) -> Tensor:
        dims = ctx.attrs["dims"]
        inverse = [0] * len(dims)
        for i, d in enumerate(dims):
            inverse[d] = i
        return g.permute(*inverse)


class Expand(Function):
    is_view = True

    def forward(ctx, a: Array, shape: tuple[int, ...] = ()) -> Array:
        ctx.shape = a.shape
        return ctx.xp.broadcast_to(a, shape)

    def backward(ctx, g: Tensor) -> Tensor:
        from minigrad.ops.elementwise import unbroadcast

        return unbroadcast(g, ctx.shape)


class GetItem(Function):
    is_view = True

    def forward(ctx, a: Array, index: Any = None) -> Array:
        ctx.shape = a.shape
        return a[index]

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
        from minigrad.ops.elementwise import unbroadcast

        index = ctx.attrs["index"]
        ga = gv = None
        if ctx.needs_input_grad[0]:
            ga = IndexPut.apply(g, g._constant(0, g.dtype), index=index)
        if ctx.needs_input_grad[1]:
            gv = unbroadcast(GetItem.apply(g, index=index), ctx.value_shape)
        return ga, gv


def _is_basic(index: tuple[Any, ...]) -> bool:
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in index)


def normalize_index(t: Tensor, index: Any) -> tuple[Any, ...]:
    """Turn a user index into a tuple the backend understands.

    Tensors and lists become arrays; boolean masks become integer arrays, so that
    gradient scatter-adds see plain positions.
    """
    xp = t._backend.xp
    items = index if isinstance(index, tuple) else (index,)
    result: list[Any] = []
    position = 0  # the dimension of t the next item indexes (until an Ellipsis)
    for item in items:
        if isinstance(item, Tensor):
            if item._backend is not t._backend:
                raise RuntimeError(
                    f"index tensor is on backend {item._backend.name!r} but the indexed tensor "
                    f"is on {t._backend.name!r}"
                )
            item = item._data
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


class Cat(Function):
    def forward(ctx, *arrays: Array, axis: int = 0) -> Array:
        ctx.sizes = [a.shape[axis] for a in arrays]
        return ctx.xp.concatenate(arrays, axis=axis)

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, ...]:
        axis = ctx.attrs["axis"]
        grads: list[Tensor | None] = []
        start = 0
        for size, needed in zip(ctx.sizes, ctx.needs_input_grad):
            index = (slice(None),) * axis + (slice(start, start + size),)
            grads.append(g[index] if needed else None)
            start += size
        return tuple(grads)


class Pad(Function):
    def forward(ctx, a: Array, widths: tuple[tuple[int, int], ...] = (), value: float = 0) -> Array:
        return ctx.xp.pad(a, widths, constant_values=value)

    def backward(ctx, g: Tensor) -> Tensor:
        widths = ctx.attrs["widths"]
        return g[tuple(slice(lo, n - hi) for (lo, hi), n in zip(widths, g.shape))]


def _along_axis(xp: Any, index: Array, axis: int) -> tuple[Array, ...]:
    """Full advanced-index tuple that picks ``index`` along ``axis`` (PyTorch's gather)."""
    grids = []
    for d, n in enumerate(index.shape):
        if d == axis:
            grids.append(index)
        else:
            shape = [1] * index.ndim
            shape[d] = n
            grids.append(xp.arange(n).reshape(shape))
    return tuple(grids)


class Gather(Function):
    def forward(ctx, a: Array, index: Array, axis: int = 0) -> Array:
        ctx.shape = a.shape
        ctx.full_index = _along_axis(ctx.xp, index, axis)
        return a[ctx.full_index]

    def backward(ctx, g: Tensor) -> tuple[Tensor, None]:
        return ScatterAdd.apply(g, shape=ctx.shape, full_index=ctx.full_index), None


class ScatterAdd(Function):
    def forward(ctx, g: Array, shape: tuple[int, ...] = (), full_index: Any = None) -> Array:
        out = ctx.xp.zeros(shape, dtype=g.dtype)
        ctx.backend.index_add(out, full_index, g)
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        return GetItem.apply(g, index=ctx.attrs["full_index"])


def reshape(t: Tensor, shape: tuple[int, ...]) -> Tensor:
    """``t`` with a new shape holding the same number of elements (one size may be -1)."""
    if shape == t.shape:
        return t
    known = math.prod(n for n in shape if n != -1)
    if -1 in shape and shape.count(-1) == 1 and known > 0 and t.numel() % known == 0:
        shape = tuple(t.numel() // known if n == -1 else n for n in shape)
    if math.prod(shape) != t.numel() or any(n < 0 for n in shape):
        raise RuntimeError(
            f"shape {shape} is invalid for a tensor of shape {t.shape} ({t.numel()} elements)"
        )
    return Reshape.apply(t, shape=shape)


def flatten(t: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim`` to ``end_dim`` (inclusive) into one."""
    if t.ndim == 0:
        return t.reshape(1)
    start, end = _axis(start_dim, t.ndim), _axis(end_dim, t.ndim)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = t.shape[:start] + (math.prod(t.shape[start : end + 1]),) + t.shape[end + 1 :]
    return reshape(t, shape)


def unflatten(t: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dimension ``dim`` into ``sizes``."""
    axis = _axis(dim, t.ndim)
    return t.reshape(t.shape[:axis] + tuple(sizes) + t.shape[axis + 1 :])


def squeeze(t: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Drop size-1 dimensions (only among ``dim`` when given)."""
    axes = normalize_dims(dim, t.ndim)
    shape = tuple(n for i, n in enumerate(t.shape) if not (i in axes and n == 1))
    return reshape(t, shape)


def unsqueeze(t: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dimension at ``dim`` (negative counts from the new end)."""
    axis = _axis(dim, t.ndim + 1)
    return reshape(t, t.shape[:axis] + (1,) + t.shape[axis:])


def permute(t: Tensor, dims: tuple[int, ...]) -> Tensor:
    """Reorder dimensions."""
    axes = tuple(_axis(d, t.ndim) for d in dims)
    if sorted(axes) != list(range(t.ndim)):
        raise RuntimeError(f"permute: {dims} is not a permutation of the {t.ndim} dimensions")
    if axes == tuple(range(t.ndim)):
        return t
    return Permute.apply(t, dims=axes)


def transpose(t: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dimensions ``dim0`` and ``dim1``."""
    dims = list(range(t.ndim))
    a, b = _axis(dim0, t.ndim), _axis(dim1, t.ndim)
    dims[a], dims[b] = dims[b], dims[a]
    return permute(t, tuple(dims))


def expand(t: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Broadcast to ``shape`` (-1 keeps the current size)."""
    if len(shape) < t.ndim:
        raise RuntimeError(f"expand: target {shape} has fewer dimensions than {t.shape}")
    offset = len(shape) - t.ndim
    if any(n == -1 for n in shape[:offset]):
        raise RuntimeError(
            f"expand: -1 is not allowed in a new leading dimension (target {shape} for a "
            f"tensor of shape {t.shape})"
        )
    target = tuple(t.shape[i - offset] if n == -1 else n for i, n in enumerate(shape))
    for i, n in enumerate(t.shape):
        if n != 1 and n != target[i + offset]:
            raise RuntimeError(
                f"expand: size {n} of dimension {i} in {t.shape} can't become "
                f"{target[i + offset]} (target {shape}); only size-1 dimensions expand"
            )
    return t if target == t.shape else Expand.apply(t, shape=target)


def repeat(t: Tensor, sizes: tuple[int, ...]) -> Tensor:
    """Tile ``t``: dimension ``i`` is repeated ``sizes[i]`` times."""
    if len(sizes) < t.ndim:
        raise RuntimeError(f"repeat: {len(sizes)} sizes given for a {t.ndim}-d tensor")
    t = t.reshape((1,) * (len(sizes) - t.ndim) + t.shape)
    interleaved = tuple(x for n in t.shape for x in (1, n))
    expanded = t.reshape(interleaved).expand(
        tuple(x for r, n in zip(sizes, t.shape) for x in (r, n))
    )
    return expanded.reshape(tuple(r * n for r, n in zip(sizes, t.shape)))


def getitem(t: Tensor, index: Any) -> Tensor:
    """``t[index]``: ints, slices (with steps), None, Ellipsis, bool masks, int arrays."""
    return GetItem.apply(t, index=normalize_index(t, index))


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension.

    Raises
    ------
    RuntimeError
        If the shapes differ outside ``dim`` or the dtypes differ.
    """
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    first = tensors[0]
    axis = _axis(dim, first.ndim)
    for i, t in enumerate(tensors):
        if t.ndim != first.ndim or any(
            a != b for d, (a, b) in enumerate(zip(t.shape, first.shape)) if d != axis
        ):
            raise RuntimeError(
                f"cat: tensor {i} has shape {t.shape}, which does not match {first.shape} "
                f"outside dimension {axis}"
            )
    dtype = first.dtype
    for t in tensors:
        if t.dtype != dtype:
            from minigrad.dtypes import promote_types

            dtype = promote_types(dtype, t.dtype)
    return Cat.apply(*[t.to(dtype) for t in tensors], axis=axis)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of equal shape along a new dimension ``dim``."""
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack: tensor {i} has shape {t.shape} but tensor 0 has {tensors[0].shape}"
            )
    axis = _axis(dim, tensors[0].ndim + 1)
    return cat([t.unsqueeze(axis) for t in tensors], axis)


def split(t: Tensor, split_size: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Split along ``dim`` into pieces of ``split_size`` (the last may be smaller), or into
    pieces of the listed sizes."""
    axis = _axis(dim, t.ndim)
    n = t.shape[axis]
    if isinstance(split_size, int):
        if split_size <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size}")
        sizes = [min(split_size, n - s) for s in range(0, n, split_size)]
    else:
        sizes = list(split_size)
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} sum to {sum(sizes)}, not to {n}")
    pieces = []
    start = 0
    for size in sizes:
        pieces.append(t[(slice(None),) * axis + (slice(start, start + size),)])
        start += size
    return tuple(pieces)


def chunk(t: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` pieces of equal size (the last may be smaller)."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = t.shape[_axis(dim, t.ndim)]
    return split(t, max(math.ceil(n / chunks), 1), dim)


def constant_pad(t: Tensor, widths: tuple[tuple[int, int], ...], value: float) -> Tensor:
    """``t`` with ``widths[d] = (before, after)`` elements of ``value`` around dimension ``d``.

    The public, checked entry point is :func:`minigrad.nn.functional.pad`.
    """
    return Pad.apply(t, widths=widths, value=value)


def gather(t: Tensor, dim: int, index: Tensor) -> Tensor:
    """Values along ``dim`` at ``index``, as ``torch.gather``."""
    if index.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an integer tensor, got {index.dtype}")
    if index.ndim != t.ndim:
        raise RuntimeError(
            f"gather: index has {index.ndim} dimensions but the input has {t.ndim}"
        )
    axis = _axis(dim, t.ndim)
    for d, (n_index, n_input) in enumerate(zip(index.shape, t.shape)):
        if d != axis and n_index > n_input:
            raise RuntimeError(
                f"gather: index has size {n_index} at dimension {d} but the input has only "
                f"{n_input} (index {index.shape}, input {t.shape}, gathering along {axis})"
            )
    return Gather.apply(t, index.detach(), axis=axis)


def setitem_value(t: Tensor, value: Tensor | Scalar) -> Tensor:
    """``value`` as a tensor of ``t``'s dtype and backend."""
    if isinstance(value, Tensor):
        return value.to(t.dtype)
    return t._constant(value, t.dtype)
