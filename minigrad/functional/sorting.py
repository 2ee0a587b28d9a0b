"""Sorting and searching: sort, argsort, topk, median, unique, searchsorted, bucketize,
histc.

One node sorts, :class:`ArgSort`, and it has no gradient: it gives the order. The values
are then picked with ``gather``, whose gradient scatters back to the positions each value
came from, so ``sort``, ``topk`` and ``median`` are differentiable in their values.
"""

from __future__ import annotations

import builtins
import math
from typing import Any, Literal

import numpy

from minigrad.autograd import Function
from minigrad.functional.indexing import gather
from minigrad.functional.operands import axis, constant
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor
from minigrad.types import Array, ValuesIndices


class ArgSort(Function):
    """The order that sorts ``a`` along ``dim`` (int64, no gradient), or with ``k`` its
    first ``k`` entries only (found by a partial sort). Ties keep their order in both
    directions, and NaN sorts as the largest value, as in PyTorch."""

    differentiable = False

    def forward(ctx, a: Array, dim: int = -1, descending: bool = False,
                k: int | None = None) -> Array:
        xp = ctx.xp
        n = a.shape[dim]
        if k is None or k >= n or k == 0:
            order = _stable_order(xp, a, dim, descending)
            return order if k is None else xp.take(order, xp.arange(k), axis=dim)
        # the k winners by a partial sort, then ordered among themselves; taken in index
        # order first, so that the stable sort keeps equal winners in index order
        part = xp.argpartition(a, n - k if descending else k - 1, axis=dim)
        winners = xp.sort(xp.take(part, xp.arange(n - k, n) if descending else xp.arange(k),
                                  axis=dim), axis=dim)
        order = _stable_order(xp, xp.take_along_axis(a, winners, axis=dim), dim, descending)
        return xp.take_along_axis(winners, order, axis=dim).astype(xp.int64, copy=False)


def _stable_order(xp: Any, a: Array, dim: int, descending: bool) -> Array:
    if not descending:
        return xp.argsort(a, axis=dim, kind="stable").astype(xp.int64, copy=False)
    # a stable descending order: sort the reversed array, then reverse back
    order = xp.argsort(xp.flip(a, axis=dim), axis=dim, kind="stable")
    return ((a.shape[dim] - 1) - xp.flip(order, axis=dim)).astype(xp.int64, copy=False)


class Unique(Function):
    """The sorted distinct values (or slices along ``dim``), the inverse indices and the
    counts (no gradient)."""

    differentiable = False

    def forward(ctx, a: Array, dim: int | None = None) -> tuple[Array, Array, Array]:
        xp = ctx.xp
        # each NaN is distinct (NaN != NaN), as in PyTorch; NumPy would merge them
        flat = {} if dim is not None else {"equal_nan": False}
        values, inverse, counts = xp.unique(a if dim is not None else a.reshape(-1),
                                            return_inverse=True, return_counts=True, axis=dim,
                                            **flat)
        inverse = inverse.reshape(a.shape if dim is None else (a.shape[dim],))
        return values, inverse.astype(xp.int64, copy=False), counts.astype(xp.int64, copy=False)


class SearchSorted(Function):
    """Insertion points of ``values`` into the last dimension of ``boundaries`` (no
    gradient); ``right`` puts equal values after their matches.

    All values are searched at once by PyTorch's binary search, step by step: a step
    moves right unless ``boundary >= value`` (``>`` with ``right``). A comparison with
    NaN is false, so NaN values, and values searched past NaN boundaries, end where
    PyTorch puts them (a NaN value at the end)."""

    differentiable = False

    def forward(ctx, boundaries: Array, values: Array, right: bool = False,
                dtype: Any = None) -> Array:
        xp = ctx.xp
        n = boundaries.shape[-1]
        low = xp.zeros(values.shape, dtype=xp.int64)
        high = xp.full(values.shape, n, dtype=xp.int64)
        for _ in range(n.bit_length()):  # each step halves every [low, high)
            middle = (low + high) // 2
            probe = xp.minimum(middle, n - 1)
            if boundaries.ndim == 1:
                seen = boundaries[probe]
            else:
                seen = xp.take_along_axis(boundaries, probe, axis=-1)
            with numpy.errstate(invalid="ignore"):
                onward = ~(seen > values) if right else ~(seen >= values)
            searching = low < high
            low = xp.where(searching & onward, middle + 1, low)
            high = xp.where(searching & ~onward, middle, high)
        return low.astype(dtype, copy=False)


