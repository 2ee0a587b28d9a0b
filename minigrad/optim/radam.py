"""RAdam: Adam with the variance of the adaptive step rectified early in training."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from minigrad.optim._checks import check_betas, check_non_negative
from minigrad.optim.optimizer import Array, Optimizer, ParamsT
from minigrad.tensor import Tensor

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam (Liu et al., 2019), as ``torch.optim.RAdam``::

        g = grad + weight_decay * p         (decoupled: p shrinks by lr * weight_decay)
        m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g * g
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        m_hat = m / (1 - beta1**t)
        if rho_t > 5:   p = p - lr * m_hat * r_t * sqrt(1 - beta2**t) / (sqrt(v) + eps)
        else:           p = p - lr * m_hat            (plain momentum while v is unreliable)

    where ``r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))``.

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
        Weight decay factor.
    decoupled_weight_decay : bool
        Shrink the parameters directly (as AdamW) instead of adding to the gradient.
    maximize : bool
        Maximise the objective instead.

    Examples
    --------
    >>> from minigrad import nn, optim
    >>> opt = optim.RAdam(nn.Linear(4, 2).parameters(), lr=1e-3)
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-3, betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
        maximize: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_betas(betas)
        check_non_negative("weight_decay value", weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, param: Tensor, xp: Any, p: Array, grad: Array, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = self._buffer(param, xp.zeros_like(p))
            state["exp_avg_sq"] = self._buffer(param, xp.zeros_like(p))
        state["step"] += 1
        step = state["step"]
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p *= 1 - lr * wd
            else:
                grad = grad + wd * p
        m, v = state["exp_avg"].array, state["exp_avg_sq"].array
        m = m + (grad - m) * (1 - beta1)
        v = v * beta2 + (1 - beta2) * grad * grad
        state["exp_avg"], state["exp_avg_sq"] = self._buffer(param, m), self._buffer(param, v)
        correction2 = 1 - beta2**step
        m_hat = m / (1 - beta1**step)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / correction2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            adaptive = math.sqrt(correction2) / (xp.sqrt(v) + group["eps"])
            p -= m_hat * lr * adaptive * rect
        else:
            p -= m_hat * lr
