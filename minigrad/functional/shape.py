"""Ops that rearrange elements: reshape, permute, expand, repeat, cat, stack, split.

Reshape, permute and expand return views where the backend can (they share memory and
the version counter with their input).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy

from minigrad.autograd import Function
from minigrad.dtypes import promote_types
from minigrad.functional.conversion import clone
from minigrad.functional.operands import axis, normalize_dims, unbroadcast
from minigrad.optable import S, op
from minigrad.tensor import Tensor, shape_args
from minigrad.types import Array, Dims


class Reshape(Function):
    is_view = True

    def forward(ctx, a: Array, shape: tuple[int, ...] = ()) -> Array:
        ctx.shape = a.shape
        out = a.reshape(shape)
        ctx.copied = not ctx.xp.may_share_memory(out, a)  # strided input: a copy
        return out

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
        return unbroadcast(g, ctx.shape)


class Cat(Function):
    def forward(ctx, *arrays: Array, dim: int = 0) -> Array:
        ctx.sizes = [a.shape[dim] for a in arrays]
        return ctx.xp.concatenate(arrays, axis=dim)

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, ...]:
        dim = ctx.attrs["dim"]
        grads: list[Tensor | None] = []
        start = 0
        for size, needed in zip(ctx.sizes, ctx.needs_input_grad):
            index = (slice(None),) * dim + (slice(start, start + size),)
            grads.append(g[index] if needed else None)
            start += size
        return tuple(grads)


@op("reshape", Reshape, method=("reshape", "view"), torch=True,
    samples=[S((2, 6), [4, -1]), S((3, 4), [12], transposed=True), S((3, 4), 6, 2)],
    reference=lambda a, *shape: a.reshape(shape_args(shape)))
def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape (``reshape(2, 3)`` or ``reshape((2, 3))``; one
    size may be -1)."""
    target = shape_args(shape)
    if target == input.shape:
        return input
    known = math.prod(n for n in target if n != -1)
    if target.count(-1) == 1 and known > 0 and input.numel() % known == 0:
        target = tuple(input.numel() // known if n == -1 else n for n in target)
    if math.prod(target) != input.numel() or any(n < 0 for n in target):
        raise RuntimeError(
            f"shape {tuple(shape_args(shape))} is invalid for a tensor of shape {input.shape} "
            f"({input.numel()} elements)"
        )
    return Reshape.apply(input, shape=target)


@op("view_as", method=True, samples=[S((3, 4), (6, 2))],
    reference=lambda a, b: a.reshape(b.shape))
def view_as(input: Tensor, other: Tensor) -> Tensor:
    """Reshape to ``other``'s shape."""
    return reshape(input, other.shape)


@op("flatten", method=True, torch=True, samples=[S((2, 3, 2), 1), S((2, 3, 4), 0, 1), S(())],
    reference=lambda a, start_dim=0, end_dim=-1: _numpy_flatten(a, start_dim, end_dim))
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions ``start_dim`` to ``end_dim`` (inclusive) into one."""
    if input.ndim == 0:
        return reshape(input, 1)
    start, end = axis(start_dim, input.ndim), axis(end_dim, input.ndim)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = math.prod(input.shape[start : end + 1])
    return reshape(input, input.shape[:start] + (merged,) + input.shape[end + 1 :])


def _numpy_flatten(a: Any, start: int, end: int) -> Any:
    if a.ndim == 0:
        return a.reshape(1)
    start, end = start % a.ndim, end % a.ndim
    return a.reshape(a.shape[:start] + (-1,) + a.shape[end + 1:])


@op("unflatten", method=True, torch=True, samples=[S((2, 6), 1, [3, 2])],
    reference=lambda a, dim, sizes: a.reshape(a.shape[:dim] + tuple(sizes)
                                              + a.shape[dim + 1:]))
def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Split dimension ``dim`` into ``sizes`` (one of them may be -1: what is left of that
    dimension's size).

    Raises
    ------
    RuntimeError
        If the sizes do not multiply to the size of ``dim``.
    """
    d = axis(dim, input.ndim)
    n = input.shape[d]
    given = tuple(int(s) for s in sizes)
    known = math.prod(s for s in given if s != -1)
    if given.count(-1) == 1 and known > 0 and n % known == 0:
        given = tuple(n // known if s == -1 else s for s in given)
    if not given or math.prod(given) != n or any(s < 0 for s in given):
        raise RuntimeError(
            f"unflatten: sizes {list(sizes)} don't multiply up to the size {n} of dimension "
            f"{d} of the input of shape {input.shape}"
        )
    return reshape(input, input.shape[:d] + given + input.shape[d + 1 :])


@op("squeeze", method=True, torch=True, samples=[S((3, 1, 2), 1), S((1, 3, 1))],
    reference=lambda a, dim=None: numpy.squeeze(a, dim))
def squeeze(input: Tensor, dim: Dims = None) -> Tensor:
    """Drop size-1 dimensions (only among ``dim`` when given)."""
    axes = normalize_dims(dim, input.ndim)
    return reshape(input, tuple(n for i, n in enumerate(input.shape)
                                if not (i in axes and n == 1)))


@op("unsqueeze", method=True, torch=True, samples=[S((3, 2), -1), S((3,), 0)],
    reference=lambda a, dim: numpy.expand_dims(a, dim))
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dimension at ``dim`` (negative counts from the new end)."""
    d = axis(dim, input.ndim + 1)
    return reshape(input, input.shape[:d] + (1,) + input.shape[d:])


@op("permute", Permute, method=True, torch=True,
    samples=[S((2, 3, 4), 2, 0, 1), S((2, 3, 4), [1, 0, 2])],
    reference=lambda a, *dims: a.transpose(shape_args(dims)))
def permute(input: Tensor, *dims: Any) -> Tensor:
    """Reorder the dimensions (``permute(2, 0, 1)`` or ``permute((2, 0, 1))``)."""
    order = shape_args(dims)
    axes = tuple(axis(d, input.ndim) for d in order)
    if sorted(axes) != list(range(input.ndim)):
        raise RuntimeError(
            f"permute: {order} is not a permutation of the {input.ndim} dimensions"
        )
    if axes == tuple(range(input.ndim)):
        return input
    return Permute.apply(input, dims=axes)


@op("transpose", method=("transpose", "swapaxes"), torch=("transpose", "swapaxes"),
    samples=[S((2, 3, 4), 0, 2), S((2, 3), -1, 0)],
    reference=lambda a, dim0, dim1: numpy.swapaxes(a, dim0, dim1))
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dimensions ``dim0`` and ``dim1``."""
    dims = list(range(input.ndim))
    a, b = axis(dim0, input.ndim), axis(dim1, input.ndim)
    dims[a], dims[b] = dims[b], dims[a]
    return permute(input, *dims)


@op("t", method=True, torch=True, samples=[S((2, 3)), S((3,))],
    reference=lambda a: a.T)
def t(input: Tensor) -> Tensor:
    """Transpose a matrix (a vector is returned as it is), as ``torch.t``."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, got shape {input.shape}")
    return input if input.ndim < 2 else transpose(input, 0, 1)


def _need_sizes(given: tuple[Any, ...], name: str, what: str) -> None:
    if not given:  # an empty tuple, expand(()), is a size; no argument at all is a slip
        raise TypeError(f"{name}() missing 1 required positional argument: {what!r}")


@op("expand", Expand, method=True, samples=[S((3, 1), 2, 3, 4), S((3, 1), [-1, 5])],
    reference=lambda a, *shape: numpy.broadcast_to(
        a, tuple(a.shape[i - len(shape_args(shape)) + a.ndim] if n == -1 else n
                 for i, n in enumerate(shape_args(shape)))))
def expand(input: Tensor, *shape: Any) -> Tensor:
    """Broadcast to a larger shape (-1 keeps a size), as a view."""
    _need_sizes(shape, "expand", "size")
    size = shape_args(shape)
    if len(size) < input.ndim:
        raise RuntimeError(f"expand: target {size} has fewer dimensions than {input.shape}")
    offset = len(size) - input.ndim
    if any(n == -1 for n in size[:offset]):
        raise RuntimeError(
            f"expand: -1 is not allowed in a new leading dimension (target {size} for a "
            f"tensor of shape {input.shape})"
        )
    target = tuple(input.shape[i - offset] if n == -1 else n for i, n in enumerate(size))
    for i, n in enumerate(input.shape):
        if n != 1 and n != target[i + offset]:
            raise RuntimeError(
                f"expand: size {n} of dimension {i} in {input.shape} can't become "
                f"{target[i + offset]} (target {size}); only size-1 dimensions expand"
            )
    return input if target == input.shape else Expand.apply(input, shape=target)


@op("expand_as", method=True, samples=[S((3, 1), (3, 4))],
    reference=lambda a, b: numpy.broadcast_to(a, b.shape))
def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """Broadcast to ``other``'s shape."""
    return expand(input, other.shape)


@op("repeat", method=True, samples=[S((2, 2), 2, 3), S((3,), 2, 1)],
    reference=lambda a, *sizes: numpy.tile(a, shape_args(sizes)))
def repeat(input: Tensor, *sizes: Any) -> Tensor:
    """Tile the tensor: dimension ``i`` is repeated ``sizes[i]`` times, in new memory (as
    PyTorch's ``repeat``; :func:`expand` is the view)."""
    _need_sizes(sizes, "repeat", "repeats")
    counts = shape_args(sizes)
    if len(counts) < input.ndim:
        raise RuntimeError(f"repeat: {len(counts)} sizes given for a {input.ndim}-d tensor")
    if any(r < 0 for r in counts):  # expand would read -1 as "keep this size"
        raise RuntimeError(f"repeat: the repeat counts must be non-negative, got {list(counts)}")
    t = reshape(input, (1,) * (len(counts) - input.ndim) + input.shape)
    interleaved = tuple(x for n in t.shape for x in (1, n))
    expanded = expand(reshape(t, interleaved),
                      tuple(x for r, n in zip(counts, t.shape) for x in (r, n)))
    tiled = reshape(expanded, tuple(r * n for r, n in zip(counts, t.shape)))
    # the reshape may be a view of input (with zero strides where it repeats), which
    # in-place ops on the result could not write or would write through to input
    return clone(tiled) if tiled._base is not None else tiled


@op("cat", Cat, torch=("cat", "concat", "concatenate"),
    samples=[S((2, 3), (2, 1), call=lambda f, a, b: f([a, b], dim=1)),
             S((2,), (3,), call=lambda f, a, b: f((a, b)))],
    reference=lambda tensors, dim=0: numpy.concatenate(tensors, dim))
def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension.

    Raises
    ------
    RuntimeError
        If the shapes differ outside ``dim``.
    """
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    first = tensors[0]
    d = axis(dim, first.ndim)
    for i, t in enumerate(tensors):
        if t.ndim != first.ndim or any(
            a != b for j, (a, b) in enumerate(zip(t.shape, first.shape)) if j != d
        ):
            raise RuntimeError(
                f"cat: tensor {i} has shape {t.shape}, which does not match {first.shape} "
                f"outside dimension {d}"
            )
    dtype = first.dtype
    for t in tensors:
        dtype = promote_types(dtype, t.dtype)
    return Cat.apply(*[t.to(dtype) for t in tensors], dim=d)


@op("stack", torch=True, samples=[S((2, 3), (2, 3), call=lambda f, a, b: f([a, b], dim=-1))],
    reference=lambda tensors, dim=0: numpy.stack(tensors, dim))
def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of equal shape along a new dimension ``dim``."""
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack: tensor {i} has shape {t.shape} but tensor 0 has {tensors[0].shape}"
            )
    d = axis(dim, tensors[0].ndim + 1)
    return cat([unsqueeze(t, d) for t in tensors], d)


@op("meshgrid", torch=True,
    samples=[S((2,), (3,), call=lambda f, a, b: f(a, b, indexing="ij")),
             S((2,), (3,), call=lambda f, a, b: f([a, b], indexing="xy"))],
    reference=lambda *a, indexing="ij": tuple(numpy.meshgrid(
        *(a[0] if len(a) == 1 else a), indexing=indexing)))
def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors, as ``torch.meshgrid``: with ``indexing="ij"``
    output ``i`` varies along dimension ``i``; ``"xy"`` swaps the first two (NumPy's
    default). PyTorch's default is ``"ij"``."""
    vectors = list(tensors[0]) if len(tensors) == 1 and isinstance(
        tensors[0], (list, tuple)) else list(tensors)
    mode = "ij" if indexing is None else indexing
    if mode not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for i, v in enumerate(vectors):
        if v.ndim > 1:
            raise RuntimeError(f"meshgrid: expected 0-D or 1-D tensors, tensor {i} has shape "
                               f"{v.shape}")
    sizes = [v.numel() if v.ndim else 1 for v in vectors]
    if mode == "xy" and len(vectors) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, v in enumerate(vectors):
        axis_of = i if mode == "ij" or len(vectors) < 2 or i > 1 else 1 - i
        shape = [1] * len(vectors)
        shape[axis_of] = sizes[axis_of]
        grids.append(expand(reshape(v, tuple(shape)), *sizes))
    return tuple(grids)


@op("split", method=True, torch=True,
    samples=[S((2, 4), [1, 3], 1), S((5, 2), 2)],
    reference=lambda a, size, dim=0: _numpy_split(a, size, dim))
def split(input: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0
          ) -> tuple[Tensor, ...]:
    """Split along ``dim`` into pieces of ``split_size_or_sections`` (the last may be
    smaller), or into pieces of the listed sizes."""
    d = axis(dim, input.ndim)
    n = input.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0:
            raise ValueError(f"split: split_size must be positive, got {step}")
        sizes = [min(step, n - s) for s in range(0, n, step)] or [0]  # one empty piece
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} sum to {sum(sizes)}, not to {n}")
    pieces = []
    start = 0
    for size in sizes:
        pieces.append(input[(slice(None),) * d + (slice(start, start + size),)])
        start += size
    return tuple(pieces)


