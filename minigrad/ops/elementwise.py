"""Elementwise ops: arithmetic with broadcasting, math functions, activations, casts."""

from __future__ import annotations

from typing import Any

import numpy

from minigrad.autograd import Function
from minigrad.dtypes import get_default_dtype, is_floating, promote_tensor_types, scalar_dtype
from minigrad.tensor import Scalar, Tensor

Array = Any


def unbroadcast(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``grad`` over the axes that broadcasting added or stretched, back to ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1
    )
    return grad.sum(dim=axes).reshape(shape)


def as_operands(a: Tensor | Scalar, b: Tensor | Scalar) -> tuple[Tensor, Tensor]:
    """Turn a pair of tensors/scalars into two tensors of the promoted dtype."""
    if isinstance(a, Tensor):
        da = a._data.dtype
        if isinstance(b, Tensor):
            db = b._data.dtype
            if da == db:
                return a, b
            dtype = promote_tensor_types(da, a._data.ndim, db, b._data.ndim)
            return (a if da == dtype else cast(a, dtype)), (b if db == dtype else cast(b, dtype))
        dtype = scalar_dtype(da, b)
        return (a if da == dtype else cast(a, dtype)), a._constant(b, dtype)
    if isinstance(b, Tensor):
        db = b._data.dtype
        dtype = scalar_dtype(db, a)
        return b._constant(a, dtype), (b if db == dtype else cast(b, dtype))
    raise TypeError(f"expected at least one Tensor, got {type(a).__name__} and {type(b).__name__}")


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
    save_inputs = (0, 1)
    saved_for = ((1,), (0,))  # a is needed for b's gradient, b for a's

    def forward(ctx, a: Array, b: Array) -> Array:
        ctx.shapes = (a.shape, b.shape)
        return a * b

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved
        sa, sb = ctx.shapes
        return (
            unbroadcast(g * b, sa) if ctx.needs_input_grad[0] else None,
            unbroadcast(g * a, sb) if ctx.needs_input_grad[1] else None,
        )


class Div(Function):
    save_inputs = (0, 1)
    saved_for = ((1,), (0, 1))

    def forward(ctx, a: Array, b: Array) -> Array:
        ctx.shapes = (a.shape, b.shape)
        return a / b

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved
        sa, sb = ctx.shapes
        return (
            unbroadcast(g / b, sa) if ctx.needs_input_grad[0] else None,
            unbroadcast(-g * a / (b * b), sb) if ctx.needs_input_grad[1] else None,
        )


class Pow(Function):
    save_inputs = (0, 1)
    saved_for = ((0, 1), (0,))
    save_output = True

    def forward(ctx, a: Array, b: Array) -> Array:
        ctx.shapes = (a.shape, b.shape)
        return a**b

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b, out = ctx.saved
        sa, sb = ctx.shapes
        ga = gb = None
        if ctx.needs_input_grad[0]:
            # x**0 is constant: its slope is 0 even at x = 0, where 0 * x**-1 would be NaN
            slope = where(b == 0, 0.0, b * a ** (b - 1))
            ga = unbroadcast(g * slope, sa)
        if ctx.needs_input_grad[1]:
            safe_log = where(a > 0, a, a._constant(1, a.dtype)).log()
            gb = unbroadcast(g * out * safe_log, sb)
        return ga, gb


class _Select(Function):
    """maximum / minimum: the gradient goes to the selected input, split evenly on ties."""

    save_inputs = (0, 1)
    pick = ""

    def forward(ctx, a: Array, b: Array) -> Array:
        return getattr(ctx.xp, ctx.pick)(a, b)

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, Tensor | None]:
        a, b = ctx.saved
        wins = getattr(a._backend.xp, ctx.pick)(a._data, b._data) == a._data
        ties = a._data == b._data
        weight_a = a._constant(wins * 1.0 - ties * 0.5, g.dtype)
        return (
            unbroadcast(g * weight_a, a.shape) if ctx.needs_input_grad[0] else None,
            unbroadcast(g * (1 - weight_a), b.shape) if ctx.needs_input_grad[1] else None,
        )


class Maximum(_Select):
    pick = "maximum"


class Minimum(_Select):
    pick = "minimum"


class Neg(Function):
    def forward(ctx, a: Array) -> Array:
        return -a

    def backward(ctx, g: Tensor) -> Tensor:
        return -g


class Abs(Function):
    save_inputs = (0,)

    def forward(ctx, a: Array) -> Array:
        return abs(a)

    def backward(ctx, g: Tensor) -> Tensor:
        (a,) = ctx.saved
        return g * a._constant(a._backend.xp.sign(a._data), a.dtype)


