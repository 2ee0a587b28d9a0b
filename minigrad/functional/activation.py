"""Activation functions and the softmax family.

``softmax`` and ``log_softmax`` are single fused nodes computed from the max-shifted
input, which keeps full precision for large logits (``1e4 + [0, 1, 2, 3]``) and for
logits at the edge of the float range.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy

from minigrad.autograd import Function
from minigrad.dtypes import check_supported
from minigrad.functional.arithmetic import where
from minigrad.functional.inplace import apply_in_place
from minigrad.functional.operands import axis, floating
from minigrad.optable import S, op
from minigrad.tensor import Tensor
from minigrad.types import Array


class Relu(Function):
    """``max(x, 0)`` (a NaN stays NaN); the gradient is computed from the saved output
    (``y != 0``), which the next layer usually keeps anyway, so no mask is stored."""

    def forward(ctx, a: Array) -> Array:
        out = ctx.xp.maximum(a, 0)
        ctx.save(out)
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return ReluGrad.apply(g, out)


class ReluGrad(Function):
    """``g`` where ``y != 0``, else 0: relu's gradient from its output ``y`` (``y > 0``, or
    NaN: a NaN input passes its gradient, as in PyTorch).

    It is linear in ``g``, so its gradient in ``g`` is itself, and it is piecewise constant
    in ``y`` (zero gradient): the pair is closed under differentiation.
    """

    def forward(ctx, g: Array, y: Array) -> Array:
        ctx.save(y)
        return ctx.backend.relu_grad(g, y)

    def backward(ctx, gg: Tensor) -> tuple[Tensor, None]:
        (y,) = ctx.saved_tensors
        return ReluGrad.apply(gg, y), None


class Hardtanh(Function):
    """``x`` clamped to ``[low, high]``. The gradient is 1 strictly inside (and at NaN) and 0
    from the bounds outwards, as PyTorch's ``hardtanh`` (unlike ``clamp``, whose gradient
    is 1 at the bounds too)."""

    def forward(ctx, a: Array, low: float = -1.0, high: float = 1.0) -> Array:
        ctx.save((~((a <= low) | (a >= high))).astype(a.dtype))
        return ctx.xp.clip(a, low, high).astype(a.dtype, copy=False)

    def backward(ctx, g: Tensor) -> Tensor:
        (inside,) = ctx.saved_tensors
        return g * inside


class Sigmoid(Function):
    def forward(ctx, a: Array) -> Array:
        # 1 / (1 + exp(-a)) as exp(-log(1 + exp(-a))): logaddexp never overflows, and the
        # result keeps its relative precision in both tails
        xp = ctx.xp
        out = xp.exp(-xp.logaddexp(0, -a)).astype(a.dtype, copy=False)
        ctx.save(out)
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return SlopeFromOutput.apply(g, out, kind="sigmoid")


class Tanh(Function):
    def forward(ctx, a: Array) -> Array:
        out = ctx.xp.tanh(a)
        ctx.save(out)
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return SlopeFromOutput.apply(g, out, kind="tanh")


class SlopeFromOutput(Function):
    """The backward of tanh and sigmoid as one node: ``g * f'(y)`` from their output ``y``
    (``1 - y**2`` and ``y (1 - y)``). Its own gradients are written in tensor ops, so
    higher orders keep working."""

    def forward(ctx, g: Array, y: Array, kind: str = "tanh") -> Array:
        ctx.save(g, y)
        backend = ctx.backend  # one fused kernel on a GPU backend
        return backend.tanh_grad(g, y) if kind == "tanh" else backend.sigmoid_grad(g, y)

    def backward(ctx, gg: Tensor) -> tuple[Tensor | None, Tensor | None]:
        g, y = ctx.saved_tensors
        tanh = ctx.attrs["kind"] == "tanh"
        d_g = d_y = None
        if ctx.needs_input_grad[0]:
            d_g = SlopeFromOutput.apply(gg, y, kind=ctx.attrs["kind"])
        if ctx.needs_input_grad[1]:  # d/dy of g f'(y): -2 g y for tanh, g (1 - 2 y) for sigmoid
            d_y = gg * g * (y * -2 if tanh else 1 - y * 2)
        return d_g, d_y


class LogSigmoid(Function):
    """``log(sigmoid(x))`` without overflow; its gradient is ``sigmoid(-x)``."""

    def forward(ctx, a: Array) -> Array:
        xp = ctx.xp
        ctx.save(a)
        return (-(xp.maximum(-a, 0) + xp.log1p(xp.exp(-xp.abs(a))))).astype(a.dtype, copy=False)

    def backward(ctx, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return g * (-x).sigmoid()


class Silu(Function):
    """``x * sigmoid(x)``, with PyTorch's fused gradient ``s * (1 + x * (1 - s))``: composed
    from ``mul`` and ``sigmoid`` it would overflow (``x * g`` for a huge ``x``) into
    ``inf * 0 = NaN``."""

    def forward(ctx, a: Array) -> Array:
        xp = ctx.xp
        ctx.save(a)
        return (a * xp.exp(-xp.logaddexp(0, -a))).astype(a.dtype, copy=False)

    def backward(ctx, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return g * (s * (1 + x * (1 - s)))


class Erf(Function):
    """The error function; its derivative ``2/sqrt(pi) exp(-x^2)`` is written in tensor ops."""

    def forward(ctx, a: Array) -> Array:
        ctx.save(a)
        return ctx.backend.erf(a)

    def backward(ctx, g: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return g * (-(x * x)).exp() * (2 / math.sqrt(math.pi))


def _shifted(a: Array, dim: int) -> Array:
    """``a`` minus its maximum along ``dim``. A row holding +inf (or only -inf) becomes
    NaN, as in PyTorch: its softmax is not defined."""
    if a.size == 0:  # no maximum to take; the (empty) result needs no shift
        return a
    return a - a.max(axis=dim, keepdims=True)


class Softmax(Function):
    def forward(ctx, a: Array, dim: int = -1) -> Array:
        e = ctx.xp.exp(_shifted(a, dim))
        out = e / e.sum(axis=dim, keepdims=True)
        ctx.save(out)
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return out * (g - (g * out).sum(ctx.attrs["dim"], keepdim=True))


class LogSoftmax(Function):
    def forward(ctx, a: Array, dim: int = -1) -> Array:
        xp = ctx.xp
        shifted = _shifted(a, dim)
        with numpy.errstate(divide="ignore"):  # no classes: log(0), an empty result anyway
            out = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save(out)
        return out

    def backward(ctx, g: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return g - out.exp() * g.sum(ctx.attrs["dim"], keepdim=True)


@op("relu", Relu, ReluGrad, method=True, inplace="relu_", torch=True, functional=True,
    samples=[S((3, 4)), S((2, 3), transposed=True)],
    reference=lambda a, inplace=False: numpy.maximum(a, 0))
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(x, 0)`` elementwise; ``inplace=True`` overwrites ``input``."""
    if inplace:
        return apply_in_place(input, relu)
    return Relu.apply(input)


