"""Reordering and slicing: flip, roll, movedim, tile, repeat_interleave, broadcast_to,
broadcast_tensors, narrow, select, unbind.

Only ``flip`` is a node of its own (a reversed copy; its gradient is a flip again). The
others are compositions of slicing, ``cat``, ``permute``, ``expand`` and ``reshape``, so
their gradients and their ONNX forms come from those ops. ``narrow``, ``select`` and
``unbind`` return views, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy

from minigrad.autograd import Function
from minigrad.functional.indexing import getitem
from minigrad.functional.operands import axis
from minigrad.functional.shape import cat, expand, permute, repeat
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor, shape_args
from minigrad.types import Array


class Flip(Function):
    """A reversed copy along ``dims`` (PyTorch's flip copies; it is not a view)."""

    def forward(ctx, a: Array, dims: tuple[int, ...] = ()) -> Array:
        return ctx.xp.ascontiguousarray(ctx.xp.flip(a, axis=dims))

    def backward(ctx, g: Tensor) -> Tensor:
        return Flip.apply(g, dims=ctx.attrs["dims"])


def _dims_list(dims: tuple[Any, ...]) -> tuple[int, ...]:
    """``f(0, 1)``, ``f((0, 1))`` and ``f([0, 1])`` alike."""
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        return tuple(int(d) for d in dims[0])
    return tuple(int(d) for d in dims)


def _distinct_dims(name: str, dims: Sequence[int], ndim: int) -> tuple[int, ...]:
    found = tuple(axis(d, max(ndim, 1)) for d in dims)
    for d in found:
        if found.count(d) > 1:
            raise RuntimeError(f"{name}: dim {d} appears multiple times in the list of dims "
                               f"{list(dims)}")
    return found


@op("flip", Flip, method=True, torch=True,
    samples=[S((3, 4), [0]), S((2, 3, 4), [0, 2]), S((3, 4), -1), S((2, 3), 0, 1),
             S((2, 3), [], note="no dims"), S((), [0], note="0-d"),
             S((4, 3), [1], transposed=True)],
    reference=lambda a, *dims: numpy.flip(a, _dims_list(dims)) if a.ndim else a)
def flip(input: Tensor, *dims: Any) -> Tensor:
    """A copy of ``input`` with the order of elements reversed along ``dims``
    (``flip(x, [0, 1])``, or ``x.flip(0, 1)``)."""
    found = _distinct_dims("flip", _dims_list(dims), input.ndim)
    if input.ndim == 0 or not found:
        return input.clone()
    return Flip.apply(input, dims=found)


@op("fliplr", method=True, torch=True, samples=[S((3, 4)), S((2, 3, 4))],
    reference=numpy.fliplr)
def fliplr(input: Tensor) -> Tensor:
    """Reverse the columns (dimension 1) of a tensor of at least 2 dimensions."""
    if input.ndim < 2:
        raise RuntimeError(f"fliplr: input must have at least 2 dimensions, got shape "
                           f"{input.shape}")
    return flip(input, [1])


@op("flipud", method=True, torch=True, samples=[S((3, 4)), S((3,))], reference=numpy.flipud)
def flipud(input: Tensor) -> Tensor:
    """Reverse the rows (dimension 0) of a tensor of at least 1 dimension."""
    if input.ndim < 1:
        raise RuntimeError("flipud: input must have at least 1 dimension, got a 0-d tensor")
    return flip(input, [0])


@op("roll", method=True, torch=True,
    samples=[S((2, 3), 1), S((2, 3), [1, -1], [0, 1]), S((2, 3), -4, 1), S((3, 4), 5, -1),
             S((4,), 0, note="no shift"), S((2, 0), 1, 1, note="empty")],
    reference=lambda a, shifts, dims=None: numpy.roll(
        a, shifts, None if dims is None else tuple(dims) if isinstance(dims, list) else dims))
def roll(input: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None
         ) -> Tensor:
    """Shift the elements along ``dims`` by ``shifts`` places, wrapping around the end;
    without ``dims``, the flattened tensor is rolled and the shape restored.

    Raises
    ------
    RuntimeError
        If ``shifts`` and ``dims`` have different lengths.
    """
    shift_list = [shifts] if isinstance(shifts, int) else list(shifts)
    if dims is None:
        if len(shift_list) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align; got shifts "
                               f"{shift_list} and no dims")
        return roll(input.reshape(-1), shift_list, 0).reshape(input.shape)
    dim_list = [dims] if isinstance(dims, int) else list(dims)
    if len(shift_list) != len(dim_list):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: "
                           f"{len(shift_list)}, dims: {len(dim_list)}")
    out = input
    for shift, dim in zip(shift_list, dim_list):
        d = axis(dim, input.ndim)
        size = input.shape[d]
        start = (size - shift % size) % size if size else 0
        if start:
            out = cat([out.narrow(d, start, size - start), out.narrow(d, 0, start)], d)
    return out if out is not input else input.clone()


