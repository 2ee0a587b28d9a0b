"""What the differential fuzz test calls: for each op-table row, a generator of random
cases and the PyTorch function it is compared with (tests/test_fuzz.py runs them).

A generator takes a :class:`~tests.fuzz_values.Gen` and returns a
:class:`~tests.fuzz_values.Case`. Most draw valid arguments and, now and then, a bad one
(a wrong shape, dimension, size or value) to check that minigrad refuses it as clearly
as PyTorch does. Rows without a PyTorch twin are listed in :data:`NO_TWIN` with the
reason.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy

from tests.fuzz_values import Case, DType, Gen, Val

Generator = Callable[[Gen], Case]


@dataclass
class Spec:
    """How to fuzz one row.

    ``torch`` names the PyTorch function (``"torch.add"``, ``"F.conv2d"``,
    ``"Tensor.expand"``) or is a callable; ``sums`` marks ops whose results add many
    inputs (tolerances then scale with the inputs, not the result); ``rtol`` widens the
    comparison for ops whose two implementations round differently.
    """

    gen: Generator
    torch: str | Callable[..., Any]
    sums: bool = False
    rtol: float = 1.0  # a factor on the default tolerances


SPECS: dict[str, Spec] = {}

NO_TWIN = {
    "min_pool2d": "PyTorch has no min pooling (it is -max_pool2d(-x))",
    "all_reduce_sum": "a collective: needs a process group (tests/distributed covers it)",
}


def fuzz(*names: str, torch: str | Callable[..., Any] | None = None, sums: bool = False,
         rtol: float = 1.0) -> Callable[[Generator], Generator]:
    """Register the decorated generator for the rows ``names``; ``torch`` defaults to the
    row's own PyTorch name (found by the test from the row)."""

    def register(gen: Generator) -> Generator:
        for name in names:
            SPECS[name] = Spec(gen, torch or "", sums, rtol)
        return gen

    return register


# --- elementwise --------------------------------------------------------------------------
_DOMAINS = {"log": "positive", "log2": "positive", "log10": "positive", "sqrt": "positive",
            "rsqrt": "positive", "log1p": "positive", "reciprocal": "normal"}


def _unary(kind: str = "normal", ints: bool = False) -> Generator:
    def gen(g: Gen) -> Case:
        shape = g.shape()
        if ints and g.chance(0.2):
            return Case((g.ints(shape, -5, 6, dtype=g.pick(["int64", "int32"])),), grad=False)
        # domain edges: a few cases leave the domain (log of negatives is NaN in both)
        chosen = kind if g.chance(0.85) else "normal"
        return Case((g.float(shape, chosen),))
    return gen


for _name in ("exp", "expm1", "sin", "cos", "tan", "sinh", "cosh", "sigmoid", "tanh",
              "logsigmoid", "silu", "relu6", "square"):
    fuzz(_name)(_unary("normal", ints=_name in ("exp", "sigmoid", "tanh", "sin", "square")))
for _name, _kind in _DOMAINS.items():
    fuzz(_name)(_unary(_kind, ints=_name in ("log", "sqrt", "reciprocal")))
for _name in ("neg", "abs", "floor", "ceil", "round", "trunc", "sign", "relu"):
    fuzz(_name)(_unary("normal", ints=True))


@fuzz("leaky_relu")
def _leaky_relu(g: Gen) -> Case:
    return Case((g.float(g.shape()), g.pick([0.01, 0.2, -0.5, 2.0])))


@fuzz("elu")
def _elu(g: Gen) -> Case:
    return Case((g.float(g.shape()), g.pick([1.0, 0.5, 2.0])))


@fuzz("gelu")
def _gelu(g: Gen) -> Case:
    return Case((g.float(g.shape()),), {"approximate": g.pick(["none", "tanh"])})


@fuzz("softplus")
def _softplus(g: Gen) -> Case:
    return Case((g.float(g.shape()), g.pick([1.0, 2.0, 0.5]), g.pick([20.0, 1.0, 5.0])))


@fuzz("hardtanh")
def _hardtanh(g: Gen) -> Case:
    low = g.pick([-1.0, -0.5, 0.0])
    return Case((g.float(g.shape()), low, low + g.pick([0.5, 1.0, 2.0])))


@fuzz("softmax", "log_softmax")
def _softmax(g: Gen) -> Case:
    shape = g.shape(low=1)
    x = g.float(shape)
    if g.chance(0.15):
        return Case((x, len(shape) + g.int(0, 1)), note="dim out of range")
    return Case((x, g.dim(len(shape))))


@fuzz("isnan", "isinf", "isfinite", "logical_not")
def _predicate(g: Gen) -> Case:
    shape = g.shape()
    x = g.any_dtype(shape, grad=False) if g.chance(0.3) else g.float(shape, grad=False)
    x.edge = True
    if x.floating and x.array.size:
        g._edges(x.array)
    return Case((x,), grad=False)


@fuzz("bitwise_not")
def _bitwise_not(g: Gen) -> Case:
    shape = g.shape()
    if g.chance(0.1):
        return Case((g.float(shape, grad=False),), grad=False, note="float input")
    return Case((g.bools(shape) if g.chance(0.5) else g.ints(shape, -9, 9),), grad=False)


# --- binary, with broadcasting and type promotion -------------------------------------------
def _pair_shapes(g: Gen) -> tuple[tuple[int, ...], tuple[int, ...], bool]:
    a = g.shape()
    b = g.broadcast_to(a)
    bad = False
    if a and g.chance(0.08):  # a size that does not broadcast
        b = tuple(n + 1 if n > 1 else n for n in a)
        bad = b != a
    if g.chance(0.5):
        a, b = b, a
    return a, b, bad


