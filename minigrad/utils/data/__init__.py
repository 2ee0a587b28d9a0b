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

import sys
from typing import TYPE_CHECKING

from minigrad.data import *  # noqa: F403
from minigrad.data import __all__ as _data_all
from minigrad.data import dataloader, dataset, distributed, sampler

__all__ = [*_data_all]

# PyTorch's submodule paths (torch.utils.data.sampler...): the very modules of minigrad.data
for _module in (dataloader, dataset, distributed, sampler):
    sys.modules[f"{__name__}.{_module.__name__.rsplit('.', 1)[1]}"] = _module

if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.utils.data")
