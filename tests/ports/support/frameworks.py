"""Which framework the stand-in data modules make tensors for: minigrad (the port) or
torch (the reference run of the same program). The test harness sets ``CURRENT``."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

CURRENT = "minigrad"


def lib() -> ModuleType:
    """The framework module in use (``minigrad`` or ``torch``)."""
    return importlib.import_module(CURRENT)


def from_numpy(array: Any) -> Any:
    """A tensor of the current framework holding a copy of ``array``."""
    return lib().tensor(array)