def _operand(g: Gen, shape: tuple[int, ...], kind: str = "normal", mixed: bool = True) -> Any:
    """A tensor, or now and then a Python scalar or another dtype."""
    roll = g.rng.random()
    if roll < 0.12:
        return g.pick([2, -3, 0.5, 2.5, -1.25, True]) if kind != "positive" else 1.5
    if mixed and roll < 0.25:
        return g.any_dtype(shape)
    return g.float(shape, kind)


def _binary(kind: str = "normal", scalar_first: bool = True, mixed: bool = True) -> Generator:
    def gen(g: Gen) -> Case:
        a_shape, b_shape, bad = _pair_shapes(g)
        a = g.float(a_shape, kind) if not scalar_first else _operand(g, a_shape, kind, mixed)
        # at least one tensor: a number first means a tensor second
        b = _operand(g, b_shape, kind, mixed) if isinstance(a, Val) else g.float(b_shape, kind)
        return Case((a, b), note="shapes do not broadcast" if bad else "")
    return gen


fuzz("mul")(_binary())
@fuzz("div")
def _div(g: Gen) -> Case:
    case = _binary("nonzero")(g)
    if g.chance(0.4):  # rounded quotients, also of integers (zero divisors: both refuse)
        case.kwargs["rounding_mode"] = g.pick(["floor", "trunc"])
    return case


fuzz("maximum", "minimum")(_binary(scalar_first=False, mixed=False))
fuzz("eq", "ne", "lt", "le", "gt", "ge")(_binary(scalar_first=False))


@fuzz("add", "sub")
def _add_sub(g: Gen) -> Case:
    case = _binary()(g)
    if g.chance(0.3) and all(isinstance(a, Val) and a.floating for a in case.args):
        case.kwargs["alpha"] = g.pick([2, 0.5, -1.5])
    return case


@fuzz("pow")
def _pow(g: Gen) -> Case:
    shape = g.shape()
    roll = g.rng.random()
    if roll < 0.4:
        return Case((g.float(shape, "positive"), g.pick([2, 3, 0.5, -1, 0, 1.5, -2.5])))
    if roll < 0.5:
        return Case((g.pick([2.0, 0.5, 3]), g.float(shape)))
    if roll < 0.6:
        return Case((g.float(shape), g.pick([2, 3, 0])))  # integer powers of any sign
    b_shape = g.broadcast_to(shape)
    return Case((g.float(shape, "positive"), g.float(b_shape)))


@fuzz("where")
def _where(g: Gen) -> Case:
    shape = g.shape()
    cond = g.bools(g.broadcast_to(shape))
    x = g.float(shape)
    y = g.float(g.broadcast_to(shape)) if g.chance(0.8) else g.pick([0.0, -1.5, 2])
    if g.chance(0.1):
        cond = g.ints(cond.array.shape, 0, 2)
        return Case((cond, x, y), grad=False, note="int condition")
    return Case((cond, x, y))


@fuzz("clamp")
def _clamp(g: Gen) -> Case:
    x = g.float(g.shape())
    low = g.pick([None, -0.5, 0.0, -1.0])
    high = g.pick([None, 0.5, 1.0]) if low is not None else g.pick([0.5, 1.0])
    if g.chance(0.1) and low is not None:
        high = low - 0.5  # min > max: PyTorch clamps everything to max
    return Case((x, low, high))


@fuzz("bitwise_and", "bitwise_or", "bitwise_xor")
def _bitwise(g: Gen) -> Case:
    a_shape, b_shape, bad = _pair_shapes(g)
    kind = g.pick(["bool", "int"])
    make = (lambda s: g.bools(s)) if kind == "bool" else (lambda s: g.ints(s, -9, 9))
    b = make(b_shape) if g.chance(0.85) else g.pick([6, True, 3])
    a = make(a_shape) if g.chance(0.95) else g.float(a_shape, grad=False)
    return Case((a, b), grad=False, note="shapes do not broadcast" if bad else "")


@fuzz("floor_divide", "remainder")
def _floor_remainder(g: Gen) -> Case:
    a_shape, b_shape, _ = _pair_shapes(g)
    if g.chance(0.4):
        a = g.ints(a_shape, -9, 10)
        b: Any = g.ints(b_shape, 1, 5) if g.chance(0.7) else g.pick([3, -2, 2.5])
        return Case((a, b), grad=False)
    a = g.float(a_shape, grad=False)
    b = g.float(b_shape, "positive", grad=False) if g.chance(0.8) else g.pick([0.7, -1.5, 3])
    return Case((a, b), grad=False)


@fuzz("equal")
def _equal(g: Gen) -> Case:
    shape = g.shape()
    a = g.float(shape, grad=False)
    b = Val(a.array.copy()) if g.chance(0.5) else g.float(g.broadcast_to(shape), grad=False)
    return Case((a, b), grad=False)


@fuzz("allclose")
def _allclose(g: Gen) -> Case:
    shape = g.shape()
    a = g.float(shape, grad=False, dtype="float64")
    b = Val((a.array + g.pick([0.0, 1e-9, 1e-3])).astype("float64"))
    return Case((a, b), {"equal_nan": g.chance(0.5)}, grad=False)


# --- reductions -----------------------------------------------------------------------------
def _reduction(dims: bool = True, one_dim: bool = False, keepdim: bool = True,
               kind: str = "normal", shift: bool = True) -> Generator:
    def gen(g: Gen) -> Case:
        shape = g.shape()
        x = g.float(shape, kind, shift=shift) if kind != "bool" else g.bools(shape)
        kwargs: dict[str, Any] = {}
        if dims:
            d = g.dim(len(shape), none=0.3) if one_dim else g.dims(len(shape))
            if d is not None:
                kwargs["dim"] = d
                if keepdim and g.chance(0.5):
                    kwargs["keepdim"] = True
            if shape and g.chance(0.05):
                kwargs["dim"] = len(shape) + 1  # out of range
        return Case((x,), kwargs, grad=kind != "bool")
    return gen


