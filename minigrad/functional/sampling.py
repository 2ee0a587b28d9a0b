"""Random sampling from tensors: multinomial, bernoulli, and the in-place fills
``bernoulli_``, ``exponential_`` and ``random_``.

The samples come from ``generator=`` (a :class:`minigrad.Generator`) when given, else from
the backend's default stream, which :func:`minigrad.manual_seed` seeds;
they have no gradient (as in PyTorch, where the derivative of a sample with respect to its
probabilities is not defined). The numbers differ from PyTorch's for the same seed.
"""

from __future__ import annotations

from typing import Any

import numpy

from minigrad.autograd import Function
from minigrad.backends.random_stream import RandomStream
from minigrad.functional.inplace import _recorded_copy
from minigrad.optable import Arg, S, op
from minigrad.random import stream_of
from minigrad.tensor import Tensor
from minigrad.types import Array


class Multinomial(Function):
    """Indices drawn from the rows of non-negative weights (int64, no gradient)."""

    differentiable = False

    def forward(ctx, weights: Array, num_samples: int = 1, replacement: bool = False,
                stream: RandomStream | None = None) -> Array:
        xp, backend = ctx.xp, ctx.backend
        p = weights.astype(numpy.float64).reshape(-1, weights.shape[-1])
        rows, n = p.shape
        if replacement:  # the inverse of the cumulative distribution at uniform samples
            cdf = xp.cumsum(p, axis=1)
            u = backend.rand((rows, num_samples), numpy.float64, stream) * cdf[:, -1:]
            drawn = (cdf[:, None, :] <= u[:, :, None]).sum(axis=2)
            drawn = xp.minimum(drawn, n - 1)
        else:  # an exponential race: the smallest E / p win, in the order drawn
            race = -xp.log1p(-backend.rand((rows, n), numpy.float64, stream))
            with numpy.errstate(divide="ignore"):
                keys = xp.where(p > 0, race / xp.where(p > 0, p, 1.0), numpy.inf)
            drawn = xp.argsort(keys, axis=1, kind="stable")[:, :num_samples]
        return drawn.astype(xp.int64).reshape(weights.shape[:-1] + (num_samples,))


class Bernoulli(Function):
    """1 with probability ``p``, else 0, shaped like ``a`` and in its dtype (no
    gradient). The probabilities are ``a`` itself, or a second input broadcast to it, or
    the number ``p``."""

    differentiable = False

    def forward(ctx, a: Array, *probabilities: Array, p: float | None = None,
                stream: RandomStream | None = None) -> Array:
        u = ctx.backend.rand(a.shape, numpy.float64, stream)
        chance = probabilities[0] if probabilities else a if p is None else p
        return (u < chance).astype(a.dtype)


class Exponential(Function):
    """Samples of the exponential distribution with rate ``lambd``, shaped like ``a``."""

    differentiable = False

    def forward(ctx, a: Array, lambd: float = 1.0, stream: RandomStream | None = None
                ) -> Array:
        u = ctx.backend.rand(a.shape, numpy.float64, stream)
        return (-ctx.xp.log1p(-u) / lambd).astype(a.dtype)


class RandomIntegers(Function):
    """Integers uniform on ``[low, high)``, shaped like ``a`` and in its dtype."""

    differentiable = False

    def forward(ctx, a: Array, low: int = 0, high: int = 2,
                stream: RandomStream | None = None) -> Array:
        return ctx.backend.randint(low, high, a.shape, numpy.int64, stream).astype(a.dtype)


def _seeded(seed: int = 0) -> Any:
    """A sample's ``call`` that seeds the generators first, so that two runs agree, and
    fills a copy of its input."""
    from minigrad.creation import manual_seed

    def call(fn: Any, input: Tensor, *args: Any, **kwargs: Any) -> Any:
        manual_seed(seed)
        return fn(input * 1, *args, **kwargs)

    return call


def _sorted(drawn: Any) -> Any:
    """Draws sorted along the last dimension (a tensor or, in a reference, an array)."""
    return drawn.sort(-1).values if isinstance(drawn, Tensor) else numpy.sort(drawn, -1)


def _fixed(values: Any) -> Arg:
    return Arg(kind="values", values=values, requires_grad=False)


