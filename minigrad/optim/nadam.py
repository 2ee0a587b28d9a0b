"""NAdam: Adam with Nesterov momentum."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad.optim._checks import check_betas, check_non_negative
from minigrad.optim.optimizer import Array, Optimizer, ParamsT
from minigrad.tensor import Tensor

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (Dozat, 2016), as ``torch.optim.NAdam``. With ``t`` the step count and the
    momentum schedule ``mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))``::

        g = grad + weight_decay * p         (decoupled: p shrinks by lr * weight_decay)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        d = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - prod(mu_1..mu_t)) * g / d
              - lr * mu_{t+1} / (1 - prod(mu_1..mu_{t+1})) * m / d

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups.
    lr : float
        Learning rate (default 2e-3).
    betas : pair of float
        Decay rates of the two moment estimates.
    eps : float
        Added to the denominator.
    weight_decay : float
        Weight decay factor.
    momentum_decay : float
        How fast the momentum schedule approaches ``beta1``.
    decoupled_weight_decay : bool
        Shrink the parameters directly (as AdamW) instead of adding to the gradient.
    maximize : bool
        Maximise the objective instead.

    Examples
    --------
    >>> from minigrad import nn, optim
    >>> opt = optim.NAdam(nn.Linear(4, 2).parameters(), lr=1e-3)
    >>> opt.param_groups[0]["momentum_decay"]
    0.004
    """

    def __init__(
        self, params: ParamsT, lr: float = 2e-3, betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False, *, maximize: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_betas(betas)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("momentum_decay value", momentum_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, param: Tensor, xp: Any, p: Array, grad: Array, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["mu_product"] = 1.0
            state["exp_avg"] = self._buffer(param, xp.zeros_like(p))
            state["exp_avg_sq"] = self._buffer(param, xp.zeros_like(p))
        state["step"] += 1
        step, decay = state["step"], group["momentum_decay"]
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p *= 1 - lr * wd
            else:
                grad = grad + wd * p
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * decay))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        m, v = state["exp_avg"].array, state["exp_avg_sq"].array
        m = m + (grad - m) * (1 - beta1)
        v = v * beta2 + (1 - beta2) * grad * grad
        state["exp_avg"], state["exp_avg_sq"] = self._buffer(param, m), self._buffer(param, v)
        denom = xp.sqrt(v / (1 - beta2**step)) + group["eps"]
        p -= lr * (1.0 - mu) / (1.0 - mu_product) * (grad / denom)
        p -= lr * mu_next / (1.0 - mu_product * mu_next) * (m / denom)
