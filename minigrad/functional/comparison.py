"""Comparisons, logic, tests of values and integer division: ops without a gradient.

They run through :meth:`~minigrad.autograd.Function.apply` like every op (backend checks,
error messages), but never record a node, except ``remainder``, which is differentiable.
"""

from __future__ import annotations

from typing import Any

import numpy

from minigrad.autograd import Function
from minigrad.functional.arithmetic import refuse_integer_zero_division
from minigrad.functional.operands import as_operands, unbroadcast
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor
from minigrad.types import Array, Scalar


class Ufunc(Function):
    """A NumPy ufunc (``equal``, ``less``, ``isnan``, ``bitwise_and``...) without gradient."""

    differentiable = False

    def forward(ctx, *arrays: Array, name: str = "") -> Array:
        return getattr(ctx.xp, name)(*arrays)


class Remainder(Function):
    """``a % b`` with the sign of ``b``. Floats take ``fmod`` (exact) and add ``b`` where
    the signs differ, rather than ``a - b * floor(a / b)``, which loses every digit once
    ``a / b`` is large. The gradient is ``1`` for ``a`` and ``-floor(a / b)`` for ``b``."""

    def forward(ctx, a: Array, b: Array) -> Array:
        xp = ctx.xp
        ctx.shapes = (a.shape, b.shape)
        if ctx.needs_input_grad[1]:
            ctx.save(xp.floor_divide(a, b))
        if a.dtype.kind != "f":
            return xp.remainder(a, b)
        out = xp.fmod(a, b)
        flip = (out != 0) & ((out < 0) != (b < 0))
        return xp.where(flip, out + b, out).astype(out.dtype, copy=False)

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        sa, sb = ctx.shapes
        ga = unbroadcast(g, sa) if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.needs_input_grad[1]:
            (quotient,) = ctx.saved_tensors
            gb = unbroadcast(-g * quotient, sb)
        return ga, gb


def _operand(like: Tensor, other: Any) -> Tensor:
    if isinstance(other, Tensor):
        return other
    if isinstance(other, (bool, int, float, numpy.generic)):
        # a 0-d array of the number's own kind: 2.5 compared with an int tensor stays 2.5
        return Tensor.from_array(like.backend.xp.asarray(other), like.backend)
    raise TypeError(
        f"expected a Tensor or a Python number to compare with, got {type(other).__name__}"
    )


def _ufunc(name: str, input: Tensor, other: Any) -> Tensor:
    return Ufunc.apply(input, _operand(input, other), name=name)


_COMPARE = [S((3, 4), (3, 4)), S((3, 4), 0.0), S((2, 3), (3,))]


@op("eq", Ufunc, method=("eq", "__eq__"), torch=True, differentiable=False,
    samples=_COMPARE, reference=numpy.equal)
def eq(input: Tensor, other: object) -> Any:
    """``input == other`` elementwise (``x == None`` is ``False``, as in PyTorch)."""
    return False if other is None else _ufunc("equal", input, other)


@op("ne", method=("ne", "__ne__"), torch=True, differentiable=False, samples=_COMPARE,
    reference=numpy.not_equal)
def ne(input: Tensor, other: object) -> Any:
    """``input != other`` elementwise."""
    return True if other is None else _ufunc("not_equal", input, other)


@op("lt", method=("lt", "less", "__lt__"), torch=("lt", "less"), differentiable=False,
    samples=_COMPARE, reference=numpy.less)