fuzz("sum", "mean", sums=True)(_reduction())
fuzz("amax", "amin")(_reduction())
fuzz("any", "all")(_reduction(kind="bool"))
fuzz("argmax", "argmin")(_reduction(one_dim=True))


@fuzz("prod")
def _prod(g: Gen) -> Case:
    shape = g.shape(size=3)
    kind = g.pick(["normal", "small"])  # "small" has zeros, sometimes two in a row
    kwargs: dict[str, Any] = {}
    d = g.dim(len(shape), none=0.3)
    if d is not None:
        kwargs["dim"] = d
        kwargs["keepdim"] = g.chance(0.5)
    return Case((g.float(shape, kind),), kwargs)


@fuzz("var", "std", sums=True)
def _var(g: Gen) -> Case:
    case = _reduction(shift=False)(g)  # the float32 variance of 1e4 + 1e-3 x has no digits
    if g.chance(0.5):
        case.kwargs["correction"] = g.pick([0, 1, 2])
    if g.chance(0.2):  # constant data: the gradient of std is 0 there, not NaN
        x = case.args[0]
        x.array[...] = g.pick([1.0, 0.0, -2.5])
        x.edge = False
    return case


@fuzz("max", "min")
def _max_min(g: Gen) -> Case:
    shape = g.shape()
    kind = g.pick(["normal", "small"])  # "small" holds ties
    x = g.float(shape, kind)
    roll = g.rng.random()
    if roll < 0.3:
        return Case((x,), grad=kind == "normal")
    if roll < 0.8:
        kwargs = {"keepdim": True} if g.chance(0.4) else {}
        return Case((x, g.dim(len(shape))), kwargs, grad=kind == "normal")
    return Case((x, g.float(g.broadcast_to(shape))), grad=kind == "normal")


@fuzz("logsumexp", sums=True)
def _logsumexp(g: Gen) -> Case:
    shape = g.shape(low=1)
    d = g.dims(len(shape))
    return Case((g.float(shape), 0 if d is None else d), {"keepdim": g.chance(0.4)})


@fuzz("norm", sums=True)
def _norm(g: Gen) -> Case:
    shape = g.shape()
    p = g.pick(["fro", 2, 1, 3, math.inf, 0.5, 0, -1, -math.inf])
    d = g.dims(len(shape))
    if p == "fro" and d is not None and not isinstance(d, list):
        d = [d]
    if p == "fro" and isinstance(d, list) and len(d) > 2:
        d = d[:2]
    return Case((g.float(shape), p, d), {"keepdim": g.chance(0.4)},
                grad=p not in (math.inf, -math.inf, 0.5, -1))


