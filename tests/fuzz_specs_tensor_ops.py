"""Fuzz generators for the tensor ops of issue 11 (sorting, scans, reordering, scatters,
triangles, elementwise extras, matrices, einsum, properties, random sampling).

Registered into :data:`tests.fuzz_specs.SPECS` with the same :func:`~tests.fuzz_specs.fuzz`
decorator (tests/fuzz_specs.py imports this module at its end). Where PyTorch leaves a
result unspecified (which of several equal values a sort or ``topk`` puts first, which
write wins when ``scatter`` repeats a position, the draws of the random ops), a case
either avoids it (distinct values, distinct positions) or compares what is specified
(the values only; the shape, dtype and range of random draws).
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from tests.fuzz_specs import _operand, _pair_shapes, fuzz
from tests.fuzz_values import Case, DType, Gen, Val


def _ties(a: numpy.ndarray[Any, Any]) -> bool:
    """Whether ``a`` holds equal values (NaNs count as equal, so do 0 and -0)."""
    flat = a.reshape(-1)
    return bool(numpy.unique(flat).size < flat.size)


def _sortable(g: Gen, shape: tuple[int, ...], grad: bool = True, expand: bool = True) -> Val:
    """A tensor to sort: distinct floats, floats with ties, or now and then ints/bools."""
    roll = g.rng.random()
    if roll < 0.1:
        return g.ints(shape, -3, 4, dtype=g.pick(["int64", "int32"]))
    if roll < 0.14:
        return g.bools(shape)
    return g.float(shape, g.pick(["normal", "normal", "small"]), grad=grad,
                   layout=None if expand else g.layout(shape))


def _bad_dim(g: Gen, ndim: int, dim: Any) -> Any:
    """``dim``, or now and then one out of range."""
    return max(ndim, 1) + g.int(0, 1) if g.chance(0.05) else dim


# --- sorting and searching ----------------------------------------------------------------
@fuzz("sort", "argsort")
def _sort(g: Gen) -> Case:
    shape = g.shape()
    x = _sortable(g, shape)
    kwargs: dict[str, Any] = {}
    if g.chance(0.5):
        kwargs["descending"] = True
    # equal values come out in an unspecified order unless the sort is stable
    if _ties(x.array) or g.chance(0.3):
        kwargs["stable"] = True
    if g.chance(0.2):
        return Case((x,), kwargs)
    dim = _bad_dim(g, len(shape), g.dim(len(shape)))
    # PyTorch takes dim by position only without stable= (its overloads differ there)
    if "stable" in kwargs and g.chance(0.9):
        return Case((x,), {"dim": dim, **kwargs})
    return Case((x, dim), kwargs)


def _values_only(fn: Any, *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)[0]


def _in_index_order(dim: int) -> Any:
    """A call that reorders ``topk``'s unsorted results by index, so that any order
    compares."""
    def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
        values, indices = fn(*args, **kwargs)
        order = indices.sort(dim).indices
        return values.gather(dim, order), indices.gather(dim, order)
    return call


def _sorted_values(dim: int) -> Any:
    def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)[0].sort(dim).values
    return call


@fuzz("topk")
def _topk(g: Gen) -> Case:
    shape = g.shape()
    x = _sortable(g, shape)
    d = g.dim(len(shape))
    n = shape[d] if shape else 1  # type: ignore[index]
    k = g.int(0, n)
    if g.chance(0.05):
        k = g.pick([n + 1, -1])
    kwargs: dict[str, Any] = {}
    if g.chance(0.4):
        kwargs["largest"] = False
    unsorted = g.chance(0.3)
    if unsorted:
        kwargs["sorted"] = False
    ties = _ties(x.array)
    args = (x, k, _bad_dim(g, len(shape), d)) if g.chance(0.7) else (x, k)
    dim = d if len(args) == 3 else -1
    if ties:  # which of several equal values is kept, and where, is unspecified
        call = _sorted_values(dim) if unsorted and shape else _values_only
        return Case(args, kwargs, grad=False, call=call, note="ties: values only")
    if unsorted and shape:
        return Case(args, kwargs, call=_in_index_order(dim), note="unsorted: by index")
    return Case(args, kwargs)


@fuzz("median")
def _median(g: Gen) -> Case:
    shape = g.shape()
    # no stride-0 (expanded) inputs: PyTorch 2.13's median reads them wrongly (the median
    # of [0.5, 0.5, 0.5, 0.5] as a stride-0 view comes out as 0 or 7e-321)
    x = _sortable(g, shape, expand=False)
    ties = _ties(x.array)
    if g.chance(0.3):
        return Case((x,), grad=not ties)
    d = _bad_dim(g, len(shape), g.dim(len(shape)))
    kwargs = {"keepdim": True} if g.chance(0.4) else {}
    if ties:  # the index of a tied median is unspecified
        return Case((x, d), kwargs, grad=False, call=_values_only, note="ties: values only")
    return Case((x, d), kwargs)


@fuzz("unique")
def _unique(g: Gen) -> Case:
    shape = g.shape(high=3)
    roll = g.rng.random()
    if roll < 0.4:
        x = g.ints(shape, -2, 3)
    elif roll < 0.5:
        x = g.bools(shape)
    else:
        x = g.float(shape, g.pick(["small", "small", "normal"]), grad=False)
    kwargs: dict[str, Any] = {}
    for name in ("return_inverse", "return_counts"):
        if g.chance(0.5):
            kwargs[name] = True
    if g.chance(0.2):
        kwargs["sorted"] = g.chance(0.5)
    if shape and g.chance(0.3):
        kwargs["dim"] = _bad_dim(g, len(shape), g.dim(len(shape)))
    return Case((x,), kwargs, grad=False)


def _sorted_rows(g: Gen, shape: tuple[int, ...], dtype: str | None = None) -> Val:
    """Values sorted along the last dimension (NaN last, as both frameworks sort it)."""
    val = g.float(shape, g.pick(["normal", "small"]), grad=False, dtype=dtype)
    val.array = numpy.sort(val.array, axis=-1) if shape else val.array
    return val


def _search_values(g: Gen, shape: tuple[int, ...], dtype: str) -> Any:
    roll = g.rng.random()
    if roll < 0.15:
        return g.pick([0.5, -1, 2, 0.0])
    if roll < 0.25:
        return g.ints(shape, -3, 4)
    return g.float(shape, g.pick(["normal", "small"]), grad=False, dtype=dtype)


@fuzz("searchsorted")
def _searchsorted(g: Gen) -> Case:
    batch = g.shape(high=2, size=3) if g.chance(0.4) else ()
    seq_shape = batch + (g.size(0, 5),)
    if g.chance(0.04):
        seq_shape = ()
    seq = _sorted_rows(g, seq_shape)
    value_shape = batch + (g.size(0, 4),) if batch else g.shape(high=2)
    if batch and g.chance(0.08):
        value_shape = (batch[0] + 1,) + value_shape[1:]  # leading dimensions differ
    kwargs: dict[str, Any] = {}
    if g.chance(0.25) and seq_shape:  # an unsorted sequence and the order that sorts it
        order = numpy.argsort(g.rng.random(seq_shape), axis=-1)
        sorted_values = seq.array.copy()
        seq.array = numpy.empty_like(sorted_values)
        numpy.put_along_axis(seq.array, order, sorted_values, axis=-1)
        kwargs["sorter"] = Val(numpy.argsort(seq.array, axis=-1, kind="stable"))
    if g.chance(0.3):
        kwargs["right"] = True
    if g.chance(0.2):
        kwargs["side"] = g.pick(["left", "right", "right", "middle"])
    if g.chance(0.2):
        kwargs["out_int32"] = True
    values = _search_values(g, value_shape, str(seq.array.dtype))
    return Case((seq, values), kwargs, grad=False)


@fuzz("bucketize")
def _bucketize(g: Gen) -> Case:
    n = g.size(0, 5)
    boundaries = _sorted_rows(g, (n,) if g.chance(0.92) else (2, n))
    values = _search_values(g, g.shape(high=3), str(boundaries.array.dtype))
    kwargs: dict[str, Any] = {}
    if g.chance(0.3):
        kwargs["right"] = True
    if g.chance(0.2):
        kwargs["out_int32"] = True
    return Case((values, boundaries), kwargs, grad=False)


@fuzz("histc", sums=True)  # (no values near the float maximum: PyTorch's overflow is UB)
def _histc(g: Gen) -> Case:
    shape = g.shape()
    x: Val = g.float(shape, g.pick(["normal", "small"]), grad=False)
    if g.chance(0.05):
        x = g.ints(shape, -3, 4)
    bins = g.pick([1, 2, 3, 5, 10]) if g.chance(0.95) else g.pick([0, -1])
    roll = g.rng.random()
    if roll < 0.4:
        return Case((x, bins), grad=False)
    if roll < 0.5:
        return Case((x, bins, 0, 0), grad=False)
    low = g.pick([-1.0, -2, 0.0, 0.5])
    high = low + g.pick([1.0, 2.5, 0.0, -1.0 if g.chance(0.2) else 3])
    return Case((x,), {"bins": bins, "min": low, "max": high}, grad=False)


# --- running totals ---------------------------------------------------------------------
def _scan_input(g: Gen, shape: tuple[int, ...], kind: str = "normal") -> Val:
    roll = g.rng.random()
    if roll < 0.15:
        return g.ints(shape, -3, 4, dtype=g.pick(["int64", "int32"]))
    if roll < 0.2:
        return g.bools(shape)
    return g.float(shape, kind)


def _scan(kind: str) -> Any:
    def gen(g: Gen) -> Case:
        shape = g.shape()
        x = _scan_input(g, shape, g.pick([kind, "normal"]))
        d = _bad_dim(g, len(shape), g.dim(len(shape)))
        kwargs: dict[str, Any] = {}
        if g.chance(0.2):
            # a float can't become an integer where it is NaN or infinite; float64 into
            # float32 would compare float32 rounding at float64 tolerances
            targets = ["float64"] + (["float32"] if x.array.dtype != numpy.float64 else []) + (
                ["int64"] if not x.floating else [])
            kwargs["dtype"] = DType(g.pick(targets))
        args = (x, d) if g.chance(0.9) else (x,)  # dim is required
        return Case(args, kwargs)
    return gen


fuzz("cumsum", sums=True)(_scan("normal"))
fuzz("cumprod", sums=True)(_scan("small"))


@fuzz("diff")
def _diff(g: Gen) -> Case:
    shape = g.shape(low=1) if g.chance(0.95) else ()
    x = _scan_input(g, shape)
    n = g.int(0, 3) if g.chance(0.95) else -1
    d = _bad_dim(g, len(shape), g.dim(len(shape)))
    kwargs: dict[str, Any] = {}
    for name in ("prepend", "append"):
        if shape and g.chance(0.25):
            extra = list(shape)
            extra[d if isinstance(d, int) and -len(shape) <= d < len(shape) else -1] = g.int(0, 2)
            if g.chance(0.08):
                extra = extra[1:] if len(extra) > 1 else extra + [1]  # wrong dimensions
            kwargs[name] = g.float(tuple(extra), dtype=str(x.array.dtype)) if x.floating \
                else Val(g.rng.integers(-3, 4, tuple(extra)).astype(x.array.dtype))
    return Case((x, n, d), kwargs)


# --- reordering and slicing ---------------------------------------------------------------
@fuzz("flip", torch="Tensor.flip")  # torch.flip takes a list only; the method takes both
def _flip(g: Gen) -> Case:
    shape = g.shape()
    x = g.any_dtype(shape)
    dims = g.dims(len(shape))
    if dims is None:
        dims = []
    if g.chance(0.08) and shape:
        dims = (dims if isinstance(dims, list) else [dims]) + [0]  # maybe repeated
    if g.chance(0.04):
        dims = [len(shape) + 1]
    return Case((x, dims))


@fuzz("fliplr", "flipud")
def _flip_lr_ud(g: Gen) -> Case:
    return Case((g.any_dtype(g.shape()),))


@fuzz("roll")
def _roll(g: Gen) -> Case:
    shape = g.shape()
    x = g.any_dtype(shape)
    if not shape or g.chance(0.3):
        return Case((x, g.int(-5, 5)))
    count = g.int(1, len(shape))
    dims = [g.dim(len(shape)) for _ in range(count)]
    shifts = [g.int(-5, 5) for _ in range(count)]
    if g.chance(0.08):
        shifts = shifts + [1]  # lengths differ
    if count == 1 and g.chance(0.5):
        return Case((x, shifts[0], _bad_dim(g, len(shape), dims[0])))
    return Case((x, shifts, dims))


@fuzz("movedim")
def _movedim(g: Gen) -> Case:
    shape = g.shape()
    n = len(shape)
    x = g.float(shape)
    if g.chance(0.4) or n == 0:
        return Case((x, g.dim(n), g.dim(n)))
    count = g.int(1, n)
    source = g.rng.choice(n, count, replace=False).tolist()
    dest = g.rng.choice(n, count, replace=False).tolist()
    source = [d - n if g.chance(0.3) else d for d in source]
    if g.chance(0.08):
        dest = dest[:-1] if len(dest) > 1 else dest + [0]  # lengths differ
    elif g.chance(0.05) and count > 1:
        dest[1] = dest[0]  # repeated
    elif g.chance(0.04):
        source[0] = n + 1
    return Case((x, source, dest))


@fuzz("tile")
def _tile(g: Gen) -> Case:
    shape = g.shape(high=3)
    reps = [g.int(0, 3) for _ in range(g.int(0, len(shape) + 1))]
    if g.chance(0.04) and reps:
        reps[0] = -1
    return Case((g.any_dtype(shape), reps))


@fuzz("repeat_interleave")
def _repeat_interleave(g: Gen) -> Case:
    roll = g.rng.random()
    if roll < 0.1:  # counts only
        counts = g.ints((g.size(0, 4),), 0, 4)
        if g.chance(0.1):
            counts = g.ints((2, 2), 0, 3)
        return Case((counts,), grad=False)
    shape = g.shape(high=3)
    x = g.any_dtype(shape)
    d = g.dim(len(shape)) if g.chance(0.7) else None
    size = math.prod(shape) if d is None else (shape[d] if shape else 1)
    kwargs: dict[str, Any] = {}
    if roll < 0.45:
        repeats: Any = g.int(0, 3)
        total = repeats * math.prod(shape)  # each element repeated, along dim or flat
    else:
        counts_shape = g.pick([(size,), (size,), (1,), ()])
        if g.chance(0.06):
            counts_shape = (size + 1,)
        repeats = g.ints(counts_shape, 0, 4, dtype=g.pick(["int64", "int64", "int32"]))
        if g.chance(0.05) and repeats.array.size:
            repeats.array.reshape(-1)[0] = -1
        if g.chance(0.04):
            repeats = Val(repeats.array.astype("float32"))
        per = numpy.broadcast_to(repeats.array.reshape(-1), (size,)) if repeats.array.size in (
            1, size) else repeats.array.reshape(-1)
        total = int(per.sum()) * (math.prod(shape) // max(size, 1) if shape else 1)
    if d is not None:
        kwargs["dim"] = d
    if g.chance(0.15):
        kwargs["output_size"] = total if g.chance(0.7) else total + 1
    return Case((x, repeats), kwargs)


@fuzz("broadcast_to")
def _broadcast_to(g: Gen) -> Case:
    target = list(g.shape())
    small = g.broadcast_to(tuple(target))
    x = g.float(small)
    for i in range(len(small)):
        j = len(target) - len(small) + i
        if j >= 0 and g.chance(0.2):
            target[j] = -1
    if g.chance(0.06) and target:
        target[-1] = target[-1] + 2  # does not broadcast (unless it was 1 or -1)
    return Case((x, target))


@fuzz("broadcast_tensors")
def _broadcast_tensors(g: Gen) -> Case:
    shape = g.shape()
    parts = [g.float(g.broadcast_to(shape) if g.chance(0.7) else shape)
             for _ in range(g.int(1, 3))]
    if g.chance(0.06) and shape and shape[-1] > 1:
        parts.append(g.float(shape[:-1] + (shape[-1] + 1,)))
    return Case(tuple(parts))


@fuzz("narrow")
def _narrow(g: Gen) -> Case:
    shape = g.shape(low=1) if g.chance(0.96) else ()
    x = g.any_dtype(shape)
    d = _bad_dim(g, len(shape), g.dim(len(shape)))
    n = shape[d] if shape and -len(shape) <= d < len(shape) else 1  # type: ignore[index]
    start = g.int(-n, n) if g.chance(0.95) else g.pick([n + 1, -n - 1])
    begin = start + n if start < 0 else start
    length = g.int(0, max(n - begin, 0)) if g.chance(0.92) else g.pick([n - begin + 1, -1])
    start_arg: Any = start
    if g.chance(0.15):
        start_arg = Val(numpy.asarray(start, dtype="int64"))
    return Case((x, d, start_arg, length))


@fuzz("select")
def _select(g: Gen) -> Case:
    shape = g.shape(low=1) if g.chance(0.96) else ()
    x = g.any_dtype(shape)
    d = _bad_dim(g, len(shape), g.dim(len(shape)))
    n = shape[d] if shape and -len(shape) <= d < len(shape) else 1  # type: ignore[index]
    index = g.int(-n, n - 1) if n and g.chance(0.93) else g.pick([n, -n - 1])
    return Case((x, d, index))


@fuzz("unbind")
def _unbind(g: Gen) -> Case:
    shape = g.shape(low=1) if g.chance(0.96) else ()
    x = g.any_dtype(shape)
    if g.chance(0.2):
        return Case((x,))
    return Case((x, _bad_dim(g, len(shape), g.dim(len(shape)))))


# --- scatters, masks and indices ---------------------------------------------------------
def _index_dtype(g: Gen) -> str:
    return "int64" if g.chance(0.9) else g.pick(["int32", "int16"])


def _scatter_index(g: Gen, shape: tuple[int, ...], d: int, distinct: bool
                   ) -> tuple[Val, tuple[int, ...]]:
    """An index for ``scatter``/``gather`` along ``d``: no larger than ``shape`` apart
    from ``d``; with ``distinct``, no position repeats within a line along ``d``."""
    n = shape[d]
    index_shape = [g.int(0, m) for m in shape]
    index_shape[d] = g.int(0, n) if distinct else g.int(0, 3)
    dtype = _index_dtype(g)
    if distinct:
        wide = list(index_shape)
        wide[d] = n
        order = numpy.argsort(g.rng.random(tuple(wide)), axis=d)
        values = numpy.take(order, numpy.arange(index_shape[d]), axis=d).astype(dtype)
    else:
        values = g.rng.integers(0, max(n, 1), tuple(index_shape)).astype(dtype)
        if n == 0:
            values = values[tuple(slice(0, 0) for _ in index_shape)]
    if g.chance(0.05) and values.size:
        values.reshape(-1)[0] = g.pick([n, -1])  # out of range
    return Val(values, layout=g.layout(values.shape)), tuple(values.shape)


def _scatter_src(g: Gen, x: Val, index_shape: tuple[int, ...]) -> Val:
    src_shape = tuple(m + (g.int(0, 1) if g.chance(0.3) else 0) for m in index_shape)
    if x.floating:
        src = g.float(src_shape, dtype=str(x.array.dtype))
        if g.chance(0.04):
            src = g.float(src_shape, dtype="float64" if x.array.dtype == numpy.float32
                          else "float32")
        return src
    return g.ints(src_shape, -3, 4, dtype=str(x.array.dtype))


def _scatter_input(g: Gen, shape: tuple[int, ...]) -> Val:
    return g.ints(shape, -3, 4) if g.chance(0.12) else g.float(shape)


@fuzz("scatter")
def _scatter(g: Gen) -> Case:
    shape = g.shape(low=1, high=3)
    x = _scatter_input(g, shape)
    d = g.dim(len(shape))
    reduce = g.pick([None, None, None, "add", "multiply"]) if g.chance(0.97) else "mean"
    src_kind = g.pick(["tensor", "tensor", "number", "value="])
    # repeated positions: which write wins is unspecified, unless they write one value
    index, index_shape = _scatter_index(g, shape, d, distinct=reduce is None and
                                        src_kind == "tensor")
    if g.chance(0.04):
        index = Val(index.array[..., None] if index.array.ndim else index.array[None])
    kwargs: dict[str, Any] = {}
    if reduce is not None:
        kwargs["reduce"] = reduce
    if src_kind == "tensor":
        return Case((x, d, index, _scatter_src(g, x, index_shape)), kwargs)
    number = g.pick([2.5, -1.0, 0.0]) if x.floating else g.pick([2, -1])
    if src_kind == "value=":
        kwargs["value"] = number
        return Case((x, d, index), kwargs)
    return Case((x, d, index, number), kwargs)


@fuzz("scatter_add", sums=True)
def _scatter_add(g: Gen) -> Case:
    shape = g.shape(low=1, high=3)
    x = _scatter_input(g, shape)
    d = g.dim(len(shape))
    index, index_shape = _scatter_index(g, shape, d, distinct=False)
    return Case((x, _bad_dim(g, len(shape), d), index, _scatter_src(g, x, index_shape)))


def _vector_index(g: Gen, n: int) -> Val:
    dtype = _index_dtype(g)
    roll = g.rng.random()
    if roll < 0.1 and n:
        return Val(numpy.asarray(g.int(0, n - 1), dtype=dtype))  # 0-d
    if roll < 0.14:
        return Val(g.rng.integers(0, max(n, 1), (2, 2)).astype(dtype))  # 2-D
    values = g.rng.integers(0, max(n, 1), (g.int(0, 4) if n else 0,)).astype(dtype)
    if g.chance(0.05) and values.size:
        values[0] = g.pick([n, -1])
    return Val(values, layout=g.layout(values.shape))


@fuzz("index_select")
def _index_select(g: Gen) -> Case:
    shape = g.shape()
    x = g.any_dtype(shape)
    d = g.dim(len(shape))
    n = shape[d] if shape else 1  # type: ignore[index]
    return Case((x, _bad_dim(g, len(shape), d), _vector_index(g, n)))


@fuzz("index_add", sums=True)
def _index_add(g: Gen) -> Case:
    shape = g.shape()
    x = _scatter_input(g, shape)
    d = g.dim(len(shape))
    n = shape[d] if shape else 1  # type: ignore[index]
    index = _vector_index(g, n)
    count = index.array.size
    source_shape = list(shape)
    if shape:
        source_shape[d] = count  # type: ignore[index]
    if g.chance(0.05):
        source_shape = source_shape + [1]
    dtype = str(x.array.dtype)
    if g.chance(0.04):
        dtype = "float64" if dtype != "float64" else "float32"
    source = g.float(tuple(source_shape), dtype=dtype) if dtype.startswith("float") else \
        g.ints(tuple(source_shape), -3, 4, dtype=dtype)
    kwargs = {"alpha": g.pick([2, -1.5, 0.5])} if g.chance(0.3) and x.floating else {}
    return Case((x, d, index, source), kwargs)


@fuzz("masked_fill")
def _masked_fill(g: Gen) -> Case:
    shape = g.shape()
    x = g.any_dtype(shape)
    mask_shape = g.broadcast_to(shape) if g.chance(0.9) else g.shape()
    mask: Val = g.bools(mask_shape) if g.chance(0.95) else g.ints(mask_shape, 0, 2)
    roll = g.rng.random()
    if roll < 0.6:
        value: Any = g.pick([0.5, -1, 0, True, float("-inf")])
    elif roll < 0.9:
        value = g.float(()) if g.chance(0.8) else g.ints((), -3, 4)
    else:
        value = g.float((g.int(1, 2),))
    return Case((x, mask, value))


@fuzz("masked_select")
def _masked_select(g: Gen) -> Case:
    a_shape, b_shape, bad = _pair_shapes(g)
    mask = g.bools(b_shape) if g.chance(0.95) else g.ints(b_shape, 0, 2)
    return Case((g.any_dtype(a_shape), mask), note="shapes do not broadcast" if bad else "")


@fuzz("take")
def _take(g: Gen) -> Case:
    shape = g.shape()
    x = g.any_dtype(shape)
    n = math.prod(shape)
    index = g.ints(g.shape(high=2), -n, max(n, 1), dtype=_index_dtype(g))
    if n == 0:
        index = Val(numpy.zeros((0,) if g.chance(0.8) else (1,), "int64"))
    elif g.chance(0.05) and index.array.size:
        index.array.reshape(-1)[0] = g.pick([n, -n - 1])
    return Case((x, index))


def _with_zeros(g: Gen, shape: tuple[int, ...]) -> Val:
    roll = g.rng.random()
    if roll < 0.3:
        return g.ints(shape, -1, 2)
    if roll < 0.45:
        return g.bools(shape)
    return g.float(shape, "small", grad=False)


@fuzz("nonzero")
def _nonzero(g: Gen) -> Case:
    x = _with_zeros(g, g.shape())
    return Case((x,), {"as_tuple": True} if g.chance(0.4) else {}, grad=False)


@fuzz("argwhere")
def _argwhere(g: Gen) -> Case:
    return Case((_with_zeros(g, g.shape()),), grad=False)


@fuzz("count_nonzero")
def _count_nonzero(g: Gen) -> Case:
    shape = g.shape()
    x = _with_zeros(g, shape)
    dims = g.dims(len(shape))
    if isinstance(dims, list):
        dims = tuple(dims)
        if g.chance(0.1):
            dims = dims + dims[:1]  # repeated
    return Case((x,) if dims is None else (x, _bad_dim(g, len(shape), dims)), grad=False)


# --- triangles and diagonals --------------------------------------------------------------
@fuzz("tril", "triu")
def _triangle(g: Gen) -> Case:
    shape = g.shape(low=2, high=4) if g.chance(0.94) else g.shape(high=1)
    x = g.any_dtype(shape)
    return Case((x, g.int(-4, 4)) if g.chance(0.8) else (x,))


@fuzz("diag")
def _diag(g: Gen) -> Case:
    ndim = g.pick([1, 1, 2, 2, 2, 0, 3]) if g.chance(0.95) else 3
    x = g.any_dtype(g.shape(ndim))
    return Case((x, g.int(-4, 4)) if g.chance(0.8) else (x,))


@fuzz("trace", sums=True)
def _trace(g: Gen) -> Case:
    ndim = 2 if g.chance(0.92) else g.pick([0, 1, 3])
    shape = g.shape(ndim)
    return Case((g.float(shape) if g.chance(0.7) else g.any_dtype(shape),))


# --- elementwise --------------------------------------------------------------------------
@fuzz("lerp")
def _lerp(g: Gen) -> Case:
    a_shape, b_shape, bad = _pair_shapes(g)
    a = g.float(a_shape)
    b = g.float(b_shape, dtype=g.dtype if g.chance(0.95) else "float64")
    if g.chance(0.04):
        a, b = g.ints(a_shape, -3, 4), g.ints(b_shape, -3, 4)
    roll = g.rng.random()
    if roll < 0.5:
        weight: Any = g.pick([0.0, 0.3, 0.5, 0.75, 1.0, 1.5, -0.5])
    else:
        weight = g.float(g.broadcast_to(a_shape), g.pick(["unit", "prob", "normal"]))
    return Case((a, b, weight), note="shapes do not broadcast" if bad else "")


@fuzz("addcmul", "addcdiv")
def _addc(g: Gen) -> Case:
    shape = g.shape()
    parts: list[Any] = []
    for _ in range(3):
        s = g.broadcast_to(shape) if g.chance(0.4) else shape
        parts.append(g.float(s) if g.chance(0.88) else g.any_dtype(s))
    if g.chance(0.04) and shape and shape[-1] > 1:
        parts[1] = g.float(shape[:-1] + (shape[-1] + 1,))
    kwargs = {"value": g.pick([2, -0.5, 0, 1.5])} if g.chance(0.4) else {}
    return Case(tuple(parts), kwargs)


@fuzz("nan_to_num")
def _nan_to_num(g: Gen) -> Case:
    shape = g.shape()
    x = g.float(shape) if g.chance(0.85) else g.any_dtype(shape)
    if x.floating and x.array.size and g.chance(0.6):
        g._edges(x.array)
        x.edge = True
    args: list[Any] = [x]
    for _ in range(g.int(0, 3)):
        args.append(g.pick([0.0, 1.5, -2.0, None, 1e300]))
    if len(args) > 1 and args[1] is None:
        args[1] = 0.0  # nan takes a number
    return Case(tuple(args))


@fuzz("erf")
def _erf(g: Gen) -> Case:
    shape = g.shape()
    if g.chance(0.15):
        return Case((g.ints(shape, -3, 4, dtype=g.pick(["int64", "int32"])),), grad=False)
    if g.chance(0.05):
        return Case((g.bools(shape),), grad=False)
    return Case((g.float(shape, scale=g.pick([1.0, 3.0])),))


@fuzz("erfinv")
def _erfinv(g: Gen) -> Case:
    shape = g.shape()
    if g.chance(0.1):
        return Case((g.ints(shape, -1, 2),), grad=False)
    return Case((g.float(shape, g.pick(["unit", "unit", "normal"])),))


@fuzz("atan2", "hypot")
def _atan2_hypot(g: Gen) -> Case:
    a_shape, b_shape, bad = _pair_shapes(g)
    a: Any = g.float(a_shape) if g.chance(0.9) else g.any_dtype(a_shape)
    b: Any = g.float(b_shape) if g.chance(0.9) else g.any_dtype(b_shape)
    if g.chance(0.06):  # a number for one of them (PyTorch wants tensors)
        a, b = (g.pick([2, 0.5]), b) if g.chance(0.5) else (a, g.pick([-1.5, 3]))
    return Case((a, b), note="shapes do not broadcast" if bad else "")


@fuzz("fmod")
def _fmod(g: Gen) -> Case:
    a_shape, b_shape, bad = _pair_shapes(g)
    if g.chance(0.3):
        a = g.ints(a_shape, -9, 10, dtype=g.pick(["int64", "int32"]))
        b: Any = g.ints(b_shape, 1, 5) if g.chance(0.8) else g.pick([3, -2, 2.5, 0])
        if isinstance(b, Val) and g.chance(0.1) and b.array.size:
            b.array.reshape(-1)[0] = 0  # integer division by zero
        return Case((a, b), grad=False)
    a = g.float(a_shape)
    b = _operand(g, b_shape, "nonzero") if g.chance(0.9) else g.float(b_shape)
    return Case((a, b), note="shapes do not broadcast" if bad else "")


@fuzz("frac")
def _frac(g: Gen) -> Case:
    shape = g.shape()
    if g.chance(0.08):
        return Case((g.any_dtype(shape, grad=False),), grad=False)
    return Case((g.float(shape, scale=g.pick([1.0, 3.0])),))


@fuzz("sgn")
def _sgn(g: Gen) -> Case:
    shape = g.shape()
    return Case((g.any_dtype(shape) if g.chance(0.3) else g.float(shape, "small"),))


@fuzz("logical_and", "logical_or", "logical_xor")
def _logical(g: Gen) -> Case:
    a_shape, b_shape, bad = _pair_shapes(g)
    a = g.any_dtype(a_shape, grad=False)
    b: Any = g.any_dtype(b_shape, grad=False) if g.chance(0.96) else g.pick([0, 2, True, 0.5])
    for v in (a, b):
        if isinstance(v, Val) and v.floating and v.array.size:
            v.array.reshape(-1)[0] = 0.0  # a false value
    return Case((a, b), grad=False, note="shapes do not broadcast" if bad else "")


# --- matrices -----------------------------------------------------------------------------
def _addend(g: Gen, shape: tuple[int, ...], dtype: str) -> Val:
    small = g.broadcast_to(shape) if g.chance(0.5) else shape
    if g.chance(0.04) and shape and shape[-1] > 1:
        small = shape[:-1] + (shape[-1] + 1,)
    return g.float(small, dtype=dtype)


def _scales(g: Gen) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if g.chance(0.3):
        kwargs["beta"] = g.pick([0, 0.5, 2, -1.0])
    if g.chance(0.3):
        kwargs["alpha"] = g.pick([0, 2, -0.5])
    return kwargs


@fuzz("addmm", sums=True)
def _addmm(g: Gen) -> Case:
    n, k, m = g.size(), g.size(), g.size()
    dtype = g.dtype
    # (not shifted: 1e4-sized factors times a huge one cancel to rounding noise far above
    # the tolerance, which scales with the inputs, not with their products)
    a = g.float((n, k), shift=False)
    b = g.float((k if g.chance(0.95) else k + 1, m) if g.chance(0.97) else (k,),
                dtype=dtype if g.chance(0.96) else "float64", shift=False)
    if g.chance(0.04):
        return Case((g.ints((n, m), -3, 4), g.ints((n, k), -3, 4), g.ints((k, m), -3, 4)),
                    _scales(g), grad=False)
    return Case((_addend(g, (n, m), dtype), a, b), _scales(g))


@fuzz("baddbmm", sums=True)
def _baddbmm(g: Gen) -> Case:
    batch, n, k, m = g.size(1, 3), g.size(), g.size(), g.size()
    dtype = g.dtype
    b1 = g.float((batch, n, k), shift=False)  # (not shifted: as addmm's factors)
    b2 = g.float((batch if g.chance(0.96) else batch + 1, k, m), shift=False)
    return Case((_addend(g, (batch, n, m), dtype), b1, b2), _scales(g))


@fuzz("kron")
def _kron(g: Gen) -> Case:
    a = g.shape(high=3, size=3)
    b = g.shape(high=3, size=3)
    if g.chance(0.1):
        return Case((g.ints(a, -3, 4), g.ints(b, -3, 4)), grad=False)
    return Case((g.float(a), g.float(b)))


@fuzz("cross", sums=True, rtol=10)  # (a * b - c * d: PyTorch fuses, rounding differs)
def _cross(g: Gen) -> Case:
    shape = list(g.shape(low=1, high=3, size=3))
    d = g.int(0, len(shape) - 1)
    shape[d] = 3
    a_shape = tuple(shape)
    b_shape = tuple(1 if g.chance(0.2) and i != d else n for i, n in enumerate(shape))
    if g.chance(0.5):
        a_shape, b_shape = b_shape, a_shape
    if g.chance(0.05):
        b_shape = b_shape[1:]  # fewer dimensions
    # (no 1e4 + 1e-3 x: a * b - c * d of such values keeps no digit in float32, and
    # PyTorch's fused multiply-add keeps other ones)
    a, b = g.float(a_shape, shift=False), g.float(b_shape, shift=False)
    if g.chance(0.3):
        return Case((a, b))  # the first dimension of size 3 (deprecated in PyTorch)
    dim = d - len(shape) if g.chance(0.5) else d
    if g.chance(0.06):
        dim = next((i for i, n in enumerate(shape) if n != 3), dim)
    return Case((a, b), {"dim": dim})


# (for p < 1 a broadcast input's gradient sums |d|**(p - 1) terms of both signs, which
# cancel: float32 rounding of the terms shows in the total)
@fuzz("dist", sums=True, rtol=10)
def _dist(g: Gen) -> Case:
    a_shape, b_shape, bad = _pair_shapes(g)
    p = g.pick([2, 2.0, 1, 0, 3, 0.5, math.inf, -math.inf, 1.5])
    return Case((g.float(a_shape), g.float(b_shape), p),
                note="shapes do not broadcast" if bad else "")


@fuzz("cdist", sums=True, rtol=10)
def _cdist(g: Gen) -> Case:
    m = g.size()
    batch = g.shape(high=2, size=2) if g.chance(0.4) else ()
    many = g.chance(0.05)
    p_rows, r_rows = (g.int(26, 30) if many else g.size()), g.size()
    a = g.float(batch + (p_rows, m), shift=False)
    b_batch = g.broadcast_to(batch) if batch else ()
    b = g.float(tuple(b_batch) + (r_rows, m if g.chance(0.96) else m + 1), shift=False)
    if g.chance(0.04):
        b = g.float((m,))
    kwargs: dict[str, Any] = {}
    if g.chance(0.7):
        kwargs["p"] = g.pick([2.0, 1.0, 0.0, 3.0, 0.5, math.inf, 1.5]) if g.chance(0.96) \
            else -1.0
    if g.chance(0.2):
        kwargs["compute_mode"] = g.pick(["use_mm_for_euclid_dist_if_necessary",
                                         "use_mm_for_euclid_dist",
                                         "donot_use_mm_for_euclid_dist"])
    return Case((a, b), kwargs)


def _square(g: Gen) -> tuple[int, ...]:
    n = g.int(0, 4)
    batch = g.shape(high=2, size=2) if g.chance(0.3) else ()
    shape = batch + (n, n)
    if g.chance(0.05):
        shape = batch + (n, n + 1)
    if g.chance(0.03):
        shape = (n,)
    return shape


@fuzz("det", rtol=100)
def _det(g: Gen) -> Case:
    shape = _square(g)
    if g.chance(0.05):
        return Case((g.ints(shape, -3, 4),), grad=False)
    # (not expanded: equal rows make it singular, and its determinant pure rounding noise)
    return Case((g.float(shape, g.pick(["normal", "normal", "small"]), shift=False,
                         layout=g.layout(shape)),))


@fuzz("inverse", rtol=100)
def _inverse(g: Gen) -> Case:
    shape = _square(g)
    if g.chance(0.05):
        return Case((g.ints(shape, -3, 4),), grad=False)
    x = g.float(shape, shift=False, layout=g.layout(shape))  # (expanded: singular)
    if len(shape) >= 2 and shape[-1] == shape[-2] and g.chance(0.85):
        # well conditioned: dominant diagonal
        n = shape[-1]
        x.array = (x.array + 3 * numpy.eye(n, dtype=x.array.dtype)).astype(x.array.dtype)
    elif g.chance(0.5) and x.array.size:
        x.array[...] = 0  # singular
        x.edge = False
    return Case((x,))


# --- einsum -------------------------------------------------------------------------------
def _einsum_call(fn: Any, *operands: Any, **kwargs: Any) -> Any:
    equation, form = kwargs["equation"], kwargs["form"]
    if form == "list":
        return fn(equation, list(operands))
    if form == "sublist":
        lhs, _, rhs = equation.partition("->")
        args: list[Any] = []
        for t, term in zip(operands, lhs.split(",")):
            args += [t, [ord(c) - ord("a") for c in term]]
        if "->" in equation:
            args.append([ord(c) - ord("a") for c in rhs])
        return fn(*args)
    return fn(equation, *operands)


@fuzz("einsum", sums=True, rtol=10)
def _einsum(g: Gen) -> Case:
    letters = "abcde"
    sizes = {c: g.size(1, 3, zero=0.05) for c in letters}
    batch = g.shape(high=2, size=2) if g.chance(0.25) else None
    count = g.int(1, 3)
    terms, shapes = [], []
    for _ in range(count):
        term = "".join(g.pick(letters) for _ in range(g.int(0, 3)))
        shape = [sizes[c] if not g.chance(0.1) else 1 for c in term]  # size 1 broadcasts
        for i, c in enumerate(term):  # a repeated letter: one size for its positions
            shape[i] = shape[term.index(c)] if c in term[:i] else shape[i]
        if batch is not None and g.chance(0.7):
            lead = g.broadcast_to(batch) if g.chance(0.5) else batch
            at = g.int(0, len(term))
            term = term[:at] + "..." + term[at:]
            shape = shape[:at] + list(lead) + shape[at:]
        terms.append(term)
        shapes.append(tuple(shape))
    equation = ",".join(terms)
    used = sorted(set(equation.replace(".", "").replace(",", "")))
    if g.chance(0.6):
        out = [c for c in used if g.chance(0.6)]
        g.rng.shuffle(out)
        rhs = "".join(out)
        if batch is not None and "..." in equation:
            at = g.int(0, len(rhs))
            rhs = rhs[:at] + "..." + rhs[at:] if g.chance(0.9) else rhs
        if g.chance(0.04):
            rhs += "z"  # not among the inputs
        equation += "->" + rhs
    if g.chance(0.05):
        i = g.int(0, count - 1)
        shapes[i] = shapes[i] + (2,)  # one dimension too many
    elif g.chance(0.05) and used:
        c = g.pick(used)
        for i, term in enumerate(terms):
            if c in term and "..." not in term:
                shape = list(shapes[i])
                shape[term.index(c)] = sizes[c] + 2  # a size that does not match
                shapes[i] = tuple(shape)
                break
    dtype = g.dtype
    operands = [g.float(s, dtype=dtype) for s in shapes]
    if g.chance(0.04) and count > 1:
        operands[-1] = g.float(shapes[-1], dtype="float64" if dtype == "float32" else "float32")
    form = g.pick(["args", "args", "list", "sublist"])
    if form == "sublist" and "..." in equation:
        form = "args"
    return Case(tuple(operands), {"equation": equation, "form": form}, call=_einsum_call,
                note=f"{equation!r} {form}")


# --- properties and new tensors -------------------------------------------------------------
def _new_call(fn: Any, x: Any, *args: Any, **kwargs: Any) -> Any:
    """The new tensor (zeroed when it is an uninitialised one) and its requires_grad."""
    empty = kwargs.pop("_empty", False)
    made = fn(x, *args, **kwargs)
    return (made.detach().zero_() if empty else made), made.requires_grad


def _size(g: Gen) -> tuple[int, ...]:
    return g.shape(high=3) if g.chance(0.96) else (-1,)


def _new_kwargs(g: Gen) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if g.chance(0.3):
        kwargs["dtype"] = DType(g.pick(["float32", "float64", "int64", "int32", "bool"]))
    if g.chance(0.2):
        kwargs["requires_grad"] = True
    return kwargs


def _new_sized(empty: bool) -> Any:
    def gen(g: Gen) -> Case:
        x = g.any_dtype(g.shape(), grad=False)
        size = _size(g)
        args = (x, list(size)) if g.chance(0.5) else (x, *size)
        kwargs = _new_kwargs(g)
        if empty:
            kwargs["_empty"] = True
        return Case(args, kwargs, grad=False, call=_new_call)
    return gen


fuzz("new_zeros", "new_ones")(_new_sized(False))
fuzz("new_empty")(_new_sized(True))


@fuzz("new_full")
def _new_full(g: Gen) -> Case:
    x = g.any_dtype(g.shape(), grad=False)
    fill = g.pick([2.5, -1, 0, True, 7])
    return Case((x, list(_size(g)), fill), _new_kwargs(g), grad=False,
                call=_new_call)


@fuzz("new_tensor")
def _new_tensor(g: Gen) -> Case:
    x = g.any_dtype(g.shape(), grad=False)
    roll = g.rng.random()
    if roll < 0.3:
        data: Any = g.pick([1.5, -2, True, 0])
    elif roll < 0.7:
        data = g.rng.integers(-3, 4, g.shape(high=2)).tolist()
    elif roll < 0.9:
        data = (g.rng.standard_normal(g.shape(high=2)) * 2).tolist()
    else:
        data = [[1, 2], [3]]  # ragged
    return Case((x, data), _new_kwargs(g), grad=False, call=_new_call)


def _property_input(g: Gen) -> Val:
    val = g.any_dtype(g.shape(), grad=False)
    if val.layout == "contiguous" and val.array.ndim and g.chance(0.2):
        g._expand(val)
    return val


@fuzz("numel", "nelement", "ndimension", "is_floating_point", "is_contiguous")
def _property(g: Gen) -> Case:
    return Case((_property_input(g),), grad=False)


@fuzz("stride")
def _stride(g: Gen) -> Case:
    x = _property_input(g)
    ndim = x.array.ndim
    if g.chance(0.5) or ndim == 0:
        return Case((x,), grad=False)
    return Case((x, _bad_dim(g, ndim, g.dim(ndim))), grad=False)


@fuzz("is_tensor")
def _is_tensor(g: Gen) -> Case:
    if g.chance(0.6):
        return Case((_property_input(g),), grad=False)
    return Case((g.pick([1.5, [1.0, 2.0], None, "x"]),), grad=False)


# --- random sampling: what PyTorch specifies (shape, dtype, range), not the draws ----------
def _multinomial_call(fn: Any, weights: Any, count: int, *args: Any) -> Any:
    drawn = fn(weights, count, *args)
    n = weights.shape[-1]
    replacement = bool(args[0]) if args else False
    in_range = bool(((drawn >= 0) & (drawn < n)).all())
    possible = bool((weights.gather(-1, drawn) > 0).all())
    ordered = drawn.sort(-1).values
    distinct = bool((ordered[..., 1:] != ordered[..., :-1]).all()) or replacement
    return drawn * 0, in_range, possible, distinct


@fuzz("multinomial")
def _multinomial(g: Gen) -> Case:
    n = g.size(1, 5, zero=0.03)
    shape = (n,) if g.chance(0.5) else (g.size(1, 3), n)
    if g.chance(0.04):
        shape = (1,) + shape if len(shape) == 2 else ()
    weights = g.float(shape, "positive", grad=False, edge=g.chance(0.2))
    flat = weights.array.reshape(-1)
    for _ in range(g.int(0, 2) if n > 2 or g.chance(0.1) else 0):  # (a row of zeros: refused)
        if flat.size:
            flat[g.int(0, flat.size - 1)] = 0.0
    if g.chance(0.04) and flat.size:
        flat[0] = -1.0
    if g.chance(0.05):
        weights = g.ints(shape, 0, 3)
    replacement = g.chance(0.5)
    count = g.int(1, max(n - 1, 1)) if g.chance(0.8) else g.int(0, n + 1)
    # without replacement, asking for more than the non-zero categories: PyTorch refuses
    return Case((weights, count, replacement), grad=False, call=_multinomial_call)


def _bernoulli_call(fn: Any, x: Any, *args: Any) -> Any:
    drawn = fn(x, *args)
    p = x if not args else x * 0 + args[0]
    binary = bool(((drawn == 0) | (drawn == 1)).all())
    forced = bool((((p != 0) | (drawn == 0)) & ((p != 1) | (drawn == 1))).all())
    return drawn * 0, binary, forced


def _probabilities(g: Gen, shape: tuple[int, ...]) -> Val:
    p = g.float(shape, "prob", grad=False, edge=False)
    flat = p.array.reshape(-1)
    for _ in range(g.int(0, 2)):
        if flat.size:
            flat[g.int(0, flat.size - 1)] = g.pick([0.0, 1.0])
    if g.chance(0.05) and flat.size:
        flat[0] = g.pick([1.5, -0.5, math.nan])
    return p


@fuzz("bernoulli")
def _bernoulli(g: Gen) -> Case:
    shape = g.shape()
    p = _probabilities(g, shape)
    if g.chance(0.05):
        p = g.ints(shape, 0, 2)
    if g.chance(0.3):
        return Case((p, g.pick([0.0, 1.0, 0.5, 0.25]) if g.chance(0.9) else 1.5), grad=False,
                    call=_bernoulli_call)
    return Case((p,), grad=False, call=_bernoulli_call)


def _fill_copy(fn: Any, x: Any, *args: Any, **kwargs: Any) -> Any:
    y = x * 1
    out = fn(y, *args, **kwargs)
    return y, out is y


def _bernoulli_fill_call(fn: Any, x: Any, *args: Any) -> Any:
    y, same = _fill_copy(fn, x, *args)
    p = args[0] if args else 0.5
    p = p if not isinstance(p, (int, float)) else y * 0 + p
    binary = bool(((y == 0) | (y == 1)).all())
    forced = bool((((p != 0) | (y == 0)) & ((p != 1) | (y == 1))).all())
    return y * 0, same, binary, forced


@fuzz("bernoulli_")
def _bernoulli_fill(g: Gen) -> Case:
    shape = g.shape()
    x = g.any_dtype(shape, grad=False)
    if g.chance(0.5):
        p: Any = g.pick([0.0, 1.0, 0.5]) if g.chance(0.95) else 1.5
    else:
        p = _probabilities(g, g.broadcast_to(shape))
    return Case((x, p) if g.chance(0.9) else (x,), grad=False, call=_bernoulli_fill_call)


def _exponential_call(fn: Any, x: Any, *args: Any) -> Any:
    y, same = _fill_copy(fn, x, *args)
    return y * 0, same, bool((y >= 0).all())


@fuzz("exponential_")
def _exponential(g: Gen) -> Case:
    shape = g.shape()
    x = g.float(shape, grad=False) if g.chance(0.93) else g.ints(shape, 0, 3)
    args = (x, g.pick([1.0, 0.5, 3.0]) if g.chance(0.93) else g.pick([0.0, -1.0])) \
        if g.chance(0.7) else (x,)
    return Case(args, grad=False, call=_exponential_call)


def _random_call(low: int, high: int | None) -> Any:
    def call(fn: Any, x: Any, *args: Any, **kwargs: Any) -> Any:
        y, same = _fill_copy(fn, x, *args, **kwargs)
        inside = bool((y >= low).all()) and (high is None or bool((y < high).all()))
        whole = bool((y == y.floor()).all()) if y.is_floating_point() else True
        return y * 0, same, inside, whole
    return call


@fuzz("random_")
def _random(g: Gen) -> Case:
    shape = g.shape()
    dtype = g.pick(["float32", "float64", "int64", "int32", "int16", "uint8", "int8", "bool"])
    x = Val(numpy.zeros(shape, dtype=dtype), layout=g.layout(shape))
    roll = g.rng.random()
    if roll < 0.2:
        return Case((x,), grad=False, call=_random_call(0, None))
    if roll < 0.5:
        high = g.pick([1, 2, 5, 100, 300])
        return Case((x, high), grad=False, call=_random_call(0, high))
    low = g.pick([-5, 0, 3])
    high = low + g.pick([1, 2, 10, 200, 0 if g.chance(0.3) else 4])
    if g.chance(0.3):
        return Case((x, low), {"to": high}, grad=False, call=_random_call(low, high))
    return Case((x, low, high), grad=False, call=_random_call(low, high))


@fuzz("unfold_windows", torch="Tensor.unfold")
def _unfold_windows(g: Gen) -> Case:
    shape = g.shape(low=1) if g.chance(0.95) else ()
    x = g.any_dtype(shape)
    d = _bad_dim(g, len(shape), g.dim(len(shape)) if shape else g.pick([0, -1]))
    n = shape[d] if shape and -len(shape) <= d < len(shape) else 1  # type: ignore[index]
    size = g.int(0, n) if g.chance(0.93) else g.pick([n + 1, -1])
    step = g.int(1, 3) if g.chance(0.95) else 0
    return Case((x, d, size, step))


@fuzz("round")
def _round_decimals(g: Gen) -> Case:
    shape = g.shape()
    if g.chance(0.1):  # integers round to themselves (PyTorch refuses any decimals=)
        return Case((g.ints(shape, -50, 50),), grad=False)
    return Case((g.float(shape, g.pick(["normal", "small"])),),
                {"decimals": g.pick([0, 1, 2, -1, 3])})