@op("multinomial", Multinomial, method=True, torch=True, differentiable=False,
    samples=[S(_fixed([0.0, 0.0, 3.0]), 4, True, note="one possible outcome"),
             S(_fixed([[0.0, 2.0, 0.0], [1.0, 0.0, 0.0]]), 1, note="rows"),
             S(_fixed([0.0, 5.0, 0.0, 1.0]), 2, note="all that are possible",
               call=lambda f, p, n: _sorted(f(p, n)))],
    reference=lambda p, n, replacement=False: _np_multinomial(p, n))
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Any = None) -> Tensor:
    """``num_samples`` indices drawn from each row of ``input`` (1-D or 2-D), with
    probabilities proportional to its non-negative weights, as ``torch.multinomial``:
    without ``replacement`` each index is drawn at most once (zero-weight ones last), with
    it the draws are independent. int64 results of shape ``(..., num_samples)``.

    Raises
    ------
    RuntimeError
        If ``input`` is not 1-D or 2-D floating point, has a negative, infinite or NaN
        weight or a row summing to 0, or more samples are asked without replacement than
        a row has categories.
    """
    stream = stream_of(generator, input.backend, "multinomial")
    if input.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input.dtype}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {input.shape}")
    if num_samples <= 0:
        raise RuntimeError("multinomial: cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > input.shape[-1]:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples "
                           f"without replacement ({num_samples} > {input.shape[-1]})")
    weights = input.array
    xp = input.backend.xp
    if not bool(xp.isfinite(weights).all()) or bool((weights < 0).any()):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0")
    if input.shape[-1] == 0 or bool((weights.sum(axis=-1) <= 0).any()):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of "
                           "probabilities <= 0)")
    return Multinomial.apply(input, num_samples=num_samples, replacement=replacement,
                             stream=stream)


def _np_multinomial(p: Any, n: int) -> Any:
    """The outcome when only one is possible (the samples are chosen so)."""
    rows = p.reshape(-1, p.shape[-1])
    order = [numpy.concatenate([numpy.flatnonzero(r), numpy.flatnonzero(r == 0)]) for r in rows]
    picks = [o[:n] if numpy.count_nonzero(r) >= n else numpy.repeat(o[:1], n)
             for o, r in zip(order, rows)]
    return numpy.stack(picks).reshape(p.shape[:-1] + (n,))


def _probability(name: str, p: float) -> None:
    if not 0 <= p <= 1:
        raise RuntimeError(f"{name} expects p to be in [0, 1], but got p={p}")


@op("bernoulli", Bernoulli, method=True, torch=True, differentiable=False,
    samples=[S(_fixed([0.0, 1.0, 1.0, 0.0])), S(_fixed([[1.0, 0.0]]), 1.0, note="p given"),
             S(_fixed([[0.0, 1.0], [1.0, 1.0]]), 0.0, note="p = 0")],
    reference=lambda a, p=None: a if p is None else numpy.full(a.shape, p, a.dtype))
def bernoulli(input: Tensor, p: float | None = None, *, generator: Any = None) -> Tensor:
    """1 with probability ``input`` (elementwise), else 0, in ``input``'s dtype; with a
    number ``p``, every element has probability ``p`` (and ``input``, of any dtype, gives
    only the shape and dtype).

    Raises
    ------
    RuntimeError
        If ``input`` holds the probabilities but is not floating point, or a probability is
        outside ``[0, 1]``.
    """
    stream = stream_of(generator, input.backend, "bernoulli")
    if p is not None:  # input only gives the shape and dtype then, which may be any
        _probability("bernoulli", p)
        return Bernoulli.apply(input, p=float(p), stream=stream)
    if input.dtype.kind != "f":
        raise RuntimeError(f"bernoulli: expected a floating-point tensor of probabilities, "
                           f"got {input.dtype}")
    _check_probabilities("bernoulli", input)
    return Bernoulli.apply(input, stream=stream)


def _check_probabilities(name: str, p: Tensor) -> None:
    values = p.array
    if values.size and not bool(((values >= 0) & (values <= 1)).all()):
        raise RuntimeError(f"{name}: Expected p_in >= 0 && p_in <= 1 to be true, but got "
                           "false (probabilities must be in [0, 1])")


def _fill(input: Tensor, sample: Tensor, name: str) -> Tensor:
    """Overwrite ``input`` with ``sample``: a leaf that requires grad is refused while
    recording, and a recorded tensor's old values get a zero gradient (as ``copy_``)."""
    return _recorded_copy(input, sample, name)


def _on_a_copy(fn: Any, input: Tensor, *args: Any, **kwargs: Any) -> Any:
    """A sample's ``call`` that fills a copy (a leaf that requires grad can't be filled
    while recording)."""
    return fn(input * 1, *args, **kwargs)


@op("bernoulli_", method=True, differentiable=False,
    samples=[S((3,), 1.0, call=_on_a_copy, note="p = 1"),
             S((3,), 0.0, call=_on_a_copy, note="p = 0"),
             S((2, 3), _fixed([1.0, 0.0, 1.0]), call=_on_a_copy, note="p a tensor")],
    reference=lambda a, p=0.5: numpy.broadcast_to(numpy.asarray(p, a.dtype), a.shape))
