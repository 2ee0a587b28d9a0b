"""Distances and similarities between vectors, and scaling vectors to unit norm:
``normalize``, ``cosine_similarity`` and ``pairwise_distance``.

All three are composites of ``norm`` (whose 2-norm has a zero gradient at zero rather
than NaN) and arithmetic. Where PyTorch keeps a norm away from zero with ``eps`` the
forward pass here does the same, and the gradient is PyTorch's too: ``normalize`` clamps
(no gradient through a clamped norm), ``cosine_similarity`` raises the norm to ``eps``
without cutting its gradient.
"""

from __future__ import annotations

from typing import Any

import numpy

from minigrad.functional.inplace import copy_
from minigrad.functional.operands import axis
from minigrad.functional.reduce import norm
from minigrad.optable import Arg, S, op
from minigrad.tensor import Tensor


def _np_norm(a: Any, p: float, dim: int) -> Any:
    if p == float("inf"):
        return numpy.abs(a).max(dim, keepdims=True)
    return (numpy.abs(a) ** p).sum(dim, keepdims=True) ** (1 / p)


def _np_normalize(a: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Any:
    return a / numpy.maximum(_np_norm(a, p, dim), eps)


@op("normalize", functional=True,
    samples=[S((3, 4)), S((2, 3, 4), 1.0, -1), S((4, 5), 3.0, 0, transposed=True),
             S((2, 3), float("inf"), 1, note="inf norm"), S((5,), dim=0)],
    reference=_np_normalize)
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """Divide ``input`` by its ``p``-norm along ``dim`` (at least ``eps``), so each vector
    along ``dim`` gets unit norm.

    Parameters
    ----------
    input : Tensor
        Any shape with a dimension ``dim``.
    p : float
        The norm's exponent (``inf`` for the largest absolute value).
    dim : int
        The dimension holding the vectors.
    eps : float
        Smallest divisor: a vector with a smaller norm is divided by ``eps``.
    out : Tensor, optional
        Write the result here.

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.normalize(minigrad.tensor([[3.0, 4.0]], dtype=minigrad.float64)).tolist()
    [[0.6, 0.8]]
    """
    d = axis(dim, input.ndim)
    result = input / norm(input, p, d, keepdim=True).clamp(min=eps)
    return result if out is None else copy_(out, result)


def _np_cosine(a: Any, b: Any, dim: int = 1, eps: float = 1e-8) -> Any:
    a, b = numpy.broadcast_arrays(a, b)
    na = numpy.maximum(numpy.sqrt((a * a).sum(dim, keepdims=True)), eps)
    nb = numpy.maximum(numpy.sqrt((b * b).sum(dim, keepdims=True)), eps)
    return ((a / na) * (b / nb)).sum(dim)


def _at_least(value: Tensor, eps: float) -> Tensor:
    """``max(value, eps)`` in the forward pass with ``value``'s gradient (PyTorch raises
    the norms of cosine_similarity this way)."""
    return value + (eps - value).clamp(min=0.0).detach()


@op("cosine_similarity", torch=True, functional=True,
    samples=[S((3, 5), (3, 5)), S((2, 3, 4), (3, 1), -1), S((4, 3), (4, 3), 0, transposed=True),
             S((3, 4), (4,), -1, 1e-3),
             S(Arg((2, 3), "values", values=[[1e-9, 0.0, 0.0], [1.0, 2.0, 0.5]]), (2, 3),
               note="a norm below eps", grad=False)],
    reference=_np_cosine)
def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim``:
    ``sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps))``.

    Parameters
    ----------
    x1, x2 : Tensor
        Broadcastable to a common shape, which has a dimension ``dim``.
    dim : int
        The dimension holding the vectors.
    eps : float
        Smallest norm (keeps zero vectors from dividing by zero).

    Shape
    -----
    - x1, x2: ``(*1, D, *2)`` after broadcasting, ``D`` at ``dim``
    - output: ``(*1, *2)``

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.cosine_similarity(minigrad.tensor([[1.0, 0.0]]), minigrad.tensor([[1.0, 1.0]]))
    tensor([0.7071])
    """
    shape = tuple(numpy.broadcast_shapes(x1.shape, x2.shape))
    if x1.shape != shape:
        x1 = x1.expand(shape)
    if x2.shape != shape:
        x2 = x2.expand(shape)
    d = axis(dim, len(shape))
    n1 = _at_least(norm(x1, 2, d, keepdim=True), eps)
    n2 = _at_least(norm(x2, 2, d, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(d)


def _np_pairwise(a: Any, b: Any, p: float = 2.0, eps: float = 1e-6,
                 keepdim: bool = False) -> Any:
    diff = a - b + eps
    dim = diff.ndim - 1
    found = _np_norm(diff, p, dim)
    return found if keepdim else found.squeeze(dim)


@op("pairwise_distance", torch=True, functional=True,
    samples=[S((3, 5), (3, 5)), S((4, 3), (3,), 1.0), S((2, 4), (2, 4), 3.0, keepdim=True),
             S((5,), (5,), transposed=True), S((3, 4), (3, 4), float("inf"), 0.0)],
    reference=_np_pairwise)
def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """The ``p``-norm of ``x1 - x2 + eps`` along the last dimension.

    Parameters
    ----------
    x1, x2 : Tensor
        Broadcastable; the vectors lie along the last dimension.
    p : float
        The norm's exponent (``inf`` for the largest absolute difference).
    eps : float
        Added to the difference, keeping the 2-norm differentiable where the vectors
        are equal.
    keepdim : bool
        Keep the reduced dimension with size 1.

    Shape
    -----
    - x1, x2: ``(N, D)`` or ``(D,)``, broadcastable
    - output: ``(N,)`` (or ``()``), or ``(N, 1)`` with ``keepdim``

    Examples
    --------
    >>> import minigrad
    >>> import minigrad.nn.functional as F
    >>> F.pairwise_distance(minigrad.tensor([[3.0, 4.0]]), minigrad.zeros(1, 2), eps=0.0)
    tensor([5.])
    """
    diff = x1 - x2 + eps
    if diff.ndim == 0:
        raise RuntimeError("pairwise_distance: the inputs must have at least one dimension")
    return norm(diff, p, diff.ndim - 1, keepdim=keepdim)
