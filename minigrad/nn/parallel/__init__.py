"""Parallel training wrappers, as ``torch.nn.parallel``.

:class:`DistributedDataParallel` trains one model replica per process (see
:mod:`minigrad.distributed`); :class:`DataParallel` is PyTorch's single-process wrapper,
here on the one device of the process.
"""

from typing import TYPE_CHECKING

from minigrad.nn.parallel.data_parallel import DataParallel, data_parallel
from minigrad.nn.parallel.distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]

if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.nn.parallel")
