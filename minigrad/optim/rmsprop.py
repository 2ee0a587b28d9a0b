"""RMSprop: steps divided by a running root-mean-square of the gradient."""

from __future__ import annotations

from typing import Any

from minigrad.optim._checks import check_non_negative
from minigrad.optim.optimizer import Array, Optimizer, ParamsT
from minigrad.tensor import Tensor

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``::

        s = alpha * s + (1 - alpha) * g * g
        a = sqrt(s - mean_g**2) if centered else sqrt(s)      (mean_g: running mean of g)
        p = p - lr * g / (a + eps)     (with momentum: b = momentum * b + g / (a + eps);
                                        p = p - lr * b)

    Parameters
    ----------
    lr : float
        Learning rate (default 0.01).
    alpha : float
        Smoothing constant of the squared-gradient average.
    eps : float
        Added to the denominator.
    weight_decay : float
        L2 penalty added to the gradient.
    momentum : float
        Momentum factor.
    centered : bool
        Normalise by an estimate of the gradient's variance instead.

    Examples
    --------
    >>> from minigrad import nn, optim
    >>> opt = optim.RMSprop(nn.Linear(4, 2).parameters(), lr=0.01, momentum=0.9)
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
        weight_decay: float = 0, momentum: float = 0, centered: bool = False, *,
        maximize: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_non_negative("momentum value", momentum)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("alpha value", alpha)
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                    "momentum": momentum, "centered": centered, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, param: Tensor, xp: Any, p: Array, grad: Array, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = self._buffer(param, xp.zeros_like(p))
        if momentum > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = self._buffer(param, xp.zeros_like(p))
        if group["centered"] and "grad_avg" not in state:
            state["grad_avg"] = self._buffer(param, xp.zeros_like(p))
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p
        s = state["square_avg"].array
        s *= alpha
        s += (1 - alpha) * grad * grad
        if group["centered"]:
            mean_g = state["grad_avg"].array
            mean_g += (grad - mean_g) * (1 - alpha)
            avg = xp.sqrt(s - mean_g * mean_g)
        else:
            avg = xp.sqrt(s)
        avg += group["eps"]
        if momentum > 0:
            b = state["momentum_buffer"].array
            b *= momentum
            b += grad / avg
            p -= group["lr"] * b
        else:
            p += -group["lr"] * (grad / avg)
