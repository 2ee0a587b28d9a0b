"""Converters of ops that move elements: reshape, permute, expand, cat, indexing, gather.

A dynamic axis (a batch size left open with ``dynamic_axes``) survives a reshape that
keeps it in place: the leading dimensions a reshape keeps are written as ONNX's "copy
this dimension" ``0``, so flattening ``(N, 16, 5, 5)`` to ``(N, 400)`` becomes
``Reshape(x, [0, 400])`` and works for any ``N``.
"""

from __future__ import annotations

from typing import Any

import numpy

from minigrad.onnx.builder import CallView

__all__ = ["cat", "expand", "gather", "getitem", "one_hot", "permute", "reshape", "unfold"]


def reshape(v: CallView) -> str:
    """``Reshape``, copying the leading dimensions that stay the same."""
    source, target = v.shape(0), v.out_shape()
    if 0 in target:  # an empty tensor: 0 must mean 0, not "copy"
        if v.opset < 14:
            raise v.unsupported("reshaping to an empty shape needs opset 14 or later")
        return v.node("Reshape", v.input(0), v.ints(target), allowzero=1)
    kept = 0
    while kept < min(len(source), len(target)) and source[kept] == target[kept]:
        kept += 1
    return v.node("Reshape", v.input(0), v.ints([0] * kept + list(target[kept:])))


def permute(v: CallView) -> str:
    """``Transpose``."""
    return v.node("Transpose", v.input(0), perm=[int(d) for d in v.attrs.get("dims", ())])


def expand(v: CallView) -> str:
    """``Expand``, with 1 for the dimensions that do not grow (so they may vary)."""
    source, target = v.shape(0), v.out_shape()
    offset = len(target) - len(source)
    shape = [1 if i >= offset and source[i - offset] == n else n
             for i, n in enumerate(target)]
    return v.node("Expand", v.input(0), v.ints(shape))


def cat(v: CallView) -> str:
    """``Concat``."""
    inputs = [v.input(i) for i in range(v.n_inputs)]
    return v.node("Concat", *inputs, axis=int(v.attrs.get("dim", 0)))


def gather(v: CallView) -> str:
    """``torch.gather`` is ``GatherElements``."""
    index = v.input(1)
    if v.dtype(1) not in (numpy.int32, numpy.int64):
        index = v.cast(index, numpy.int64)
    return v.node("GatherElements", v.input(0), index, axis=int(v.attrs.get("dim", 0)))


def one_hot(v: CallView) -> str:
    """``OneHot`` with int64 values 0 and 1 along a new last axis."""
    depth = v.ints([int(v.attrs.get("num_classes", 0))])
    values = v.ints([0, 1])
    return v.node("OneHot", v.input(0), depth, values, axis=-1)


# --- indexing -----------------------------------------------------------------------------
_FIRST, _LAST = -(2**63), 2**63 - 1  # ONNX Slice clamps these to the ends of an axis


def _is_array(item: Any) -> bool:
    return hasattr(item, "shape") and hasattr(item, "dtype")


def _full_index(v: CallView, index: tuple[Any, ...], ndim: int) -> list[Any]:
    """The index with its Ellipsis spelled out and trailing axes added as ``:``."""
    consumed = sum(1 for item in index if item is not None and item is not Ellipsis)
    items: list[Any] = []
    for item in index:
        if item is Ellipsis:
            items += [slice(None)] * (ndim - consumed)
        elif isinstance(item, (bool, numpy.bool_)):
            raise v.unsupported("a bool used as an index has no ONNX form here")
        else:
            items.append(item)
    if not any(item is Ellipsis for item in index):
        items += [slice(None)] * (ndim - consumed)
    return items


