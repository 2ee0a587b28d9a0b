"""ASGD: averaged stochastic gradient descent."""

from __future__ import annotations

from typing import Any

from minigrad.optim._checks import check_non_negative
from minigrad.optim.optimizer import Array, Optimizer, ParamsT
from minigrad.tensor import Tensor

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD (Polyak and Juditsky, 1992), as ``torch.optim.ASGD``::

        g = grad + weight_decay * p
        p = p * (1 - lambd * eta) - eta * g
        ax = ax + mu * (p - ax)                 (the running average, state["ax"])
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu = 1 / max(1, t - t0)                 (averaging starts after t0 steps)

    The averaged parameters are kept in ``optimizer.state[p]["ax"]``; the model itself
    keeps the plain SGD iterate, as in PyTorch.

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups.
    lr : float
        Learning rate.
    lambd : float
        Decay term.
    alpha : float
        Power of the learning-rate decay.
    t0 : float
        The step at which averaging starts.
    weight_decay : float
        L2 penalty added to the gradient.
    maximize : bool
        Maximise the objective instead.

    Examples
    --------
    >>> from minigrad import nn, optim
    >>> opt = optim.ASGD(nn.Linear(4, 2).parameters(), lr=0.01)
    >>> opt.param_groups[0]["t0"]
    1000000.0
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
        t0: float = 1e6, weight_decay: float = 0, *, maximize: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("weight_decay value", weight_decay)
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, param: Tensor, xp: Any, p: Array, grad: Array, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        lr, lambd = group["lr"], group["lambd"]
        if not state:
            state["step"] = 0
            state["eta"] = lr
            state["mu"] = 1.0
            state["ax"] = self._buffer(param, xp.zeros_like(p))
        state["step"] += 1
        step, eta = state["step"], state["eta"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p
        p *= 1 - lambd * eta
        p -= eta * grad
        ax = state["ax"].array
        averaged = p.copy() if state["mu"] == 1 else ax + (p - ax) * state["mu"]
        state["ax"] = self._buffer(param, averaged)
        state["eta"] = lr / ((1 + lambd * lr * step) ** group["alpha"])
        state["mu"] = 1 / max(1, step - group["t0"])
