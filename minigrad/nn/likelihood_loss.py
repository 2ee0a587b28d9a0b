"""Losses of probabilistic models: ``KLDivLoss``, ``PoissonNLLLoss`` and
``GaussianNLLLoss`` (over :mod:`minigrad.functional.likelihood_loss`)."""

from __future__ import annotations

from minigrad.functional import likelihood_loss
from minigrad.nn.loss import _Loss
from minigrad.tensor import Tensor

__all__ = ["GaussianNLLLoss", "KLDivLoss", "PoissonNLLLoss"]


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of ``target`` from the distribution whose
    log-probabilities are ``input``.

    Parameters
    ----------
    reduction : {"mean", "batchmean", "sum", "none"}
        ``"batchmean"`` gives the divergence per sample (``"mean"``, the default, divides
        by the number of elements too, and warns about it as PyTorch does).
    log_target : bool
        Whether ``target`` holds log-probabilities.

    Shape
    -----
    - input, target: ``(*)``, the same shape
    - output: a scalar, or ``(*)`` with ``reduction="none"``

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> kl = nn.KLDivLoss(reduction="batchmean")
    >>> p = minigrad.tensor([[0.25, 0.75]])
    >>> round(float(kl(minigrad.tensor([[0.5, 0.5]]).log(), p)), 4)
    0.1308
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", log_target: bool = False) -> None:
        batchmean = reduction == "batchmean" and size_average is None and reduce is None
        super().__init__(size_average, reduce, "sum" if batchmean else reduction)
        if batchmean:
            self.reduction = "batchmean"
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return likelihood_loss.kl_div(input, target, reduction=self.reduction,
                                      log_target=self.log_target)


class PoissonNLLLoss(_Loss):
    """Negative log likelihood of counts under a Poisson distribution.

    Parameters
    ----------
    log_input : bool
        Whether the input is the log of the rate (then the loss is ``exp(x) - y x``).
    full : bool
        Add Stirling's approximation of ``log(y!)``.
    eps : float
        Keeps ``log(x + eps)`` finite when not ``log_input``.

    Shape
    -----
    - input, target: ``(*)``, the same shape
    - output: a scalar, or ``(*)`` with ``reduction="none"``
    """

    def __init__(self, log_input: bool = True, full: bool = False,
                 size_average: bool | None = None, eps: float = 1e-8,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return likelihood_loss.poisson_nll_loss(log_input, target, self.log_input, self.full,
                                                eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Negative log likelihood of ``target`` under Gaussians of predicted mean and
    variance: ``0.5 (log(var) + (input - target)**2 / var)``.

    Parameters
    ----------
    full : bool
        Add the constant ``0.5 log(2 pi)``.
    eps : float
        The smallest variance used.
    reduction : {"mean", "sum", "none"}
        How to reduce the elementwise losses.

    Shape
    -----
    - input, target: ``(N, *)`` or ``(*)``
    - var: the input's shape, or it with one dimension of size 1 or without the last one
    - output: a scalar, or the input's shape with ``reduction="none"``
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"
                 ) -> None:
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        return likelihood_loss.gaussian_nll_loss(input, target, var, full=self.full,
                                                 eps=self.eps, reduction=self.reduction)
