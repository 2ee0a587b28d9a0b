"""``minigrad.xpu``: Intel GPUs, which no minigrad backend runs on."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["device_count", "is_available"]


def is_available() -> bool:
    """Always False: minigrad has no backend for Intel GPUs (XPU)."""
    return False


def device_count() -> int:
    """Always 0 (see :func:`is_available`)."""
    return 0

if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.xpu")
