"""Converters of the sorting, scan, scatter and matrix ops (issue 11).

``argsort`` is ONNX's ``TopK`` over the whole axis (its ties keep their order, as
minigrad's do), scatters are ``ScatterElements``/``ScatterND``, ``searchsorted`` counts
comparisons, ``atan2`` is built from ``Atan`` and the quadrant's correction.
"""

from __future__ import annotations

from typing import Any

import numpy

from minigrad.onnx import convert_math
from minigrad.onnx.builder import CallView

__all__ = ["arg_sort", "atan2", "cum_sum", "det", "einsum", "flip", "fmod", "hypot",
           "identity", "index_add", "nonzero", "scatter", "scatter_add", "scatter_multiply",
           "search_sorted", "ufunc", "unique"]

_FIRST = -(2**63)


def identity(v: CallView) -> str:
    """``Identity`` (a contiguous copy is no op in a graph)."""
    return v.node("Identity", v.input(0))


def flip(v: CallView) -> str:
    """``Slice`` with step -1 along each flipped axis."""
    dims = [int(d) for d in v.attrs.get("dims", ())]
    return v.node("Slice", v.input(0), v.ints([-1] * len(dims)), v.ints([_FIRST] * len(dims)),
                  v.ints(dims), v.ints([-1] * len(dims)))


def cum_sum(v: CallView) -> str:
    """``CumSum`` along ``dim`` (from the end with ``reverse``)."""
    return v.node("CumSum", v.input(0), v.scalar(int(v.attrs.get("dim", 0)), numpy.int64),
                  reverse=int(bool(v.attrs.get("reverse", False))))


def arg_sort(v: CallView) -> str:
    """The indices output of ``TopK`` (sorted, ties in order), for the first ``k`` or the
    axis' size."""
    dim = int(v.attrs.get("dim", -1))
    k = v.attrs.get("k")
    size = v.shape(0)[dim] if k is None else int(k)
    _, indices = v.nodes("TopK", v.input(0), v.ints([size]), outputs=2, axis=dim,
                         largest=int(bool(v.attrs.get("descending", False))), sorted=1)
    return indices


def unique(v: CallView) -> str:
    """``Unique`` (sorted); its inverse indices take the input's shape."""
    dim = v.attrs.get("dim")
    values, _, inverse, counts = v.nodes("Unique", v.input(0), outputs=4, sorted=1,
                                         axis=None if dim is None else int(dim))
    if dim is None:
        inverse = v.node("Reshape", inverse, v.ints(v.shape(0)))
    v.builder.bind(v.call.output_keys[1], inverse)
    v.builder.bind(v.call.output_keys[2], counts)
    return values


def search_sorted(v: CallView) -> str:
    """How many boundaries lie before each value: a broadcast comparison, summed."""
    boundaries, values = v.input(0), v.input(1)
    if len(v.shape(0)) > 1:
        boundaries = v.node("Unsqueeze", boundaries, v.ints([-2]))
    values = v.node("Unsqueeze", values, v.ints([-1]))
    if v.dtype(0) != v.dtype(1):
        common = numpy.result_type(v.dtype(0), v.dtype(1))
        boundaries, values = v.cast(boundaries, common), v.cast(values, common)
    before = v.node("LessOrEqual" if v.attrs.get("right", False) else "Less", boundaries,
                    values)
    counts = v.reduce("ReduceSum", v.cast(before, numpy.int64), [-1], False)
    return counts if v.out_dtype() == numpy.int64 else v.cast(counts, v.out_dtype())


def _index(v: CallView, i: int) -> str:
    return v.input(i) if v.dtype(i) == numpy.int64 else v.cast(v.input(i), numpy.int64)


def scatter(v: CallView) -> str:
    """``ScatterElements`` along ``dim``."""
    return v.node("ScatterElements", v.input(0), _index(v, 2), v.input(1),
                  axis=int(v.attrs.get("dim", 0)))


def scatter_multiply(v: CallView) -> str:
    """``ScatterElements`` with ``reduction="mul"`` (opset 16 and later)."""
    if v.opset < 16:
        raise v.unsupported("scatter with reduce='multiply' needs opset 16 or later")
    return v.node("ScatterElements", v.input(0), _index(v, 2), v.input(1),
                  axis=int(v.attrs.get("dim", 0)), reduction="mul")


def _zeros(v: CallView, shape: tuple[int, ...], dtype: Any) -> str:
    value = v.builder.onnx.numpy_helper.from_array(numpy.zeros(1, dtype=dtype), "value")
    return v.node("ConstantOfShape", v.ints(shape), value=value)


def _stacked_indices(v: CallView, arrays: tuple[Any, ...], shape: tuple[int, ...]) -> str:
    """ScatterND's indices ``(*shape, len(arrays))`` from index arrays that broadcast to
    ``shape``; arrays computed from the model's input stay graph values."""
    pieces = []
    for array in arrays:
        name = v.array_name(array)
        if name is None:
            host = array.get() if hasattr(array, "get") else numpy.asarray(array)
            pieces.append(v.constant(numpy.broadcast_to(host.astype(numpy.int64),
                                                        shape)[..., None], "index"))
        else:
            if array.dtype != numpy.int64:
                name = v.cast(name, numpy.int64)
            if tuple(array.shape) != shape:
                name = v.node("Expand", name, v.ints(shape))
            pieces.append(v.node("Unsqueeze", name, v.ints([-1])))
    return pieces[0] if len(pieces) == 1 else v.node("Concat", *pieces, axis=-1)


