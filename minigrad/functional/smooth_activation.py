"""Smooth activations and the softmax's relatives.

The exponential linear units beyond ``elu`` (``selu``, ``celu``), ``mish``, ``softsign``,
``tanhshrink``, the gated linear unit ``glu``, ``softmin`` and ``gumbel_softmax``, with the
in-place ``_`` forms (``elu_``, ``selu_``, ``celu_``). Each is a composite of existing ops
(exponentials, ``tanh``, ``sigmoid``, ``softmax``), so gradients of any order follow.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from minigrad.backends import current
from minigrad.functional.activation import _softmax_dim, elu, sigmoid, softmax, softplus
from minigrad.functional.arithmetic import where
from minigrad.functional.inplace import apply_in_place
from minigrad.functional.operands import axis, constant
from minigrad.functional.piecewise import on_a_copy
from minigrad.optable import S, op
from minigrad.tensor import Tensor

# SELU's constants (Klambauer et al., 2017), as PyTorch spells them
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _np_elu(a: Any, alpha: float) -> Any:
    return numpy.where(a > 0, a, alpha * numpy.expm1(numpy.minimum(a, 0)))


def _np_celu(a: Any, alpha: float = 1.0, inplace: bool = False) -> Any:
    return numpy.where(a > 0, a, alpha * numpy.expm1(numpy.minimum(a, 0) / alpha))


@op("selu", torch=True, functional=True, samples=[S((3, 4)), S((2, 5), transposed=True)],
    reference=lambda a, inplace=False: SELU_SCALE * _np_elu(a, SELU_ALPHA))
def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Scaled ELU: ``scale * elu(x, alpha)`` with the self-normalising constants
    ``alpha = 1.6732...`` and ``scale = 1.0507...``.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> round(float(F.selu(minigrad.tensor(1.0))), 4)
    1.0507
    """
    if inplace:
        return apply_in_place(input, selu)
    return elu(input, SELU_ALPHA) * SELU_SCALE


@op("selu_", torch=True, functional=True, samples=[S((3, 4), call=on_a_copy)],
    reference=lambda a: SELU_SCALE * _np_elu(a, SELU_ALPHA))
def selu_(input: Tensor) -> Tensor:
    """In-place :func:`selu`: ``input`` is overwritten and returned."""
    return selu(input, inplace=True)


@op("celu", torch=True, functional=True,
    samples=[S((3, 4)), S((2, 5), 0.5, transposed=True), S((4,), 2.0)], reference=_np_celu)
def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Continuously differentiable ELU: ``x`` where ``x > 0``, else
    ``alpha * (exp(x / alpha) - 1)``.

    Raises
    ------
    RuntimeError
        If ``alpha`` is 0.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> round(float(F.celu(minigrad.tensor(-1.0), alpha=2.0)), 4)
    -0.7869
    """
    if alpha == 0:
        raise RuntimeError("celu: alpha cannot be 0 (it divides the input)")
    if inplace:
        return apply_in_place(input, celu, alpha)
    # exp of min(x, 0): the unused branch never overflows
    return where(input > 0, input, ((input.clamp(max=0.0) / alpha).exp() - 1) * alpha)


@op("celu_", torch=True, functional=True, samples=[S((3, 4), 0.5, call=on_a_copy)],
    reference=_np_celu)
def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`celu`."""
    return celu(input, alpha, inplace=True)


@op("elu_", functional=True, samples=[S((3, 4), 0.5, call=on_a_copy)], reference=_np_elu)
def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place :func:`~minigrad.nn.functional.elu`."""
    return elu(input, alpha, inplace=True)


@op("mish", functional=True, samples=[S((3, 4)), S((2, 5), transposed=True)],
    reference=lambda a, inplace=False: a * numpy.tanh(numpy.logaddexp(0, a)))
def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))`` (Misra, 2019).

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> round(float(F.mish(minigrad.tensor(1.0))), 4)
    0.8651
    """
    if inplace:
        return apply_in_place(input, mish)
    return input * _tanh_softplus(input)


def _tanh_softplus(x: Tensor) -> Tensor:
    """``tanh(softplus(x))``, its argument held where the result is exactly 0 or 1 already
    (``exp(x)`` below the smallest subnormal, or ``tanh`` at 1). Backwards, mish's product
    rule sends ``g * x`` here, which overflows for a huge ``x``; the held part takes none
    of it, where the chain rule would give ``inf * 0 = NaN``."""
    low = math.log(float(numpy.finfo(x.dtype).smallest_subnormal)) - 1.0
    held = where(x < low, low, where(x > 40.0, 40.0, x))
    return softplus(held).tanh()


@op("softsign", functional=True, samples=[S((3, 4)), S((2, 5), transposed=True)],
    reference=lambda a: a / (1 + numpy.abs(a)))
def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.softsign(minigrad.tensor([-3.0, 1.0])).tolist()
    [-0.75, 0.5]
    """
    return input / (input.abs() + 1)


@op("tanhshrink", functional=True, samples=[S((3, 4)), S((2, 5), transposed=True)],
    reference=lambda a: a - numpy.tanh(a))
def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> round(float(F.tanhshrink(minigrad.tensor(1.0))), 4)
    0.2384
    """
    return input - input.tanh()


def _np_glu(a: Any, dim: int = -1) -> Any:
    first, second = numpy.split(a, 2, axis=dim)
    return first / (1 + numpy.exp(-second))