class Histc(Function):
    """Counts of ``a`` in ``bins`` equal bins between ``low`` and ``high`` (no gradient).

    The bin of ``x`` is ``(x - low) * bins / (high - low)``, truncated, computed in
    ``a``'s dtype as PyTorch does (the last bin also holds ``high``); elements outside
    ``[low, high]`` and NaN are not counted."""

    differentiable = False

    def forward(ctx, a: Array, bins: int = 100, low: float = 0.0, high: float = 0.0
                ) -> Array:
        xp = ctx.xp
        flat = a.reshape(-1)
        left, right = xp.asarray(low, dtype=a.dtype), xp.asarray(high, dtype=a.dtype)
        counted = flat[(flat >= left) & (flat <= right)]
        with numpy.errstate(invalid="ignore", over="ignore"):  # overflow: PyTorch's is UB
            scaled = (counted - left) * bins / (right - left)
            # NaN (inf / inf where the range overflows) goes to the first bin
            scaled = xp.where(xp.isnan(scaled), 0, scaled)
            position = xp.clip(scaled, 0, bins - 1).astype(xp.int64)
        return xp.bincount(position, minlength=bins).astype(a.dtype, copy=False)


def _dim(input: Tensor, dim: int) -> int:
    return axis(dim, builtins.max(input.ndim, 1))


def _vector(input: Tensor) -> Tensor:
    """A 0-d tensor as a 1-element vector: the sorting ops treat a scalar as one."""
    return input.reshape(1) if input.ndim == 0 else input


def _order(input: Tensor, dim: int, descending: bool) -> Tensor:
    if input.dtype == numpy.dtype(bool):  # NumPy can't negate or subtract booleans
        input = input.to(numpy.int64)
    return ArgSort.apply(input, dim=dim, descending=descending)


@op("argsort", ArgSort, method=True, torch=True, differentiable=False,
    samples=[S((3, 4)), S((3, 4), 0, descending=True), S((2, 3, 4), -2),
             S(Arg((6,), "values", values=[2.0, 1.0, 2.0, float("nan"), 1.0, 0.0]),
               descending=True, stable=True, note="ties and NaN"),
             S(Arg((2, 0), "normal"), 1, note="empty"), S(Arg((), "normal"))],
    reference=lambda a, dim=-1, descending=False, stable=False: _np_argsort(
        a, dim, descending))
def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False
            ) -> Tensor:
    """The int64 indices that sort ``input`` along ``dim`` (ascending unless
    ``descending``). Equal values keep their order (the sort is always stable, so
    ``stable`` changes nothing); NaN counts as the largest value."""
    d = _dim(input, dim)
    order = _order(_vector(input), d, descending)
    return order.reshape(()) if input.ndim == 0 else order


def _np_argsort(a: Any, dim: int, descending: bool) -> Any:
    if a.ndim == 0:
        return numpy.zeros((), numpy.int64)
    if not descending:
        return numpy.argsort(a, axis=dim, kind="stable")
    flipped = numpy.argsort(numpy.flip(a, dim), axis=dim, kind="stable")
    return a.shape[dim] - 1 - numpy.flip(flipped, dim)


@op("sort", method=True, torch=True,
    samples=[S((3, 4)), S((3, 4), 0, descending=True), S((2, 3, 4), -2, stable=True),
             S(Arg((5,), "values", values=[3.0, 1.0, 3.0, 2.0, 1.0]), descending=True,
               note="ties", grad=False),
             S(Arg((3, 0), "normal"), note="empty"), S(())],
    reference=lambda a, dim=-1, descending=False, stable=False: _np_sort(a, dim, descending))
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False
         ) -> ValuesIndices:
    """``(values, indices)``: ``input`` sorted along ``dim`` and where each value came
    from, as a named tuple like ``max(dim)`` gives. The sort is stable; the gradient goes
    back to the position each value came from."""
    d = _dim(input, dim)
    order = argsort(input, d, descending)
    values = gather(input, d, order) if input.ndim else input.clone()  # (* 1: int64 of bools)
    return ValuesIndices(values, order)


def _np_sort(a: Any, dim: int, descending: bool) -> tuple[Any, Any]:
    order = _np_argsort(a, dim, descending)
    if a.ndim == 0:
        return a, order
    return numpy.take_along_axis(a, order, dim), order


