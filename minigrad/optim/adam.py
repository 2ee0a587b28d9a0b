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
    foreach, fused : bool, optional
        PyTorch's switches between implementations. By default (``None``) each step
        updates all parameters through the backend's list kernel (bitwise the same result
        as the per-parameter formula above, with fewer temporary arrays; one fused kernel
        per parameter on the GPU); ``foreach=False`` runs the formula parameter by
        parameter.

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
        maximize: bool = False, foreach: bool | None = None, fused: bool | None = None,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("epsilon value", eps)
        check_betas(betas)
        check_non_negative("weight_decay value", weight_decay)
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "fused": fused}
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        beta1, beta2 = group["betas"]
        for same_backend in self._by_backend(params):
            states = [self._moments(p, group) for p in same_backend]
            same_backend[0].backend.adam_step(
                [p.array for p in same_backend], self._grads(same_backend),
                [s["exp_avg"].array for s in states], [s["exp_avg_sq"].array for s in states],
                [s["max_exp_avg_sq"].array if group["amsgrad"] else None for s in states],
                [s["step"] for s in states], lr=group["lr"], beta1=beta1, beta2=beta2,
                eps=group["eps"], weight_decay=group["weight_decay"],
                amsgrad=group["amsgrad"], maximize=group["maximize"],
                decoupled=self._decoupled)

    def _moments(self, param: Tensor, group: dict[str, Any]) -> dict[str, Any]:
        """The state of ``param``, created on its first step, with its step count
        advanced by one."""
        state = self.state.setdefault(param, {})
        xp, p = param.backend.xp, param.array
        if not state:
            state["step"] = 0
            state["exp_avg"] = self._buffer(param, xp.zeros_like(p))
            state["exp_avg_sq"] = self._buffer(param, xp.zeros_like(p))
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = self._buffer(param, xp.zeros_like(p))
        if isinstance(state["step"], Tensor):  # PyTorch's state dicts keep it as a tensor
            state["step"] = int(state["step"].item())
        state["step"] += 1
        return state

    def _update(self, param: Tensor, xp: Any, p: Array, grad: Array, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        step = self._moments(param, group)["step"]
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
        maximize: bool = False, foreach: bool | None = None, fused: bool | None = None,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         foreach=foreach, fused=fused)
