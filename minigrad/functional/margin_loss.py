"""Margin and embedding losses: the classification margins (``soft_margin_loss``,
``multilabel_soft_margin_loss``, ``multi_margin_loss``) and the losses that compare pairs
or triplets of embeddings (``margin_ranking_loss``, ``hinge_embedding_loss``,
``cosine_embedding_loss``, ``triplet_margin_loss``).

All are composites of existing ops and share the reduction rules of
:mod:`minigrad.functional.loss` (``reduction`` and PyTorch's deprecated
``size_average``/``reduce``). They are ``minigrad.nn.functional`` names only: PyTorch's
``torch.*_loss`` twins take the reduction as an integer code.
"""

from __future__ import annotations

from typing import Any

import numpy

from minigrad.functional.activation import logsigmoid
from minigrad.functional.arithmetic import where
from minigrad.functional.distance import pairwise_distance
from minigrad.functional.loss import _check_reduction, _reduce, legacy_reduction
from minigrad.functional.operands import constant
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor

_SIGNS = Arg((6,), "values", values=[1.0, -1.0, -1.0, 1.0, 1.0, -1.0], requires_grad=False)


def _np_reduce(loss: Any, reduction: str) -> Any:
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _reduction(size_average: bool | None, reduce: bool | None, reduction: str, name: str
               ) -> str:
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, name)
    return reduction


# --- classification margins -----------------------------------------------------------------
@op("soft_margin_loss", functional=True,
    samples=[S((6,), _SIGNS), S((2, 6), _SIGNS, reduction="sum"),
             S((3, 6), (3, 6), reduction="none")],
    reference=lambda x, y, reduction="mean": _np_reduce(numpy.logaddexp(0, -y * x), reduction))
def soft_margin_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                     reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Two-class logistic loss ``log(1 + exp(-y x))`` with targets ``y`` of +1 or -1,
    computed stably.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> round(float(F.soft_margin_loss(minigrad.zeros(3), minigrad.ones(3))), 4)
    0.6931
    """
    reduction = _reduction(size_average, reduce, reduction, "soft_margin_loss")
    return _reduce(-logsigmoid(input * target.to(input.dtype)), reduction)


def _np_multilabel(x: Any, y: Any, weight: Any = None, reduction: str = "mean") -> Any:
    loss = -(y * -numpy.logaddexp(0, -x) + (1 - y) * -numpy.logaddexp(0, x))
    if weight is not None:
        loss = loss * weight
    return _np_reduce(loss.mean(-1), reduction)


@op("multilabel_soft_margin_loss", functional=True,
    samples=[S((3, 4), Arg((3, 4), "int", high=2, requires_grad=False)),
             S((3, 4), Arg((3, 4), "unit_positive"), Arg((4,), "positive", requires_grad=False),
               reduction="sum"),
             S((5,), Arg((5,), "unit_positive"), reduction="none")],
    reference=_np_multilabel)
def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average: bool | None = None, reduce: bool | None = None,
                                reduction: str = "mean") -> Tensor:
    """Multi-label one-versus-all logistic loss: the binary cross-entropy of each class's
    logit against its 0/1 target, averaged over the classes (the last dimension).

    Parameters
    ----------
    input : Tensor
        ``(N, C)`` (or ``(C,)``) logits.
    target : Tensor
        Targets in ``{0, 1}`` (or probabilities), the input's shape.
    weight : Tensor, optional
        A weight per class, ``(C,)``.

    Shape
    -----
    - input, target: ``(N, C)`` or ``(C,)``
    - output: a scalar, or ``(N,)`` (``()``) with ``reduction="none"``
    """
    reduction = _reduction(size_average, reduce, reduction, "multilabel_soft_margin_loss")
    y = target.to(input.dtype)
    loss = -(y * logsigmoid(input) + (1 - y) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight.to(input.dtype)
    return _reduce(loss.mean(input.ndim - 1), reduction)


def _np_multi_margin(x: Any, y: Any, p: int = 1, margin: float = 1.0, weight: Any = None,
                     reduction: str = "mean") -> Any:
    x2 = x.reshape(-1, x.shape[-1])
    y1 = numpy.asarray(y).reshape(-1)
    out = numpy.zeros(len(x2))
    for n, (row, label) in enumerate(zip(x2, y1)):
        terms = numpy.maximum(margin - row[label] + row, 0) ** p
        terms[label] = 0
        if weight is not None:
            terms = terms * weight[label]
        out[n] = terms.sum() / len(row)
    return _np_reduce(out.reshape(numpy.asarray(y).shape), reduction)


_LABELS = Arg((4,), "int", high=3, requires_grad=False)


@op("multi_margin_loss", functional=True,
    samples=[S((4, 3), _LABELS), S((4, 3), _LABELS, 2, 0.5, reduction="sum"),
             S((4, 3), _LABELS, weight=Arg((3,), "positive", requires_grad=False),
               reduction="none"),
             S((5,), Arg((), "values", values=2, requires_grad=False), note="one sample")],
    reference=_np_multi_margin)
def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average: bool | None = None,
                      reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: for each sample with class ``y``,
    ``sum over i != y of max(0, margin - x[y] + x[i]) ** p``, divided by the number of
    classes (each term times ``weight[y]`` when given).

    Parameters
    ----------
    input : Tensor
        ``(N, C)`` (or ``(C,)``) scores.
    target : Tensor
        Class indices ``(N,)`` (or ``()``).
    p : {1, 2}
        The hinge's power.
    margin : float
        The margin the right class must win by.
    weight : Tensor, optional
        A weight per class, ``(C,)``.

    Raises
    ------
    ValueError
        If ``p`` is not 1 or 2, ``weight`` is not 1-D, or the shapes do not match.

    Shape
    -----
    - input: ``(N, C)`` or ``(C,)``; target: ``(N,)`` or ``()``
    - output: a scalar, or ``(N,)`` (``()``) with ``reduction="none"``
    """
    name = "multi_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, name)
    if p not in (1, 2):
        raise ValueError(f"{name}: only p == 1 and p == 2 are supported, got {p}")
    if weight is not None and weight.ndim != 1:
        raise ValueError(f"{name}: weight must be one-dimensional, got shape {weight.shape}")
    if input.ndim not in (1, 2) or target.shape != input.shape[:-1]:
        raise ValueError(f"{name}: expected input (N, C) or (C,) and target (N,) or (), got "
                         f"input {input.shape} and target {target.shape}")
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices, got {target.dtype}")
    classes = input.shape[-1]
    index = target.long().unsqueeze(-1)
    right = input.gather(-1, index)
    hinge = (input - right + margin).clamp(min=0.0)
    if p == 2:
        hinge = hinge * hinge
    others = constant(input, numpy.arange(classes), numpy.int64) != index
    hinge = where(others, hinge, 0.0)
    if weight is not None:
        hinge = hinge * weight.to(input.dtype)[target.long()].unsqueeze(-1)
    return _reduce(hinge.sum(-1) / classes, reduction)