@op("glu", functional=True, samples=[S((3, 4)), S((2, 6, 3), 1), S((4, 2), 0, transposed=True)],
    reference=_np_glu)
def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: split ``input`` in two halves ``a, b`` along ``dim`` and return
    ``a * sigmoid(b)``.

    Raises
    ------
    RuntimeError
        If the input is 0-d or ``dim`` has an odd size.

    Shape
    -----
    - input: ``(*, 2 * M, *)``, the halved dimension at ``dim``
    - output: ``(*, M, *)``

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.glu(minigrad.randn(4, 6, 5), dim=1).shape
    minigrad.Size([4, 3, 5])
    """
    if input.ndim == 0:
        raise RuntimeError("glu: a 0-d tensor can't be halved")
    d = axis(dim, input.ndim)
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dimension {d} of the "
                           f"input of shape {input.shape} has size {size}")
    half = size // 2  # (0 for an empty dimension, which split refuses as a size)
    before = (slice(None),) * d
    first, second = input[before + (slice(0, half),)], input[before + (slice(half, size),)]
    return first * sigmoid(second)


@op("softmin", functional=True, samples=[S((3, 4), 1), S((2, 3, 4), 0, transposed=True)],
    reference=lambda a, dim, dtype=None: numpy.exp(-a - numpy.log(
        numpy.exp(-a).sum(dim, keepdims=True))))
def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """``softmax(-x)`` along ``dim``: the smallest elements get the largest weights.

    Parameters
    ----------
    input : Tensor
        Any shape.
    dim : int, optional
        The dimension that sums to 1 (given implicitly, PyTorch's deprecated default rule
        picks it, with a warning).
    dtype : dtype, optional
        Convert the input to it first.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.softmin(minigrad.tensor([0.0, 0.0]), dim=0).tolist()
    [0.5, 0.5]
    """
    if dim is None:
        dim = _softmax_dim(input.ndim, dim, "softmin")
    return softmax(-input, dim, dtype)


def _gumbel_call(fn: Any, logits: Any, *args: Any, **kwargs: Any) -> Any:
    """Draw the same noise on every call (the generic tests call the op and its NumPy
    reference repeatedly)."""
    current().manual_seed(0)
    return fn(logits, *args, **kwargs)


def _np_gumbel(logits: Any, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
               dim: int = -1) -> Any:
    # the same draw as gumbel_softmax's (seeded by _gumbel_call), made by the backend
    backend = current()
    uniform = numpy.asarray(backend.to_numpy(backend.rand(logits.shape, numpy.float64)))
    noise = -numpy.log(numpy.maximum(-numpy.log1p(-uniform), numpy.finfo(numpy.float64).tiny))
    y = (logits + noise) / tau
    soft = numpy.exp(y - y.max(dim, keepdims=True))
    soft /= soft.sum(dim, keepdims=True)
    if not hard:
        return soft
    index = numpy.expand_dims(soft.argmax(dim), dim)
    return (numpy.arange(soft.shape[dim]).reshape(
        [-1 if i == dim % soft.ndim else 1 for i in range(soft.ndim)]) == index).astype(float)


@op("gumbel_softmax", functional=True,
    samples=[S((3, 4), call=_gumbel_call), S((2, 5), 0.5, call=_gumbel_call, dim=0),
             S((3, 4), 2.0, True, call=_gumbel_call, note="hard", grad=False)],
    reference=_np_gumbel)
def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """A differentiable sample of a categorical distribution (the Gumbel-softmax trick).

    Adds Gumbel noise ``-log(E)`` (``E`` exponential) to ``logits`` and takes the softmax
    of the result divided by the temperature ``tau``. With ``hard=True`` the result is
    the one-hot vector of the largest entry in the forward pass, while the gradient is
    the soft sample's (the straight-through estimator).

    Parameters
    ----------
    logits : Tensor
        Unnormalised log-probabilities, any shape.
    tau : float
        Temperature: small values give nearly one-hot samples.
    hard : bool
        Return one-hot samples (straight-through gradients).
    eps : float
        Unused; kept for PyTorch's signature (it is deprecated there too).
    dim : int
        The category dimension.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> y = F.gumbel_softmax(minigrad.randn(2, 5), tau=0.5, hard=True)
    >>> y.sum(-1).tolist()
    [1.0, 1.0]
    """
    d = axis(dim, logits.ndim)
    backend = logits.backend
    # E = -log(1 - U) with U uniform on [0, 1): never negative, 0 only when U is 0 (kept
    # off 0 so the noise stays finite); drawn in float64 whatever the logits' dtype
    uniform = backend.rand(logits.shape, numpy.float64)
    xp = backend.xp
    exponential = xp.maximum(-xp.log1p(-uniform), numpy.finfo(numpy.float64).tiny)
    noise = constant(logits, -xp.log(exponential))
    soft = softmax((logits + noise) / tau, d)
    if not hard:
        return soft
    index = soft.argmax(d, keepdim=True)
    positions = constant(logits, xp.arange(logits.shape[d]).reshape(
        [-1 if i == d else 1 for i in range(logits.ndim)]), numpy.int64)
    one_hot = (positions == index).to(soft.dtype)
    straight_through: Tensor = one_hot - soft.detach() + soft
    return straight_through
