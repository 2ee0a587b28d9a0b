"""Distance layers over :mod:`minigrad.functional.distance`: ``CosineSimilarity`` and
``PairwiseDistance``."""

from __future__ import annotations

from minigrad.functional import distance
from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim``.

    Parameters
    ----------
    dim : int
        The dimension holding the vectors.
    eps : float
        Smallest norm used (keeps zero vectors from dividing by zero).

    Shape
    -----
    - inputs ``x1``, ``x2``: ``(*1, D, *2)``, broadcastable, ``D`` at ``dim``
    - output: ``(*1, *2)``

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.CosineSimilarity(dim=1)(minigrad.randn(8, 128), minigrad.randn(8, 128)).shape
    minigrad.Size([8])
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return distance.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """The ``p``-norm distance ``|x1 - x2 + eps|_p`` along the last dimension.

    Parameters
    ----------
    p : float
        The norm's exponent.
    eps : float
        Added to the difference (keeps the 2-norm differentiable at equal vectors).
    keepdim : bool
        Keep the reduced dimension.

    Shape
    -----
    - inputs ``x1``, ``x2``: ``(N, D)`` or ``(D,)``, broadcastable
    - output: ``(N,)`` (or ``()``), ``(N, 1)`` with ``keepdim``

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.PairwiseDistance()(minigrad.randn(8, 128), minigrad.randn(8, 128)).shape
    minigrad.Size([8])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return distance.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
