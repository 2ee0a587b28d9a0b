"""The functional interface, as ``torch.nn.functional``: layers and losses as functions.

Convolution, pooling and padding come from :mod:`minigrad.ops.conv`,
:mod:`minigrad.ops.pooling` and :mod:`minigrad.ops.padding`; activations, dropout,
normalisation, ``linear``, ``embedding`` and ``one_hot`` are defined here, and the
losses in :mod:`minigrad.nn.losses`. Everything is built from differentiable ops, so
gradients of any order flow through it.

Examples
--------
>>> import minigrad
>>> import minigrad.nn.functional as F
>>> logits = minigrad.tensor([[2.0, 0.5, -1.0]], requires_grad=True)
>>> loss = F.cross_entropy(logits, minigrad.tensor([0]))
>>> loss.backward()
>>> logits.grad.shape
(1, 3)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy

from minigrad import inplace as inplace_ops
from minigrad.autograd import Function, no_grad
from minigrad.dtypes import check_supported
from minigrad.nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    logsigmoid,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from minigrad.ops import elementwise
from minigrad.ops.conv import conv1d, conv2d, conv_transpose2d, fold, unfold
from minigrad.ops.padding import pad
from minigrad.ops.pooling import (
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool2d,
    lp_pool2d,
    max_pool2d,
    max_unpool2d,
    min_pool2d,
)
from minigrad.tensor import Tensor

__all__ = [
    "adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool2d", "batch_norm",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "conv1d", "conv2d",
    "conv_transpose2d", "cross_entropy", "dropout", "dropout2d", "elu", "embedding", "fold",
    "gelu", "l1_loss", "layer_norm", "leaky_relu", "linear", "log_softmax", "logsigmoid",
    "lp_pool2d", "max_pool2d", "max_unpool2d", "min_pool2d", "mse_loss", "nll_loss",
    "one_hot", "pad", "relu", "sigmoid", "smooth_l1_loss", "softmax", "tanh", "unfold",
]

Array = Any


def _stand_in(input: Tensor, inplace: bool) -> Tensor:
    """What an activation computes from: ``input``, or for a recorded ``inplace=True``
    call a stand-in for its old value (see :func:`minigrad.inplace.stand_in`)."""
    return inplace_ops.stand_in(input) if inplace and inplace_ops.recording(input) else input


def _replace_in_place(input: Tensor, result: Tensor) -> Tensor:
    """Make ``input`` hold ``result``: the ``inplace=True`` form of an activation."""
    return inplace_ops.assign(input, result, "inplace=True")


# --- activations -------------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """``max(x, 0)`` elementwise; ``inplace=True`` overwrites ``input``."""
    out = _stand_in(input, inplace).relu()
    return _replace_in_place(input, out) if inplace else out


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``negative_slope * x``."""
    x = _stand_in(input, inplace)
    out = elementwise.where(x > 0, x, x * negative_slope)
    return _replace_in_place(input, out) if inplace else out


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    # exp of min(x, 0): the unused branch never overflows (no inf * 0 in the gradient)
    x = _stand_in(input, inplace)
    negative = (x.clamp(max=0.0).exp() - 1) * alpha
    out = elementwise.where(x > 0, x, negative)
    return _replace_in_place(input, out) if inplace else out


def _erf_array(xp: Any, a: Array) -> Array:
    if xp is numpy:
        try:
            from scipy.special import erf as scipy_erf  # type: ignore[import-untyped]
        except ImportError:
            return numpy.vectorize(math.erf, otypes=[a.dtype])(a)
        return scipy_erf(a).astype(a.dtype, copy=False)
    import cupyx.scipy.special as special

    return special.erf(a)


class Erf(Function):
    """The error function; its derivative ``2/sqrt(pi) exp(-x^2)`` is written in tensor ops."""

    save_inputs = (0,)

    def forward(ctx, a: Array) -> Array:
        return _erf_array(ctx.xp, a)

    def backward(ctx, g: Tensor) -> Tensor:
        (x,) = ctx.saved
        return g * (-(x * x)).exp() * (2 / math.sqrt(math.pi))


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


