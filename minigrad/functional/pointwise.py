"""More elementwise ops: lerp, addcmul, addcdiv, nan_to_num, erf, erfinv, atan2, hypot,
fmod, frac, sgn, and the logical and/or/xor.

The blends (``lerp``, ``addcmul``, ``addcdiv``) and ``nan_to_num``, ``frac``, ``sgn``,
``erf`` are compositions of existing ops; ``erfinv``, ``atan2``, ``hypot`` and ``fmod`` are
nodes of their own, with gradients written in tensor ops.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from minigrad.autograd import Function
from minigrad.dtypes import promote_tensor_types
from minigrad.functional.activation import Erf
from minigrad.functional.arithmetic import refuse_integer_zero_division, where
from minigrad.functional.comparison import Ufunc
from minigrad.functional.elementwise import sign, trunc
from minigrad.functional.operands import as_operands, constant, floating, unbroadcast
from minigrad.functional.reorder import broadcast_shape
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor
from minigrad.types import Array, Scalar

_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2


class ErfInv(Function):
    """The inverse error function; its derivative ``sqrt(pi)/2 exp(y^2)`` is written in
    tensor ops with the output ``y``."""

    def forward(ctx, a: Array) -> Array:
        out = _erfinv(ctx.backend, a)
        ctx.save(out)
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        (y,) = ctx.saved_tensors
        return g * (y * y).exp() * _SQRT_PI_OVER_2


def _erfinv(backend: Any, a: Array) -> Array:
    """Giles' single-precision approximation, polished by Newton steps on ``erf``."""
    xp = backend.xp
    x = a.astype(xp.float64 if a.dtype != numpy.float16 else xp.float32)
    inside = xp.abs(x) < 1
    safe = xp.where(inside, x, 0.0)
    w = -xp.log((1.0 - safe) * (1.0 + safe))
    central, tail = w - 2.5, xp.sqrt(w) - 3.0
    p_central = xp.zeros_like(x) + 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
              -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
        p_central = c + p_central * central
    p_tail = xp.zeros_like(x) - 0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):
        p_tail = c + p_tail * tail
    y = xp.where(w < 5.0, p_central, p_tail) * safe
    for _ in range(2):  # each step squares the relative error
        y = y - (backend.erf(y) - safe) / (2 / math.sqrt(math.pi) * xp.exp(-y * y))
    edge = xp.where(x == 1, xp.inf, xp.where(x == -1, -xp.inf, xp.nan))
    result: Array = xp.where(inside, y, edge).astype(a.dtype, copy=False)
    return result


class Atan2(Function):
    """``atan(input / other)`` in the right quadrant."""

    def forward(ctx, y: Array, x: Array) -> Array:
        ctx.shapes = (y.shape, x.shape)
        ctx.save(y, x)
        return ctx.xp.arctan2(y, x)

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        y, x = ctx.saved_tensors
        sy, sx = ctx.shapes
        # x / (x**2 + y**2) on x / s and y / s (s = max(|x|, |y|), a constant): the squares
        # neither overflow at huge values nor underflow to 0 at subnormal ones
        s = _pair_scale(y, x)
        ys, xs = y / s, x / s
        squares = xs * xs + ys * ys
        # at the origin (no slope) the gradient is 0, as PyTorch's; dividing by s last, a
        # zero numerator stays 0 where 1 / s overflows
        squares = squares.where(squares != 0, 1.0)
        return (unbroadcast(g * xs / squares / s, sy) if ctx.needs_input_grad[0] else None,
                unbroadcast(-(g * ys / squares / s), sx) if ctx.needs_input_grad[1] else None)


class Hypot(Function):
    """``sqrt(a**2 + b**2)`` without overflow in the squares."""

    def forward(ctx, a: Array, b: Array) -> Array:
        ctx.shapes = (a.shape, b.shape)
        out = ctx.xp.hypot(a, b)
        ctx.save(a, b, out)
        return out

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b, out = ctx.saved_tensors
        sa, sb = ctx.shapes
        # a / out as (a / s) / (out / s), s = max(|a|, |b|) a constant: 1 / out overflows
        # where out is subnormal
        s = _pair_scale(a, b)
        scaled = g / (out / s)
        return (unbroadcast(scaled * (a / s), sa) if ctx.needs_input_grad[0] else None,
                unbroadcast(scaled * (b / s), sb) if ctx.needs_input_grad[1] else None)


def _pair_scale(a: Tensor, b: Tensor) -> Tensor:
    """``max(|a|, |b|)`` elementwise, outside the graph; 1 where it is 0 or not finite."""
    xp = a.backend.xp
    top = xp.maximum(xp.abs(a.array), xp.abs(b.array))
    usable = xp.isfinite(top) & (top > 0)
    return constant(a, xp.where(usable, top, 1).astype(a.dtype, copy=False))


