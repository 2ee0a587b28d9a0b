"""Validation of optimizer hyper-parameters, with PyTorch's messages."""

from __future__ import annotations

from collections.abc import Sequence


def check_non_negative(name: str, value: float) -> None:
    """Raise ``ValueError`` unless ``value >= 0``."""
    if not value >= 0.0:
        raise ValueError(f"Invalid {name}: {value} (must be >= 0)")


def check_betas(betas: Sequence[float]) -> None:
    """Raise ``ValueError`` unless both betas are in ``[0, 1)``."""
    if len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas!r} (expected a pair)")
    for i, b in enumerate(betas):
        if not 0.0 <= b < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {b} (must be in [0, 1))")