def lt(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """``input < other`` elementwise."""
    return _ufunc("less", input, other)


@op("le", method=("le", "less_equal", "__le__"), torch=("le", "less_equal"),
    differentiable=False, samples=_COMPARE, reference=numpy.less_equal)
def le(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """``input <= other`` elementwise."""
    return _ufunc("less_equal", input, other)


@op("gt", method=("gt", "greater", "__gt__"), torch=("gt", "greater"), differentiable=False,
    samples=_COMPARE, reference=numpy.greater)
def gt(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """``input > other`` elementwise."""
    return _ufunc("greater", input, other)


@op("ge", method=("ge", "greater_equal", "__ge__"), torch=("ge", "greater_equal"),
    differentiable=False, samples=_COMPARE, reference=numpy.greater_equal)
def ge(input: Tensor, other: Tensor | Scalar) -> Tensor:
    """``input >= other`` elementwise."""
    return _ufunc("greater_equal", input, other)


def _test(name: str, input: Tensor) -> Tensor:
    return Ufunc.apply(input, name=name)


@op("isnan", method=True, torch=True, differentiable=False,
    samples=[S(Arg((3,), "values", values=[1.0, float("nan"), float("inf")]))],
    reference=numpy.isnan)
def isnan(input: Tensor) -> Tensor:
    """Elementwise test for NaN."""
    return _test("isnan", input)


@op("isinf", method=True, torch=True, differentiable=False,
    samples=[S(Arg((3,), "values", values=[1.0, float("nan"), float("-inf")]))],
    reference=numpy.isinf)
def isinf(input: Tensor) -> Tensor:
    """Elementwise test for positive or negative infinity."""
    return _test("isinf", input)


@op("isfinite", method=True, torch=True, differentiable=False,
    samples=[S(Arg((3,), "values", values=[1.0, float("nan"), float("inf")]))],
    reference=numpy.isfinite)
def isfinite(input: Tensor) -> Tensor:
    """Elementwise test for finite values (not NaN, not infinite)."""
    return _test("isfinite", input)


def _integral(input: Tensor, what: str) -> None:
    if input.dtype.kind == "f":
        raise TypeError(f"{what} is only defined for bool and integer tensors, not "
                        f"{input.dtype}")


@op("bitwise_not", method=("bitwise_not", "__invert__"), torch=True, differentiable=False,
    samples=[S(Arg((3, 4), "bool")), S(Arg((3,), "int", high=9))], reference=numpy.invert)
def bitwise_not(input: Tensor) -> Tensor:
    """``~input``: logical not of a bool tensor, bitwise not of an integer one."""
    _integral(input, "~")
    return _test("invert", input)


@op("logical_not", method=True, torch=True, differentiable=False,
    samples=[S((3, 4))], reference=numpy.logical_not)
def logical_not(input: Tensor) -> Tensor:
    """Elementwise ``not`` (zero is false), as a bool tensor."""
    return _test("logical_not", input)


def _bitwise(name: str, input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    tensor = input if isinstance(input, Tensor) else other
    assert isinstance(tensor, Tensor)
    _integral(tensor, name.replace("bitwise_", ""))
    return Ufunc.apply(_operand(tensor, input), _operand(tensor, other), name=name)


_BOOLS = [S(Arg((3, 4), "bool"), Arg((3, 4), "bool")), S(Arg((4,), "int", high=9), 6)]


@op("bitwise_and", method=("bitwise_and", "__and__"), reflected="__rand__", torch=True,
    differentiable=False, samples=_BOOLS, reference=numpy.bitwise_and)
def bitwise_and(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``input & other``: logical and of bool tensors, bitwise and of integer ones."""
    return _bitwise("bitwise_and", input, other)


@op("bitwise_or", method=("bitwise_or", "__or__"), reflected="__ror__", torch=True,
    differentiable=False, samples=_BOOLS, reference=numpy.bitwise_or)
def bitwise_or(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``input | other``."""
    return _bitwise("bitwise_or", input, other)


@op("bitwise_xor", method=("bitwise_xor", "__xor__"), reflected="__rxor__", torch=True,
    differentiable=False, samples=_BOOLS, reference=numpy.bitwise_xor)
def bitwise_xor(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``input ^ other``."""
    return _bitwise("bitwise_xor", input, other)


@op("floor_divide", method=("floor_divide", "__floordiv__"), reflected="__rfloordiv__",
    torch=True, differentiable=False,
    samples=[S((3, 4), (3, 4)), S(Arg((4,), "int", high=20), 3), S(7.0, (3,))],
    reference=numpy.floor_divide)
def floor_divide(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``input // other``: division rounded down (no gradient).

    Raises
    ------
    RuntimeError
        If an integer division is by zero (PyTorch's ``ZeroDivisionError``).
    """
    a, b = as_operands(input, other)
    refuse_integer_zero_division("floor_divide", a, b)
    with numpy.errstate(divide="ignore", invalid="ignore"):  # x // 0.0: inf, as PyTorch
        return Ufunc.apply(a, b, name="floor_divide")


@op("remainder", Remainder, method=("remainder", "__mod__"), reflected="__rmod__", torch=True,
    samples=[S((3, 4), (3, 4), positive=True), S((4,), 0.7), S((2, 3), (3,), note="signs")],
    reference=numpy.remainder)
def remainder(input: Tensor | Scalar, other: Tensor | Scalar) -> Tensor:
    """``input % other``, with the sign of the divisor (Python's and PyTorch's ``%``),
    exact for floats of any size.

    Raises
    ------
    RuntimeError
        If an integer division is by zero (PyTorch's ``ZeroDivisionError``).
    """
    a, b = as_operands(input, other)
    refuse_integer_zero_division("remainder", a, b)
    return Remainder.apply(a, b)


@op("equal", torch=True, differentiable=False,
    samples=[S((3,), (3,)), S((3,), call=lambda f, a: f(a, a * 1))],
    reference=lambda a, b: bool(a.shape == b.shape and (a == b).all()))
def equal(input: Tensor, other: Tensor) -> bool:
    """``True`` if both tensors have the same shape and elements."""
    return input.shape == other.shape and bool((input == other).all())


@op("allclose", method=True, torch=True, differentiable=False,
    samples=[S((3,), call=lambda f, a: f(a, a + 1e-9))],
    reference=lambda a, b, rtol=1e-5, atol=1e-8, equal_nan=False: bool(
        numpy.allclose(a, b, rtol, atol, equal_nan)))
def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether ``|input - other| <= atol + rtol * |other|`` everywhere."""
    a, b = as_operands(input.detach(), other.detach())
    close = ((a - b).abs() <= atol + rtol * b.abs()) | (a == b)  # equal infinities too
    if equal_nan:
        close = close | (a.isnan() & b.isnan())
    return bool(close.all())
