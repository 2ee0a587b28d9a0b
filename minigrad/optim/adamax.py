"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad.optim._checks import check_betas, check_non_negative
from minigrad.optim.optimizer import Array, Optimizer, ParamsT
from minigrad.tensor import Tensor

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (Kingma and Ba, 2015, section 7), as ``torch.optim.Adamax``::

        g = grad + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, |g| + eps)                   (elementwise)
        p = p - lr / (1 - beta1**t) * m / u

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups.
    lr : float
        Learning rate (default 2e-3).
    betas : pair of float
        Decay rates of the moment and of the infinity norm.
    eps : float
        Added to ``|g|``, keeping the denominator positive.
    weight_decay : float
        L2 penalty added to the gradient.
    maximize : bool
        Maximise the objective instead.

    Examples
    --------
    >>> from minigrad import nn, optim
    >>> opt = optim.Adamax(nn.Linear(4, 2).parameters())
    >>> opt.param_groups[0]["lr"]
    0.002
    """

    def __init__(
        self, params: ParamsT, lr: float = 2e-3, betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8, weight_decay: float = 0, *, maximize: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_betas(betas)
        check_non_negative("weight_decay value", weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, param: Tensor, xp: Any, p: Array, grad: Array, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = self._buffer(param, xp.zeros_like(p))
            state["exp_inf"] = self._buffer(param, xp.zeros_like(p))
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p
        m = state["exp_avg"].array
        m = m + (grad - m) * (1 - beta1)
        u = xp.maximum(state["exp_inf"].array * beta2, xp.abs(grad) + group["eps"])
        state["exp_avg"], state["exp_inf"] = self._buffer(param, m), self._buffer(param, u)
        p -= group["lr"] / (1 - beta1 ** state["step"]) * (m / u)
