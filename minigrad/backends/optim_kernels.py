"""Optimizer steps over lists of parameters (PyTorch's ``foreach`` idea), generic over the
array namespace ``xp``.

Each function updates every parameter of a list in place, in the order and with the
roundings of the plain formulas of :mod:`minigrad.optim` (the results are bitwise the
same), but with in-place ufuncs writing into two scratch arrays, so that a step makes no
temporary arrays beyond those two per parameter. A backend whose launches are costly (CuPy)
replaces each with one fused kernel per parameter.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from minigrad.types import Array

__all__ = ["adam_step", "sgd_step"]


def sgd_step(
    xp: Any, params: Sequence[Array], grads: Sequence[Array],
    buffers: Sequence[Array | None], *, lr: float, momentum: float, dampening: float,
    weight_decay: float, nesterov: bool, maximize: bool,
) -> list[Array | None]:
    """One SGD step for every parameter, in place.

    Per parameter: ``d = grad (+ weight_decay * p)``, with momentum ``b = d`` on the
    first step (``buffers`` holds ``None``) and ``b = momentum * b + (1 - dampening) * d``
    later, ``d = d + momentum * b`` (Nesterov) or ``d = b``, and ``p -= lr * d``;
    ``maximize`` negates the gradient first. The gradients are not modified.

    Returns
    -------
    list
        The momentum buffers (the ones of ``buffers``, updated in place, and new ones where
        it held ``None``); ``None`` entries without momentum.
    """
    result: list[Array | None] = []
    for p, grad, buffer in zip(params, grads, buffers):
        first, second = xp.empty_like(p), xp.empty_like(p)
        d = grad
        if maximize:
            d = xp.negative(grad, out=first)
        if weight_decay != 0:
            xp.multiply(p, weight_decay, out=second)
            d = xp.add(d, second, out=first)
        if momentum != 0:
            if buffer is None:
                buffer = d.copy()
            else:
                buffer *= momentum
                if dampening != 0:
                    buffer += xp.multiply(d, 1 - dampening, out=second)
                else:  # (1 - 0) * d is d, bit for bit
                    buffer += d
            if nesterov:
                xp.multiply(buffer, momentum, out=second)
                d = xp.add(d, second, out=first)
            else:
                d = buffer
        p -= xp.multiply(d, lr, out=second)
        result.append(buffer)
    return result


def adam_step(
    xp: Any, params: Sequence[Array], grads: Sequence[Array], exp_avgs: Sequence[Array],
    exp_avg_sqs: Sequence[Array], max_exp_avg_sqs: Sequence[Array | None],
    steps: Sequence[int], *, lr: float, beta1: float, beta2: float, eps: float,
    weight_decay: float, amsgrad: bool, maximize: bool, decoupled: bool,
) -> None:
    """One Adam (``decoupled``: AdamW) step for every parameter, in place.

    Per parameter, with ``t`` its step count after this step: ``g = grad (+ weight_decay *
    p)`` (AdamW instead shrinks ``p`` by ``1 - lr * weight_decay``), ``m += (g - m) * (1 -
    beta1)``, ``v = beta2 * v + (1 - beta2) * g * g``, ``v_hat = max(v_hat, v)`` with
    ``amsgrad``, and ``p -= lr / (1 - beta1**t) * m / (sqrt(v_hat) / sqrt(1 - beta2**t) +
    eps)``. The moment estimates are updated in place; the gradients are not modified.
    """
    for p, grad, m, v, v_max, step in zip(params, grads, exp_avgs, exp_avg_sqs,
                                          max_exp_avg_sqs, steps):
        first, second = xp.empty_like(p), xp.empty_like(p)
        g = xp.negative(grad, out=first) if maximize else grad
        if weight_decay != 0:
            if decoupled:
                p *= 1 - lr * weight_decay
            else:
                xp.multiply(p, weight_decay, out=second)
                g = xp.add(g, second, out=first)
        m += xp.multiply(xp.subtract(g, m, out=second), 1 - beta1, out=second)
        v *= beta2
        v += xp.multiply(xp.multiply(g, 1 - beta2, out=second), g, out=second)
        if amsgrad:
            assert v_max is not None
            xp.maximum(v_max, v, out=v_max)
            v = v_max
        denom = xp.sqrt(v, out=second)
        denom /= math.sqrt(1 - beta2**step)
        denom += eps
        update = xp.divide(m, denom, out=second)
        update *= -(lr / (1 - beta1**step))
        p += update
