"""``Embedding``: a lookup table of learnable vectors."""

from __future__ import annotations

from typing import Any

from minigrad import creation
from minigrad.autograd import no_grad
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.nn.module import Module
from minigrad.nn.parameter import Parameter
from minigrad.tensor import Tensor

__all__ = ["Embedding"]


class Embedding(Module):
    """Map integer indices to rows of a ``(num_embeddings, embedding_dim)`` table.

    Parameters
    ----------
    num_embeddings : int
        Size of the table.
    embedding_dim : int
        Length of each vector.
    padding_idx : int, optional
        This row starts at zero and receives no gradient.
    _weight : Tensor, optional
        Initial table (otherwise ``N(0, 1)``).

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> emb = nn.Embedding(10, 3)
    >>> emb(minigrad.tensor([[1, 2], [4, 9]])).shape
    minigrad.Size([2, 2, 3])
    """

    def __init__(
        self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
        _weight: Tensor | None = None, device: Any = None, dtype: Any = None,
    ) -> None:
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx {padding_idx} must be within num_embeddings "
                    f"({num_embeddings})"
                )
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = Parameter(
                creation.empty(num_embeddings, embedding_dim, dtype=dtype, device=device)
            )
            self.reset_parameters()
        else:
            if _weight.shape != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Embedding: _weight has shape {_weight.shape}, expected "
                    f"{(num_embeddings, embedding_dim)}"
                )
            self.weight = Parameter(_weight)

    def reset_parameters(self) -> None:
        """Draw the table from ``N(0, 1)`` and zero the padding row."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
