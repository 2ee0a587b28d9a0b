"""Losses of probabilistic models: the Kullback-Leibler divergence (``kl_div``) and the
negative log likelihoods of Poisson (``poisson_nll_loss``) and Gaussian
(``gaussian_nll_loss``) predictions.

All are composites of existing ops, with PyTorch's reductions (``kl_div`` adds
``"batchmean"``, the divergence's true value per sample).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy

from minigrad.functional.arithmetic import where
from minigrad.functional.loss import _check_reduction, _reduce, legacy_reduction
from minigrad.functional.operands import constant
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor


def _np_reduce(loss: Any, reduction: str, batch: int = 1) -> Any:
    if reduction == "batchmean":
        return loss.sum() / batch
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _np_kl_div(x: Any, y: Any, size_average: Any = None, reduce: Any = None,
               reduction: str = "mean", log_target: bool = False) -> Any:
    if log_target:
        loss = numpy.exp(y) * (y - x)
    else:
        loss = numpy.where(y > 0, y * numpy.log(numpy.where(y > 0, y, 1.0)), 0.0) - y * x
    return _np_reduce(loss, reduction, x.shape[0] if x.ndim else 1)


def _quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():  # the generic tests call reduction="mean" often
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kwargs)


_LOG_PROBS = Arg((3, 4), "normal")


@op("kl_div", functional=True,
    samples=[S(_LOG_PROBS, Arg((3, 4), "unit_positive"), reduction="batchmean"),
             S(_LOG_PROBS, Arg((3, 4), "unit_positive"), call=_quiet),
             S(_LOG_PROBS, (3, 4), reduction="sum", log_target=True),
             S((2, 3), Arg((2, 3), "values", values=[[0.0, 0.5, 0.5], [0.2, 0.0, 0.8]],
                           requires_grad=False), reduction="none", note="zero targets")],
    reference=_np_kl_div)
def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None,
           reduce: bool | None = None, reduction: str = "mean", log_target: bool = False
           ) -> Tensor:
    """The Kullback-Leibler divergence ``target * (log(target) - input)`` of ``target``
    from the distribution whose log-probabilities are ``input``.

    Parameters
    ----------
    input : Tensor
        Log-probabilities (e.g. ``log_softmax`` of logits).
    target : Tensor
        Probabilities of the input's shape (a zero target contributes 0), or
        log-probabilities with ``log_target=True``.
    reduction : {"mean", "batchmean", "sum", "none"}
        ``"batchmean"`` divides the sum by the batch size (the first dimension): the
        divergence per sample. ``"mean"`` divides by the number of elements, and warns
        that it is not the divergence, as PyTorch does.
    log_target : bool
        Whether ``target`` holds log-probabilities.

    Raises
    ------
    ValueError
        For an unknown reduction.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> p = minigrad.tensor([[0.5, 0.5]])
    >>> float(F.kl_div(p.log(), p, reduction="batchmean"))
    0.0
    """
    name = "kl_div"
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size. 'batchmean' divides only by the batch size, and aligns with the KL div "
            "math definition. 'mean' will be changed to behave the same as 'batchmean' in the "
            "next major release.", UserWarning, stacklevel=2)
    if reduction != "batchmean":
        _check_reduction(reduction, name)
    target = target.to(input.dtype)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        positive = target > 0
        # target * log(target), 0 where the target is 0 (its log never reaches the graph)
        entropy = where(positive, target * where(positive, target, 1.0).log(), 0.0)
        loss = entropy - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduce(loss, reduction)


def _np_poisson(x: Any, y: Any, log_input: bool = True, full: bool = False,
                size_average: Any = None, eps: float = 1e-8, reduce: Any = None,
                reduction: str = "mean") -> Any:
    loss = numpy.exp(x) - y * x if log_input else x - y * numpy.log(x + eps)
    if full:
        safe = numpy.where(y > 1, y, 1.0)
        stirling = safe * numpy.log(safe) - safe + 0.5 * numpy.log(2 * math.pi * safe)
        loss = loss + numpy.where(y > 1, stirling, 0.0)
    return _np_reduce(loss, reduction)


_COUNTS = Arg((3, 4), "values", values=[[0.0, 1.0, 3.0, 2.0], [5.0, 0.0, 1.0, 4.0],
                                        [2.0, 7.0, 0.0, 1.0]], requires_grad=False)


@op("poisson_nll_loss", functional=True,
    samples=[S((3, 4), _COUNTS), S(Arg((3, 4), "positive"), _COUNTS, False, reduction="sum"),
             S((3, 4), _COUNTS, full=True, reduction="none"),
             S(Arg((3, 4), "positive"), Arg((3, 4), "positive"), False, True)],
    reference=_np_poisson)
def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average: bool | None = None, eps: float = 1e-8,
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of counts ``target`` under a Poisson distribution of rate
    ``exp(input)`` (``log_input``) or ``input``: ``exp(x) - y x`` or
    ``x - y log(x + eps)``, the constant ``log(y!)`` left out.

    Parameters
    ----------
    log_input : bool
        Whether ``input`` is the log of the rate.
    full : bool
        Add Stirling's approximation of ``log(y!)``,
        ``y log(y) - y + 0.5 log(2 pi y)``, for targets above 1.
    eps : float
        Keeps ``log`` finite at a zero rate when not ``log_input``.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> float(F.poisson_nll_loss(minigrad.zeros(2), minigrad.ones(2)))
    1.0
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "poisson_nll_loss")
    target = target.to(input.dtype)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        above = target > 1
        safe = where(above, target, 1.0)
        stirling = safe * safe.log() - safe + 0.5 * (safe * (2 * math.pi)).log()
        loss = loss + where(above, stirling, 0.0)
    return _reduce(loss, reduction)


def _np_gaussian(x: Any, y: Any, var: Any, full: bool = False, eps: float = 1e-6,
                 reduction: str = "mean") -> Any:
    var = numpy.asarray(var, dtype=float)
    if var.shape != x.shape and var.shape == x.shape[:-1]:
        var = var[..., None]
    var = numpy.maximum(var, eps)
    loss = 0.5 * (numpy.log(var) + (x - y) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _np_reduce(loss, reduction)


@op("gaussian_nll_loss", functional=True,
    samples=[S((4, 3), (4, 3), Arg((4, 3), "positive")),
             S((4, 3), (4, 3), Arg((4,), "positive"), True, reduction="sum"),
             S((2, 3, 2), (2, 3, 2), Arg((2, 1, 2), "positive"), reduction="none"),
             S((5,), (5,), 0.7, eps=1e-3)],
    reference=_np_gaussian)
def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of ``target`` under Gaussians of mean ``input`` and
    variance ``var``: ``0.5 (log(var) + (input - target)**2 / var)``.

    Parameters
    ----------
    input : Tensor
        The predicted means.
    target : Tensor
        The observations.
    var : Tensor or float
        The predicted variances (non-negative): the input's shape, that shape without the
        last dimension, or with one dimension of size 1 (shared along it), or a number.
        Variances below ``eps`` count as ``eps`` (the gradient still reaches them, as in
        PyTorch).
    full : bool
        Add the constant ``0.5 log(2 pi)``.
    eps : float
        The smallest variance used.

    Raises
    ------
    ValueError
        If ``var`` has a negative entry or a shape that fits none of the above, or the
        reduction is unknown.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> float(F.gaussian_nll_loss(minigrad.zeros(3), minigrad.zeros(3), minigrad.ones(3)))
    0.0
    """
    name = "gaussian_nll_loss"
    if not isinstance(var, Tensor):
        if var < 0:
            raise ValueError(f"{name}: var has negative entry/entries")
        var = constant(input, numpy.full(input.shape, float(var)))
    elif bool((var < 0).any()):
        raise ValueError(f"{name}: var has negative entry/entries")
    if var.shape != input.shape:
        mismatched = [v for n, v in zip(input.shape, var.shape) if n != v]
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)
        elif not (var.ndim == input.ndim and sum(mismatched) == 1):
            raise ValueError(f"{name}: var is of incorrect size {var.shape} for an input of "
                             f"shape {input.shape}")
    _check_reduction(reduction, name)
    var = var.to(input.dtype)
    # at least eps in the forward pass; the gradient passes the clamp as PyTorch's does
    var = var + (eps - var).clamp(min=0.0).detach()
    diff = input - target
    loss = (var.log() + diff * diff / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
