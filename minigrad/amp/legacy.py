"""The deprecated device-specific spellings ``torch.cuda.amp.*`` and ``torch.cpu.amp.*``.

They warn as PyTorch does (``FutureWarning``) and then behave as :mod:`minigrad.amp`'s
classes for that device.
"""

from __future__ import annotations

import warnings
from typing import Any

from minigrad.amp.autocast_mode import autocast
from minigrad.amp.grad_scaler import GradScaler

__all__ = ["CpuAutocast", "CudaAutocast", "CudaGradScaler"]


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"`{old}(args...)` is deprecated. Please use `{new}args...)` instead.",
                  FutureWarning, stacklevel=3)


class CudaAutocast(autocast):
    """``torch.cuda.amp.autocast``: :class:`minigrad.amp.autocast` for ``"cuda"``.

    Parameters
    ----------
    enabled : bool, default True
        False: changes nothing.
    dtype : dtype, default float16
        PyTorch's low-precision dtype.
    cache_enabled : bool, default True
        PyTorch's weight-cast cache switch.
    """

    def __init__(self, enabled: bool = True, dtype: Any = "float16",
                 cache_enabled: bool = True) -> None:
        _deprecated("torch.cuda.amp.autocast", "torch.amp.autocast('cuda', ")
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class CpuAutocast(autocast):
    """``torch.cpu.amp.autocast``: :class:`minigrad.amp.autocast` for ``"cpu"``.

    Parameters
    ----------
    enabled : bool, default True
        False: changes nothing (True raises, see :class:`minigrad.amp.autocast`).
    dtype : dtype, default "bfloat16"
        PyTorch's low-precision dtype (minigrad has no bfloat16).
    cache_enabled : bool, default True
        PyTorch's weight-cast cache switch.
    """

    def __init__(self, enabled: bool = True, dtype: Any = "bfloat16",
                 cache_enabled: bool = True) -> None:
        _deprecated("torch.cpu.amp.autocast", "torch.amp.autocast('cpu', ")
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class CudaGradScaler(GradScaler):
    """``torch.cuda.amp.GradScaler``: :class:`minigrad.amp.GradScaler` for ``"cuda"``.

    Parameters
    ----------
    init_scale, growth_factor, backoff_factor, growth_interval, enabled
        As :class:`minigrad.amp.GradScaler`.
    """

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000,
                 enabled: bool = True) -> None:
        _deprecated("torch.cuda.amp.GradScaler", "torch.amp.GradScaler('cuda', ")
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval,
                         enabled)
