"""``minigrad.utils.data.distributed``: PyTorch's path to :class:`DistributedSampler`."""

from minigrad.distributed.sampler import DistributedSampler

__all__ = ["DistributedSampler"]
