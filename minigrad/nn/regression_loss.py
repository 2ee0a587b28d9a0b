"""``HuberLoss`` (over :func:`minigrad.nn.functional.huber_loss`)."""

from __future__ import annotations

from minigrad.functional import regression_loss
from minigrad.nn.loss import _Loss
from minigrad.tensor import Tensor

__all__ = ["HuberLoss"]


class HuberLoss(_Loss):
    """Quadratic for errors below ``delta``, linear above: robust to outliers.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}
        How to reduce the elementwise losses.
    delta : float
        Where the loss turns from quadratic to linear.

    Shape
    -----
    - input, target: ``(*)``, the same shape
    - output: a scalar, or ``(*)`` with ``reduction="none"``

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.HuberLoss(delta=0.5)(minigrad.tensor([2.0]), minigrad.zeros(1)).tolist()
    0.875
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return regression_loss.huber_loss(input, target, self.reduction, self.delta)
