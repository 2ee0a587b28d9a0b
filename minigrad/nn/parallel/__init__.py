"""Parallel training wrappers, as ``torch.nn.parallel``.

:class:`DistributedDataParallel` trains one model replica per process (see
:mod:`minigrad.distributed`); :class:`DataParallel` is PyTorch's single-process wrapper,
here on the one device of the process.
"""

from minigrad.nn.parallel.data_parallel import DataParallel
from minigrad.nn.parallel.distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
