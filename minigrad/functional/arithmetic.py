"""Arithmetic with broadcasting: + - * / ** and negation, abs, maximum/minimum, where,
clamp.

Binary ops promote their operands to one dtype first (PyTorch's rules, see
:mod:`minigrad.dtypes`); their gradients are summed back over broadcast dimensions.
"""

from __future__ import annotations

from typing import Any

import numpy

from minigrad.autograd import Function
from minigrad.dtypes import bool_, scalar_dtype
from minigrad.functional.operands import as_operands, constant, floating, unbroadcast
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor
from minigrad.types import Array, Scalar


class Add(Function):
    def forward(ctx, a: Array, b: Array) -> Array:
        ctx.shapes = (a.shape, b.shape)
        return a + b

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        sa, sb = ctx.shapes
        return (
            unbroadcast(g, sa) if ctx.needs_input_grad[0] else None,
            unbroadcast(g, sb) if ctx.needs_input_grad[1] else None,
        )


class Sub(Function):
    def forward(ctx, a: Array, b: Array) -> Array:
        ctx.shapes = (a.shape, b.shape)
        return a - b

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        sa, sb = ctx.shapes
        return (
            unbroadcast(g, sa) if ctx.needs_input_grad[0] else None,
            unbroadcast(-g, sb) if ctx.needs_input_grad[1] else None,
        )


class Mul(Function):
    def forward(ctx, a: Array, b: Array) -> Array:
        ctx.shapes = (a.shape, b.shape)
        # b is kept only for a's gradient and a only for b's, so changing an operand that
        # needs no gradient in place afterwards is no error (as in PyTorch)
        ctx.save(b if ctx.needs_input_grad[0] else None, a if ctx.needs_input_grad[1] else None)
        return a * b

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        b, a = ctx.saved
        sa, sb = ctx.shapes
        return (
            None if b is None else unbroadcast(g * b, sa),
            None if a is None else unbroadcast(g * a, sb),
        )


def _rounded_quotient(xp: Any, a: Array, b: Array, rounding_mode: str) -> Array:
    if rounding_mode == "trunc" and a.dtype.kind == "f":
        return xp.trunc(a / b)
    quotient = xp.floor_divide(a, b)
    if rounding_mode == "floor":
        return quotient
    # integers rounded toward zero: one step up where a negative quotient was rounded down
    return quotient + ((quotient < 0) & (quotient * b != a)).astype(quotient.dtype)


class Div(Function):
    """``a / b``; with a ``rounding_mode`` the quotient rounded down (``"floor"``, Python's
    ``//``, exact) or toward zero (``"trunc"``), whose gradient is 0 (as PyTorch's)."""

    def forward(ctx, a: Array, b: Array, rounding_mode: str | None = None) -> Array:
        ctx.shapes = (a.shape, b.shape)
        if rounding_mode is not None:
            with numpy.errstate(divide="ignore", invalid="ignore"):  # x / 0: inf, as PyTorch
                return _rounded_quotient(ctx.xp, a, b, rounding_mode)
        out = a / b
        ctx.save(b, out if ctx.needs_input_grad[1] else None)
        return out

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        if ctx.attrs.get("rounding_mode") is not None:  # a step function: flat everywhere
            sa, sb = ctx.shapes
            flat = constant(g, 0.0)
            return (flat.expand(sa) if ctx.needs_input_grad[0] else None,
                    flat.expand(sb) if ctx.needs_input_grad[1] else None)
        b, out = ctx.saved
        assert b is not None
        sa, sb = ctx.shapes
        g_over_b = g / b  # d(a/b)/da = 1/b and d(a/b)/db = -(a/b)/b: one division for both
        return (
            unbroadcast(g_over_b, sa) if ctx.needs_input_grad[0] else None,
            None if out is None else unbroadcast(-(g_over_b * out), sb),
        )