# --- shapes -------------------------------------------------------------------------------
@fuzz("reshape", torch="Tensor.reshape")
def _reshape(g: Gen) -> Case:
    shape = g.shape()
    x = g.float(shape)
    numel = math.prod(shape)
    options = [[numel], [-1], [1, numel, 1]]
    for d in (2, 3, 4):
        if numel and numel % d == 0:
            options += [[d, -1], [-1, d], [numel // d, d]]
    target = list(g.pick(options))
    if g.chance(0.1):
        target = [numel + 1]
    elif g.chance(0.05):
        target = [-1, -1]
    return Case((x, target) if g.chance(0.5) else (x, *target))


@fuzz("view_as")
def _view_as(g: Gen) -> Case:
    shape = g.shape()
    numel = math.prod(shape)
    other = g.pick([(numel,), (1, numel), (numel, 1)])
    return Case((g.float(shape), g.float(other, grad=False)))


@fuzz("flatten")
def _flatten(g: Gen) -> Case:
    shape = g.shape()
    n = max(len(shape), 1)
    start = g.int(-n, n - 1)
    end = g.int(-n, n - 1)
    return Case((g.float(shape), start, end))


@fuzz("unflatten")
def _unflatten(g: Gen) -> Case:
    shape = g.shape(low=1)
    d = g.dim(len(shape))
    n = shape[d]  # type: ignore[index]
    sizes = g.pick([[n], [1, n], [n, 1], [-1, 1]])
    if n and n % 2 == 0:
        sizes = g.pick([sizes, [2, n // 2], [-1, 2]])
    if g.chance(0.1):
        sizes = [n + 1]
    return Case((g.float(shape), d, sizes))


@fuzz("squeeze")
def _squeeze(g: Gen) -> Case:
    shape = tuple(1 if g.chance(0.4) else n for n in g.shape())
    x = g.float(shape)
    dims = g.dims(len(shape)) if g.chance(0.3) else g.dim(len(shape))
    if not shape or dims is None or g.chance(0.3):
        return Case((x,))
    return Case((x, tuple(dims) if isinstance(dims, list) else dims))


@fuzz("unsqueeze")
def _unsqueeze(g: Gen) -> Case:
    shape = g.shape()
    n = len(shape) + 1
    d = g.int(-n, n - 1) if g.chance(0.92) else n
    return Case((g.float(shape), d))


@fuzz("permute", torch="Tensor.permute")
def _permute(g: Gen) -> Case:
    shape = g.shape(low=1)
    order = g.rng.permutation(len(shape)).tolist()
    if g.chance(0.08):
        order = order + [0]  # a repeated dimension
    return Case((g.float(shape), *order) if g.chance(0.5) else (g.float(shape), order))


@fuzz("transpose")
def _transpose(g: Gen) -> Case:
    shape = g.shape(low=1)
    return Case((g.float(shape), g.dim(len(shape)), g.dim(len(shape))))


@fuzz("t")
def _t(g: Gen) -> Case:
    return Case((g.float(g.shape(high=3)),))


@fuzz("expand")
def _expand(g: Gen) -> Case:
    shape = tuple(1 if g.chance(0.5) else n for n in g.shape(low=1))
    target = [g.int(1, 3) if n == 1 else g.pick([n, -1]) for n in shape]
    if g.chance(0.3):
        target = [2] + target
    if g.chance(0.08) and shape:
        target[-1] = shape[-1] + 1 if shape[-1] != 1 else target[-1]
    return Case((g.float(shape), *target))


@fuzz("expand_as")
def _expand_as(g: Gen) -> Case:
    shape = g.shape()
    small = g.broadcast_to(shape)
    return Case((g.float(small), g.float(shape, grad=False)))


@fuzz("repeat")
def _repeat(g: Gen) -> Case:
    shape = g.shape(high=3)
    reps = [g.int(0, 3) for _ in range(len(shape) + g.int(0, 1))]
    if g.chance(0.05):
        reps = reps[:-1] if len(reps) > 1 else reps  # fewer than the dimensions
    return Case((g.float(shape), *reps))


def _list_call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    *tensors, dim = args
    return fn(list(tensors), dim=dim)


@fuzz("cat")
def _cat(g: Gen) -> Case:
    shape = g.shape(low=1)
    d = g.dim(len(shape))
    parts = []
    for _ in range(g.int(1, 3)):
        s = list(shape)
        s[d] = g.int(0, 3)  # type: ignore[index]
        parts.append(g.float(tuple(s)))
    if g.chance(0.1) and len(shape) > 1:
        s = list(shape)
        s[(d + 1) % len(shape)] += 1  # type: ignore[operator]
        parts.append(g.float(tuple(s)))
    return Case((*parts, d), call=_list_call)


@fuzz("stack")
def _stack(g: Gen) -> Case:
    shape = g.shape()
    parts = [g.float(shape) for _ in range(g.int(1, 3))]
    if g.chance(0.1) and shape:
        parts.append(g.float(shape[:-1] + (shape[-1] + 1,)))
    n = len(shape) + 1
    return Case((*parts, g.int(-n, n - 1)), call=_list_call)


@fuzz("meshgrid")
def _meshgrid(g: Gen) -> Case:
    parts = [g.float((g.size(),)) for _ in range(g.int(1, 3))]
    return Case(tuple(parts), {"indexing": g.pick(["ij", "xy"])})


@fuzz("split")
def _split(g: Gen) -> Case:
    shape = g.shape(low=1)
    d = g.dim(len(shape))
    n = shape[d]  # type: ignore[index]
    if g.chance(0.5):
        sections: Any = g.int(1, 3)
    else:
        cut = g.int(0, n)
        sections = [cut, n - cut]
        if g.chance(0.1):
            sections = [cut, n - cut + 1]
    return Case((g.float(shape), sections, d))


@fuzz("chunk")
def _chunk(g: Gen) -> Case:
    shape = g.shape(low=1)
    return Case((g.float(shape), g.int(1, 4) if g.chance(0.95) else 0, g.dim(len(shape))))


# --- indexing -------------------------------------------------------------------------------
def _index_item(g: Gen, n: int) -> Any:
    roll = g.rng.random()
    if roll < 0.3 and n:
        return g.int(-n, n - 1)
    if roll < 0.6:
        start = g.pick([None, 0, 1, -1])
        stop = g.pick([None, n, -1, 2])
        step = g.pick([None, 1, 2, 3])
        return slice(start, stop, step)
    if roll < 0.75 and n:
        return [g.int(-n, n - 1) for _ in range(g.int(0, 3))]
    if roll < 0.8:
        return None
    return slice(None)


@fuzz("getitem", torch=lambda x, index: x[index])
def _getitem(g: Gen) -> Case:
    shape = g.shape(low=1)
    x = g.float(shape)
    roll = g.rng.random()
    if roll < 0.15:
        return Case((x, g.bools(shape)), note="boolean mask")
    if roll < 0.25:
        n = shape[0]
        return Case((x, g.ints((g.int(0, 3),), -n, max(n, 1)) if n else g.ints((0,), 0, 1)))
    items = [_index_item(g, n) for n in shape[: g.int(1, len(shape))]]
    lists = [i for i, item in enumerate(items) if isinstance(item, list)]
    for i in lists[1:]:  # several index lists must broadcast: keep one
        items[i] = slice(None)
    if g.chance(0.15):
        items.insert(g.int(0, len(items)), Ellipsis)
    if g.chance(0.05):
        items.append(0)
        items = items + [0] * (len(shape) + 1 - len(items))  # too many indices
    if g.chance(0.05) and shape[0]:
        items[0] = shape[0]  # one past the end
    return Case((x, tuple(items)))


@fuzz("gather")
def _gather(g: Gen) -> Case:
    shape = g.shape(low=1)
    d = g.dim(len(shape))
    index_shape = [g.int(0, n) for n in shape]
    index_shape[d] = g.int(0, 3)  # type: ignore[index]
    if g.chance(0.05) and len(shape) > 1:
        index_shape[(d + 1) % len(shape)] += 1  # type: ignore[operator]  # too large there
    n = shape[d]  # type: ignore[index]
    high = n + (1 if g.chance(0.05) else 0)
    index = g.ints(tuple(index_shape), 0, high) if n else g.ints(tuple(0 for _ in shape), 0, 1)
    return Case((g.float(shape), d, index))


# --- pooling ------------------------------------------------------------------------------
def _image(g: Gen, channels: int | None = None, low: int = 1, high: int = 7,
           kind: str = "normal") -> Val:
    n = g.size(1, 2)
    c = channels if channels is not None else g.int(1, 3)
    h, w = g.int(low, high), g.int(low, high)
    if g.chance(0.05):
        h = 0
    shape = (n, c, h, w) if g.chance(0.8) else (c, h, w)
    return g.float(shape, kind)


def _pair(g: Gen, low: int, high: int) -> Any:
    if g.chance(0.6):
        return g.int(low, high)
    return (g.int(low, high), g.int(low, high))


def _first(value: Any) -> int:
    return value if isinstance(value, int) else min(value)


@fuzz("max_pool2d")
def _max_pool2d(g: Gen) -> Case:
    x = _image(g, kind=g.pick(["normal", "normal", "small"]))
    kernel = _pair(g, 1, 3)
    kwargs: dict[str, Any] = {}
    if g.chance(0.6):
        kwargs["stride"] = _pair(g, 1, 3)
    if g.chance(0.4):
        kwargs["padding"] = _pair(g, 0, max(_first(kernel) // 2, 0))
    if g.chance(0.3):
        kwargs["dilation"] = _pair(g, 1, 2)
    if g.chance(0.3):
        kwargs["ceil_mode"] = True
    if g.chance(0.3):
        kwargs["return_indices"] = True
    if g.chance(0.06):
        kwargs["padding"] = _first(kernel) // 2 + 1  # more than half the kernel
    ties = x.array.dtype.kind == "f" and "small" in x.describe()
    return Case((x, kernel), kwargs, grad=not ties)


@fuzz("avg_pool2d", sums=True)
def _avg_pool2d(g: Gen) -> Case:
    x = _image(g)
    kernel = _pair(g, 1, 3)
    kwargs: dict[str, Any] = {}
    if g.chance(0.6):
        kwargs["stride"] = _pair(g, 1, 3)
    if g.chance(0.4):
        kwargs["padding"] = _pair(g, 0, _first(kernel) // 2)
    if g.chance(0.3):
        kwargs["ceil_mode"] = True
    if g.chance(0.3):
        kwargs["count_include_pad"] = False
    if g.chance(0.2):
        kwargs["divisor_override"] = g.pick([1, 3, 4])
    if g.chance(0.05):
        kwargs["padding"] = _first(kernel) // 2 + 1
    return Case((x, kernel), kwargs)


@fuzz("lp_pool2d", sums=True, rtol=10)
def _lp_pool2d(g: Gen) -> Case:
    p = g.pick([1.0, 2.0, 3.0])
    x = _image(g, kind="positive")
    kernel = _pair(g, 1, 3)
    kwargs: dict[str, Any] = {}
    if g.chance(0.5):
        kwargs["stride"] = _pair(g, 1, 3)
    if g.chance(0.3):
        kwargs["ceil_mode"] = True
    return Case((x, p, kernel), kwargs)


def _adaptive_size(g: Gen) -> Any:
    roll = g.rng.random()
    if roll < 0.4:
        return g.int(1, 5)
    if roll < 0.9:
        return (g.pick([None, 1, 2, 3, 4]), g.int(1, 5))
    return 0


@fuzz("adaptive_avg_pool2d", sums=True)
def _adaptive_avg(g: Gen) -> Case:
    return Case((_image(g), _adaptive_size(g)))


@fuzz("adaptive_max_pool2d")
def _adaptive_max(g: Gen) -> Case:
    kwargs = {"return_indices": True} if g.chance(0.3) else {}
    return Case((_image(g), _adaptive_size(g)), kwargs)


def _unpool_call(fn: Any, x: Any, kernel: Any, stride: Any, padding: Any, size: Any) -> Any:
    if fn.__module__.startswith("minigrad"):
        import minigrad.nn.functional as functional
    else:
        import torch.nn.functional as functional  # type: ignore[no-redef]
    pooled, indices = functional.max_pool2d(x, kernel, stride, padding, return_indices=True)
    return fn(pooled, indices, kernel, stride, padding, output_size=size)


@fuzz("max_unpool2d")
def _max_unpool2d(g: Gen) -> Case:
    x = _image(g, low=2)
    kernel = g.int(1, 3)
    stride = g.int(1, 3)
    padding = g.int(0, kernel // 2)
    size = None
    h, w = x.array.shape[-2:]
    if g.chance(0.3):
        size = [h, w]
    return Case((x, kernel, stride, padding, size), call=_unpool_call)


# --- convolution ----------------------------------------------------------------------------
@fuzz("conv2d", sums=True, rtol=10)
def _conv2d(g: Gen) -> Case:
    groups = g.pick([1, 1, 1, 2, 3])
    cin = groups * g.int(1, 2)
    cout = groups * g.int(1, 2)
    x = _image(g, channels=cin, high=8)
    kernel = (g.int(1, 3), g.int(1, 3))
    w = g.float((cout, cin // groups, *kernel))
    bias = g.float((cout,)) if g.chance(0.5) else None
    kwargs: dict[str, Any] = {}
    padding_choice = g.rng.random()
    stride = _pair(g, 1, 3) if g.chance(0.5) else 1
    if padding_choice < 0.15 and stride == 1:
        kwargs["padding"] = "same"
    elif padding_choice < 0.25:
        kwargs["padding"] = "valid"
    elif padding_choice < 0.6:
        kwargs["padding"] = _pair(g, 0, 2)
    kwargs["stride"] = stride
    if g.chance(0.3):
        kwargs["dilation"] = _pair(g, 1, 2)
    if groups > 1:
        kwargs["groups"] = groups
    if g.chance(0.05):
        kwargs["groups"] = groups + 1  # does not divide the channels
    if g.chance(0.04):
        w = g.float((cout, cin // groups + 1, *kernel))  # wrong channel count
    return Case((x, w, bias), kwargs)


@fuzz("conv1d", sums=True, rtol=10)
def _conv1d(g: Gen) -> Case:
    groups = g.pick([1, 1, 2])
    cin = groups * g.int(1, 2)
    cout = groups * g.int(1, 2)
    n = g.size(1, 2)
    length = g.int(1, 8)
    x = g.float((n, cin, length) if g.chance(0.8) else (cin, length))
    k = g.int(1, 3)
    w = g.float((cout, cin // groups, k))
    bias = g.float((cout,)) if g.chance(0.5) else None
    kwargs: dict[str, Any] = {"stride": g.int(1, 3)}
    roll = g.rng.random()
    if roll < 0.15 and kwargs["stride"] == 1:
        kwargs["padding"] = "same"
    elif roll < 0.5:
        kwargs["padding"] = g.int(0, 2)
    if g.chance(0.3):
        kwargs["dilation"] = g.int(1, 2)
    if groups > 1:
        kwargs["groups"] = groups
    return Case((x, w, bias), kwargs)


@fuzz("conv_transpose2d", sums=True, rtol=10)
def _conv_transpose2d(g: Gen) -> Case:
    groups = g.pick([1, 1, 2])
    cin = groups * g.int(1, 2)
    cout_per = g.int(1, 2)
    x = _image(g, channels=cin, high=5)
    kernel = (g.int(1, 3), g.int(1, 3))
    w = g.float((cin, cout_per, *kernel))
    bias = g.float((cout_per * groups,)) if g.chance(0.5) else None
    stride = (g.int(1, 3), g.int(1, 3))
    dilation = (g.int(1, 2), g.int(1, 2))
    padding = (g.int(0, 1), g.int(0, 1))
    output_padding = tuple(g.int(0, max(s, d) - 1) for s, d in zip(stride, dilation))
    if g.chance(0.05):
        output_padding = stride  # too large
    return Case((x, w, bias, stride, padding, output_padding, groups, dilation))


@fuzz("unfold", sums=True)
def _unfold(g: Gen) -> Case:
    x = _image(g, high=6)
    if x.array.ndim == 3 and g.chance(0.5):
        pass  # unbatched (C, H, W) input
    kwargs = {"dilation": _pair(g, 1, 2), "padding": _pair(g, 0, 1), "stride": _pair(g, 1, 2)}
    return Case((x, _pair(g, 1, 3)), kwargs)


@fuzz("fold", sums=True)
def _fold(g: Gen) -> Case:
    out = (g.int(1, 6), g.int(1, 6))
    kernel = (g.int(1, 3), g.int(1, 3))
    stride = (g.int(1, 2), g.int(1, 2))
    padding = (g.int(0, 1), g.int(0, 1))
    dilation = (g.int(1, 2), g.int(1, 2))
    blocks = 1
    for n, k, s, p, d in zip(out, kernel, stride, padding, dilation):
        count = (n + 2 * p - d * (k - 1) - 1) // s + 1
        blocks *= max(count, 0)
    c = g.int(1, 2)
    length = blocks if g.chance(0.93) else blocks + 1
    batch = g.size(1, 2)
    shape = (batch, c * kernel[0] * kernel[1], length)
    if g.chance(0.2):
        shape = shape[1:]
    kwargs = {"dilation": dilation, "padding": padding, "stride": stride}
    return Case((g.float(shape), out, kernel), kwargs)


@fuzz("pad")
def _pad(g: Gen) -> Case:
    mode = g.pick(["constant", "constant", "reflect", "replicate", "circular"])
    if mode == "constant":
        shape = g.shape(low=1)
        width = [g.int(-1, 2) for _ in range(2 * g.int(1, len(shape)))]
        kwargs: dict[str, Any] = {"value": g.pick([0.0, 1.5])} if g.chance(0.5) else {}
        return Case((g.float(shape), width), {"mode": mode, **kwargs})
    spatial = g.int(1, 2)
    batch = g.int(1, 2)  # reflect/replicate/circular need (N,) C and the padded dims
    shape = tuple([g.int(1, 2)] * batch) + tuple(g.int(1, 5) for _ in range(spatial))
    width = []
    for n in reversed(shape[len(shape) - spatial:]):
        limit = n - 1 if mode == "reflect" else n if mode == "circular" else 3
        width += [g.int(0, max(limit, 0)), g.int(0, max(limit, 0))]
    if g.chance(0.08):
        width[0] = shape[-1] + 1  # wider than reflect/circular allow
    return Case((g.float(shape), width), {"mode": mode})


# --- linear algebra -----------------------------------------------------------------------
@fuzz("matmul", sums=True)
def _matmul(g: Gen) -> Case:
    m, k, n = g.size(), g.size(), g.size()
    a_rank, b_rank = g.int(1, 4), g.int(1, 4)
    batch = g.shape(high=2, size=3)

    def make(rank: int, rows: int, cols: int, vector: int) -> tuple[int, ...]:
        if rank == 1:
            return (vector,)
        lead = g.broadcast_to(batch)[: rank - 2] if rank > 2 else ()
        return tuple(lead) + (rows, cols)

    a = make(a_rank, m, k, k)
    b = make(b_rank, k, n, k)
    if g.chance(0.06):
        b = b[:-2] + (k + 1,) + b[-1:] if len(b) >= 2 else (k + 1,)
    return Case((g.float(a), g.float(b)))


@fuzz("mm", sums=True)
def _mm(g: Gen) -> Case:
    m, k, n = g.size(), g.size(), g.size()
    bad = g.chance(0.06)
    return Case((g.float((m, k)), g.float((k + bad, n) if g.chance(0.95) else (k,))))


@fuzz("bmm", sums=True)
def _bmm(g: Gen) -> Case:
    b, m, k, n = g.size(), g.size(), g.size(), g.size()
    other_b = b if g.chance(0.94) else b + 1
    return Case((g.float((b, m, k)), g.float((other_b, k, n))))


@fuzz("mv", sums=True)
def _mv(g: Gen) -> Case:
    m, k = g.size(), g.size()
    return Case((g.float((m, k)), g.float((k if g.chance(0.94) else k + 1,))))


@fuzz("dot", sums=True)
def _dot(g: Gen) -> Case:
    k = g.size()
    return Case((g.float((k,)), g.float((k if g.chance(0.94) else k + 1,))))


@fuzz("outer")
def _outer(g: Gen) -> Case:
    return Case((g.float((g.size(),)), g.float((g.size(),))))


@fuzz("linear", sums=True)
def _linear(g: Gen) -> Case:
    k, out = g.size(), g.size()
    lead = g.shape(high=2)
    x = g.float(lead + (k,))
    roll = g.rng.random()
    if roll < 0.1:  # a 1-D weight: one output per row, no feature dimension
        w = g.float((k,))
        bias = g.float(()) if g.chance(0.3) and len(lead) != 1 else None
        return Case((x, w, bias))
    w = g.float((out, k if g.chance(0.95) else k + 1))
    bias_shape = g.pick([(out,), (out,), (1, out), None])
    if bias_shape is not None and g.chance(0.05):
        bias_shape = (out + 1,)
    return Case((x, w, None if bias_shape is None else g.float(bias_shape)))


# --- losses -------------------------------------------------------------------------------
def _pair_loss(kind: str = "normal", target_kind: str = "normal") -> Generator:
    def gen(g: Gen) -> Case:
        shape = g.shape()
        target_shape = shape if g.chance(0.92) else g.broadcast_to(shape)
        kwargs: dict[str, Any] = {"reduction": g.pick(["mean", "sum", "none"])}
        return Case((g.float(shape, kind), g.float(target_shape, target_kind,
                                                     grad=g.chance(0.3))), kwargs)
    return gen


fuzz("mse_loss", "l1_loss", sums=True)(_pair_loss())


@fuzz("smooth_l1_loss", sums=True)
def _smooth_l1(g: Gen) -> Case:
    case = _pair_loss()(g)
    if g.chance(0.5):
        case.kwargs["beta"] = g.pick([0.5, 2.0, 0.0])
    return case


@fuzz("binary_cross_entropy", sums=True)
def _bce(g: Gen) -> Case:
    shape = g.shape()
    kwargs: dict[str, Any] = {"reduction": g.pick(["mean", "sum", "none"])}
    if g.chance(0.3):
        kwargs["weight"] = g.float(g.broadcast_to(shape), "positive", grad=False)
    target = g.float(shape, "prob", grad=False, edge=False)
    if g.chance(0.05):
        target = g.float(shape[:-1] + (shape[-1] + 1,) if shape else (2,), "prob",
                         grad=False, edge=False)
    return Case((g.float(shape, "prob", edge=False), target), kwargs)


@fuzz("binary_cross_entropy_with_logits", sums=True)
def _bce_logits(g: Gen) -> Case:
    shape = g.shape()
    kwargs: dict[str, Any] = {"reduction": g.pick(["mean", "sum", "none"])}
    if g.chance(0.3):
        kwargs["weight"] = g.float(g.broadcast_to(shape), "positive", grad=False)
    if g.chance(0.3) and shape:
        kwargs["pos_weight"] = g.float((shape[-1],), "positive", grad=False)
    return Case((g.float(shape), g.float(shape, "prob", grad=False, edge=False)), kwargs)


def _class_target(g: Gen, n: int, classes: int, shape: tuple[int, ...]) -> Val:
    target = g.ints(shape, 0, max(classes, 1))
    if classes and g.chance(0.3):
        flat = target.array.reshape(-1)
        if flat.size:
            flat[g.int(0, flat.size - 1)] = g.pick([-100, 2])
    if g.chance(0.04):
        target.array[...] = classes  # out of range
    return target


@fuzz("nll_loss", "cross_entropy", sums=True)
def _class_loss(g: Gen) -> Case:
    n, classes = g.size(1, 4), g.size(1, 4, zero=0.03)
    extra = g.shape(high=2, size=3) if g.chance(0.3) else ()
    shape = (n, classes) + extra if g.chance(0.9) else (classes,)
    target_shape = (n,) + extra if len(shape) > 1 else ()
    kwargs: dict[str, Any] = {"reduction": g.pick(["mean", "sum", "none"])}
    if g.chance(0.3):
        kwargs["weight"] = g.float((classes,), "positive", grad=False)
    if g.chance(0.2):
        kwargs["ignore_index"] = g.pick([0, 1, -1])
    return Case((g.float(shape), _class_target(g, n, classes, target_shape)), kwargs)


# --- normalization ------------------------------------------------------------------------
@fuzz("batch_norm", sums=True, rtol=10)
def _batch_norm(g: Gen) -> Case:
    c = g.int(1, 3)
    shape = (g.size(1, 3), c) + g.shape(high=2, size=3)
    training = g.chance(0.5)
    # contiguous running statistics: PyTorch 2.13's CPU backward in eval mode reads strided
    # ones wrongly (its gradients come out as if the variance were 0 or the gap filler)
    contiguous = "contiguous"  # weight and bias too: the same PyTorch bug reads them wrongly
    stats = (g.float((c,), grad=False, edge=False, layout=contiguous),
             g.float((c,), "positive", grad=False, edge=False, layout=contiguous))
    weight = g.float((c,), layout=contiguous) if g.chance(0.5) else None
    bias = g.float((c,), layout=contiguous) if g.chance(0.5) else None
    return Case((g.float(shape, shift=False), *stats, weight, bias, training))


@fuzz("layer_norm", sums=True, rtol=100)
def _layer_norm(g: Gen) -> Case:
    shape = g.shape(low=1)
    keep = g.int(1, len(shape))
    normalized = list(shape[len(shape) - keep:])
    weight = g.float(tuple(normalized)) if g.chance(0.5) else None
    bias = g.float(tuple(normalized)) if g.chance(0.5) else None
    if g.chance(0.05):
        normalized[-1] += 1
    return Case((g.float(shape, shift=False), normalized, weight, bias))


# --- embedding, one-hot, dropout -----------------------------------------------------------
@fuzz("embedding")
def _embedding(g: Gen) -> Case:
    rows, dim = g.int(1, 5), g.size(1, 3)
    index = g.ints(g.shape(high=2), 0, rows + (1 if g.chance(0.04) else 0))
    kwargs = {"padding_idx": g.int(-rows, rows - 1)} if g.chance(0.4) else {}
    if g.chance(0.05):
        kwargs = {"padding_idx": rows}
    return Case((index, g.float((rows, dim))), kwargs)


@fuzz("one_hot")
def _one_hot(g: Gen) -> Case:
    classes = g.int(1, 4)
    index = g.ints(g.shape(high=2), 0, classes)
    n = g.pick([-1, classes, classes + 2])
    if g.chance(0.05) and index.array.size:
        n = max(int(index.array.max()), 0)  # too few classes
    return Case((index, n), grad=False)


@fuzz("dropout", "dropout2d")
def _dropout(g: Gen) -> Case:
    shape = g.shape(low=3, high=4) if g.chance(0.5) else g.shape()
    p, training = g.pick([(0.0, True), (0.5, False), (1.0, True), (0.3, False)])
    if g.chance(0.05):
        p = 1.5
    return Case((g.float(shape), p, training))


# --- conversions ----------------------------------------------------------------------------
_CASTS = {"float": "float32", "double": "float64", "half": "float16", "long": "int64",
          "int": "int32", "short": "int16", "byte": "uint8", "char": "int8", "bool": "bool"}


def _cast_source(g: Gen) -> Val:
    # values that every target dtype holds (NaN, inf and overflows convert differently)
    val = g.float(g.shape(), "small", edge=False)
    if g.chance(0.3):
        return g.ints(val.array.shape, 0, 100)
    val.array = (val.array * 10).astype(val.array.dtype)
    return val


for _name in _CASTS:
    fuzz(_name, torch=f"Tensor.{_name}")(lambda g: Case((_cast_source(g),)))


@fuzz("to", torch="Tensor.to")
def _to(g: Gen) -> Case:
    return Case((_cast_source(g), DType(g.pick(list(_CASTS.values())))))


@fuzz("type", torch="Tensor.type")
def _type(g: Gen) -> Case:
    return Case((_cast_source(g), DType(g.pick(["float32", "float64", "int64"]))))


@fuzz("type_as", torch="Tensor.type_as")
def _type_as(g: Gen) -> Case:
    other = g.pick(["float32", "float64", "int64", "bool"])
    return Case((_cast_source(g), Val(numpy.zeros(2, dtype=other))))


@fuzz("clone", "contiguous")
def _clone(g: Gen) -> Case:
    return Case((g.float(g.shape()),))


# --- in-place ops (on a non-leaf copy, so that gradients reach the input) -------------------
def _in_place_call(fn: Any, x: Any, *args: Any, **kwargs: Any) -> Any:
    y = x * 1
    fn(y, *args, **kwargs)
    return y


@fuzz("fill_", torch="Tensor.fill_")
def _fill(g: Gen) -> Case:
    value: Any = g.pick([2.5, -1, 0.0]) if g.chance(0.6) else g.float(())
    return Case((g.float(g.shape()), value), call=_in_place_call)


@fuzz("zero_", torch="Tensor.zero_")
def _zero(g: Gen) -> Case:
    return Case((g.float(g.shape()),), call=_in_place_call)


@fuzz("copy_", torch="Tensor.copy_")
def _copy(g: Gen) -> Case:
    shape = g.shape()
    source = g.float(g.broadcast_to(shape)[-len(shape):] if shape else ())
    if g.chance(0.1):
        source = g.ints(source.array.shape, -3, 4)
    return Case((g.float(shape), source), call=_in_place_call)


def _set_item(fn: Any, x: Any, index: Any, value: Any) -> Any:
    y = x * 1
    fn(y, index, value)
    return y


@fuzz("setitem", torch=lambda x, index, value: x.__setitem__(index, value))
def _setitem(g: Gen) -> Case:
    from minigrad.functional.indexing import _numpy_getitem

    case = _getitem(g)
    x, index = case.args
    if isinstance(index, Val):  # a mask or an index tensor: keep it as a plain array
        index = index.array
    try:
        picked = _numpy_getitem(x.array, index).shape
    except IndexError:  # a bad index: both must refuse it, whatever the value
        picked = ()
    roll = g.rng.random()
    if roll < 0.3:
        value: Any = g.pick([1.5, -2.0, 0])
    elif roll < 0.6 or not picked:
        value = g.float(picked)
    else:
        value = g.float(picked[-1:])
    return Case((x, index, value), call=_set_item, note=case.note)


# the layers' functions and the tensor ops of issue 11 have their generators in modules of
# their own (importing them registers into SPECS)
for _module in ("tests.fuzz_specs_layers", "tests.fuzz_specs_tensor_ops"):
    importlib.import_module(_module)