def getitem(v: CallView) -> str:
    """``x[index]``: one ``Slice`` for the slices, a ``Gather`` per integer or index array
    (last axis first, so earlier axes keep their numbers), an ``Unsqueeze`` for the
    ``None`` entries. Indexing with more than one array (or arrays and integers that are
    not next to each other, which NumPy moves to the front) is refused."""
    index = v.attrs.get("index", ())
    index = index if isinstance(index, tuple) else (index,)
    items = _full_index(v, index, len(v.shape(0)))
    arrays = [i for i, item in enumerate(items) if _is_array(item)]
    if len(arrays) > 1:
        raise v.unsupported("indexing with more than one index array has no ONNX form here")
    if arrays:
        advanced = [i for i, item in enumerate(items)
                    if _is_array(item) or isinstance(item, (int, numpy.integer))]
        if advanced != list(range(advanced[0], advanced[-1] + 1)):
            raise v.unsupported("an index array and integers that are not next to each "
                                "other (NumPy moves their axes to the front)")
    x = v.input(0)
    x = _slices(v, x, [item for item in items if item is not None])
    dim_of = []  # the input axis of each item (None entries have none)
    d = 0
    for item in items:
        dim_of.append(d)
        d += 0 if item is None else 1
    for item, dim in reversed(list(zip(items, dim_of))):
        if isinstance(item, (int, numpy.integer)):
            x = v.node("Gather", x, v.scalar(int(item), numpy.int64), axis=dim)
        elif _is_array(item):
            x = v.node("Gather", x, _index_array(v, item), axis=dim)
    new_axes, out_axis = [], 0
    for item in items:
        if item is None:
            new_axes.append(out_axis)
            out_axis += 1
        elif _is_array(item):
            out_axis += item.ndim
        elif isinstance(item, slice):
            out_axis += 1
    if new_axes:
        x = v.node("Unsqueeze", x, v.ints(new_axes))
    if x == v.input(0):
        x = v.node("Identity", x)
    return x


def _slices(v: CallView, x: str, items: list[Any]) -> str:
    """One ``Slice`` node for every slice that selects less than a whole axis."""
    starts, ends, axes, steps = [], [], [], []
    for dim, item in enumerate(items):
        if not isinstance(item, slice) or item == slice(None):
            continue
        step = 1 if item.step is None else int(item.step)
        starts.append(int(item.start) if item.start is not None else (0 if step > 0 else _LAST))
        ends.append(int(item.stop) if item.stop is not None else (_LAST if step > 0 else _FIRST))
        axes.append(dim)
        steps.append(step)
    if not axes:
        return x
    return v.node("Slice", x, v.ints(starts), v.ints(ends), v.ints(axes), v.ints(steps))


def _index_array(v: CallView, item: Any) -> str:
    """The ONNX name of an index array: an input of the graph, or an initializer."""
    name = v.array_name(item)
    if name is None:
        host = item.get() if hasattr(item, "get") else item
        return v.constant(numpy.asarray(host, dtype=numpy.int64), "index")
    return name if item.dtype in (numpy.int32, numpy.int64) else v.cast(name, numpy.int64)


def unfold(v: CallView) -> str:
    """``Tensor.unfold``: one ``Gather`` of an ``(windows, size)`` block of positions
    along the dimension, then a ``Transpose`` that moves the window axis last."""
    dim, size, step = (int(v.attrs[k]) for k in ("dimension", "size", "step"))
    source = v.shape(0)
    if not source:  # a 0-d tensor: its one element, ``size`` times
        flat = v.node("Reshape", v.input(0), v.ints([1]))
        return v.node("Gather", flat, v.constant(numpy.zeros(size, numpy.int64), "windows"),
                      axis=0)
    n = (source[dim] - size) // step + 1
    positions = numpy.arange(n)[:, None] * step + numpy.arange(size)[None, :]
    picked = v.node("Gather", v.input(0), v.constant(positions.astype(numpy.int64), "windows"),
                    axis=dim)
    order = [d for d in range(len(source) + 1) if d != dim + 1] + [dim + 1]
    return v.node("Transpose", picked, perm=order)
