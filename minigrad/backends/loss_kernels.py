"""The array work of the fused classification loss and of the activations' gradients,
generic over the array namespace ``xp``.

The negative log likelihood of class-index targets works on log-probabilities ``logp`` of
shape ``(N, C, *)`` (or ``(C,)``) with the classes along ``dim``, and on per-position
arrays of the target's shape: the target class ``target``, the weight ``pick`` of the
target's log-probability and the weight ``spread`` of the (class-weighted) sum of all the
log-probabilities of the position (label smoothing).
"""

from __future__ import annotations

from typing import Any

from minigrad.types import Array

__all__ = ["nll_grad", "nll_terms", "relu_grad", "sigmoid_grad", "tanh_grad"]


def _class_shape(ndim: int, dim: int) -> list[int]:
    shape = [1] * ndim
    shape[dim] = -1
    return shape


def nll_terms(xp: Any, logp: Array, target: Array, pick: Array, spread: Array | None,
              class_weight: Array | None, dim: int) -> Array:
    """Per position: ``pick * logp[target] + spread * sum_c class_weight_c * logp[c]``
    (of the target's shape); 0 when there are no classes (every target then ignored)."""
    if logp.shape[dim] == 0:
        return xp.zeros(pick.shape, dtype=pick.dtype)
    picked = xp.take_along_axis(logp, xp.expand_dims(target, dim), dim)
    terms = picked.reshape(pick.shape) * pick
    if spread is not None:
        weighted = logp if class_weight is None else (
            logp * class_weight.reshape(_class_shape(logp.ndim, dim)))
        terms += weighted.sum(axis=dim) * spread
    return terms


def nll_grad(xp: Any, coef: Array, logp_shape: tuple[int, ...], target: Array, pick: Array,
             spread: Array | None, class_weight: Array | None, dim: int) -> Array:
    """The adjoint of :func:`nll_terms` scaled by ``-coef`` (a number or one per
    position): ``-coef * (pick * onehot(target) + spread * class_weight)``, of
    ``logp_shape``."""
    out = xp.zeros(logp_shape, dtype=pick.dtype)
    if out.size == 0:
        return out
    index = xp.expand_dims(target, dim)
    values = xp.broadcast_to(xp.expand_dims(-coef * pick, dim), index.shape)
    grids = []
    for d, n in enumerate(index.shape):  # the full advanced index of the targets
        if d == dim:
            grids.append(index)
        else:
            shape = [1] * index.ndim
            shape[d] = n
            grids.append(xp.arange(n).reshape(shape))
    out[tuple(grids)] = values
    if spread is not None:
        share = xp.expand_dims(-coef * spread, dim)
        if class_weight is not None:
            share = share * class_weight.reshape(_class_shape(len(logp_shape), dim))
        out += share
    return out


def relu_grad(xp: Any, g: Array, y: Array) -> Array:
    """``g`` where ``y != 0``, else 0: relu's gradient from its output ``y >= 0`` (a NaN
    output passes the gradient, as PyTorch's relu does at NaN)."""
    return g * (y != 0)


def tanh_grad(xp: Any, g: Array, y: Array) -> Array:
    """``g * (1 - y * y)`` (tanh's gradient from its output ``y``)."""
    slope = 1 - y * y
    slope *= g
    return slope


def sigmoid_grad(xp: Any, g: Array, y: Array) -> Array:
    """``g * y * (1 - y)`` (sigmoid's gradient from its output ``y``)."""
    slope = 1 - y
    slope *= y
    slope *= g
    return slope
