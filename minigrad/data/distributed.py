"""``DistributedSampler`` where PyTorch has it (``torch.utils.data.distributed``); it is
defined in :mod:`minigrad.distributed.sampler`."""

from minigrad.distributed.sampler import DistributedSampler

__all__ = ["DistributedSampler"]