def tanh(input: Tensor) -> Tensor:
    """Elementwise hyperbolic tangent."""
    return input.tanh()


def sigmoid(input: Tensor) -> Tensor:
    """Elementwise logistic function."""
    return input.sigmoid()


def _softmax_dim(ndim: int, dim: int | None, name: str) -> int:
    if dim is not None:
        return dim
    warnings.warn(
        f"implicit dimension choice for {name} has been deprecated; pass dim explicitly",
        UserWarning, stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """Softmax along ``dim`` (converted to ``dtype`` first when given)."""
    if dtype is not None:
        input = input.to(check_supported(dtype))
    return input.softmax(_softmax_dim(input.ndim, dim, "softmax"))


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:
    """Log-softmax along ``dim`` (converted to ``dtype`` first when given)."""
    if dtype is not None:
        input = input.to(check_supported(dtype))
    return input.log_softmax(_softmax_dim(input.ndim, dim, "log_softmax"))


# --- dropout -------------------------------------------------------------------------------
def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_mask(input: Tensor, p: float, shape: tuple[int, ...]) -> Tensor:
    b = input._backend
    keep = b.rand(shape, input.dtype) >= p
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    return input._constant(keep * scale, input.dtype)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    Does nothing unless ``training``.
    """
    _check_p(p)
    if not training or p == 0.0:
        return input
    out = _stand_in(input, inplace) * _dropout_mask(input, p, input.shape)
    return _replace_in_place(input, out) if inplace else out


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Zero whole channels of an ``(N, C, H, W)`` or ``(C, H, W)`` input with probability
    ``p``, scaling the kept ones by ``1 / (1 - p)``."""
    _check_p(p)
    if input.ndim not in (3, 4):
        raise ValueError(
            f"dropout2d expects a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
            f"{input.shape}"
        )
    if not training or p == 0.0:
        return input
    shape = input.shape[:-2] + (1, 1)
    out = _stand_in(input, inplace) * _dropout_mask(input, p, shape)
    return _replace_in_place(input, out) if inplace else out


# --- linear and embedding ------------------------------------------------------------------
class Linear(Function):
    """``x @ W.T + b`` over any leading dimensions, as one node of the graph."""

    save_inputs = (0, 1)

    def forward(ctx, x: Array, weight: Array, bias: Array | None = None) -> Array:
        out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    def backward(ctx, g: Tensor) -> tuple[Tensor | None, ...]:
        x, weight = ctx.saved
        g2 = g.reshape(-1, g.shape[-1])
        gx = (g2 @ weight).reshape(x.shape) if ctx.needs_input_grad[0] else None
        gw = g2.T @ x.reshape(-1, x.shape[-1]) if ctx.needs_input_grad[1] else None
        if len(ctx.needs_input_grad) == 2:
            return gx, gw
        gb = g2.sum(0) if ctx.needs_input_grad[2] else None
        return gx, gw, gb


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``.

    Parameters
    ----------
    input : Tensor
        ``(*, in_features)``.
    weight : Tensor
        ``(out_features, in_features)``.
    bias : Tensor, optional
        ``(out_features,)``.

    Raises
    ------
    RuntimeError
        If the feature sizes do not match (the shapes are named).
    """
    if weight.ndim != 2 or input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"linear: input of shape {input.shape} can't be multiplied by weight of shape "
            f"{weight.shape} (expected input (*, {weight.shape[-1] if weight.ndim else '?'}) "
            "and a 2-D weight (out_features, in_features))"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise RuntimeError(
            f"linear: bias has shape {bias.shape}, expected ({weight.shape[0]},)"
        )
    if input.dtype != weight.dtype:
        input = input.to(weight.dtype)
    if bias is None:
        return Linear.apply(input, weight)
    return Linear.apply(input, weight, bias)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` picked by the integer tensor ``input``.

    The row at ``padding_idx`` (if given) receives no gradient.

    Raises
    ------
    TypeError
        If ``input`` is not an integer tensor.
    IndexError
        If an index is negative or not smaller than ``weight.shape[0]``.
    """
    if input.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be an integer tensor, got {input.dtype}")
    n = weight.shape[0]
    if input.numel():
        lo, hi = int(input._data.min()), int(input._data.max())
        if lo < 0 or hi >= n:  # no negative indices, as in torch
            raise IndexError(
                f"embedding: index out of range in self: index {lo if lo < 0 else hi} is not "
                f"in [0, {n}) for a table of {n} rows"
            )
    out = weight[input]
    if padding_idx is not None and weight._requires_grad:
        padding_idx = padding_idx % n
        keep = (input != padding_idx).unsqueeze(-1)
        out = elementwise.where(keep, out, out.detach())
    return out


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding, with a new last dimension of size ``num_classes``
    (``max + 1`` when -1)."""
    if tensor.dtype.kind not in "iu":
        raise TypeError(
            f"one_hot: expected an integer tensor of class indices, got {tensor.dtype}"
        )
    data = tensor._data
    if tensor.numel() and int(data.min()) < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {int(data.min())}")
    top = int(data.max()) if tensor.numel() else -1
    if num_classes == -1:
        num_classes = top + 1
    elif top >= num_classes:
        raise ValueError(
            f"one_hot: class value {top} is not smaller than num_classes={num_classes}"
        )
    xp = tensor._backend.xp
    eye = xp.eye(num_classes, dtype=numpy.int64)
    return tensor._wrap(eye[data])


# --- normalisation -------------------------------------------------------------------------
def _channel_shape(input: Tensor) -> tuple[int, ...]:
    return (1, input.shape[1]) + (1,) * (input.ndim - 2)


def batch_norm(
    input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
    weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
    momentum: float = 0.1, eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (dimension 1) by its batch statistics (``training``) or by
    the running statistics.

    In training the running statistics, when given, are updated in place:
    ``running = (1 - momentum) * running + momentum * batch`` (the unbiased variance).

    Raises
    ------
    ValueError
        If training with a single value per channel.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm expects an input of shape (N, C, *), got {input.shape}")
    shape = _channel_shape(input)
    dims = (0, *range(2, input.ndim))
    if training:
        count = input.numel() // input.shape[1]
        if count <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size "
                f"{input.shape}"
            )
        mean = input.mean(dims, keepdim=True)
        centred = input - mean
        var = (centred * centred).mean(dims, keepdim=True)
        if running_mean is not None and running_var is not None:
            with no_grad():
                m = momentum
                new_mean = running_mean * (1 - m) + mean.detach().reshape(-1) * m
                unbiased = var.detach().reshape(-1) * (count / (count - 1))
                new_var = running_var * (1 - m) + unbiased * m
                running_mean._data[...] = new_mean._data
                running_var._data[...] = new_var._data
                running_mean._version += 1
                running_var._version += 1
    else:
        if running_mean is None or running_var is None:
            raise ValueError(
                "batch_norm: running_mean and running_var are needed when not training"
            )
        centred = input - running_mean.reshape(shape)
        var = running_var.reshape(shape)
    out = centred * (var + eps) ** -0.5
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def layer_norm(
    input: Tensor, normalized_shape: Sequence[int], weight: Tensor | None = None,
    bias: Tensor | None = None, eps: float = 1e-5,
) -> Tensor:
    """Normalise over the trailing dimensions ``normalized_shape`` of each sample."""
    normalized = tuple(normalized_shape)
    k = len(normalized)
    if k == 0 or input.shape[input.ndim - k:] != normalized or input.ndim < k:
        raise RuntimeError(
            f"layer_norm: expected an input whose last dimensions are {normalized}, got "
            f"shape {input.shape}"
        )
    dims = tuple(range(input.ndim - k, input.ndim))
    centred = input - input.mean(dims, keepdim=True)
    var = (centred * centred).mean(dims, keepdim=True)
    out = centred * (var + eps) ** -0.5
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out

