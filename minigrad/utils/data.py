"""``minigrad.utils.data``: PyTorch's path to the data tools, ``torch.utils.data``.

Everything here is the very object in :mod:`minigrad.data` (not a copy), so
``minigrad.utils.data.DataLoader is minigrad.data.DataLoader``.

Examples
--------
>>> import minigrad
>>> from minigrad.utils.data import DataLoader, TensorDataset
>>> loader = DataLoader(TensorDataset(minigrad.arange(5)), batch_size=2)
>>> [batch.tolist() for (batch,) in loader]
[[0, 1], [2, 3], [4]]
"""

from typing import TYPE_CHECKING

from minigrad.data import (
    ConcatDataset,
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)
from minigrad.unknown_names import module_getattr as _module_getattr

__all__ = [
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "default_collate",
    "random_split",
]

if not TYPE_CHECKING:
    __getattr__ = _module_getattr(__name__, "torch.utils.data")
