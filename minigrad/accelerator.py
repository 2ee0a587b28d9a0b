"""``minigrad.accelerator``: PyTorch's device-agnostic accelerator queries.

minigrad's one accelerator is CUDA through the CuPy backend, so these answer what
:mod:`minigrad.cuda` answers.

Examples
--------
>>> import minigrad
>>> if minigrad.accelerator.is_available():
...     device = minigrad.accelerator.current_accelerator()
... else:
...     device = minigrad.device("cpu")
>>> device.type in ("cpu", "cuda")
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from minigrad import cuda
from minigrad.device import device

__all__ = [
    "current_accelerator",
    "current_device_index",
    "device_count",
    "is_available",
    "synchronize",
]


def is_available() -> bool:
    """Whether an accelerator (a CUDA GPU usable by the CuPy backend) is available."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> device | None:
    """``device("cuda")`` when a GPU is available, else None (as PyTorch without one)."""
    return device("cuda") if cuda.is_available() else None


def device_count() -> int:
    """The number of accelerator devices minigrad can use (0 or 1)."""
    return cuda.device_count()


def current_device_index() -> int:
    """The index of the current accelerator device.

    Raises
    ------
    RuntimeError
        If there is no accelerator.
    """
    if not cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    return cuda.current_device()


def synchronize(device: object = None) -> None:
    """Wait for the accelerator's queued work.

    Raises
    ------
    RuntimeError
        If there is no accelerator.
    """
    if not cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    cuda.synchronize()

if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.accelerator")
