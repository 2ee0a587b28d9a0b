"""Datasets, samplers and batching, as ``torch.utils.data``, plus built-in image datasets.

Examples
--------
>>> import minigrad
>>> from minigrad.data import DataLoader, TensorDataset
>>> ds = TensorDataset(minigrad.randn(6, 2), minigrad.tensor([0, 1, 0, 1, 0, 1]))
>>> for x, y in DataLoader(ds, batch_size=4):
...     print(x.shape, y.shape)
(4, 2) (4,)
(2, 2) (2,)
"""

from typing import TYPE_CHECKING

from minigrad.data import datasets, distributed
from minigrad.data.dataloader import DataLoader, default_collate, default_convert
from minigrad.data.dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)
from minigrad.data.datasets import MNIST, Digits
from minigrad.data.distributed import DistributedSampler
from minigrad.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from minigrad.data.worker import WorkerInfo, get_worker_info

__all__ = [
    "MNIST",
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "Digits",
    "DistributedSampler",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "datasets",
    "default_collate",
    "default_convert",
    "distributed",
    "get_worker_info",
    "random_split",
]

if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.utils.data")
