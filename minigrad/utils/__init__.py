"""Utilities with PyTorch's names (``torch.utils``)."""

from minigrad.utils import hooks

__all__ = ["hooks"]