class Pow(Function):
    def forward(ctx, a: Array, b: Array) -> Array:
        ctx.shapes = (a.shape, b.shape)
        out = a**b
        ctx.save(a, b, out if ctx.needs_input_grad[1] else None)
        return out

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b, out = ctx.saved
        assert a is not None and b is not None
        sa, sb = ctx.shapes
        ga = gb = None
        if ctx.needs_input_grad[0]:
            # x**0 is constant: its slope is 0 even at x = 0, where 0 * x**-1 would be NaN
            slope = where(b == 0, 0.0, b * a ** (b - 1))
            ga = unbroadcast(g * slope, sa)
        if out is not None:
            # out * log(a), except 0 where a == 0 and b >= 0 (0 * -inf): PyTorch's rule; a
            # negative base has no real logarithm, so its slope is NaN, as in PyTorch
            with numpy.errstate(invalid="ignore", divide="ignore"):
                slope = out * a.log()
            gb = unbroadcast(g * where((a == 0) & (b >= 0), 0.0, slope), sb)
        return ga, gb


class Neg(Function):
    def forward(ctx, a: Array) -> Array:
        return -a

    def backward(ctx, g: Tensor) -> Tensor:
        return -g


class Abs(Function):
    def forward(ctx, a: Array) -> Array:
        ctx.save(ctx.xp.sign(a))
        return ctx.xp.abs(a)

    def backward(ctx, g: Tensor) -> Tensor:
        (sign,) = ctx.saved_tensors
        return g * sign


class Select(Function):
    """maximum / minimum: the gradient goes to the selected input, split evenly on ties.
    Where a NaN makes the result NaN, both inputs get the gradient, as in PyTorch (an
    input gets none only where the other one strictly wins)."""

    def forward(ctx, a: Array, b: Array, largest: bool = True) -> Array:
        xp = ctx.xp
        out = xp.maximum(a, b) if largest else xp.minimum(a, b)
        ctx.shapes = (a.shape, b.shape)
        loses_a, loses_b = (a < b, b < a) if largest else (a > b, b > a)
        tie = (a == b) * 0.5
        ctx.save((1.0 - loses_a - tie).astype(out.dtype, copy=False),
                 (1.0 - loses_b - tie).astype(out.dtype, copy=False))
        return out

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        weight_a, weight_b = ctx.saved_tensors
        sa, sb = ctx.shapes
        return (
            unbroadcast(g * weight_a, sa) if ctx.needs_input_grad[0] else None,
            unbroadcast(g * weight_b, sb) if ctx.needs_input_grad[1] else None,
        )


class Where(Function):
    def forward(ctx, cond: Array, a: Array, b: Array) -> Array:
        ctx.shapes = (a.shape, b.shape)
        ctx.save(cond)
        return ctx.xp.where(cond, a, b)

    def backward(ctx, g: Tensor) -> tuple[None, Tensor | None, Tensor | None]:
        (cond,) = ctx.saved_tensors
        zero = constant(g, 0)
        sa, sb = ctx.shapes
        return (
            None,
            unbroadcast(where(cond, g, zero), sa) if ctx.needs_input_grad[1] else None,
            unbroadcast(where(cond, zero, g), sb) if ctx.needs_input_grad[2] else None,
        )


class Clamp(Function):
    def forward(ctx, a: Array, min: float | None = None, max: float | None = None) -> Array:
        xp = ctx.xp
        inside = xp.ones(a.shape, dtype=bool)
        if min is not None:
            inside &= a >= min
        if max is not None:
            inside &= a <= max
        ctx.save(inside.astype(a.dtype))
        return xp.clip(a, min, max).astype(a.dtype, copy=False)

    def backward(ctx, g: Tensor) -> Tensor:
        (inside,) = ctx.saved_tensors
        return g * inside


_BINARY = [S((3, 4), (3, 4)), S((3, 1), (4,)), S((2, 3), (1, 3), transposed=True),
           S((3,), 2.5), S((), (2, 3), note="0-d with 2-d")]


@op("add", Add, method=("add", "__add__"), reflected="__radd__", inplace=("add_", "__iadd__"),
    torch=True, samples=[*_BINARY, S((2, 3), (3,), alpha=0.5)],
    reference=lambda a, b, alpha=1: a + alpha * numpy.asarray(b))