def bernoulli_(input: Tensor, p: float | Tensor = 0.5, *, generator: Any = None) -> Tensor:
    """Fill ``input`` in place with 1 with probability ``p`` (a number, or a tensor
    broadcast to ``input``), else 0; returns ``input``."""
    stream = stream_of(generator, input.backend, "bernoulli_")
    if isinstance(p, Tensor):
        _check_probabilities("bernoulli_", p)
        sample = Bernoulli.apply(input, p.expand(input.shape), stream=stream)
    else:
        _probability("bernoulli_", p)
        sample = Bernoulli.apply(input, p=float(p), stream=stream)
    return _fill(input, sample, "bernoulli_")


@op("exponential_", Exponential, method=True, differentiable=False,
    samples=[S((3, 4), call=_seeded(), note="seeded"),
             S((50,), 2.0, call=lambda f, a, lambd: f(a * 1, lambd).min() >= 0,
               note="positive")],
    reference=None)
def exponential_(input: Tensor, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill ``input`` in place with samples of the exponential distribution of rate
    ``lambd`` (mean ``1 / lambd``); returns ``input``."""
    stream = stream_of(generator, input.backend, "exponential_")
    if input.dtype.kind != "f":
        raise RuntimeError(f"exponential_: Exponential distribution is a continuous "
                           f"probability distribution. dtype must be a floating point but you "
                           f"specified {input.dtype}")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    sample = Exponential.apply(input, lambd=float(lambd), stream=stream)
    return _fill(input, sample, "exponential_")


def _default_high(dtype: numpy.dtype[Any]) -> int:
    """The exclusive upper bound of ``random_()`` without bounds: every integer of the
    dtype up to its largest (for floats, up to 2**mantissa, where all are exact)."""
    if dtype.kind == "f":
        return int(2 ** (numpy.finfo(dtype).nmant + 1)) + 1
    if dtype.kind == "b":
        return 2
    return int(numpy.iinfo(dtype).max) + int(dtype != numpy.int64)


def _within_dtype(dtype: numpy.dtype[Any], low: int, high: int) -> None:
    """PyTorch's check that ``from`` and ``to - 1`` are values of ``dtype``."""
    if dtype.kind == "b":
        least, most = 0, 1
    elif dtype.kind == "f":
        info = numpy.finfo(dtype)
        least, most = int(info.min), int(info.max)
    else:
        iinfo = numpy.iinfo(dtype)
        least, most = int(iinfo.min), int(iinfo.max)
    for name, value in (("from", low), ("to - 1", high - 1)):
        if not least <= value <= most:
            raise RuntimeError(f"random_: {name} ({value}) is out of bounds for {dtype} "
                               f"(values in [{least}, {most}])")


@op("random_", RandomIntegers, method=True, differentiable=False,
    samples=[S((3,), 5, 6, call=_on_a_copy, note="one possible value"),
             S((4,), 1, call=_on_a_copy, note="to only"),
             S((2, 3), 2, to=3, call=_on_a_copy, note="to by name")],
    reference=lambda a, *bounds, to=None: numpy.full(
        a.shape, 0 if len(bounds) == 1 and to is None else bounds[0], a.dtype))
def random_(input: Tensor, *bounds: int, generator: Any = None, **kwargs: Any) -> Tensor:
    """Fill ``input`` in place with integers uniform on ``[from, to)``, as PyTorch's
    ``random_(from=0, to=None)``: ``random_(to)`` starts at 0, and ``random_()`` covers the
    dtype (for floats, the integers up to ``2**mantissa``, which are all exact). Returns
    ``input``.

    Raises
    ------
    RuntimeError
        If ``from >= to``, or ``from`` or ``to - 1`` is not a value of the dtype.
    """
    stream = stream_of(generator, input.backend, "random_")
    named = {k: kwargs.pop(k) for k in ("from", "to") if k in kwargs}
    if kwargs or len(bounds) > 2:
        raise TypeError(f"random_() takes at most 2 bounds (from, to), got {bounds} and "
                        f"{sorted(kwargs)}")
    given = dict(zip(("from", "to"), bounds)) | named
    if "to" in given:
        low, high = int(given.get("from", 0)), int(given["to"])
    elif "from" in given:  # random_(to): one bound is the end
        low, high = 0, int(given["from"])
    else:
        low, high = 0, _default_high(input.dtype)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    _within_dtype(input.dtype, low, high)
    sample = RandomIntegers.apply(input, low=low, high=high, stream=stream)
    return _fill(input, sample, "random_")
