"""Utilities with PyTorch's names (``torch.utils``): ``hooks`` and ``data``."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

from minigrad.unknown_names import not_in_minigrad as _not_in_minigrad
from minigrad.utils import hooks

__all__ = ["data", "hooks"]

if TYPE_CHECKING:
    from minigrad.utils import data
else:
    def __getattr__(name: str) -> ModuleType:
        # data imports minigrad.data, which needs the tensor core that imports this package
        # (for hooks), so it is loaded on first use.
        if name == "data":
            return importlib.import_module("minigrad.utils.data")
        raise _not_in_minigrad(__name__, "torch.utils", name)