# --- pairs and triplets of embeddings ---------------------------------------------------------
@op("margin_ranking_loss", functional=True,
    samples=[S((6,), (6,), _SIGNS), S((6,), (6,), _SIGNS, 0.5, reduction="sum"),
             S((6,), (6,), _SIGNS, margin=-0.2, reduction="none")],
    reference=lambda a, b, y, margin=0.0, reduction="mean": _np_reduce(
        numpy.maximum(0, -y * (a - b) + margin), reduction))
def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    """``max(0, -y * (x1 - x2) + margin)``: ``x1`` should rank above ``x2`` where
    ``y = 1``, below where ``y = -1``.

    Raises
    ------
    RuntimeError
        If the three tensors do not have the same number of dimensions.

    Shape
    -----
    - input1, input2, target: ``(N,)`` or ``()``
    - output: a scalar, or ``(N,)`` with ``reduction="none"``
    """
    name = "margin_ranking_loss"
    reduction = _reduction(size_average, reduce, reduction, name)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(f"{name}: all input tensors should have the same dimension, but got "
                           f"input1: {input1.shape}, input2: {input2.shape}, target: "
                           f"{target.shape}")
    y = target.to(input1.dtype)
    return _reduce((-y * (input1 - input2) + margin).clamp(min=0.0), reduction)


def _np_hinge(x: Any, y: Any, margin: float = 1.0, reduction: str = "mean") -> Any:
    loss = numpy.where(y != 1, numpy.maximum(margin - x, 0), 0) + numpy.where(y != -1, x, 0)
    return _np_reduce(loss, reduction)


@op("hinge_embedding_loss", functional=True,
    samples=[S((6,), _SIGNS), S((2, 6), _SIGNS, 0.5, reduction="sum"),
             S((6,), Arg((6,), "values", values=[1.0, -1.0, 0.0, 2.0, 1.0, -1.0],
                         requires_grad=False), reduction="none", note="other target values")],
    reference=_np_hinge)
def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    """``x`` where ``y = 1`` and ``max(0, margin - x)`` where ``y = -1`` (``input`` is
    usually a distance between two embeddings). As in PyTorch, any other target value
    adds both terms.
    """
    reduction = _reduction(size_average, reduce, reduction, "hinge_embedding_loss")
    apart = where(target != 1, (margin - input).clamp(min=0.0), 0.0)
    together = where(target != -1, input, 0.0)
    return _reduce(apart + together, reduction)


