"""``minigrad.cuda.amp``: PyTorch's deprecated ``torch.cuda.amp`` names (they warn)."""

from __future__ import annotations

from minigrad.amp.legacy import CudaAutocast as autocast
from minigrad.amp.legacy import CudaGradScaler as GradScaler

__all__ = ["GradScaler", "autocast"]
