"""``minigrad.backends.cudnn``: PyTorch's cuDNN switches, kept so that scripts run.

minigrad never calls cuDNN (its CUDA convolutions are im2col plus cuBLAS GEMMs, see the
CuPy backend), so :func:`is_available` is False and the flags below can be set and read
but change nothing: minigrad's convolutions are always deterministic.

Attributes
----------
enabled : bool
    True, as in PyTorch (setting it has no effect).
benchmark : bool
    False (no algorithm search exists to turn on).
deterministic : bool
    False, as in PyTorch (minigrad's kernels are deterministic either way).
allow_tf32 : bool
    True, as in PyTorch (minigrad never uses TF32).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__all__ = ["allow_tf32", "benchmark", "deterministic", "enabled", "is_available", "version"]

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """Always False: minigrad does not use cuDNN."""
    return False


def version() -> int | None:
    """None: no cuDNN library is loaded."""
    return None

if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.backends.cudnn")
