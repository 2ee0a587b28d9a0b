"""``DistributedSampler``: each rank reads its own share of the dataset, in PyTorch's order.

With ``shuffle=True`` the permutation is the one ``torch.randperm(n, generator=g)`` gives
after ``g.manual_seed(seed + epoch)`` (a Fisher-Yates shuffle driven by the 32-bit
Mersenne Twister, which NumPy's legacy ``RandomState`` reproduces bit for bit), so a
script moved from PyTorch sees the same samples on the same ranks.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

import numpy

from minigrad.data.sampler import Sampler

__all__ = ["DistributedSampler", "torch_randperm"]


def torch_randperm(n: int, seed: int) -> list[int]:
    """The permutation of ``range(n)`` that PyTorch's CPU ``randperm`` draws after
    ``manual_seed(seed)``.

    PyTorch walks ``i = 0 .. n-2`` and swaps position ``i`` with ``i + r % (n - i)``,
    ``r`` being successive 32-bit outputs of a Mersenne Twister seeded with the low 32
    bits of ``seed``.

    Examples
    --------
    >>> from minigrad.distributed.sampler import torch_randperm
    >>> torch_randperm(10, 0)
    [4, 1, 7, 5, 3, 9, 0, 8, 6, 2]
    """
    twister = numpy.random.RandomState(seed & 0xFFFFFFFF)
    draws = twister.randint(0, 2**32, size=max(n - 1, 0), dtype=numpy.uint64)
    steps = numpy.arange(n, 1, -1, dtype=numpy.uint64)
    offsets = (draws % steps).tolist() if n > 1 else []
    perm = list(range(n))
    for i, offset in enumerate(offsets):
        j = i + offset
        perm[i], perm[j] = perm[j], perm[i]
    return perm


class DistributedSampler(Sampler):
    """The indices of one rank's share of ``dataset``, as PyTorch's ``DistributedSampler``.

    The (optionally shuffled) index list is padded by repeating its start, or cut when
    ``drop_last``, to a multiple of ``num_replicas``; rank ``r`` takes every
    ``num_replicas``-th index starting at ``r``. Every rank must use the same ``seed``;
    call :meth:`set_epoch` at the start of each epoch for a new order.

    Parameters
    ----------
    dataset : sized
        The dataset (only its length is used).
    num_replicas : int, optional
        Number of ranks; default: the process group's world size.
    rank : int, optional
        This rank; default: the process group's rank.
    shuffle : bool
        Permute the indices (with ``seed + epoch``) before splitting.
    seed : int
        Seed of the permutation, the same on every rank.
    drop_last : bool
        Drop the tail so every rank gets the same number of distinct samples, instead of
        padding with repeated samples.

    Raises
    ------
    ValueError
        If ``rank`` is not in ``[0, num_replicas - 1]``, or no process group is
        initialized and ``num_replicas``/``rank`` are not given.

    Examples
    --------
    >>> from minigrad.data.distributed import DistributedSampler
    >>> [list(DistributedSampler(range(5), num_replicas=2, rank=r, shuffle=False))
    ...  for r in (0, 1)]
    [[0, 2, 4], [1, 3, 0]]
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None,
                 rank: int | None = None, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            from minigrad.distributed.process_group import group

            current = group()
            num_replicas = current.world_size if num_replicas is None else num_replicas
            rank = current.rank if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        size = len(dataset)
        if drop_last and size % num_replicas:
            self.num_samples = math.ceil((size - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(size / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        size = len(self.dataset)
        indices = (torch_randperm(size, self.seed + self.epoch) if self.shuffle
                   else list(range(size)))
        if self.drop_last:
            indices = indices[: self.total_size]
        else:
            missing = self.total_size - len(indices)
            indices += (indices * math.ceil(missing / max(len(indices), 1)))[:missing]
        return iter(indices[self.rank: self.total_size: self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch`` in the seed of the next shuffle (call it before each epoch)."""
        self.epoch = epoch