def _numpy_split(a: Any, size: int | list[int], dim: int) -> tuple[Any, ...]:
    n = a.shape[dim]
    sizes = size if isinstance(size, list) else [min(size, n - s) for s in range(0, n, size)]
    return tuple(numpy.split(a, numpy.cumsum(sizes)[:-1], axis=dim))


@op("chunk", method=True, torch=True, samples=[S((4, 3), 2), S((5,), 3)],
    reference=lambda a, chunks, dim=0: _numpy_split(
        a, max(math.ceil(a.shape[dim] / chunks), 1), dim))
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """Split into ``chunks`` pieces of equal size (the last may be smaller)."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = input.shape[axis(dim, input.ndim)]
    if n == 0:  # PyTorch gives ``chunks`` empty pieces
        return split(input, [0] * chunks, dim)
    return split(input, math.ceil(n / chunks), dim)


class UnfoldWindows(Function):
    """Windows of ``size`` elements every ``step`` along ``dimension``, as a new last
    dimension: a strided view of the input, no copy."""

    is_view = True

    def forward(ctx, a: Array, dimension: int = 0, size: int = 1, step: int = 1) -> Array:
        xp: Any = ctx.xp
        ctx.shape = a.shape
        if a.ndim == 0:  # a 0-d tensor is one element: its window repeats it
            return xp.lib.stride_tricks.as_strided(a, shape=(size,), strides=(0,))
        n = (a.shape[dimension] - size) // step + 1
        ctx.positions = (xp.arange(n)[:, None] * step + xp.arange(size)[None, :]).reshape(-1)
        shape = (*a.shape[:dimension], n, *a.shape[dimension + 1:], size)
        strides = list(a.strides)
        strides[dimension] *= step
        return xp.lib.stride_tricks.as_strided(a, shape=shape,
                                               strides=(*strides, a.strides[dimension]))

    def backward(ctx, g: Tensor) -> Tensor:
        if len(ctx.shape) == 0:
            return g.sum()
        from minigrad.functional.indexing import IndexAdd

        dim = ctx.attrs["dimension"]
        # each window element goes back where it came from; overlapping windows add up
        merged = g.movedim(-1, dim + 1).flatten(dim, dim + 1)
        index = (slice(None),) * dim + (ctx.positions,)
        return IndexAdd.apply(merged, shape=ctx.shape, index=index)


def _numpy_unfold(a: Any, dimension: int, size: int, step: int) -> Any:
    if a.ndim == 0:
        return numpy.repeat(a, size)
    dimension %= a.ndim
    windows = numpy.lib.stride_tricks.sliding_window_view(a, size, axis=dimension)
    return numpy.take(windows, numpy.arange(0, windows.shape[dimension], step),
                      axis=dimension)


@op("unfold_windows", UnfoldWindows, method="unfold", torch="Tensor.unfold",
    samples=[S((7, 3), 0, 2, 1), S((3, 8), 1, 3, 2, transposed=True),
             S((2, 3, 6), -1, 2, 2), S((4, 5), 0, 4, 3), S((5,), 0, 0, 1), S((), 0, 1, 1)],
    reference=_numpy_unfold)
def unfold_windows(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Every window of ``size`` elements along ``dimension``, one every ``step`` elements,
    as a new last dimension (``Tensor.unfold``; not ``nn.functional.unfold``, which is
    im2col).

    The result has ``dimension`` replaced by the number of windows,
    ``(input.shape[dimension] - size) // step + 1``, and ``size`` as its last dimension.
    It is a view, as in PyTorch: it shares memory and the version counter with
    ``input``, so overlapping windows show the same elements (and cannot be written to
    in place). The gradient adds up what each element gets through every window.

    Raises
    ------
    RuntimeError
        If ``size`` is negative or larger than the dimension, or ``step`` is not positive.
    IndexError
        If ``dimension`` is out of range.

    Examples
    --------
    >>> import minigrad
    >>> minigrad.arange(5.0).unfold(0, 2, 2)  # the Tensor method
    tensor([[0., 1.],
            [2., 3.]])
    """
    d = axis(dimension, max(input.ndim, 1))
    n = input.shape[d] if input.ndim else 1
    if size < 0:
        raise RuntimeError(f"unfold: size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {d} is {n} but "
                           f"size is {size}")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    return UnfoldWindows.apply(input, dimension=d, size=int(size), step=int(step))
