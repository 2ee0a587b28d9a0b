"""``minigrad.utils.data`` is :mod:`minigrad.data` under PyTorch's name
(``torch.utils.data``), so ``from minigrad.utils.data import DataLoader`` works."""

from minigrad.data import *  # noqa: F403
from minigrad.data import __all__ as _data_all

__all__ = [*_data_all]
