"""Reshaping layers: ``Flatten`` and ``Unflatten``."""

from __future__ import annotations

from collections.abc import Sequence

from minigrad.nn.module import Module
from minigrad.tensor import Tensor

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Merge dimensions ``start_dim..end_dim`` into one (by default all but the batch).

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.Flatten()(minigrad.zeros(8, 16, 5, 5)).shape
    minigrad.Size([8, 400])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``.

    Examples
    --------
    >>> import minigrad
    >>> from minigrad import nn
    >>> nn.Unflatten(1, (16, 5, 5))(minigrad.zeros(8, 400)).shape
    minigrad.Size([8, 16, 5, 5])
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