_COSINE_EPS = 1e-12  # PyTorch's, added to the squared norms


def _np_cosine_embedding(a: Any, b: Any, y: Any, margin: float = 0.0,
                         reduction: str = "mean") -> Any:
    dim = a.ndim - 1
    cos = (a * b).sum(dim) / numpy.sqrt(((a * a).sum(dim) + _COSINE_EPS)
                                        * ((b * b).sum(dim) + _COSINE_EPS))
    loss = numpy.where(y == 1, 1 - cos, 0) + numpy.where(y == -1, numpy.maximum(cos - margin, 0),
                                                         0)
    return _np_reduce(loss, reduction)


@op("cosine_embedding_loss", functional=True,
    samples=[S((6, 3), (6, 3), _SIGNS), S((6, 4), (6, 4), _SIGNS, 0.3, reduction="sum"),
             S((5,), (5,), Arg((), "values", values=-1.0, requires_grad=False), -0.5,
               note="one pair")],
    reference=_np_cosine_embedding)
def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          size_average: bool | None = None, reduce: bool | None = None,
                          reduction: str = "mean") -> Tensor:
    """``1 - cos(x1, x2)`` where ``y = 1`` (pull together), ``max(0, cos(x1, x2) -
    margin)`` where ``y = -1`` (push apart); the cosine is taken along the last dimension.

    Raises
    ------
    RuntimeError
        If the inputs are not 1-D or 2-D, or the target does not have one value per pair.

    Shape
    -----
    - input1, input2: ``(N, D)`` or ``(D,)``; target: ``(N,)`` or ``()``
    - output: a scalar, or ``(N,)`` with ``reduction="none"``
    """
    name = "cosine_embedding_loss"
    reduction = _reduction(size_average, reduce, reduction, name)
    if input1.ndim not in (1, 2) or input2.ndim != input1.ndim or (
            target.ndim != input1.ndim - 1):
        raise RuntimeError(f"{name}: expected 1-D or 2-D inputs of the same dimension and a "
                           f"target with one value per pair, got input1 {input1.shape}, "
                           f"input2 {input2.shape} and target {target.shape}")
    dim = input1.ndim - 1
    dot = (input1 * input2).sum(dim)
    squares = ((input1 * input1).sum(dim) + _COSINE_EPS) * ((input2 * input2).sum(dim)
                                                            + _COSINE_EPS)
    cos = dot / squares.sqrt()
    together = where(target == 1, 1 - cos, 0.0)
    apart = where(target == -1, (cos - margin).clamp(min=0.0), 0.0)
    return _reduce(together + apart, reduction)


def _np_distance(a: Any, b: Any, p: float, eps: float) -> Any:
    return (numpy.abs(a - b + eps) ** p).sum(-1) ** (1 / p)


def _np_triplet(a: Any, pos: Any, neg: Any, margin: float = 1.0, p: float = 2.0,
                eps: float = 1e-6, swap: bool = False, reduction: str = "mean") -> Any:
    d_pos, d_neg = _np_distance(a, pos, p, eps), _np_distance(a, neg, p, eps)
    if swap:
        d_neg = numpy.minimum(d_neg, _np_distance(pos, neg, p, eps))
    return _np_reduce(numpy.maximum(margin + d_pos - d_neg, 0), reduction)


@op("triplet_margin_loss", functional=True,
    samples=[S((5, 4), (5, 4), (5, 4)), S((5, 3), (5, 3), (5, 3), 2.0, 1.0, reduction="sum"),
             S((4, 3), (4, 3), (4, 3), swap=True, reduction="none"),
             S((6,), (6,), (6,), 0.5, 3.0)],
    reference=_np_triplet)
def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                        swap: bool = False, size_average: bool | None = None,
                        reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d`` the ``p``-norm distance of
    :func:`pairwise_distance`: the anchor should be closer to the positive than to the
    negative by ``margin``. With ``swap`` the negative's distance is the smaller of
    ``d(a, n)`` and ``d(p, n)``.

    Raises
    ------
    ValueError
        If ``margin`` is not positive.
    RuntimeError
        If the three inputs have different numbers of dimensions.

    Shape
    -----
    - anchor, positive, negative: ``(N, D)`` or ``(D,)``
    - output: a scalar, or ``(N,)`` with ``reduction="none"``
    """
    name = "triplet_margin_loss"
    reduction = _reduction(size_average, reduce, reduction, name)
    if margin <= 0:
        raise ValueError(f"{name}: margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            f"{name}: the anchor, positive, and negative tensors are expected to have the same "
            f"number of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, "
            f"and negative {negative.ndim}D inputs"
        )
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _reduce((d_pos - d_neg + margin).clamp(min=0.0), reduction)