def _move_list(value: int | Sequence[int]) -> list[int]:
    return [value] if isinstance(value, int) else list(value)


@op("movedim", method=("movedim", "moveaxis"), torch=("movedim", "moveaxis"),
    samples=[S((2, 3, 4), 0, -1), S((2, 3, 4), [0, 1], [2, 0]), S((2, 3), 1, 1)],
    reference=lambda a, s, d: numpy.moveaxis(a, s, d))
def movedim(input: Tensor, source: int | Sequence[int], destination: int | Sequence[int]
            ) -> Tensor:
    """Move the dimensions ``source`` to the positions ``destination``; the others keep
    their order (``moveaxis`` is the same)."""
    src, dst = _move_list(source), _move_list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} "
                           f"dims) should contain the same number of dims as destination "
                           f"({dst} dims)")
    for name, given in (("source", src), ("destination", dst)):
        found = [axis(d, input.ndim) for d in given]
        if len(set(found)) != len(found):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({given})")
    src = [axis(d, input.ndim) for d in src]
    dst = [axis(d, input.ndim) for d in dst]
    rest = iter(d for d in range(input.ndim) if d not in src)
    placed = dict(zip(dst, src))
    order = [placed[i] if i in placed else next(rest) for i in range(input.ndim)]
    return permute(input, order)


@op("tile", method=True, torch=True,
    samples=[S((2, 3), [2, 1]), S((3,), [2]), S((2, 3), [2]), S((2,), [2, 1, 3])],
    reference=lambda a, dims: numpy.tile(a, dims))
def tile(input: Tensor, dims: Sequence[int]) -> Tensor:
    """Repeat ``input`` ``dims[i]`` times along dimension ``i``; with fewer ``dims`` than
    dimensions, the leading ones are repeated once (``repeat`` with ones prepended)."""
    counts = shape_args((dims,)) if not isinstance(dims, int) else (dims,)
    counts = (1,) * (input.ndim - len(counts)) + counts
    return repeat(input, counts)


@op("repeat_interleave", method=True, torch=True,
    samples=[S((2, 3), 2), S((2, 3), 2, 0), S((2, 3), Arg((2,), "values", values=[1, 3]), 0),
             S((3,), Arg((3,), "values", values=[0, 2, 1]), note="a zero count"),
             S(Arg((3,), "values", values=[2, 0, 1]), note="counts only")],
    reference=lambda a, repeats=None, dim=None, output_size=None: (
        numpy.repeat(numpy.arange(len(a)), a) if repeats is None else
        numpy.repeat(a, repeats, axis=dim)))
def repeat_interleave(input: Tensor, repeats: Tensor | int | None = None,
                      dim: int | None = None, *, output_size: int | None = None) -> Tensor:
    """Repeat each element (each slice along ``dim``) ``repeats`` times, one after another
    (``[a, b] -> [a, a, b, b]``); ``repeats`` is one count or a count per element. Without
    ``dim`` the input is flattened first. ``repeat_interleave(counts)`` alone repeats each
    index ``i`` ``counts[i]`` times.

    Raises
    ------
    RuntimeError
        If a count is negative, the counts do not match the size of ``dim``, or
        ``output_size`` is not the size of the result.
    """
    if repeats is None:
        if input.ndim != 1 or input.dtype.kind not in "iu":
            raise RuntimeError(f"repeat_interleave: with one argument, expected a 1-D integer "
                               f"tensor of counts, got shape {input.shape} {input.dtype}")
        positions = Tensor.from_array(input.backend.xp.arange(input.shape[0]), input.backend)
        return repeat_interleave(positions, input, 0, output_size=output_size)
    if dim is None:
        input, d = input.reshape(-1), 0
    elif input.ndim == 0:
        raise IndexError(f"repeat_interleave: dim {dim} given for a 0-d input (it has no "
                         "dimensions; leave dim out to repeat the element)")
    else:
        d = axis(dim, input.ndim)
    size = input.shape[d] if input.ndim else 1
    if isinstance(repeats, Tensor):
        if repeats.ndim > 1 or repeats.dtype.kind not in "iu":
            raise RuntimeError(f"repeat_interleave: repeats must be an int or a 0-d or 1-D "
                               f"integer tensor, got shape {repeats.shape} {repeats.dtype}")
        counts = repeats.backend.to_numpy(repeats.array).reshape(-1)  # sizes: on the host
        if counts.size == 1:
            counts = counts.repeat(size)
    else:
        counts = numpy.full((size,), int(repeats))
    if counts.shape[0] != size:
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along "
                           f"dim, but got repeats.size(0) = {counts.shape[0]} and "
                           f"input.size({d}) = {size}")
    if counts.size and int(counts.min()) < 0:
        raise RuntimeError("repeat_interleave: repeats must be non-negative")
    total = int(counts.sum())
    if output_size is not None and output_size != total:
        raise RuntimeError(f"repeat_interleave: output_size is {output_size} but the repeats "
                           f"add up to {total}")
    if input.ndim == 0:
        input = input.reshape(1)
    index = input.backend.asarray(numpy.repeat(numpy.arange(size), counts))
    return getitem(input, (slice(None),) * d + (Tensor.from_array(index, input.backend),))