@op("sigmoid", Sigmoid, SlopeFromOutput, method=True, inplace="sigmoid_", torch=True,
    functional=True, samples=[S((6,)), S((2, 3), transposed=True)],
    reference=lambda a: 1 / (1 + numpy.exp(-a)))
def sigmoid(input: Tensor) -> Tensor:
    """Elementwise logistic function ``1 / (1 + exp(-x))``, computed stably."""
    return Sigmoid.apply(floating(input))


@op("tanh", Tanh, method=True, inplace="tanh_", torch=True, functional=True,
    samples=[S((2, 3), transposed=True), S(())], reference=numpy.tanh)
def tanh(input: Tensor) -> Tensor:
    """Elementwise hyperbolic tangent."""
    return Tanh.apply(floating(input))


@op("logsigmoid", LogSigmoid, functional=True, samples=[S((5,)), S((2, 3))],
    reference=lambda a: -numpy.logaddexp(0, -a))
def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))`` elementwise, stable for large ``|x|``."""
    return LogSigmoid.apply(input)


@op("leaky_relu", functional=True, samples=[S((3, 4)), S((4,), 0.2)],
    reference=lambda a, slope=0.01, inplace=False: numpy.where(a > 0, a, a * slope))
def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``negative_slope * x``."""
    if inplace:
        return apply_in_place(input, leaky_relu, negative_slope)
    return where(input > 0, input, input * negative_slope)


