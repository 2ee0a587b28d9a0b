"""``minigrad.cpu``: PyTorch's ``torch.cpu`` namespace, for its ``amp`` spellings.

Examples
--------
>>> import minigrad
>>> with minigrad.cpu.amp.autocast(enabled=False):  # doctest: +SKIP
...     pass
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from minigrad.amp import cpu as amp  # torch.cpu.amp: the deprecated spelling

__all__ = ["amp"]

if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.cpu")
