"""Random arguments for the differential fuzz test (tests/test_fuzz.py).

A :class:`Val` is one tensor argument described once (its values, whether it requires
grad, how it sits in memory) and made twice, as a minigrad tensor and as a PyTorch tensor
with the same values, dtype and strides. :class:`Gen` draws shapes, dtypes, values
(edge values included: NaN, infinities, signed zeros, subnormals, huge magnitudes) and
memory layouts from one seeded generator, so every case can be replayed from its seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy

FLOATS = ("float32", "float64")

# names the layouts a tensor argument can have in memory
CONTIGUOUS, TRANSPOSED, STRIDED, OFFSET, EXPANDED = (
    "contiguous", "transposed", "strided", "offset", "expanded")
FILL = 7777.0  # what the storage holds between a strided view's elements


@dataclass(frozen=True)
class DType:
    """A dtype argument, named once and made for either framework."""

    name: str

    def __repr__(self) -> str:
        return self.name


@dataclass
class Val:
    """One tensor argument: its values, whether gradients flow to it, and its layout.

    ``layout`` is how the tensor sits in memory: ``contiguous``; ``transposed`` (stored
    with its dimensions reversed, then permuted back); ``strided`` (every other element of
    a storage whose gaps hold :data:`FILL`, so a kernel reading past the view shows);
    ``offset`` (a view that does not start at the storage's first element); ``expanded``
    (a broadcast view with stride 0 along ``expand_dim``).
    """

    array: numpy.ndarray[Any, Any]
    grad: bool = False
    layout: str = CONTIGUOUS
    expand_dim: int = -1
    edge: bool = False

    @property
    def floating(self) -> bool:
        return self.array.dtype.kind == "f"

    def describe(self) -> str:
        shape = "x".join(map(str, self.array.shape)) or "scalar"
        text = f"{self.array.dtype}[{shape}]"
        if self.layout != CONTIGUOUS:
            text += f"/{self.layout}"
        if self.edge:
            text += "/edge"
        return text

    def storage_and_view(self) -> tuple[numpy.ndarray[Any, Any], Callable[[Any], Any]]:
        """A contiguous storage array and the view that turns it into this argument
        (written with methods both minigrad and PyTorch tensors have)."""
        a = self.array
        if self.layout == TRANSPOSED and a.ndim >= 2:
            order = tuple(reversed(range(a.ndim)))
            return numpy.ascontiguousarray(a.transpose(order)), lambda t: t.permute(*order)
        if self.layout == STRIDED and a.ndim >= 1:
            storage = numpy.full(a.shape[:-1] + (2 * a.shape[-1],), FILL, dtype=a.dtype)
            storage[..., ::2] = a
            return storage, lambda t: t[..., ::2]
        if self.layout == OFFSET and a.ndim >= 1:
            storage = numpy.full((a.shape[0] + 1,) + a.shape[1:], FILL, dtype=a.dtype)
            storage[1:] = a
            return storage, lambda t: t[1:]
        if self.layout == EXPANDED and a.ndim >= 1:
            dim = self.expand_dim
            storage = numpy.ascontiguousarray(a.take([0] if a.shape[dim] else [], axis=dim))
            shape = list(a.shape)
            return storage, lambda t: t.expand(*shape)
        return numpy.array(a, order="C"), lambda t: t  # (ascontiguousarray makes 0-d 1-d)

    def host(self) -> numpy.ndarray[Any, Any]:
        return self.array


@dataclass
class Case:
    """One call: ``fn(*args, **kwargs)`` with every :class:`Val` and :class:`DType` made
    for the framework under test; ``call(fn, *args, **kwargs)`` when the arguments need
    arranging. ``grad=False`` compares the forward pass only."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    grad: bool = True
    call: Callable[..., Any] | None = None
    note: str = ""

    def vals(self) -> list[Val]:
        found: list[Val] = []

        def walk(x: Any) -> None:
            if isinstance(x, Val):
                found.append(x)
            elif isinstance(x, (list, tuple)):
                for item in x:
                    walk(item)
            elif isinstance(x, dict):
                for item in x.values():
                    walk(item)

        walk(self.args)
        walk(self.kwargs)
        return found

    def describe(self) -> str:
        def one(x: Any) -> str:
            if isinstance(x, Val):
                return x.describe()
            if isinstance(x, (list, tuple)) and any(isinstance(i, Val) for i in x):
                inner = ", ".join(one(i) for i in x)
                return f"[{inner}]"
            return repr(x)

        parts = [one(a) for a in self.args] + [f"{k}={one(v)}" for k, v in self.kwargs.items()]
        text = ", ".join(parts)
        return f"{text}  ({self.note})" if self.note else text


class Gen:
    """Seeded draws of everything a case needs."""

    def __init__(self, rng: numpy.random.Generator, edge_rate: float = 0.25,
                 huge: bool = True) -> None:
        self.rng = rng
        self.edge_rate = edge_rate
        self.huge = huge  # edge values near the float maximum (not for sums: they overflow)
        self.dtype = str(rng.choice(FLOATS))  # the case's floating dtype

    # --- plain draws -----------------------------------------------------------------
    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def pick(self, options: Sequence[Any]) -> Any:
        return options[int(self.rng.integers(len(options)))]

    def int(self, low: int, high: int) -> int:
        """An int in ``[low, high]``."""
        return int(self.rng.integers(low, high + 1))

    def size(self, low: int = 1, high: int = 4, zero: float = 0.08) -> int:
        """A dimension size, now and then 0."""
        return 0 if self.chance(zero) else self.int(low, high)

    def shape(self, ndim: int | None = None, low: int = 0, high: int = 4, size: int = 4,
              zero: float = 0.08) -> tuple[int, ...]:
        n = self.int(low, high) if ndim is None else ndim
        return tuple(self.size(1, size, zero) for _ in range(n))

    def dim(self, ndim: int, none: float = 0.0) -> int | None:
        """A dimension index of an ``ndim``-D tensor, negative half the time."""
        if ndim == 0 or self.chance(none):
            return None if none else (0 if not self.chance(0.5) else -1)
        d = self.int(0, ndim - 1)
        return d - ndim if self.chance(0.5) else d

    def dims(self, ndim: int) -> Any:
        """``None``, one dimension or a list of distinct dimensions."""
        if ndim == 0 or self.chance(0.25):
            return None
        if self.chance(0.5):
            return self.dim(ndim)
        count = self.int(1, ndim)
        chosen = sorted(self.rng.choice(ndim, size=count, replace=False).tolist())
        return [d - ndim if self.chance(0.3) else d for d in chosen]

    def broadcast_to(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """A shape that broadcasts with ``shape`` (trailing part, some dims set to 1)."""
        keep = self.int(0, len(shape))
        tail = shape[len(shape) - keep:]
        out = tuple(1 if self.chance(0.3) else n for n in tail)
        if self.chance(0.15):
            out = (1,) + out  # one more leading dimension
        return out

    # --- tensor arguments --------------------------------------------------------------
    def layout(self, shape: tuple[int, ...]) -> str:
        if not shape:
            return CONTIGUOUS
        options = [CONTIGUOUS, CONTIGUOUS, STRIDED, OFFSET]
        if len(shape) >= 2:
            options.append(TRANSPOSED)
        return str(self.pick(options))

    def float(self, shape: tuple[int, ...], kind: str = "normal", grad: bool = True,
              edge: bool = True, dtype: str | None = None, layout: str | None = None,
              scale: float = 1.0, shift: bool = True) -> Val:
        """A floating tensor: ``normal``, ``positive`` (0.1..3), ``unit`` (-0.95..0.95),
        ``prob`` (0.02..0.98), ``small`` (integers -3..3 as floats, for ties). Now and then
        ``normal`` values are scaled and shifted (``1e4 + 1e-3 x``: large and close
        together); ``shift=False`` only scales them, for ops whose results are then
        ill-conditioned (normalizing ``1e4 + 1e-3 x`` in float32 keeps no correct digit)."""
        name = dtype or self.dtype
        rng = self.rng
        if kind == "positive":
            values = rng.uniform(0.1, 3.0, shape)
        elif kind == "unit":
            values = rng.uniform(-0.95, 0.95, shape)
        elif kind == "prob":
            values = rng.uniform(0.02, 0.98, shape)
        elif kind == "small":
            values = rng.integers(-3, 4, shape).astype(float)
        else:
            values = rng.standard_normal(shape)
            if self.chance(0.1):
                values = values * self.pick([1e-3, 1e3, 1e4]) + self.pick(
                    [0.0, 1e4] if shift else [0.0])
        values = numpy.asarray(values * scale, dtype=name)
        touched = edge and values.size > 0 and self.chance(self.edge_rate)
        if touched:
            self._edges(values)
        chosen = layout or self.layout(shape)
        val = Val(values, grad=grad, layout=chosen, edge=touched)
        if layout is None and chosen == CONTIGUOUS and shape and self.chance(0.08) and (
                not touched):
            self._expand(val)
        return val

    def _edges(self, values: numpy.ndarray[Any, Any]) -> None:
        info = numpy.finfo(values.dtype)
        big = float(info.max) / 2 if self.huge else math.sqrt(float(info.max)) / 1e3
        pool = [numpy.nan, numpy.inf, -numpy.inf, 0.0, -0.0, big, -big, float(info.tiny) / 4,
                1e4, -1e4]
        flat = values.reshape(-1)
        for _ in range(self.int(1, max(1, min(3, flat.size)))):
            flat[self.int(0, flat.size - 1)] = self.pick(pool)

    def _expand(self, val: Val) -> None:
        """Make ``val`` a stride-0 view along one of its dimensions (values repeat)."""
        a = val.array
        dim = self.int(0, a.ndim - 1)
        if a.shape[dim] < 2:
            return
        first = a.take([0], axis=dim)
        val.array = numpy.ascontiguousarray(numpy.broadcast_to(first, a.shape))
        val.layout, val.expand_dim = EXPANDED, dim

    def ints(self, shape: tuple[int, ...], low: int, high: int, dtype: str = "int64",
             layout: str | None = None) -> Val:
        """Integers in ``[low, high)``."""
        values = numpy.asarray(self.rng.integers(low, max(high, low + 1), shape), dtype=dtype)
        return Val(values, layout=layout or self.layout(shape))

    def bools(self, shape: tuple[int, ...]) -> Val:
        return Val(numpy.asarray(self.rng.random(shape) > 0.5), layout=self.layout(shape))

    def any_dtype(self, shape: tuple[int, ...], grad: bool = True) -> Val:
        """A tensor of a random dtype: float (with gradient), int64, int32 or bool."""
        kind = self.pick(["float", "float", "float", "int64", "int32", "bool"])
        if kind == "float":
            return self.float(shape, grad=grad)
        if kind == "bool":
            return self.bools(shape)
        return self.ints(shape, -5, 6, dtype=kind)