@op("elu", functional=True, samples=[S((3, 4)), S((4,), 0.5)],
    reference=lambda a, alpha=1.0, inplace=False: numpy.where(a > 0, a, alpha * numpy.expm1(a)))
def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    if inplace:
        return apply_in_place(input, elu, alpha)
    # exp of min(x, 0): the unused branch never overflows (no inf * 0 in the gradient)
    return where(input > 0, input, (input.clamp(max=0.0).exp() - 1) * alpha)


@op("gelu", Erf, functional=True, samples=[S((3, 4)), S((5,), approximate="tanh")],
    reference=lambda a, approximate="none": a * 0.5 * (1 + (
        numpy.vectorize(math.erf)(a / math.sqrt(2)) if approximate == "none" else
        numpy.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a**3)))))
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``x * Phi(x)``.

    Parameters
    ----------
    approximate : {"none", "tanh"}
        ``"none"`` uses the exact error function; ``"tanh"`` the tanh approximation.
    """
    if approximate == "none":
        return input * 0.5 * (1 + Erf.apply(input * (1 / math.sqrt(2))))
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * 0.5 * (1 + inner.tanh())
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


@op("silu", Silu, functional=True, samples=[S((3, 4))], reference=lambda a, inplace=False: a / (
    1 + numpy.exp(-a)))
def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)`` (also called swish)."""
    if inplace:
        return apply_in_place(input, silu)
    return Silu.apply(floating(input))


@op("softplus", functional=True, samples=[S((3, 4)), S((4,), 2.0, 1.0)],
    reference=lambda a, beta=1.0, threshold=20.0: numpy.where(
        a * beta > threshold, a, numpy.logaddexp(0, a * beta) / beta))
def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``."""
    scaled = input * beta
    smooth = -logsigmoid(-scaled) / beta
    return where(scaled > threshold, input, smooth)


@op("hardtanh", Hardtanh, functional=True, samples=[S((3, 4)), S((4,), -0.5, 0.5)],
    reference=lambda a, lo=-1.0, hi=1.0, inplace=False: numpy.clip(a, lo, hi))
def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``x`` clamped to ``[min_val, max_val]``."""
    if inplace:
        return apply_in_place(input, hardtanh, min_val, max_val)
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    return Hardtanh.apply(input, low=float(min_val), high=float(max_val))


@op("relu6", functional=True, samples=[S((3, 4), note="scaled")],
    reference=lambda a, inplace=False: numpy.clip(a, 0.0, 6.0))
def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def _softmax_dim(ndim: int, dim: int | None, name: str) -> int:
    if dim is not None:
        return axis(dim, ndim)
    warnings.warn(
        f"implicit dimension choice for {name} has been deprecated; pass dim explicitly",
        UserWarning, stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_input(input: Tensor, dtype: Any) -> Tensor:
    return input.to(check_supported(dtype)) if dtype is not None else floating(input)


@op("softmax", Softmax, method=True, torch=True, functional=True,
    samples=[S((3, 4), -1), S((2, 3, 4), 1, transposed=True)],
    reference=lambda a, dim, dtype=None: numpy.exp(a - numpy.log(
        numpy.exp(a).sum(dim, keepdims=True))))
def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``dim`` (converted to ``dtype`` first when given)."""
    x = _softmax_input(input, dtype)
    return Softmax.apply(x, dim=_softmax_dim(x.ndim, dim, "softmax"))


@op("log_softmax", LogSoftmax, method=True, torch=True, functional=True,
    samples=[S((3, 4), 0), S((2, 3, 4), -1, transposed=True)],
    reference=lambda a, dim, dtype=None: a - numpy.log(numpy.exp(a).sum(dim, keepdims=True)))
def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """``x - log(sum(exp(x)))`` along ``dim``, as one node computed from the max-shifted
    input (converted to ``dtype`` first when given)."""
    x = _softmax_input(input, dtype)
    return LogSoftmax.apply(x, dim=_softmax_dim(x.ndim, dim, "log_softmax"))