class Fmod(Function):
    """C's remainder ``a - trunc(a / b) * b`` (the sign of the dividend)."""

    def forward(ctx, a: Array, b: Array) -> Array:
        ctx.shapes = (a.shape, b.shape)
        with numpy.errstate(invalid="ignore", divide="ignore"):  # by zero: NaN, as PyTorch
            out = ctx.xp.fmod(a, b)
        ctx.save(a, b, out)
        return out

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b, out = ctx.saved_tensors
        sa, sb = ctx.shapes
        gb = None
        if ctx.needs_input_grad[1]:  # d/db of a - q * b is -q, q = trunc(a / b) held fixed
            quotient = ((a - out) / b).detach().round()
            gb = unbroadcast(-(g * quotient), sb)
        return (unbroadcast(g, sa) if ctx.needs_input_grad[0] else None), gb


def _same_dtype(name: str, input: Tensor, other: Tensor, what: str) -> None:
    if input.dtype != other.dtype:
        raise RuntimeError(f"{name}(): expected dtype {input.dtype} for `{what}` but got dtype "
                           f"{other.dtype}")


@op("lerp", method=True, inplace="lerp_", torch=True,
    samples=[S((3, 4), (3, 4), 0.3), S((3, 4), (4,), Arg((3, 1), "unit_positive")),
             S((2, 3), (2, 3), Arg((), "unit")), S((3,), (3,), 1.5, note="extrapolate")],
    reference=lambda a, b, w: a + w * (b - a))
def lerp(input: Tensor, end: Tensor, weight: Tensor | float) -> Tensor:
    """Linear interpolation ``input + weight * (end - input)`` (broadcast); ``weight`` is
    a number or a tensor.

    Raises
    ------
    RuntimeError
        If ``input`` and ``end`` have different dtypes, or are not floating point.
    """
    _same_dtype("lerp", input, end, "end")
    if isinstance(weight, Tensor):
        if weight.ndim:
            _same_dtype("lerp", input, weight, "weight")
        elif input.dtype.kind != "f" and weight.dtype.kind == "f":  # a 0-d weight promotes
            input, end = input.to(weight.dtype), end.to(weight.dtype)
    if input.dtype.kind != "f":
        raise RuntimeError(f"lerp(): expected floating-point tensors, got {input.dtype}")
    # PyTorch's two-sided form: exact at both ends (weight 0 gives input, 1 gives end), and
    # the same infinities and NaNs as PyTorch where input or end is infinite
    change = end - input
    if not isinstance(weight, Tensor):
        if abs(weight) < 0.5:
            return input + weight * change
        return end - change * (1 - weight)
    return where(weight.abs() < 0.5, input + weight * change, end - change * (1 - weight))


@op("addcmul", method=True, inplace="addcmul_", torch=True,
    samples=[S((3, 4), (3, 4), (3, 4)), S((3, 4), (4,), (3, 1), value=0.5),
             S(Arg((3,), "int", high=5), Arg((3,), "int", high=5), Arg((3,), "int", high=5),
               value=2, note="ints")],
    reference=lambda a, b, c, value=1: a + value * b * c)
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Scalar = 1) -> Tensor:
    """``input + value * tensor1 * tensor2``, broadcast (an optimizer's building block)."""
    tensor1, tensor2 = _blend_operands(input, tensor1, tensor2)
    value = _blend_value(value, tensor1)
    # value first, as PyTorch: value * t1 * t2, so that value=0 with a huge t1 stays 0
    return input + (tensor1 if value == 1 else tensor1 * value) * tensor2


def _blend_operands(input: Tensor, tensor1: Tensor, tensor2: Tensor
                    ) -> tuple[Tensor, Tensor]:
    """``tensor1`` and ``tensor2`` in the dtype of the result (PyTorch computes in it), and
    expanded to the result's shape when that is empty: their gradients are then sums over
    nothing (0), not 0 times an infinite operand (NaN)."""
    dtype, ndim = input.dtype, input.ndim
    for t in (tensor1, tensor2):
        dtype, ndim = promote_tensor_types(dtype, ndim, t.dtype, t.ndim), max(ndim, t.ndim)
    tensor1, tensor2 = (t if t.dtype == dtype else t.to(dtype) for t in (tensor1, tensor2))
    shape = broadcast_shape("addcmul/addcdiv", input.shape, tensor1.shape, tensor2.shape)
    if 0 in shape and (tensor1.shape != shape or tensor2.shape != shape):
        return tensor1.expand(shape), tensor2.expand(shape)
    return tensor1, tensor2


