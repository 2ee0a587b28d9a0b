"""Batch normalisation on arrays, generic over the array namespace ``xp``.

The input is ``(N, C, *)``; statistics are per channel (dimension 1), over the batch and
every trailing dimension. Each function makes as few passes over the input as NumPy
allows: the variance is computed from the centred input (two passes, not
``E[x^2] - E[x]^2``, which loses the digits of a variance small next to the mean), and the
normalisation folds ``weight``, ``bias`` and the statistics into one scale and one shift
per channel, as PyTorch's CPU kernel does.
"""

from __future__ import annotations

from typing import Any

from minigrad.types import Array

__all__ = ["batch_norm", "batch_norm_backward", "batch_norm_train", "channel_count",
           "channel_shape", "inverse_std", "reduced_dims"]


def reduced_dims(ndim: int) -> tuple[int, ...]:
    """The dimensions the statistics run over: all but the channels (dimension 1)."""
    return (0, *range(2, ndim))


def channel_shape(x: Array) -> tuple[int, ...]:
    """``(1, C, 1, ...)``: the shape that broadcasts a per-channel vector against ``x``."""
    ndim: int = x.ndim
    return (1, int(x.shape[1])) + (1,) * (ndim - 2)


def channel_count(shape: tuple[int, ...]) -> int:
    """How many values each channel of an input of ``shape`` has (0 for an empty input)."""
    channels = shape[1]
    total = 1
    for n in shape:
        total *= n
    return total // channels if channels else 0


def _dot(xp: Any, a: Array, b: Array) -> Array:
    """``sum(a * b)`` per channel, in one pass and without a temporary."""
    letters = "abcdefghijklmnopqrstuvwxyz"[: a.ndim]
    return xp.einsum(f"{letters},{letters}->b", a, b)


def batch_norm_train(xp: Any, x: Array, weight: Array | None, bias: Array | None,
                     eps: float) -> tuple[Array, Array, Array, Array]:
    """Normalisation by the batch's own statistics: ``(out, mean, var, invstd)``, with
    the per-channel mean and biased variance (zeros for an empty batch).

    Five passes over ``x``: its sum, the centred input (which becomes the output), the
    squares of the centred input summed, then the scale and the shift in place.
    """
    count = channel_count(x.shape)
    if count == 0:
        mean = xp.zeros(x.shape[1], dtype=x.dtype)
        var = xp.zeros(x.shape[1], dtype=x.dtype)
        invstd = inverse_std(xp, var, eps)
        return batch_norm(xp, x, mean, invstd, weight, bias), mean, var, invstd
    shape = channel_shape(x)
    mean = (x.sum(axis=reduced_dims(x.ndim)) / count).astype(x.dtype, copy=False)
    out = x - mean.reshape(shape)
    var = (_dot(xp, out, out) / count).astype(x.dtype, copy=False)
    invstd = inverse_std(xp, var, eps)
    out *= (invstd if weight is None else invstd * weight).reshape(shape)
    if bias is not None:
        out += bias.reshape(shape)
    return out, mean, var, invstd


def inverse_std(xp: Any, var: Array, eps: float) -> Array:
    """``1 / sqrt(var + eps)``."""
    out = var + eps
    xp.sqrt(out, out=out)
    xp.divide(1, out, out=out)
    return out


def batch_norm(xp: Any, x: Array, mean: Array, invstd: Array, weight: Array | None,
               bias: Array | None) -> Array:
    """``(x - mean) * invstd * weight + bias`` per channel with given statistics (the
    running ones), as ``x * scale + shift`` (two passes)."""
    scale = invstd if weight is None else invstd * weight
    shift = -mean * scale
    if bias is not None:
        shift += bias
    shape = channel_shape(x)
    out = x * scale.reshape(shape)
    out += shift.reshape(shape)
    return out


def batch_norm_backward(
    xp: Any, g: Array, x: Array, mean: Array, invstd: Array, weight: Array | None,
    batch_stats: bool, needs: tuple[bool, bool, bool],
) -> tuple[Array | None, Array | None, Array | None]:
    """The gradients ``(dx, dweight, dbias)`` of :func:`batch_norm` (``None`` where
    ``needs`` says no).

    With ``batch_stats`` the mean and ``invstd`` are the batch's own, so they depend on
    ``x``: ``dx = weight * invstd * (g - mean(g) - xhat * mean(g * xhat))``; otherwise
    (running statistics) ``dx = weight * invstd * g``. ``dweight = sum(g * xhat)`` and
    ``dbias = sum(g)`` per channel, with ``xhat = (x - mean) * invstd``.
    """
    need_x, need_w, need_b = needs
    shape = channel_shape(x)
    k1 = invstd if weight is None else invstd * weight
    dx = dweight = dbias = None
    if not batch_stats:
        if need_x:
            dx = g * k1.reshape(shape)
        if need_w:
            dweight = _dot(xp, g, x - mean.reshape(shape)) * invstd
        if need_b:
            dbias = g.sum(axis=reduced_dims(g.ndim))
        return dx, dweight, dbias
    count = channel_count(x.shape)
    centred = x - mean.reshape(shape)
    sum_g = g.sum(axis=reduced_dims(g.ndim))
    sum_gc = _dot(xp, g, centred)  # sum(g * xhat) / invstd
    if need_w:
        dweight = (sum_gc * invstd).astype(x.dtype, copy=False)
    if need_b:
        dbias = sum_g
    if need_x and count:
        centred *= (-(invstd * invstd) * sum_gc / count).reshape(shape)
        centred += g
        centred -= (sum_g / count).reshape(shape)
        centred *= k1.reshape(shape)
        dx = centred
    elif need_x:
        dx = xp.zeros_like(g)
    return dx, dweight, dbias