@op("topk", method=True, torch=True,
    samples=[S((3, 5), 2), S((4, 3), 2, 0, largest=False), S((2, 6), 6, sorted=True),
             S((3, 4), 0, note="k = 0"), S((2, 3, 4), 1, -2),
             S(Arg((2, 5), "values", values=[[3.0, 1.0, 3.0, 2.0, 1.0], [0.5, 2.0, 0.5, 0.5, 4.0]]),
               2, note="ties", grad=False),
             S(Arg((5,), "values", values=[3.0, 1.0, 3.0, 2.0, 1.0]), 2, largest=False,
               note="ties, smallest", grad=False)],
    reference=lambda a, k, dim=-1, largest=True, sorted=True: _np_topk(a, k, dim, largest))
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
         ) -> ValuesIndices:
    """The ``k`` largest (``largest=False``: smallest) elements along ``dim`` and their
    indices, as a named tuple ``(values, indices)``. They are always in sorted order
    (``sorted=False`` is allowed to give any order in PyTorch), equal values in index
    order; which of several equal values at the cut-off is kept is unspecified, as in
    PyTorch.

    Raises
    ------
    RuntimeError
        If ``k`` is negative or larger than the size of ``dim``.
    """
    d = _dim(input, dim)
    size = input.shape[d] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {d} of size {size} "
                           f"(tensor of shape {input.shape})")
    if input.ndim == 0:
        return ValuesIndices(input.clone(), argsort(input))
    order = ArgSort.apply(_vector(input) if input.dtype != numpy.dtype(bool) else
                          input.to(numpy.int64), dim=d, descending=largest, k=k)
    return ValuesIndices(gather(input, d, order), order)


def _np_topk(a: Any, k: int, dim: int, largest: bool) -> tuple[Any, Any]:
    order = numpy.take(_np_argsort(a, dim, largest), numpy.arange(k), axis=dim)
    return numpy.take_along_axis(a, order, dim), order


