"""Elementwise math functions: exponentials and logarithms, roots, trigonometry, rounding.

Integer inputs are converted to the default float dtype first, as in PyTorch.
"""

from __future__ import annotations

import numpy

from minigrad.autograd import Function
from minigrad.functional.arithmetic import where
from minigrad.functional.operands import floating
from minigrad.optable import S, op
from minigrad.tensor import Tensor
from minigrad.types import Array

_POSITIVE = [S((3, 4), positive=True), S((2, 3), positive=True, transposed=True)]


class Exp(Function):
    def forward(ctx, a: Array) -> Array:
        out = ctx.xp.exp(a)
        ctx.save(out)
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return g * out


class Expm1(Function):
    def forward(ctx, a: Array) -> Array:
        out = ctx.xp.expm1(a)
        ctx.save(out)
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return g * (out + 1)


class Log(Function):
    """Natural logarithm; ``base`` turns it into log2/log10 (divided by ``ln(base)``)."""

    def forward(ctx, a: Array, base: float = 0.0) -> Array:
        ctx.save(a)
        ctx.base = base
        out = ctx.xp.log(a)
        return out if base == 0.0 else out / numpy.log(base).astype(out.dtype)

    def backward(ctx, g: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        base = ctx.base
        return g / a if base == 0.0 else g / (a * float(numpy.log(base)))


class Log1p(Function):
    def forward(ctx, a: Array) -> Array:
        ctx.save(a)
        return ctx.xp.log1p(a)

    def backward(ctx, g: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return g / (a + 1)


class Sqrt(Function):
    """Square root; with ``zero_slope_at_zero`` the slope at 0 is taken as 0 instead of
    infinite (what ``std`` and ``norm`` of constant data need, as in PyTorch)."""

    def forward(ctx, a: Array, zero_slope_at_zero: bool = False) -> Array:
        out = ctx.xp.sqrt(a)
        ctx.save(out)
        ctx.zero_slope_at_zero = zero_slope_at_zero
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        if not ctx.zero_slope_at_zero:
            return g / (out * 2)
        zero = out == 0
        return where(zero, 0.0, g / (where(zero, 1.0, out) * 2))


class Sin(Function):
    def forward(ctx, a: Array) -> Array:
        ctx.save(a)
        return ctx.xp.sin(a)

    def backward(ctx, g: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return g * a.cos()


class Cos(Function):
    def forward(ctx, a: Array) -> Array:
        ctx.save(a)
        return ctx.xp.cos(a)

    def backward(ctx, g: Tensor) -> Tensor:
        (a,) = ctx.saved_tensors
        return -g * a.sin()


class PiecewiseConstant(Function):
    """floor, ceil, round, trunc, sign: piecewise constant, so the gradient is zero."""

    def forward(ctx, a: Array, mode: str = "floor") -> Array:
        ctx.shape = a.shape
        return getattr(ctx.xp, mode)(a)

    def backward(ctx, g: Tensor) -> Tensor:
        return g * 0


@op("exp", Exp, method=True, inplace="exp_", torch=True, samples=[S((3, 4)), S(())],
    reference=numpy.exp)
def exp(input: Tensor) -> Tensor:
    """Elementwise exponential."""
    return Exp.apply(floating(input))


@op("expm1", Expm1, method=True, torch=True, samples=[S((3, 4))], reference=numpy.expm1)
def expm1(input: Tensor) -> Tensor:
    """``exp(x) - 1``, accurate for small ``x``."""
    return Expm1.apply(floating(input))


@op("log", Log, method=True, inplace="log_", torch=True, samples=_POSITIVE,
    reference=numpy.log)
def log(input: Tensor) -> Tensor:
    """Elementwise natural logarithm."""
    return Log.apply(floating(input))


@op("log2", method=True, torch=True, samples=_POSITIVE, reference=numpy.log2)
def log2(input: Tensor) -> Tensor:
    """Elementwise base-2 logarithm."""
    return Log.apply(floating(input), base=2.0)


@op("log10", method=True, torch=True, samples=_POSITIVE, reference=numpy.log10)
def log10(input: Tensor) -> Tensor:
    """Elementwise base-10 logarithm."""
    return Log.apply(floating(input), base=10.0)


@op("log1p", Log1p, method=True, torch=True, samples=_POSITIVE, reference=numpy.log1p)
def log1p(input: Tensor) -> Tensor:
    """``log(1 + x)``, accurate for small ``x``."""
    return Log1p.apply(floating(input))


@op("sqrt", Sqrt, method=True, inplace="sqrt_", torch=True, samples=_POSITIVE,
    reference=numpy.sqrt)
def sqrt(input: Tensor) -> Tensor:
    """Elementwise square root."""
    return Sqrt.apply(floating(input))


@op("rsqrt", method=True, torch=True, samples=_POSITIVE,
    reference=lambda a: 1 / numpy.sqrt(a))
def rsqrt(input: Tensor) -> Tensor:
    """``1 / sqrt(x)``."""
    return 1 / sqrt(input)


@op("reciprocal", method=True, torch=True, samples=_POSITIVE, reference=numpy.reciprocal)
def reciprocal(input: Tensor) -> Tensor:
    """``1 / x``."""
    return 1 / floating(input)


@op("square", method=True, torch=True, samples=[S((3, 4))], reference=numpy.square)
def square(input: Tensor) -> Tensor:
    """Elementwise square."""
    return input * input


@op("sin", Sin, method=True, torch=True, samples=[S((5,))], reference=numpy.sin)
def sin(input: Tensor) -> Tensor:
    """Elementwise sine."""
    return Sin.apply(floating(input))


@op("cos", Cos, method=True, torch=True, samples=[S((5,))], reference=numpy.cos)
def cos(input: Tensor) -> Tensor:
    """Elementwise cosine."""
    return Cos.apply(floating(input))


@op("tan", method=True, torch=True, samples=[S((5,))], reference=numpy.tan)
def tan(input: Tensor) -> Tensor:
    """Elementwise tangent."""
    x = floating(input)
    return x.sin() / x.cos()


@op("sinh", method=True, torch=True, samples=[S((5,))], reference=numpy.sinh)
def sinh(input: Tensor) -> Tensor:
    """Elementwise hyperbolic sine."""
    x = floating(input)
    return (x.exp() - (-x).exp()) * 0.5


@op("cosh", method=True, torch=True, samples=[S((5,))], reference=numpy.cosh)
def cosh(input: Tensor) -> Tensor:
    """Elementwise hyperbolic cosine."""
    x = floating(input)
    return (x.exp() + (-x).exp()) * 0.5


def _rounding(mode: str, input: Tensor) -> Tensor:
    return PiecewiseConstant.apply(input, mode=mode) if input.dtype.kind == "f" else input


@op("floor", PiecewiseConstant, method=True, torch=True, samples=[S((3, 4))], reference=numpy.floor)
def floor(input: Tensor) -> Tensor:
    """Round down to a whole number (gradient zero)."""
    return _rounding("floor", input)


@op("ceil", method=True, torch=True, samples=[S((3, 4))], reference=numpy.ceil)
def ceil(input: Tensor) -> Tensor:
    """Round up to a whole number (gradient zero)."""
    return _rounding("ceil", input)


@op("round", method=True, torch=True,
    samples=[S((3, 4)), S((3, 4), decimals=2), S((3, 4), decimals=-1)],
    reference=lambda a, decimals=0: numpy.round(a, decimals))
def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round to the nearest whole number, halves to even (gradient zero).

    With ``decimals``, round to that many decimal places (left of the point when
    negative) as PyTorch does: ``round(x * 10**decimals) / 10**decimals`` (for negative
    ``decimals``, ``round(x / 10**-decimals) * 10**-decimals``), in ``x``'s dtype.

    Raises
    ------
    RuntimeError
        If ``decimals`` is not 0 and ``input`` is an integer tensor (PyTorch refuses too).
    """
    if decimals == 0:
        return _rounding("round", input)
    if input.dtype.kind != "f":
        raise RuntimeError(
            f"round: rounding to decimals={decimals} is not implemented for integer "
            f"tensors ({input.dtype}), as in PyTorch; convert with .float() first")
    if decimals > 0:
        scale = 10.0 ** int(decimals)
        return _rounding("round", input * scale) / scale
    scale = 10.0 ** -int(decimals)
    return _rounding("round", input / scale) * scale


@op("trunc", method=True, torch=True, samples=[S((3, 4))], reference=numpy.trunc)
def trunc(input: Tensor) -> Tensor:
    """Round towards zero (gradient zero)."""
    return _rounding("trunc", input)


@op("sign", method=True, torch=True, samples=[S((3, 4))], reference=numpy.sign)
def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 for each element (gradient zero); a boolean is its own sign."""
    if input.dtype == numpy.dtype(bool):
        return input.clone()
    return PiecewiseConstant.apply(input, mode="sign")
