"""``minigrad.backends.mps``: Apple's Metal GPUs, which no minigrad backend runs on."""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["is_available", "is_built"]


def is_available() -> bool:
    """Always False: minigrad has no Metal (MPS) backend."""
    return False


def is_built() -> bool:
    """Always False (see :func:`is_available`)."""
    return False

if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.backends.mps")