def _blend_value(value: Scalar, t: Tensor) -> Scalar:
    """PyTorch casts ``value`` to an integer result's dtype (0.5 becomes 0)."""
    return int(value) if t.dtype.kind in "biu" else value


@op("addcdiv", method=True, inplace="addcdiv_", torch=True,
    samples=[S((3, 4), (3, 4), (3, 4), positive=True), S((3, 4), (4,), (3, 1), value=-0.5,
                                                         positive=True)],
    reference=lambda a, b, c, value=1: a + value * b / c)
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Scalar = 1) -> Tensor:
    """``input + value * tensor1 / tensor2``, broadcast (Adam's update step).

    Raises
    ------
    RuntimeError
        If ``tensor1`` and ``tensor2`` are both integers (PyTorch no longer allows integer
        division here).
    """
    if tensor1.dtype.kind in "biu" and tensor2.dtype.kind in "biu":
        raise RuntimeError("addcdiv: Integer division with addcdiv is no longer supported; "
                           "compute input + value * torch.true_divide(tensor1, tensor2) or "
                           "input + value * torch.div(tensor1, tensor2, rounding_mode='trunc')")
    tensor1, tensor2 = _blend_operands(input, tensor1, tensor2)
    return input + (tensor1 if value == 1 else tensor1 * value) / tensor2


def _np_nan_to_num(a: Any, nan: float = 0.0, posinf: Any = None, neginf: Any = None) -> Any:
    return numpy.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)


@op("nan_to_num", method=True, inplace="nan_to_num_", torch=True,
    samples=[S(Arg((3,), "values", values=[float("nan"), -0.5, 1.5]), note="nan",
               grad=False),
             S(Arg((4,), "values", values=[float("nan"), float("inf"), -float("inf"), 1.5]),
               2.0, 5.0, -5.0, note="replacements", grad=False),
             S((3, 4)), S(Arg((3,), "int", high=5), note="ints")],
    reference=_np_nan_to_num)
def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """``input`` with NaN replaced by ``nan``, infinity by ``posinf`` and minus infinity by
    ``neginf`` (by default the largest and the lowest finite value of the dtype). Integer
    tensors come back unchanged. The gradient is zero at the replaced elements."""
    if input.dtype.kind != "f":
        return input.clone()
    xp = input.backend.xp
    info = xp.finfo(input.dtype)
    high = float(info.max) if posinf is None else posinf
    low = float(info.min) if neginf is None else neginf
    out = where(input.isnan(), constant(input, nan), input)
    out = where(input == float("inf"), constant(input, high), out)
    return where(input == -float("inf"), constant(input, low), out)


@op("erf", method=True, inplace="erf_", torch=True,
    samples=[S((3, 4)), S(Arg((3,), "int", high=3), note="ints")],
    reference=lambda a: numpy.vectorize(math.erf)(a).astype(
        a.dtype if a.dtype.kind == "f" else numpy.float32))
def erf(input: Tensor) -> Tensor:
    """The error function ``2/sqrt(pi) * integral from 0 to x of exp(-t^2) dt``; integers
    give the default float dtype."""
    return Erf.apply(floating(input))


@op("erfinv", ErfInv, method=True, inplace="erfinv_", torch=True,
    samples=[S(Arg((3, 4), "unit")),
             S(Arg((6,), "values", values=[-1.0, -0.999, 0.0, 0.5, 0.99999, 1.0]),
               note="near and at the ends", grad=False),
             S(Arg((2,), "values", values=[1.5, -2.0]), note="outside", grad=False)],
    reference=lambda a: _np_erfinv(a))
def erfinv(input: Tensor) -> Tensor:
    """The inverse of :func:`erf` on ``(-1, 1)``: ``erfinv(1)`` is infinity and values
    outside ``[-1, 1]`` give NaN; integers give the default float dtype."""
    return ErfInv.apply(floating(input))


def _np_erfinv(a: Any) -> Any:
    """A reference by bisection on ``math.erf`` (independent of the op's algorithm)."""
    out = numpy.empty(a.shape)
    for index, v in numpy.ndenumerate(a):
        if abs(v) >= 1:
            out[index] = math.copysign(math.inf, v) if abs(v) == 1 else math.nan
            continue
        low, high = -40.0, 40.0
        for _ in range(200):
            mid = (low + high) / 2
            low, high = (mid, high) if math.erf(mid) < v else (low, mid)
        out[index] = (low + high) / 2
    return out


def _float_pair(name: str, input: Tensor | Scalar, other: Tensor | Scalar
                ) -> tuple[Tensor, Tensor]:
    a, b = as_operands(input, other)
    return floating(a), floating(b)


