"""``minigrad.amp``: PyTorch's mixed-precision tools.

:class:`GradScaler` is a full loss scaler (PyTorch's growth and backoff schedule, steps
with inf/NaN gradients skipped). :class:`autocast` works where it changes nothing
(``enabled=False``) and refuses, by name, to pretend otherwise: minigrad has no automatic
mixed precision. ``minigrad.cuda.amp`` and ``minigrad.cpu.amp`` hold PyTorch's older,
deprecated spellings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from minigrad.amp.autocast_mode import autocast, is_autocast_available
from minigrad.amp.grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast", "is_autocast_available"]

if not TYPE_CHECKING:
    from minigrad.unknown_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__, "torch.amp")