@op("broadcast_to", method=True, torch=True,
    samples=[S((3, 1), [2, 3, 4]), S((3,), [2, -1]), S((), [2])],
    reference=lambda a, shape: numpy.broadcast_to(
        a, tuple(a.shape[i - len(shape) + a.ndim] if n == -1 else n
                 for i, n in enumerate(shape))))
def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """``input`` broadcast to ``size`` (-1 keeps a size): ``expand``, as a view."""
    return expand(input, shape_args((size,)))


def broadcast_shape(name: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape that ``shapes`` broadcast to, or an error naming ``name``."""
    ndim = max((len(shape) for shape in shapes), default=0)
    out = [1] * ndim
    for shape in shapes:
        for i, n in enumerate(shape):
            j = ndim - len(shape) + i
            if out[j] == 1:
                out[j] = n
            elif n != 1 and n != out[j]:
                raise RuntimeError(
                    f"{name}: shapes {' and '.join(str(tuple(s)) for s in shapes)} do not "
                    f"broadcast: the size {n} must match {out[j]} at non-singleton "
                    f"dimension {j}"
                )
    return tuple(out)


@op("broadcast_tensors", torch=True,
    samples=[S((3, 1), (4,)), S((2, 1, 3), (5, 1), ())],
    reference=lambda *arrays: tuple(numpy.broadcast_arrays(*arrays)))
def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """The tensors expanded to their common broadcast shape (views)."""
    shape = broadcast_shape("broadcast_tensors", *(t.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


def _int(value: Any, what: str, name: str) -> int:
    if isinstance(value, Tensor):
        if value.numel() != 1 or value.dtype.kind not in "iu":
            raise TypeError(f"{name}: {what} must be an int or a one-element integer tensor, "
                            f"got shape {value.shape} {value.dtype}")
        return int(value.array.reshape(()))
    return int(value)


@op("narrow", method=True, torch=True,
    samples=[S((4, 5), 1, 1, 3), S((4, 5), 0, -2, 2), S((4, 5), -1, 0, 0, note="empty"),
             S((4, 3), 0, 1, 2, transposed=True)],
    reference=lambda a, dim, start, length: numpy.take(
        a, numpy.arange(start % a.shape[dim] if start < 0 else start,
                        (start % a.shape[dim] if start < 0 else start) + length), axis=dim))
def narrow(input: Tensor, dim: int, start: int | Tensor, length: int) -> Tensor:
    """``length`` consecutive elements along ``dim`` from ``start`` (negative counts from
    the end), as a view.

    Raises
    ------
    IndexError
        If ``start`` is outside the dimension.
    RuntimeError
        If ``start + length`` goes past the end, or ``length`` is negative.
    """
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = axis(dim, input.ndim)
    size = input.shape[d]
    begin = _int(start, "start", "narrow")
    if not -size <= begin <= size:
        raise IndexError(f"narrow: start ({begin}) is out of range for dimension {d} of size "
                         f"{size} (expected a value in [{-size}, {size}])")
    begin = begin + size if begin < 0 else begin
    if length < 0:
        raise RuntimeError(f"narrow: length must be non-negative, got {length}")
    if begin + length > size:
        raise RuntimeError(f"narrow: start ({begin}) + length ({length}) exceeds dimension "
                           f"size ({size}).")
    return getitem(input, (slice(None),) * d + (slice(begin, begin + length),))


@op("select", method=True, torch=True,
    samples=[S((3, 4), 1, 2), S((3, 4), 0, -1), S((2, 3, 4), -1, 0)],
    reference=lambda a, dim, index: numpy.take(a, index, axis=dim))
def select(input: Tensor, dim: int, index: int | Tensor) -> Tensor:
    """The slice at ``index`` along ``dim``, without that dimension (a view):
    ``select(x, 1, 2)`` is ``x[:, 2]``.

    Raises
    ------
    IndexError
        If ``index`` is out of range.
    """
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = axis(dim, input.ndim)
    size = input.shape[d]
    i = _int(index, "index", "select")
    if not -size <= i < size:
        raise IndexError(f"select(): index {i} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    return getitem(input, (slice(None),) * d + (i,))


@op("unbind", method=True, torch=True,
    samples=[S((3, 4)), S((3, 4), 1), S((2, 3, 2), -1)],
    reference=lambda a, dim=0: tuple(numpy.moveaxis(a, dim, 0)))
def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``, each without that dimension (views)."""
    if input.ndim == 0:
        raise IndexError("unbind: dimension specified as 0 but tensor has no dimensions")
    d = axis(dim, input.ndim)
    return tuple(select(input, d, i) for i in range(input.shape[d]))