@op("atan2", Atan2, method=("atan2", "arctan2"), inplace=("atan2_", "arctan2_"),
    torch=("atan2", "arctan2"),
    samples=[S((3, 4), (3, 4)), S((3, 4), (4,)), S((3,), 2.0),
             S(Arg((4,), "int", high=5), Arg((4,), "values", values=[1, -1, 2, -3]),
               note="ints")],
    reference=lambda a, b: numpy.arctan2(a, b))
def atan2(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """The angle of the point ``(other, input)``, ``atan(input / other)`` in the right
    quadrant, in ``[-pi, pi]``; broadcast; integers give the default float dtype."""
    return Atan2.apply(*_float_pair("atan2", input, other))


@op("hypot", Hypot, method=True, inplace="hypot_", torch=True,
    samples=[S((3, 4), (3, 4)), S((3, 1), (4,)), S((3,), 2.0)],
    reference=numpy.hypot)
def hypot(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """``sqrt(input**2 + other**2)``, broadcast, computed without overflow.

    Raises
    ------
    RuntimeError
        If both operands are integers (PyTorch has no integer hypot).
    """
    a, b = as_operands(input, other)
    if a.dtype.kind != "f":
        raise RuntimeError(f"hypot: not implemented for integer tensors ({a.dtype}); "
                           "convert with .float() first")
    return Hypot.apply(a, b)


@op("fmod", Fmod, method=True, inplace="fmod_", torch=True,
    samples=[S((3, 4), Arg((3, 4), "nonzero")), S((3, 4), 0.7), S((4,), -1.3),
             S(Arg((4,), "values", values=[5, -7, 3, -2]), 3, note="ints")],
    reference=numpy.fmod)
def fmod(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """The remainder of ``input / other`` with the sign of ``input`` (C's ``fmod``; ``%``
    takes the sign of ``other``), broadcast.

    Raises
    ------
    RuntimeError
        If an integer division is by zero.
    """
    a, b = as_operands(input, other)
    if a.dtype.kind != "f":
        refuse_integer_zero_division("fmod", a, b)
        return Ufunc.apply(a, b, name="fmod")
    return Fmod.apply(a, b)


@op("frac", method=True, inplace="frac_", torch=True,
    samples=[S((3, 4)), S(Arg((3,), "values", values=[1.5, -2.25, 3.5]), note="signs")],
    reference=lambda a: a - numpy.trunc(a))
def frac(input: Tensor) -> Tensor:
    """The fractional part, ``input - trunc(input)`` (with the sign of ``input``).

    Raises
    ------
    RuntimeError
        If ``input`` is not floating point.
    """
    if input.dtype.kind != "f":
        raise RuntimeError(f"frac: not implemented for {input.dtype} tensors")
    return input - trunc(input)


@op("sgn", method=True, inplace="sgn_", torch=True,
    samples=[S((3, 4)), S(Arg((3,), "values", values=[-2, 0, 5]), note="ints")],
    reference=numpy.sign)
def sgn(input: Tensor) -> Tensor:
    """The sign of each element (-1, 0 or 1): :func:`sign`, which is what PyTorch's ``sgn``
    is for real numbers (a boolean is its own sign)."""
    return sign(input)


def _logical(name: str, input: Tensor, other: Tensor | Scalar) -> Tensor:
    if not isinstance(other, Tensor):
        other = constant(input, other, numpy.asarray(other).dtype)
    return Ufunc.apply(input, other, name=name)


_LOGICAL = [S((3, 4), (3, 4)), S(Arg((3, 4), "bool"), Arg((4,), "bool")),
            S(Arg((3,), "int", high=2), (3,), note="mixed dtypes")]


@op("logical_and", method=True, inplace="logical_and_", torch=True, differentiable=False,
    samples=_LOGICAL, reference=numpy.logical_and)
def logical_and(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise ``and`` of the truth values (non-zero is true), as a bool tensor."""
    return _logical("logical_and", input, other)


@op("logical_or", method=True, inplace="logical_or_", torch=True, differentiable=False,
    samples=_LOGICAL, reference=numpy.logical_or)
def logical_or(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise ``or`` of the truth values (non-zero is true), as a bool tensor."""
    return _logical("logical_or", input, other)


@op("logical_xor", method=True, inplace="logical_xor_", torch=True, differentiable=False,
    samples=_LOGICAL, reference=numpy.logical_xor)
def logical_xor(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise exclusive ``or`` of the truth values (non-zero is true), as a bool
    tensor."""
    return _logical("logical_xor", input, other)
