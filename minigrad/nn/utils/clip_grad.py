"""Gradient clipping: rescale or clamp ``.grad`` of parameters in place."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy

from minigrad.autograd import no_grad
from minigrad.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale the gradients so that their joint norm is at most ``max_norm``.

    The norm is taken over all gradients together, as if concatenated into one vector.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Parameters whose ``.grad`` is clipped (those without a gradient are skipped).
    max_norm : float
        Largest allowed norm.
    norm_type : float
        The ``p`` of the p-norm; ``float("inf")`` for the largest absolute value.
    error_if_nonfinite : bool
        Raise if the total norm is NaN or infinite instead of scaling by it.

    Returns
    -------
    Tensor
        The total norm before clipping (a 0-d tensor).

    Raises
    ------
    RuntimeError
        If ``error_if_nonfinite`` and the norm is not finite.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> w = minigrad.tensor([3.0, 4.0], requires_grad=True)
    >>> (w * w / 2).sum().backward()
    >>> float(nn.utils.clip_grad_norm_([w], max_norm=1.0))
    5.0
    >>> [round(v, 4) for v in w.grad.tolist()]
    [0.6, 0.8]
    """
    params = _with_grads(parameters)  # a list: ``parameters`` may be a one-shot generator
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        from minigrad.creation import zeros

        return zeros(())
    backend = grads[0].backend
    xp = backend.xp
    p = float(norm_type)
    host_dtype = grads[0].dtype
    if math.isinf(p):
        norms = [xp.abs(g.array).max() if g.numel() else xp.asarray(0.0) for g in grads]
        total = xp.max(xp.stack([xp.asarray(n, dtype=host_dtype) for n in norms]))
    else:
        parts = [(xp.abs(g.array) ** p).sum() for g in grads]
        total = xp.stack([xp.asarray(s, dtype=host_dtype) for s in parts]).sum() ** (1.0 / p)
    total_value = float(total)
    if error_if_nonfinite and not math.isfinite(total_value):
        raise RuntimeError(
            f"the total norm of order {norm_type} for gradients is non-finite "
            f"({total_value}), so it cannot be clipped; pass error_if_nonfinite=False to "
            "scale by it anyway"
        )
    # a NaN or infinite norm still scales (the gradients become NaN or 0), as in torch
    coef = max_norm / (total_value + 1e-6)
    if not coef >= 1.0:
        with no_grad(), numpy.errstate(invalid="ignore"):
            for g in grads:
                g.mul_(float(coef))
    return Tensor.from_array(xp.asarray(total, dtype=host_dtype), backend)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]`` in place.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Parameters whose ``.grad`` is clamped (those without a gradient are skipped).
    clip_value : float
        Largest allowed absolute value.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> w = minigrad.tensor([1.0, -5.0], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> nn.utils.clip_grad_value_([w], 1.0)
    >>> w.grad.tolist()
    [1.0, -1.0]
    """
    c = float(clip_value)
    with no_grad():
        for param in _with_grads(parameters):
            g = param.grad
            assert g is not None
            g.clamp_(-c, c)