def _scatter_nd_add(v: CallView, updates: str, indices: str, shape: tuple[int, ...]) -> str:
    if v.opset < 16:
        raise v.unsupported("adding into a tensor at indices (ScatterND with reduction) "
                            "needs opset 16 or later")
    return v.node("ScatterND", _zeros(v, shape, v.out_dtype()), indices, updates,
                  reduction="add")


def scatter_add(v: CallView) -> str:
    """Zeros with the input added at ``full_index`` (gather's adjoint): ``ScatterND``
    with ``reduction="add"`` onto ``ConstantOfShape``."""
    arrays = tuple(v.attrs.get("full_index", ()))
    indices = _stacked_indices(v, arrays, v.shape(0))
    return _scatter_nd_add(v, v.input(0), indices, v.out_shape())


def index_add(v: CallView) -> str:
    """Zeros with the input added at ``index``: index arrays for the leading axes
    (``diag``), or whole slices then one array (``index_add``, done with the axis moved to
    the front). Other indices (the gradients of slicing) are refused."""
    index = tuple(v.attrs.get("index", ()))
    shape = v.out_shape()
    is_array = [hasattr(i, "shape") and hasattr(i, "dtype") for i in index]
    if all(is_array):
        broadcast = numpy.broadcast_shapes(*(tuple(a.shape) for a in index))
        return _scatter_nd_add(v, v.input(0), _stacked_indices(v, index, broadcast), shape)
    if is_array[-1] and all(i == slice(None) for i in index[:-1]) and index[-1].ndim == 1:
        d = len(index) - 1
        perm = [d] + [i for i in range(len(shape)) if i != d]
        inverse = [perm.index(i) for i in range(len(shape))]
        updates = v.node("Transpose", v.input(0), perm=perm)
        moved = tuple(shape[p] for p in perm)
        indices = _stacked_indices(v, (index[-1],), (index[-1].shape[0],))
        added = _scatter_nd_add(v, updates, indices, moved)
        return v.node("Transpose", added, perm=inverse)
    raise v.unsupported("adding into the slices of a tensor (the gradient of basic "
                        "indexing) has no ONNX form here")


def nonzero(v: CallView) -> str:
    """``NonZero`` gives one row per dimension: transposed to one row per element."""
    if not v.shape(0):
        raise v.unsupported("nonzero of a 0-d tensor has no ONNX form here")
    return v.node("Transpose", v.node("NonZero", v.input(0)), perm=[1, 0])


def atan2(v: CallView) -> str:
    """``atan(y / x)``, plus or minus pi where ``x < 0``, and +-pi/2 where ``x == 0``."""
    y, x = v.input(0), v.input(1)
    dtype = v.dtype(0)
    zero, pi = v.scalar(0, dtype), v.scalar(numpy.pi, dtype)
    base = v.node("Atan", v.node("Div", y, x))
    turn = v.node("Where", v.node("Less", y, zero), v.node("Neg", pi), pi)
    left = v.node("Add", base, turn)
    vertical = v.node("Mul", v.node("Sign", y), v.scalar(numpy.pi / 2, dtype))
    inner = v.node("Where", v.node("Equal", x, zero), vertical, base)
    return v.node("Where", v.node("Less", x, zero), left, inner)


def hypot(v: CallView) -> str:
    """``sqrt(a*a + b*b)``."""
    a, b = v.input(0), v.input(1)
    return v.node("Sqrt", v.node("Add", v.node("Mul", a, a), v.node("Mul", b, b)))


def fmod(v: CallView) -> str:
    """``Mod`` with ``fmod=1`` (the sign of the dividend)."""
    return v.node("Mod", v.input(0), v.input(1), fmod=1)


def det(v: CallView) -> str:
    """``Det``."""
    return v.node("Det", v.input(0))


def einsum(v: CallView) -> str:
    """``Einsum`` of the clean equation, its letters made lowercase where they fit."""
    equation = str(v.attrs.get("equation", ""))
    letters = sorted({c for c in equation if c.isalpha()})
    if len(letters) <= 26:
        lower = dict(zip(letters, "abcdefghijklmnopqrstuvwxyz"))
        equation = "".join(lower.get(c, c) for c in equation)
    return v.node("Einsum", *[v.input(i) for i in range(v.n_inputs)], equation=equation)


_LOGICAL = {"logical_and": "And", "logical_or": "Or", "logical_xor": "Xor"}


def ufunc(v: CallView) -> str:
    """The ufuncs of :func:`minigrad.onnx.convert_math.ufunc`, plus ``fmod`` of integers
    and the logical and/or/xor (of the operands' truth values)."""
    name = v.attrs.get("name", "")
    if name in _LOGICAL:
        operands = [v.input(i) if v.dtype(i).kind == "b" else v.cast(v.input(i), bool)
                    for i in range(2)]
        return v.node(_LOGICAL[name], *operands)
    if name == "fmod":
        return v.node("Mod", v.input(0), v.input(1), fmod=1)
    return convert_math.ufunc(v)
