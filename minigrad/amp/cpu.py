"""``minigrad.cpu.amp``: PyTorch's deprecated ``torch.cpu.amp.autocast`` (it warns)."""

from __future__ import annotations

from minigrad.amp.legacy import CpuAutocast as autocast

__all__ = ["autocast"]