class Exp(Function):
    save_output = True

    def forward(ctx, a: Array) -> Array:
        return ctx.xp.exp(a)

    def backward(ctx, g: Tensor) -> Tensor:
        (out,) = ctx.saved
        return g * out


class Log(Function):
    save_inputs = (0,)

    def forward(ctx, a: Array) -> Array:
        return ctx.xp.log(a)

    def backward(ctx, g: Tensor) -> Tensor:
        (a,) = ctx.saved
        return g / a


class Sqrt(Function):
    save_output = True

    def forward(ctx, a: Array) -> Array:
        return ctx.xp.sqrt(a)

    def backward(ctx, g: Tensor) -> Tensor:
        (out,) = ctx.saved
        return g / (out * 2)


class Sin(Function):
    save_inputs = (0,)

    def forward(ctx, a: Array) -> Array:
        return ctx.xp.sin(a)

    def backward(ctx, g: Tensor) -> Tensor:
        (a,) = ctx.saved
        return g * a.cos()


class Cos(Function):
    save_inputs = (0,)

    def forward(ctx, a: Array) -> Array:
        return ctx.xp.cos(a)

    def backward(ctx, g: Tensor) -> Tensor:
        (a,) = ctx.saved
        return -g * a.sin()


class Tanh(Function):
    save_output = True

    def forward(ctx, a: Array) -> Array:
        return ctx.xp.tanh(a)

    def backward(ctx, g: Tensor) -> Tensor:
        (out,) = ctx.saved
        return g * (1 - out * out)


class Sigmoid(Function):
    save_output = True

    def forward(ctx, a: Array) -> Array:
        # 1 / (1 + exp(-a)) as exp(-log(1 + exp(-a))): logaddexp never overflows, and the
        # result keeps its relative precision in both tails
        xp = ctx.xp
        return xp.exp(-xp.logaddexp(0, -a)).astype(a.dtype, copy=False)

    def backward(ctx, g: Tensor) -> Tensor:
        (out,) = ctx.saved
        return g * out * (1 - out)


class _Masked(Function):
    """Ops whose gradient is the incoming gradient times a 0/1 mask (relu, clamp)."""

    mask: Any

    def backward(ctx, g: Tensor) -> Tensor:
        return g * g._constant(ctx.mask, g.dtype)


class Relu(_Masked):
    def forward(ctx, a: Array) -> Array:
        ctx.mask = a > 0
        return ctx.xp.where(ctx.mask, a, 0).astype(a.dtype, copy=False)


class Clamp(_Masked):
    def forward(ctx, a: Array, min: float | None = None, max: float | None = None) -> Array:
        xp = ctx.xp
        ctx.mask = xp.ones(a.shape, dtype=bool)
        if min is not None:
            ctx.mask &= a >= min
        if max is not None:
            ctx.mask &= a <= max
        return xp.clip(a, min, max).astype(a.dtype, copy=False)


class Where(Function):
    def forward(ctx, cond: Array, a: Array, b: Array) -> Array:
        ctx.cond = cond
        ctx.shapes = (a.shape, b.shape)
        return ctx.xp.where(cond, a, b)

    def backward(ctx, g: Tensor) -> tuple[None, Tensor | None, Tensor | None]:
        cond = g._constant(ctx.cond, numpy.dtype(bool))
        zero = g._constant(0, g.dtype)
        sa, sb = ctx.shapes
        return (
            None,
            unbroadcast(where(cond, g, zero), sa) if ctx.needs_input_grad[1] else None,
            unbroadcast(where(cond, zero, g), sb) if ctx.needs_input_grad[2] else None,
        )


class Cast(Function):
    def forward(ctx, a: Array, dtype: Any = None) -> Array:
        ctx.dtype = a.dtype
        return a.astype(dtype)

    def backward(ctx, g: Tensor) -> Tensor:
        return g.to(ctx.dtype)


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
        dtype = scalar_dtype(scalar_dtype(numpy.dtype(bool), input), other)
        input = condition._constant(input, dtype)
    a, b = as_operands(input, other)
    return Where.apply(condition, a, b)


def clamp(input: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """Limit every element to ``[min, max]``; the gradient is zero where clamped."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if input.dtype.kind != "f" and any(isinstance(v, float) for v in (min, max)):
        input = cast(input, get_default_dtype())  # a float bound promotes, as in PyTorch
    return Clamp.apply(input, min=min, max=max)


def cast(input: Tensor, dtype: Any) -> Tensor:
    """Convert to ``dtype``; differentiable between floating dtypes."""
    dtype = numpy.dtype(dtype)
    if input._data.dtype == dtype:
        return input
    if not is_floating(dtype):
        input = input.detach()
    return Cast.apply(input, dtype=dtype)
