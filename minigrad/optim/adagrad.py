"""Adagrad: per-element learning rates from the sum of squared gradients."""

from __future__ import annotations

from typing import Any

from minigrad.optim._checks import check_non_negative
from minigrad.optim.optimizer import Array, Optimizer, ParamsT
from minigrad.tensor import Tensor

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad``::

        lr_t = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - lr_t * g / (sqrt(s) + eps)

    Parameters
    ----------
    lr : float
        Learning rate (default 0.01).
    lr_decay : float
        Learning-rate decay per step.
    weight_decay : float
        L2 penalty added to the gradient.
    initial_accumulator_value : float
        Starting value of ``s``.
    eps : float
        Added to the denominator.

    Examples
    --------
    >>> from minigrad import nn, optim
    >>> opt = optim.Adagrad(nn.Linear(4, 2).parameters(), lr=0.1)
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
        initial_accumulator_value: float = 0, eps: float = 1e-10, *, maximize: bool = False,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("lr_decay value", lr_decay)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("initial_accumulator_value value", initial_accumulator_value)
        check_non_negative("epsilon value", eps)
        defaults = {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "eps": eps,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _update(self, param: Tensor, xp: Any, p: Array, grad: Array, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = self._buffer(
                param, xp.full_like(p, group["initial_accumulator_value"]))
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        s = state["sum"].array
        s += grad * grad
        p += -clr * (grad / (xp.sqrt(s) + group["eps"]))
