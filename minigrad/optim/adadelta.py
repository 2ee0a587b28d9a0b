"""Adadelta: steps whose size adapts from running averages of squared gradients and updates."""

from __future__ import annotations

from typing import Any

from minigrad.optim._checks import check_non_negative
from minigrad.optim.optimizer import Array, Optimizer, ParamsT
from minigrad.tensor import Tensor

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), as ``torch.optim.Adadelta``::

        g = grad + weight_decay * p
        s = rho * s + (1 - rho) * g * g                  (running average of g**2)
        d = sqrt(u + eps) / sqrt(s + eps) * g            (u: running average of d**2)
        u = rho * u + (1 - rho) * d * d
        p = p - lr * d

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups.
    lr : float
        Scale of the update (default 1.0, so the step size comes from the averages alone).
    rho : float
        Decay rate of both running averages, in ``[0, 1]``.
    eps : float
        Added inside the square roots.
    weight_decay : float
        L2 penalty added to the gradient.
    maximize : bool
        Maximise the objective instead.

    Examples
    --------
    >>> from minigrad import nn, optim
    >>> opt = optim.Adadelta(nn.Linear(4, 2).parameters(), lr=1.0)
    >>> opt.param_groups[0]["rho"]
    0.9
    """

    def __init__(
        self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
        weight_decay: float = 0, *, maximize: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho} (must be in [0, 1])")
        check_non_negative("epsilon value", eps)
        check_non_negative("weight_decay value", weight_decay)
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, param: Tensor, xp: Any, p: Array, grad: Array, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = 0
            state["square_avg"] = self._buffer(param, xp.zeros_like(p))
            state["acc_delta"] = self._buffer(param, xp.zeros_like(p))
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p
        square_avg = state["square_avg"].array * rho + (1 - rho) * grad * grad
        acc_delta = state["acc_delta"].array
        delta = xp.sqrt(acc_delta + eps) / xp.sqrt(square_avg + eps) * grad
        state["square_avg"] = self._buffer(param, square_avg)
        state["acc_delta"] = self._buffer(param, acc_delta * rho + (1 - rho) * delta * delta)
        p -= group["lr"] * delta
