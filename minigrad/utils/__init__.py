"""Utilities with PyTorch's names (``torch.utils``).

``minigrad.utils.data`` is :mod:`minigrad.data` under PyTorch's path; it is imported on
first use (the engine imports this package before the data modules exist).
"""

from typing import Any

from minigrad.utils import hooks

__all__ = ["data", "hooks"]


def __getattr__(name: str) -> Any:
    if name == "data":
        import importlib

        return importlib.import_module("minigrad.utils.data")
    raise AttributeError(f"module 'minigrad.utils' has no attribute {name!r}")
