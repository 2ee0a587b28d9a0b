"""Regression losses beyond MSE, L1 and smooth L1: ``huber_loss``."""

from __future__ import annotations

from typing import Any

import numpy

from minigrad.functional.arithmetic import where
from minigrad.functional.loss import _check_reduction, _check_same_shape, _reduce
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor


def _np_huber(a: Any, b: Any, reduction: str = "mean", delta: float = 1.0,
              weight: Any = None) -> Any:
    d = numpy.abs(a - b)
    loss = numpy.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    if weight is not None:
        loss = loss * weight
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


@op("huber_loss", functional=True,
    samples=[S((3, 4), (3, 4)), S((6,), (6,), "sum", 0.5),
             S((2, 5), (2, 5), "none", 2.0, Arg((2, 5), "positive", requires_grad=False)),
             S((3, 4), (3, 4), delta=0.3, weight=Arg((3, 4), "positive"))],
    reference=_np_huber)
def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """Huber loss: ``0.5 d**2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 delta)``,
    for ``d = input - target`` (``smooth_l1_loss`` times ``delta``, with ``beta = delta``).

    Parameters
    ----------
    input, target : Tensor
        The same shape (a broadcast is allowed with PyTorch's warning).
    reduction : {"mean", "sum", "none"}
        How to reduce the elementwise losses.
    delta : float
        Where the loss turns from quadratic to linear (positive).
    weight : Tensor, optional
        Elementwise weights of the input's shape.

    Raises
    ------
    RuntimeError
        If ``delta`` is not positive.
    ValueError
        If ``weight`` does not have the input's shape, or the shapes do not broadcast.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.huber_loss(minigrad.tensor([0.5, 3.0]), minigrad.zeros(2), reduction="none").tolist()
    [0.125, 2.5]
    """
    name = "huber_loss"
    _check_reduction(reduction, name)
    if delta <= 0:
        raise RuntimeError(f"{name} does not support non-positive values for delta, got {delta}")
    target = _check_same_shape(input, target, name)
    d = (input - target).abs()
    loss = where(d < delta, d * d * 0.5, (d - 0.5 * delta) * delta)
    if weight is not None:
        if weight.shape != input.shape:
            raise ValueError(f"{name}: weight of shape {weight.shape} must have the input's "
                             f"shape {input.shape}")
        loss = loss * weight
    return _reduce(loss, reduction)
