"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from typing import Any

from minigrad.optim._checks import check_non_negative
from minigrad.optim.optimizer import Array, Optimizer, ParamsT
from minigrad.tensor import Tensor

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD``.

    With momentum ``mu`` and dampening ``tau``, each step does::

        g = grad + weight_decay * p
        b = g                      (first step)
        b = mu * b + (1 - tau) * g (later steps)
        g = g + mu * b if nesterov else b
        p = p - lr * g

    Parameters
    ----------
    params : iterable
        Parameters or parameter groups.
    lr : float
        Learning rate.
    momentum : float
        Momentum factor (0 disables the buffer).
    dampening : float
        Dampening of the momentum.
    weight_decay : float
        L2 penalty added to the gradient.
    nesterov : bool
        Use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
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
    >>> import minigrad
    >>> from minigrad import nn, optim
    >>> model = nn.Linear(2, 1)
    >>> opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> loss = model(minigrad.ones(4, 2)).pow(2).mean()
    >>> loss.backward()
    >>> opt.step()
    >>> opt.zero_grad()
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
        weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False,
        foreach: bool | None = None, fused: bool | None = None,
    ) -> None:
        check_non_negative("learning rate", lr)
        check_non_negative("momentum value", momentum)
        check_non_negative("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "fused": fused}
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        momentum = group["momentum"]
        for same_backend in self._by_backend(params):
            states = [self.state.setdefault(p, {}) for p in same_backend]
            buffers = [s["momentum_buffer"].array if "momentum_buffer" in s else None
                       for s in states]
            updated = same_backend[0].backend.sgd_step(
                [p.array for p in same_backend], self._grads(same_backend),
                buffers, lr=group["lr"], momentum=momentum, dampening=group["dampening"],
                weight_decay=group["weight_decay"], nesterov=group["nesterov"],
                maximize=group["maximize"])
            if momentum != 0:
                for p, state, old, new in zip(same_backend, states, buffers, updated):
                    if old is None:
                        state["momentum_buffer"] = self._buffer(p, new)

    def _update(self, param: Tensor, xp: Any, p: Array, grad: Array, state: dict[str, Any],
                group: dict[str, Any]) -> None:
        d = grad
        if group["weight_decay"] != 0:
            d = d + group["weight_decay"] * p
        momentum = group["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = self._buffer(param, d.copy())
                state["momentum_buffer"] = buf
            else:
                b = buf.array
                b *= momentum
                b += (1 - group["dampening"]) * d
            d = d + momentum * buf.array if group["nesterov"] else buf.array
        p -= group["lr"] * d
