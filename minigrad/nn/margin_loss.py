"""Margin and embedding losses (over :mod:`minigrad.functional.margin_loss`)."""

from __future__ import annotations

from minigrad.functional import margin_loss
from minigrad.nn.loss import _Loss, _WeightedLoss
from minigrad.tensor import Tensor

__all__ = ["CosineEmbeddingLoss", "HingeEmbeddingLoss", "MarginRankingLoss",
           "MultiLabelSoftMarginLoss", "MultiMarginLoss", "SoftMarginLoss",
           "TripletMarginLoss"]


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-y x))``, targets ``y`` in ``{1, -1}``.

    Shape
    -----
    - input, target: ``(*)``, the same shape
    - output: a scalar, or ``(*)`` with ``reduction="none"``
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return margin_loss.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """One-versus-all logistic loss of multi-label targets in ``{0, 1}``, averaged over
    the classes (``weight``: one per class).

    Shape
    -----
    - input, target: ``(N, C)`` or ``(C,)``
    - output: a scalar, or ``(N,)`` with ``reduction="none"``
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return margin_loss.multilabel_soft_margin_loss(input, target, self.weight,
                                                       reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss ``sum over i != y of max(0, margin - x[y] + x[i]) ** p``
    per sample, divided by the number of classes.

    Parameters
    ----------
    p : {1, 2}
        The hinge's power.
    margin : float
        The margin the right class must win by.
    weight : Tensor, optional
        A weight per class.

    Raises
    ------
    ValueError
        If ``p`` is not 1 or 2, or ``weight`` is not 1-D.

    Shape
    -----
    - input: ``(N, C)`` or ``(C,)``; target: ``(N,)`` or ``()`` class indices
    - output: a scalar, or ``(N,)`` with ``reduction="none"``
    """

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                 size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p == 1 and p == 2 are supported, got {p}")
        if weight is not None and weight.ndim != 1:
            raise ValueError(f"MultiMarginLoss: weight must be one-dimensional, got shape "
                             f"{weight.shape}")
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return margin_loss.multi_margin_loss(input, target, self.p, self.margin, self.weight,
                                             reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """``max(0, -y (x1 - x2) + margin)``: rank ``x1`` above ``x2`` where ``y = 1``.

    Shape
    -----
    - input1, input2, target: ``(N,)`` or ``()``
    - output: a scalar, or ``(N,)`` with ``reduction="none"``
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return margin_loss.margin_ranking_loss(input1, input2, target, self.margin,
                                               reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """``x`` where ``y = 1``, ``max(0, margin - x)`` where ``y = -1`` (``x`` a distance).

    Shape
    -----
    - input, target: ``(*)``, the same shape
    - output: a scalar, or ``(*)`` with ``reduction="none"``
    """

    def __init__(self, margin: float = 1.0, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return margin_loss.hinge_embedding_loss(input, target, self.margin,
                                                reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos(x1, x2)`` where ``y = 1``, ``max(0, cos(x1, x2) - margin)`` where
    ``y = -1``.

    Shape
    -----
    - input1, input2: ``(N, D)`` or ``(D,)``; target: ``(N,)`` or ``()``
    - output: a scalar, or ``(N,)`` with ``reduction="none"``
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return margin_loss.cosine_embedding_loss(input1, input2, target, self.margin,
                                                 reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d`` the ``p``-norm distance.

    Parameters
    ----------
    margin : float
        Positive.
    p : float
        The norm's exponent.
    eps : float
        Added to the differences (see :func:`~minigrad.nn.functional.pairwise_distance`).
    swap : bool
        Use the smaller of ``d(a, n)`` and ``d(p, n)`` (the distance swap).

    Raises
    ------
    ValueError
        If ``margin`` is not positive.

    Shape
    -----
    - inputs ``anchor``, ``positive``, ``negative``: ``(N, D)`` or ``(D,)``
    - output: a scalar, or ``(N,)`` with ``reduction="none"``

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> loss = nn.TripletMarginLoss(margin=1.0)
    >>> a, p, n = minigrad.randn(8, 16), minigrad.randn(8, 16), minigrad.randn(8, 16)
    >>> loss(a, p, n).shape
    minigrad.Size([])
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got "
                             f"{margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return margin_loss.triplet_margin_loss(anchor, positive, negative, self.margin, self.p,
                                               self.eps, self.swap, reduction=self.reduction)
