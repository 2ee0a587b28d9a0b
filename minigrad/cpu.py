"""``minigrad.cpu``: PyTorch's ``torch.cpu`` namespace, for its ``amp`` spellings.

Examples
--------
>>> import warnings
>>> import minigrad
>>> with warnings.catch_warnings(record=True) as caught:  # deprecated, as in PyTorch
...     warnings.simplefilter("always")
...     with minigrad.cpu.amp.autocast(enabled=False):
...         pass
>>> caught[0].category.__name__
'FutureWarning'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from minigrad.amp import cpu as amp  # torch.cpu.amp: the deprecated spelling

__all__ = ["amp"]

if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.cpu")
