"""Adam and AdamW (with the AMSGrad variant)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from minigrad.optim._checks import check_betas, check_non_negative
from minigrad.optim.optimizer import Array, Optimizer, ParamsT
from minigrad.tensor import Tensor

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam: steps scaled by running estimates of the gradient's first two moments.

    Each step (``t`` counts steps, ``m`` and ``v`` start at zero)::

        g = grad + weight_decay * p          (AdamW instead shrinks p by lr * weight_decay)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_hat = max(v_hat, v) if amsgrad else v
        p = p - lr / (1 - beta1**t) * m / (sqrt(v_hat) / sqrt(1 - beta2**t) + eps)

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups.
    lr : float
        Learning rate.
    betas : pair of float
        Decay rates of the two moment estimates.
    eps : float
        Added to the denominator.
    weight_decay : float
        L2 penalty added to the gradient.
    amsgrad : bool
        Use the running maximum of ``v`` (AMSGrad).
    maximize : bool
        Maximise the objective instead.

    Examples
    --------
    >>> from minigrad import nn, optim
    >>> opt = optim.Adam(nn.Linear(4, 2).parameters(), lr=1e-3)
    >>> opt.param_groups[0]["betas"]
    (0.9, 0.999)
    """

    _decoupled = False

    def __init__(
        self, params: ParamsT, lr: float = 1e-3, betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
        maximize: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_betas(betas)
        check_non_negative("weight_decay value", weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, param: Tensor, xp: Any, p: Array, grad: Array, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = self._buffer(param, xp.zeros_like(p))
            state["exp_avg_sq"] = self._buffer(param, xp.zeros_like(p))
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = self._buffer(param, xp.zeros_like(p))
        state["step"] += 1
        step = state["step"]
        if wd != 0:
            if self._decoupled:
                p *= 1 - lr * wd
            else:
                grad = grad + wd * p
        m, v = state["exp_avg"].array, state["exp_avg_sq"].array
        m += (grad - m) * (1 - beta1)
        v *= beta2
        v += (1 - beta2) * grad * grad
        if group["amsgrad"]:
            v_max = state["max_exp_avg_sq"].array
            xp.maximum(v_max, v, out=v_max)
            v = v_max
        step_size = lr / (1 - beta1**step)
        denom = xp.sqrt(v) / math.sqrt(1 - beta2**step) + group["eps"]
        p += -step_size * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p`` is shrunk by ``lr * weight_decay`` each step
    instead of adding the decay to the gradient. Parameters as :class:`Adam` (default
    ``weight_decay=0.01``).

    Examples
    --------
    >>> from minigrad import nn, optim
    >>> opt = optim.AdamW(nn.Linear(4, 2).parameters(), lr=1e-3, amsgrad=True)
    >>> opt.param_groups[0]["weight_decay"]
    0.01
    """

    _decoupled = True

    def __init__(
        self, params: ParamsT, lr: float = 1e-3, betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