def add(input: Tensor | Scalar, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    """``input + alpha * other``, broadcast."""
    if alpha != 1:
        other = other * alpha
    a, b = as_operands(input, other)
    return Add.apply(a, b)


@op("sub", Sub, method=("sub", "subtract", "__sub__"), reflected="__rsub__",
    inplace=("sub_", "__isub__"), torch=("sub", "subtract"),
    samples=[*_BINARY, S((2, 3), (3,), alpha=2.0)],
    reference=lambda a, b, alpha=1: a - alpha * numpy.asarray(b))
def sub(input: Tensor | Scalar, other: Tensor | Scalar, *, alpha: Scalar = 1) -> Tensor:
    """``input - alpha * other``, broadcast.

    Raises
    ------
    RuntimeError
        If an operand is a bool (as in PyTorch: use ``~mask`` for a mask's complement).
    """
    _refuse_bool("sub", "subtraction", input, other)
    if alpha != 1:
        other = other * alpha
    a, b = as_operands(input, other)
    return Sub.apply(a, b)


@op("mul", Mul, method=("mul", "multiply", "__mul__"), reflected="__rmul__",
    inplace=("mul_", "__imul__"), torch=("mul", "multiply"), samples=_BINARY,
    reference=numpy.multiply)
def mul(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """Elementwise product, broadcast."""
    a, b = as_operands(input, other)
    return Mul.apply(a, b)


def _rounded_reference(a: Any, b: Any, rounding_mode: str | None = None) -> Any:
    if rounding_mode == "floor":
        return numpy.floor_divide(a, b)
    if rounding_mode == "trunc":
        quotient = numpy.true_divide(a, b)
        return numpy.trunc(quotient).astype(numpy.result_type(a, b))
    return numpy.true_divide(a, b)


@op("div", Div, method=("div", "divide", "true_divide", "__truediv__"),
    reflected="__rtruediv__", inplace=("div_", "__itruediv__"),
    torch=("div", "divide", "true_divide"),
    samples=[S((3, 4), (3, 4), positive=True), S((2, 3), (3,), positive=True),
             S((4,), 2.0), S(Arg((2, 2), "values", values=[[1, 2], [3, 4]]), 2,
                             note="int / int"),
             S((3, 4), (3, 4), positive=True, rounding_mode="floor"),
             S((2, 3), (3,), positive=True, rounding_mode="trunc"),
             S(Arg((4,), "values", values=[7, -7, 6, -1]), 2, rounding_mode="trunc",
               note="ints toward zero"),
             S(Arg((4,), "values", values=[7, -7, 6, -1]), -2, rounding_mode="floor",
               note="ints rounded down")],
    reference=_rounded_reference)
def div(input: Tensor | Scalar, other: Tensor | Scalar, *,
        rounding_mode: str | None = None) -> Tensor:
    """True division, broadcast; integer operands give the default float dtype.

    ``rounding_mode="floor"`` rounds the quotient down (Python's ``//``) and ``"trunc"``
    toward zero, in the operands' dtype; their gradient is 0.

    Raises
    ------
    RuntimeError
        For another ``rounding_mode``, or a rounded integer division by zero (PyTorch's
        ``ZeroDivisionError``).
    """
    a, b = as_operands(input, other)
    if rounding_mode is None:
        return Div.apply(floating(a), floating(b))
    if rounding_mode not in ("floor", "trunc"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or "
                           f"'floor' but found {rounding_mode!r}")
    refuse_integer_zero_division("div", a, b)
    return Div.apply(a, b, rounding_mode=rounding_mode)


def refuse_integer_zero_division(name: str, a: Tensor, b: Tensor) -> None:
    """PyTorch raises where an integer quotient or remainder divides by zero (NumPy would
    warn and give 0)."""
    if a.dtype.kind in "iub" and b.dtype.kind in "iub" and bool((b.array == 0).any()):
        raise RuntimeError(f"{name}: ZeroDivisionError (an integer divisor is zero)")


@op("pow", Pow, method=("pow", "__pow__"), reflected="__rpow__", inplace=("pow_", "__ipow__"),
    torch=True, samples=[S((3, 2), 3), S((3, 2), (3, 2), positive=True), S(2.0, (4,)),
                         S((3,), 0.5, positive=True), S((3,), 0, note="x ** 0")],
    reference=lambda a, b: numpy.power(a, b))
def pow(input: Tensor | Scalar, exponent: Tensor | Scalar) -> Tensor:
    """``input ** exponent``, broadcast. ``x ** 0`` has slope 0 everywhere."""
    a, b = as_operands(input, exponent)
    return Pow.apply(a, b)


@op("neg", Neg, method=("neg", "negative", "__neg__"), inplace="neg_",
    torch=("neg", "negative"), samples=[S((3,))], reference=numpy.negative)
def neg(input: Tensor) -> Tensor:
    """``-input`` (not for bool tensors, as in PyTorch: use ``~mask``)."""
    _refuse_bool("neg", "negation", input)
    return Neg.apply(input)


def _refuse_bool(name: str, what: str, *operands: Tensor | Scalar) -> None:
    if any(isinstance(x, bool) or (isinstance(x, Tensor) and x.dtype == bool_)
           for x in operands):
        raise RuntimeError(
            f"{name}: {what} with a bool tensor is not supported, as in PyTorch; to invert a "
            "mask use ~mask or logical_not()"
        )


@op("abs", Abs, method=("abs", "absolute", "__abs__"), inplace="abs_",
    torch=("abs", "absolute"), samples=[S((3, 4))], reference=numpy.abs)
def abs(input: Tensor) -> Tensor:
    """Elementwise absolute value (its gradient at 0 is 0, as in PyTorch)."""
    return Abs.apply(input)


@op("maximum", Select, method=True, torch=True,
    samples=[S((3, 4), (4,)), S(Arg((3,), "values", values=[1.0, 2.0, 3.0]),
                                Arg((3,), "values", values=[1.0, 0.0, 4.0]), note="tie",
                                grad=False)],
    reference=numpy.maximum)
def maximum(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise maximum, broadcast; tied elements share the gradient evenly."""
    a, b = as_operands(input, other)
    return Select.apply(a, b, largest=True)


@op("minimum", Select, method=True, torch=True, samples=[S((3, 4), (3, 1))],
    reference=numpy.minimum)
def minimum(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """Elementwise minimum, broadcast; tied elements share the gradient evenly."""
    a, b = as_operands(input, other)
    return Select.apply(a, b, largest=False)


def _where_method(input: Tensor, condition: Tensor, other: Tensor | Scalar) -> Tensor:
    """``self`` where ``condition`` holds, else ``other`` (``torch.Tensor.where``)."""
    return where(condition, input, other)


@op("where", Where, method_form=_where_method, method=True, torch=True,
    samples=[S(Arg((3, 4), "bool"), (3, 4), (4,)), S(Arg((3,), "bool"), (3,), 0.0)],
    reference=numpy.where)
def where(condition: Tensor, input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """Elements of ``input`` where ``condition`` is true, else of ``other`` (broadcast).

    Parameters
    ----------
    condition : Tensor
        Boolean tensor.
    input, other : Tensor or scalar
        Values to pick from; gradients flow to both.
    """
    if condition.dtype != numpy.dtype(bool):
        raise TypeError(f"where: condition must be a bool tensor, got dtype {condition.dtype}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = constant(condition, input, scalar_dtype(scalar_dtype(bool_, input), other))
    a, b = as_operands(input, other)
    return Where.apply(condition, a, b)


@op("clamp", Clamp, method=("clamp", "clip"), inplace=("clamp_", "clip_"),
    torch=("clamp", "clip"), samples=[S((4, 3), -0.5, 0.5), S((5,), min=0.1),
                                      S((5,), max=-0.2)],
    reference=lambda a, min=None, max=None: numpy.clip(a, min, max))
def clamp(input: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """Limit every element to ``[min, max]``; the gradient is zero where clamped."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if input.dtype.kind != "f" and any(isinstance(v, float) for v in (min, max)):
        input = floating(input)  # a float bound promotes, as in PyTorch
    return Clamp.apply(input, min=min, max=max)