def _nan_aware_middle(input: Tensor, d: int) -> Tensor:
    """The index (kept dimension) of the lower median along ``d``, or of the first NaN."""
    n = input.shape[d]
    middle = argsort(input, d).narrow(d, (n - 1) // 2, 1)
    if input.dtype.kind != "f" or input.numel() == 0:
        return middle
    nan = input.isnan()
    first_nan = nan.to(numpy.int64).argmax(d, keepdim=True)
    return first_nan.where(nan.any(d, keepdim=True), middle)


@op("median", method=True, torch=True,
    samples=[S((5,)), S((3, 4), 1), S((3, 4), 0, keepdim=True), S((2, 3, 4), -1),
             S(Arg((2, 5), "values", values=[[1.0, 2.0, 2.0, 2.0, 3.0],
                                            [4.0, float("nan"), 1.0, 0.0, 5.0]]), 1,
               note="ties and NaN", grad=False)],
    reference=lambda a, dim=None, keepdim=False: _np_median(a, dim, keepdim))
def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median (for an even count, the smaller of the two middle values), as
    ``torch.median``: of all elements as a 0-d tensor when ``dim`` is None, else a named
    tuple ``(values, indices)`` along ``dim``. NaN propagates: a slice with a NaN has
    median NaN. The gradient goes to the element chosen.

    An empty tensor's median is NaN, as in PyTorch.

    Raises
    ------
    IndexError
        If ``dim`` has size 0.
    """
    if dim is None:
        flat = input.reshape(-1)
        if flat.numel() == 0:
            if input.dtype.kind != "f":
                raise IndexError(f"median() of an empty {input.dtype} tensor: there is no "
                                 "median to return")
            return flat.sum() + float("nan")  # NaN, in the graph (its gradient is empty)
        return flat.gather(0, _nan_aware_middle(flat, 0)).reshape(())
    d = _dim(input, dim)
    vector = _vector(input)
    if vector.shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size "
                         f"(shape {input.shape})")
    index = _nan_aware_middle(vector, d)
    values = vector.gather(d, index)
    if not keepdim or input.ndim == 0:
        values, index = values.squeeze(d), index.squeeze(d)
    if input.ndim == 0:
        values, index = values.reshape(()), index.reshape(())
    return ValuesIndices(values, index)


def _np_median(a: Any, dim: int | None, keepdim: bool) -> Any:
    flat = a.reshape(-1) if dim is None else a
    d = 0 if dim is None else dim
    order = numpy.argsort(flat, axis=d, kind="stable")
    middle = numpy.take(order, [(flat.shape[d] - 1) // 2], axis=d)
    nan = numpy.isnan(flat) if flat.dtype.kind == "f" else numpy.zeros(flat.shape, bool)
    first_nan = numpy.expand_dims(numpy.argmax(nan, axis=d), d)
    index = numpy.where(numpy.expand_dims(nan.any(axis=d), d), first_nan, middle)
    values = numpy.take_along_axis(flat, index, d)
    if dim is None:
        return values.reshape(())
    return (values, index) if keepdim else (values.squeeze(d), index.squeeze(d))


@op("unique", Unique, method=True, torch=True, differentiable=False,
    samples=[S(Arg((3, 4), "int", high=4)),
             S(Arg((6,), "values", values=[3.0, 1.0, 2.0, 1.0, 3.0, 3.0]),
               return_inverse=True, return_counts=True),
             S(Arg((4, 2), "values", values=[[1, 2], [0, 5], [1, 2], [0, 5]]), dim=0,
               return_counts=True, note="rows"),
             S(Arg((0,), "normal"), note="empty")],
    reference=lambda a, sorted=True, return_inverse=False, return_counts=False, dim=None:
        _np_unique(a, return_inverse, return_counts, dim))
def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct elements of ``input`` (or its distinct slices along ``dim``), in
    ascending order, as ``torch.unique``; with ``return_inverse``, also the index of
    each element's value in the result (shaped like ``input``, or like dimension ``dim``),
    and with ``return_counts`` how often each value occurs. The results are sorted
    whatever ``sorted`` says (PyTorch's CPU results are too); every NaN is a value of its
    own (NaN != NaN), as in PyTorch. No gradient."""
    d = None if dim is None else _dim(input, dim)
    if d is not None and any(n == 0 for i, n in enumerate(input.shape) if i != d):
        raise RuntimeError(f"unique: there are 0-sized dimensions in shape {input.shape} that "
                           f"are not the selected one ({d}), so unique cannot be applied")
    values, inverse, counts = Unique.apply(input, dim=d)
    extra = ([inverse] if return_inverse else []) + ([counts] if return_counts else [])
    return (values, *extra) if extra else values


def _np_unique(a: Any, inverse: bool, counts: bool, dim: int | None) -> Any:
    values, inv, cnt = numpy.unique(a if dim is not None else a.reshape(-1),
                                    return_inverse=True, return_counts=True, axis=dim)
    inv = inv.reshape(a.shape if dim is None else (a.shape[dim],))
    extra = ([inv] if inverse else []) + ([cnt] if counts else [])
    return (values, *extra) if extra else values


def _search_operands(name: str, boundaries: Tensor, values: Any) -> Tensor:
    if not isinstance(values, Tensor):
        if boundaries.ndim != 1:
            raise RuntimeError(f"{name}: the value can be a number only when the boundaries "
                               f"are 1-D, got boundaries of shape {boundaries.shape}")
        return constant(boundaries, values, numpy.asarray(values).dtype)
    if boundaries.ndim > 1 and (values.ndim != boundaries.ndim
                                or values.shape[:-1] != boundaries.shape[:-1]):
        raise RuntimeError(
            f"{name}: the boundaries of shape {boundaries.shape} and the values of shape "
            f"{values.shape} must have the same leading dimensions (all but the last), or "
            "the boundaries must be 1-D"
        )
    if boundaries.ndim == 0:
        raise RuntimeError(f"{name}: the boundaries must have at least 1 dimension, got a "
                           "0-d tensor")
    return values


def _index_dtype(out_int32: bool) -> Any:
    return numpy.int32 if out_int32 else numpy.int64


@op("searchsorted", SearchSorted, torch=True, differentiable=False,
    samples=[S(Arg((5,), "values", values=[1.0, 2.0, 2.0, 4.0, 7.0]), (3, 4)),
             S(Arg((5,), "values", values=[1.0, 2.0, 2.0, 4.0, 7.0]),
               Arg((3,), "values", values=[2.0, 0.0, 9.0]), right=True),
             S(Arg((2, 3), "values", values=[[0.0, 1.0, 2.0], [-1.0, 0.0, 5.0]]),
               Arg((2, 2), "values", values=[[1.0, 3.0], [0.0, -2.0]]), side="right",
               note="batched"),
             S(Arg((3,), "values", values=[1, 3, 5]), 4, out_int32=True, note="scalar")],
    reference=lambda b, v, out_int32=False, right=False, side=None, sorter=None:
        _np_searchsorted(b, v, right or side == "right", out_int32))
def searchsorted(sorted_sequence: Tensor, input: Tensor | float, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None, sorter: Tensor | None = None
                 ) -> Tensor:
    """Where each element of ``input`` would go in ``sorted_sequence`` (sorted along its
    last dimension) to keep it sorted, as ``torch.searchsorted``: the first such place,
    or the last with ``right=True`` (or ``side="right"``). A 1-D sequence serves every
    value; otherwise each row of values searches its own row. ``sorter`` gives the order
    of an unsorted sequence. int64 results (int32 with ``out_int32``)."""
    if side is not None:
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise RuntimeError("searchsorted: side='left' and right=True contradict each other")
        right = side == "right"
    if sorter is not None:
        sorted_sequence = sorted_sequence.gather(-1, sorter)
    values = _search_operands("searchsorted", sorted_sequence, input)
    found = SearchSorted.apply(sorted_sequence, values, right=right,
                               dtype=_index_dtype(out_int32))
    return found


def _np_searchsorted(b: Any, v: Any, right: bool, out_int32: bool) -> Any:
    side: Literal["left", "right"] = "right" if right else "left"
    v = numpy.asarray(v)
    if b.ndim == 1:
        found = numpy.searchsorted(b, v, side=side)
    else:
        found = numpy.stack([numpy.searchsorted(row, vals, side=side)
                             for row, vals in zip(b.reshape(-1, b.shape[-1]),
                                                  v.reshape(-1, v.shape[-1]))]).reshape(v.shape)
    return found.astype(_index_dtype(out_int32))


@op("bucketize", torch=True, differentiable=False,
    samples=[S((3, 4), Arg((3,), "values", values=[-1.0, 0.0, 1.0])),
             S(Arg((4,), "values", values=[1, 2, 3, 9]), Arg((3,), "values", values=[1, 3, 5]),
               right=True)],
    reference=lambda a, b, out_int32=False, right=False: _np_searchsorted(
        b, a, right, out_int32))
def bucketize(input: Tensor | float, boundaries: Tensor, *, out_int32: bool = False,
              right: bool = False) -> Tensor:
    """The bucket of each element of ``input`` among the sorted 1-D ``boundaries``, as
    ``torch.bucketize``: ``i`` such that ``boundaries[i-1] < x <= boundaries[i]``
    (``right=True``: ``boundaries[i-1] <= x < boundaries[i]``)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries must be a 1-D tensor, got shape "
                           f"{boundaries.shape}")
    values = _search_operands("bucketize", boundaries, input)
    return SearchSorted.apply(boundaries, values, right=right, dtype=_index_dtype(out_int32))


@op("histc", Histc, method=True, torch=True, differentiable=False,
    samples=[S((20,)), S((4, 5), bins=4, min=-1, max=1),
             S(Arg((4,), "values", values=[2.0, 2.0, 2.0, 2.0]), bins=3, note="constant")],
    reference=lambda a, bins=100, min=0, max=0: _np_histc(a, bins, min, max))
def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """A histogram of ``bins`` equal-width bins between ``min`` and ``max`` (the data's
    own minimum and maximum when both are 0), as ``torch.histc``: elements outside are
    ignored, the last bin includes ``max``; the counts have ``input``'s dtype.

    Raises
    ------
    RuntimeError
        If ``input`` is not floating point, ``bins`` is not positive or ``max < min``.
    """
    if input.dtype.kind != "f":
        raise RuntimeError(f"histc: expected a floating-point tensor, got {input.dtype}")
    if bins <= 0:
        raise RuntimeError(f"histc: bins must be > 0, got {bins}")
    low, high = _histc_range(input.array, min, max)
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f"histc: range of [{low}, {high}] is not finite")
    if high < low:
        raise RuntimeError(f"histc: max ({max}) must be larger than or equal to min ({min})")
    return Histc.apply(input, bins=bins, low=low, high=high)


def _histc_range(a: Any, low: float, high: float) -> tuple[float, float]:
    if low == high and a.size:
        low, high = float(a.min()), float(a.max())
    if low == high:  # all equal: PyTorch widens the range by one on each side
        low, high = low - 1, high + 1
    return float(low), float(high)


def _np_histc(a: Any, bins: int, low: float, high: float) -> Any:
    low, high = _histc_range(a, low, high)
    return numpy.histogram(a, bins=bins, range=(low, high))[0].astype(a.dtype)
